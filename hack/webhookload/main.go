// Command webhookload drives a running `palisade webhook serve` with
// AdmissionReviews at a constant rate over loopback TLS and reports latency
// percentiles, throughput and the server's memory over time.
//
// The rate is open-loop: request i is due at start + i/rate whether or not
// earlier ones have been answered, so a slow server shows up as latency
// instead of as fewer requests. Two latencies are reported: service time
// (from writing the request to reading the whole response, what the API
// server waits for) and response time (from when the request was due,
// which also counts any time it queued in the load generator).
//
// Usage:
//
//	go run ./hack/webhookload -gen-certs load-certs
//	go run ./cmd/palisade webhook serve --listen 127.0.0.1:8443 --metrics-listen 127.0.0.1:9090 \
//	    --tls-cert-file load-certs/tls.crt --tls-private-key-file load-certs/tls.key
//	go run ./hack/webhookload -ca load-certs/ca.crt -rate 2000 -requests 1000000
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/palisade-sec/palisade/internal/admission"
)

//go:embed deployment.yaml
var deploymentYAML []byte

type options struct {
	url         string
	ca          string
	insecure    bool
	rate        float64
	duration    time.Duration
	requests    int64
	workers     int
	connections int
	http1       bool
	body        string
	metricsURL  string
	interval    time.Duration
	warmup      time.Duration
	genCerts    string
}

func main() {
	if os.Getenv("GOGC") == "" {
		// The generator's own garbage collection would show up as the
		// server's latency: collect rarely.
		debug.SetGCPercent(800)
	}
	var o options
	flag.StringVar(&o.url, "url", "https://127.0.0.1:8443/validate", "webhook URL to POST AdmissionReviews to")
	flag.StringVar(&o.ca, "ca", "", "PEM CA that signed the server's certificate")
	flag.BoolVar(&o.insecure, "insecure", false, "do not verify the server's certificate")
	flag.Float64Var(&o.rate, "rate", 2000, "requests per second")
	flag.DurationVar(&o.duration, "duration", 60*time.Second, "how long to send (after -warmup), unless -requests is set")
	flag.Int64Var(&o.requests, "requests", 0, "how many requests to send (after -warmup); overrides -duration")
	flag.IntVar(&o.workers, "workers", 64, "requests in flight at most")
	flag.IntVar(&o.connections, "connections", 1, "TLS connections (HTTP/2 multiplexes requests on each, as the API server does)")
	flag.BoolVar(&o.http1, "http1", false, "use HTTP/1.1 keep-alive connections (one per request in flight) instead of HTTP/2")
	flag.StringVar(&o.body, "body", "", "file with an AdmissionReview to send (default: a review of hack/webhookload/deployment.yaml)")
	flag.StringVar(&o.metricsURL, "metrics-url", "http://127.0.0.1:9090/metrics", "the server's Prometheus metrics, read every -interval for its memory (empty: do not read)")
	flag.DurationVar(&o.interval, "interval", 10*time.Second, "how often to print progress and read the server's memory")
	flag.DurationVar(&o.warmup, "warmup", 5*time.Second, "send at the rate for this long first, and leave it out of the figures")
	flag.StringVar(&o.genCerts, "gen-certs", "", "write ca.crt, tls.crt and tls.key for 127.0.0.1 into this folder, and exit")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "webhookload:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if o.genCerts != "" {
		return genCerts(o.genCerts)
	}
	if o.rate <= 0 || o.workers <= 0 || o.connections <= 0 {
		return errors.New("-rate, -workers and -connections must be above 0")
	}
	body, err := reviewBody(o.body)
	if err != nil {
		return err
	}
	clients, err := newClients(o)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	fmt.Printf("webhookload: %s, %.0f requests/s, %d bytes per review, %d connections (%s), %d in flight at most\n",
		o.url, o.rate, len(body), o.connections, map[bool]string{true: "HTTP/1.1", false: "HTTP/2"}[o.http1], o.workers)
	if o.warmup > 0 {
		fmt.Printf("warming up for %s\n", o.warmup)
		if _, err := drive(ctx, o, clients, body, int64(o.warmup.Seconds()*o.rate), nil); err != nil {
			return err
		}
	}
	n := o.requests
	if n <= 0 {
		n = int64(o.duration.Seconds() * o.rate)
	}
	var mem []memSample
	progress := func(p progressReport) {
		line := fmt.Sprintf("%7.1fs  sent %9d  errors %5d  %7.0f req/s  service p50 %6.3fms p99 %6.3fms", p.elapsed.Seconds(), p.sent, p.errors, p.rate, ms(p.p50), ms(p.p99))
		if o.metricsURL != "" {
			if s, err := scrape(o.metricsURL); err == nil {
				s.at = p.elapsed
				mem = append(mem, s)
				line += fmt.Sprintf("  server RSS %6.1f MiB heap %6.1f MiB goroutines %d", mib(s.rss), mib(s.heap), s.goroutines)
			}
		}
		fmt.Println(line)
	}
	res, err := drive(ctx, o, clients, body, n, progress)
	if err != nil {
		return err
	}
	report(res, mem)
	return nil
}

// reviewBody is the AdmissionReview to send: the file's, or a CREATE of
// the typical Deployment.
func reviewBody(file string) ([]byte, error) {
	if file != "" {
		return os.ReadFile(file)
	}
	js, err := yaml.YAMLToJSON(deploymentYAML)
	if err != nil {
		return nil, err
	}
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       "d2c8f1a4-1a2b-4c5d-8e9f-0123456789ab",
			Kind:      metav1.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"},
			Resource:  metav1.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"},
			Name:      "checkout",
			Namespace: "shop",
			Operation: admissionv1.Create,
			UserInfo:  authenticationv1.UserInfo{Username: "system:serviceaccount:ci:deployer"},
			Object:    runtime.RawExtension{Raw: js},
		},
	}
	return json.Marshal(review)
}

func newClients(o options) ([]*http.Client, error) {
	tlsCfg := &tls.Config{InsecureSkipVerify: o.insecure, MinVersion: tls.VersionTLS12}
	if o.ca != "" {
		pem, err := os.ReadFile(o.ca)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s holds no PEM certificate", o.ca)
		}
		tlsCfg.RootCAs = pool
	} else if !o.insecure {
		return nil, errors.New("give the server's CA with -ca (or -insecure)")
	}
	out := make([]*http.Client, o.connections)
	for i := range out {
		tr := &http.Transport{
			TLSClientConfig:     tlsCfg.Clone(),
			ForceAttemptHTTP2:   !o.http1,
			MaxIdleConnsPerHost: o.workers,
			IdleConnTimeout:     90 * time.Second,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		}
		if o.http1 {
			tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
		}
		out[i] = &http.Client{Transport: tr, Timeout: 10 * time.Second}
	}
	return out, nil
}

// result is what a run measured.
type result struct {
	sent, errors int64
	firstError   string
	elapsed      time.Duration
	service      []time.Duration
	response     []time.Duration
}

type progressReport struct {
	elapsed      time.Duration
	sent, errors int64
	rate         float64
	p50, p99     time.Duration
}

// drive sends n requests at the rate and measures each.
func drive(ctx context.Context, o options, clients []*http.Client, body []byte, n int64, progress func(progressReport)) (*result, error) {
	type job struct {
		i   int64
		due time.Time
	}
	res := &result{service: make([]time.Duration, n), response: make([]time.Duration, n)}
	jobs := make(chan job, o.workers*4)
	var sent, errs atomic.Int64
	var errOnce sync.Once
	var windowMu sync.Mutex
	var window []time.Duration // service times since the last progress line
	var wg sync.WaitGroup
	for w := 0; w < o.workers; w++ {
		wg.Add(1)
		go func(client *http.Client) {
			defer wg.Done()
			buf := make([]byte, 32<<10)
			for j := range jobs {
				start := time.Now()
				err := post(client, o.url, body, buf)
				end := time.Now()
				res.service[j.i] = end.Sub(start)
				res.response[j.i] = end.Sub(j.due)
				if progress != nil {
					windowMu.Lock()
					window = append(window, end.Sub(start))
					windowMu.Unlock()
				}
				if err != nil {
					errs.Add(1)
					errOnce.Do(func() { res.firstError = err.Error() })
				}
			}
		}(clients[w%len(clients)])
	}

	start := time.Now()
	period := time.Duration(float64(time.Second) / o.rate)
	lastReport := start
	ticker := time.NewTicker(time.Millisecond)
	defer ticker.Stop()
	var i int64
loop:
	for i < n {
		select {
		case <-ctx.Done():
			break loop
		case now := <-ticker.C:
			// Hand out every request due by now.
			for ; i < n; i++ {
				due := start.Add(time.Duration(i) * period)
				if due.After(now) {
					break
				}
				jobs <- job{i, due}
				sent.Add(1)
			}
			if progress != nil && now.Sub(lastReport) >= o.interval {
				windowMu.Lock()
				w := window
				window = make([]time.Duration, 0, len(w))
				windowMu.Unlock()
				progress(progressReport{elapsed: now.Sub(start), sent: sent.Load(), errors: errs.Load(),
					rate: float64(len(w)) / now.Sub(lastReport).Seconds(), p50: percentile(w, 50), p99: percentile(w, 99)})
				lastReport = now
			}
		}
	}
	close(jobs)
	wg.Wait()
	res.sent, res.errors, res.elapsed = sent.Load(), errs.Load(), time.Since(start)
	res.service, res.response = res.service[:res.sent], res.response[:res.sent]
	if res.errors > 0 && progress != nil {
		fmt.Printf("first error: %s\n", res.firstError)
	}
	return res, nil
}

// post sends one review and reads the whole response.
func post(client *http.Client, url string, body, buf []byte) error {
	resp, err := client.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	n, err := io.ReadFull(resp.Body, buf)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(buf[:n]))
	}
	if !bytes.Contains(buf[:n], []byte(`"response"`)) {
		return fmt.Errorf("not an AdmissionReview response: %.200s", buf[:n])
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return nil
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p / 100)
	return s[i]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func mib(b float64) float64 { return b / (1 << 20) }

func report(r *result, mem []memSample) {
	fmt.Printf("\n%d requests in %.1fs: %.0f requests/s, %d errors\n", r.sent, r.elapsed.Seconds(), float64(r.sent)/r.elapsed.Seconds(), r.errors)
	for _, m := range []struct {
		name string
		ds   []time.Duration
	}{{"service time ", r.service}, {"response time", r.response}} {
		s := slices.Clone(m.ds)
		slices.Sort(s)
		pct := func(p float64) float64 {
			if len(s) == 0 {
				return 0
			}
			return ms(s[int(float64(len(s)-1)*p/100)])
		}
		fmt.Printf("%s  p50 %.3fms  p90 %.3fms  p99 %.3fms  p99.9 %.3fms  max %.3fms\n", m.name, pct(50), pct(90), pct(99), pct(99.9), pct(100))
	}
	if len(mem) > 0 {
		first, last, peak := mem[0], mem[len(mem)-1], mem[0]
		for _, m := range mem {
			if m.rss > peak.rss {
				peak = m
			}
		}
		fmt.Printf("server memory: RSS %.1f MiB at %.0fs, %.1f MiB at %.0fs (peak %.1f MiB); heap in use %.1f -> %.1f MiB\n",
			mib(first.rss), first.at.Seconds(), mib(last.rss), last.at.Seconds(), mib(peak.rss), mib(first.heap), mib(last.heap))
	}
}

// memSample is the server's memory at a time.
type memSample struct {
	at         time.Duration
	rss, heap  float64
	goroutines int
}

// scrape reads the server's memory from its Prometheus metrics.
func scrape(url string) (memSample, error) {
	var s memSample
	c := &http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			continue
		}
		switch name {
		case "process_resident_memory_bytes":
			s.rss = v
		case "go_memstats_heap_inuse_bytes":
			s.heap = v
		case "go_goroutines":
			s.goroutines = int(v)
		}
	}
	return s, sc.Err()
}

func genCerts(dir string) error {
	b, err := admission.NewTLSBundle([]string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}, 30*24*time.Hour)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for name, data := range map[string][]byte{"ca.crt": b.CA, "tls.crt": b.Cert, "tls.key": b.Key} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			return err
		}
	}
	fmt.Printf("wrote %s/ca.crt, tls.crt and tls.key for 127.0.0.1 and localhost\n", dir)
	return nil
}
