package admission

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/palisade-sec/palisade/internal/check"
)

// testServer runs a Server on loopback with files in a temporary folder.
type testServer struct {
	dir     string
	bundle  *TLSBundle
	srv     *Server
	url     string
	client  *http.Client
	cancel  context.CancelFunc
	done    chan error
	metrics *Metrics
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	// Write and rename, as a Secret volume update does, so a reader never
	// sees half a file.
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func startTestServer(t *testing.T, config string, delay time.Duration) *testServer {
	t.Helper()
	ts := &testServer{dir: t.TempDir()}
	var err error
	ts.bundle, err = NewTLSBundle([]string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(ts.dir, "tls.crt"), ts.bundle.Cert)
	writeFile(t, filepath.Join(ts.dir, "tls.key"), ts.bundle.Key)
	opts := ServerOptions{
		CertFile: filepath.Join(ts.dir, "tls.crt"), KeyFile: filepath.Join(ts.dir, "tls.key"),
		ReloadInterval: 20 * time.Millisecond, ShutdownDelay: delay, Log: io.Discard,
	}
	if config != "" {
		opts.ConfigFile = filepath.Join(ts.dir, "config.yaml")
		writeFile(t, opts.ConfigFile, []byte(config))
	}
	eval := NewEvaluator(EvaluatorOptions{Now: func() time.Time { return testNow }})
	ts.metrics = NewMetrics(check.Default())
	opts.Evaluator, opts.Metrics = eval, ts.metrics
	opts.Handler = NewHandler(eval, HandlerOptions{DefaultMode: ModeDeny, MinSeverity: check.SeverityHigh, Metrics: ts.metrics})
	ts.srv, err = NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.url = "https://" + ln.Addr().String()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ts.bundle.CA)
	ts.client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	var ctx context.Context
	ctx, ts.cancel = context.WithCancel(context.Background())
	ts.done = make(chan error, 1)
	go func() { ts.done <- ts.srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		ts.cancel()
		<-ts.done
	})
	return ts
}

func (ts *testServer) get(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := ts.client.Get(ts.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func (ts *testServer) review(body []byte) (*admissionv1.AdmissionResponse, error) {
	resp, err := ts.client.Post(ts.url+"/validate", "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out admissionv1.AdmissionReview
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, err
	}
	return out.Response, nil
}

// servedSerial dials a new TLS connection and returns the serial of the
// certificate the server presents.
func (ts *testServer) servedSerial(t *testing.T) string {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ts.bundle.CA)
	conn, err := tls.Dial("tcp", strings.TrimPrefix(ts.url, "https://"), &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.String()
}

func serialOf(t *testing.T, certPEM []byte) string {
	b, _ := pem.Decode(certPEM)
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c.SerialNumber.String()
}

func TestServerHealthAndMetrics(t *testing.T) {
	ts := startTestServer(t, "", 0)
	for path, want := range map[string]string{"/healthz": "ok", "/readyz": "ok", "/metrics": "palisade_webhook_requests_total"} {
		if path == "/metrics" {
			if _, err := ts.review(reviewJSON(t, reviewRequest{object: privilegedPod})); err != nil {
				t.Fatal(err)
			}
		}
		code, body := ts.get(t, path)
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d %q", path, code, body)
		}
	}
}

// TestCertificateRotation replaces the certificate while requests flow on
// open connections and new ones: no request fails, new handshakes get the
// new certificate, and a broken pair is refused while the old one stays.
func TestCertificateRotation(t *testing.T) {
	ts := startTestServer(t, "", 0)
	first := serialOf(t, ts.bundle.Cert)
	if got := ts.servedSerial(t); got != first {
		t.Fatalf("serving %s, want %s", got, first)
	}
	body := reviewJSON(t, reviewRequest{object: privilegedPod})
	var failures, done atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if resp, err := ts.review(body); err != nil || resp == nil || resp.Allowed {
					failures.Add(1)
				}
				done.Add(1)
			}
		}()
	}
	time.Sleep(100 * time.Millisecond)

	cert, key, err := ts.bundle.Renew([]string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(ts.dir, "tls.key"), key)
	writeFile(t, filepath.Join(ts.dir, "tls.crt"), cert)
	second := serialOf(t, cert)
	deadline := time.Now().Add(5 * time.Second)
	for ts.servedSerial(t) != second {
		if time.Now().After(deadline) {
			t.Fatal("the new certificate was not served within 5s")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// A certificate without its key does not parse: the second stays.
	other, _, _ := ts.bundle.Renew([]string{"localhost"}, nil, time.Hour)
	writeFile(t, filepath.Join(ts.dir, "tls.crt"), other)
	time.Sleep(200 * time.Millisecond)
	if got := ts.servedSerial(t); got != second {
		t.Errorf("after a broken pair, serving %s, want the previous %s", got, second)
	}
	close(stop)
	wg.Wait()
	if failures.Load() > 0 {
		t.Errorf("%d of %d requests failed during rotation", failures.Load(), done.Load())
	}
	_, metrics := ts.get(t, "/metrics")
	for _, want := range []string{`palisade_webhook_reloads_total{result="ok",what="serving certificate"} 1`, `palisade_webhook_reloads_total{result="error",what="serving certificate"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	t.Logf("%d requests during rotation, none failed", done.Load())
}

func TestConfigReload(t *testing.T) {
	ts := startTestServer(t, "{}\n", 0)
	body := reviewJSON(t, reviewRequest{object: privilegedPod})
	resp, err := ts.review(body)
	if err != nil || resp.Allowed {
		t.Fatalf("before the waiver: %v %+v", err, resp)
	}
	writeFile(t, ts.srv.opts.ConfigFile, []byte("waivers:\n- checks: [pss/privileged]\n  selector: {name: root}\n  reason: device plugin\n"))
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err = ts.review(body)
		if err == nil && resp.Allowed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the waiver in the new config was not applied within 5s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A config that does not parse leaves the last good one in force.
	writeFile(t, ts.srv.opts.ConfigFile, []byte("waivers: [{checks: []}]\n"))
	time.Sleep(200 * time.Millisecond)
	if resp, err = ts.review(body); err != nil || !resp.Allowed {
		t.Errorf("after a broken config: %v %+v", err, resp)
	}
}

func TestGracefulShutdown(t *testing.T) {
	ts := startTestServer(t, "", 300*time.Millisecond)
	if code, _ := ts.get(t, "/readyz"); code != http.StatusOK {
		t.Fatalf("readyz %d before shutdown", code)
	}
	ts.cancel()
	time.Sleep(50 * time.Millisecond)
	if code, body := ts.get(t, "/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("readyz during the shutdown delay: %d %q", code, body)
	}
	// Requests are still answered until the listener closes.
	if resp, err := ts.review(reviewJSON(t, reviewRequest{object: restrictedPod})); err != nil || !resp.Allowed {
		t.Errorf("review during the shutdown delay: %v %+v", err, resp)
	}
	select {
	case err := <-ts.done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
		ts.done <- nil // for the cleanup
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
}

func TestNewServerErrors(t *testing.T) {
	dir := t.TempDir()
	h := NewHandler(NewEvaluator(EvaluatorOptions{}), HandlerOptions{})
	if _, err := NewServer(ServerOptions{Handler: h, CertFile: filepath.Join(dir, "nope.crt"), KeyFile: filepath.Join(dir, "nope.key")}); err == nil {
		t.Error("a missing certificate must fail")
	}
	b, _ := NewTLSBundle([]string{"x"}, nil, time.Hour)
	writeFile(t, filepath.Join(dir, "tls.crt"), b.Cert)
	writeFile(t, filepath.Join(dir, "tls.key"), b.Key)
	writeFile(t, filepath.Join(dir, "bad.yaml"), []byte("waiverz: []\n"))
	_, err := NewServer(ServerOptions{Handler: h, CertFile: filepath.Join(dir, "tls.crt"), KeyFile: filepath.Join(dir, "tls.key"), ConfigFile: filepath.Join(dir, "bad.yaml")})
	if err == nil || !strings.Contains(err.Error(), "waiverz") {
		t.Errorf("a config with an unknown field must fail naming it: %v", err)
	}
}
