package audit

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func eventList(items ...string) string {
	return `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[` + strings.Join(items, ",") + `]}`
}

func TestSinkHandlesBatches(t *testing.T) {
	var got []string
	s := &Sink{Name: "webhook", Handle: func(e *Event) { got = append(got, string(e.AuditID)+"@"+e.Position().String()) }, MaxBodyBytes: 4096}
	srv := httptest.NewServer(s)
	defer srv.Close()
	post := func(body, contentType string) (int, string) {
		resp, err := http.Post(srv.URL+"/audit", contentType, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(data)
	}
	if code, _ := post(eventList(ev("a", "get"), ev("b", "list")), "application/json"); code != 200 {
		t.Errorf("batch 1: %d", code)
	}
	if code, _ := post(eventList(ev("c", "get"), `{"auditID":7}`), "application/json; charset=utf-8"); code != 200 {
		t.Errorf("batch 2 with one bad event: %d", code)
	}
	if code, _ := post("garbage", "application/json"); code != 400 {
		t.Errorf("garbage: %d", code)
	}
	if code, _ := post(eventList(ev("d", "get")), "text/plain"); code != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: %d", code)
	}
	if code, _ := post(eventList(strings.Repeat(ev("e", "get")+",", 40)+ev("f", "get")), "application/json"); code != http.StatusRequestEntityTooLarge {
		t.Errorf("too large: %d", code)
	}
	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("healthz: %v %v", resp, err)
	}
	resp, _ = http.Get(srv.URL + "/audit")
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", resp.StatusCode)
	}
	want := []string{"a@webhook (batch 1):1:75", "b@webhook (batch 1):1:", "c@webhook (batch 2):1:75"}
	if len(got) < 3 || got[0] != want[0] || !strings.HasPrefix(got[1], want[1]) || got[2] != want[2] {
		t.Errorf("events %q", got)
	}
	batches, res := s.Received()
	if batches != 4 || res.Malformed != 3 || len(res.Errors) != 3 {
		t.Errorf("batches %d, %+v", batches, res)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "palisade audit sink"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestServeTLS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t, t.TempDir())
	cfg, err := TLSFiles{CertFile: certFile, KeyFile: keyFile}.Config()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan string, 4)
	s := &Sink{Name: "webhook", Handle: func(e *Event) { events <- string(e.AuditID) }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, cfg, s) }()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Post("https://"+ln.Addr().String()+"/", "application/json", strings.NewReader(eventList(ev("x", "get"))))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("post: %v %v", resp, err)
	}
	if id := <-events; id != "x" {
		t.Errorf("event %q", id)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
	if _, err := (TLSFiles{CertFile: certFile}).Config(); err == nil {
		t.Error("a certificate without its key is an error")
	}
	if _, err := (TLSFiles{CertFile: certFile, KeyFile: keyFile, ClientCAFile: keyFile}).Config(); err == nil {
		t.Error("a client CA file without certificates is an error")
	}
}
