package admission

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/check"
)

// typicalDeployment is the Deployment the benchmark and hack/webhookload
// review: two containers with probes, resources, env and volumes, as a
// chart renders a web service (about 3 KB of JSON).
func typicalDeployment(t testing.TB) string {
	data, err := os.ReadFile("../../hack/webhookload/deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// BenchmarkReviewDeployment measures one AdmissionReview of a typical
// Deployment through the handler: decode, judge with every check that
// applies at admission, encode.
func BenchmarkReviewDeployment(b *testing.B) {
	h := NewHandler(NewEvaluator(EvaluatorOptions{}), HandlerOptions{DefaultMode: ModeDeny, MinSeverity: check.SeverityHigh, Metrics: NewMetrics(check.Default())})
	benchmarkReviews(b, h, reviewJSON(b, reviewRequest{object: typicalDeployment(b)}))
}

// benchmarkReviews posts body to h's /validate, in parallel, b.N times.
func benchmarkReviews(b *testing.B, h http.Handler, body []byte) {
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodPost, "/validate", bytes.NewReader(body))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Error(rec.Body.String())
				return
			}
		}
	})
}

// BenchmarkServeTLS measures reviews of the typical Deployment through the
// whole server: TLS, HTTP/2 on one connection (as the API server calls a
// webhook), the handler and the response; client and server share the
// CPUs.
func BenchmarkServeTLS(b *testing.B) {
	dir := b.TempDir()
	bundle, _ := NewTLSBundle(nil, []net.IP{net.ParseIP("127.0.0.1")}, time.Hour)
	writeFile(b, filepath.Join(dir, "tls.crt"), bundle.Cert)
	writeFile(b, filepath.Join(dir, "tls.key"), bundle.Key)
	eval := NewEvaluator(EvaluatorOptions{})
	m := NewMetrics(check.Default())
	srv, err := NewServer(ServerOptions{Handler: NewHandler(eval, HandlerOptions{DefaultMode: ModeDeny, MinSeverity: check.SeverityHigh, Metrics: m}), Metrics: m, CertFile: filepath.Join(dir, "tls.crt"), KeyFile: filepath.Join(dir, "tls.key"), Log: io.Discard})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = srv.Serve(ctx, ln) }()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(bundle.CA)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}}
	body := reviewJSON(b, reviewRequest{object: typicalDeployment(b)})
	url := "https://" + ln.Addr().String() + "/validate"
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 32<<10)
		for pb.Next() {
			resp, err := c.Post(url, "application/json", bytes.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.ReadFull(resp.Body, buf)
			_ = resp.Body.Close()
		}
	})
}
