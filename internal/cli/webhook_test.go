package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	chartloader "helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"sigs.k8s.io/yaml"

	"github.com/palisade-sec/palisade/internal/admission"
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/imagesig/sigtest"
	"github.com/palisade-sec/palisade/internal/source"
)

const deployWebhook = "../../deploy/webhook.yaml"
const helmChart = "../../deploy/helm/palisade"

// TestWebhookInstallMatchesDeploy: deploy/webhook.yaml is exactly what
// `palisade webhook install` prints with the defaults.
func TestWebhookInstallMatchesDeploy(t *testing.T) {
	code, out, errOut := run(t, "", "webhook", "install")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want, err := os.ReadFile(deployWebhook)
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Errorf("deploy/webhook.yaml is stale: regenerate it with\n  go run ./cmd/palisade webhook install > deploy/webhook.yaml\n(and bring deploy/helm/palisade in line)")
	}
	if !strings.Contains(errOut, "no CA bundle") {
		t.Errorf("install without a CA must say how to provide one: %q", errOut)
	}
}

// objectsOf parses a YAML stream into comparable objects keyed by kind and
// name: JSON values, without status, nulls and empty maps.
func objectsOf(t *testing.T, docs ...[]byte) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, d := range docs {
		for _, doc := range source.SplitDocuments("x.yaml", d) {
			js, err := yaml.YAMLToJSON(doc.Bytes)
			if err != nil {
				t.Fatalf("%v\n%s", err, doc.Bytes)
			}
			var m map[string]any
			if err := json.Unmarshal(js, &m); err != nil {
				t.Fatal(err)
			}
			if m == nil {
				continue
			}
			admission.Prune(m)
			dropEmpty(m)
			meta, _ := m["metadata"].(map[string]any)
			key := fmt.Sprintf("%v/%v", m["kind"], meta["name"])
			if _, dup := out[key]; dup {
				t.Fatalf("%s twice", key)
			}
			out[key] = m
		}
	}
	return out
}

// dropEmpty removes empty maps, which carry nothing in these objects.
func dropEmpty(v any) bool {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if dropEmpty(x) {
				delete(t, k)
			}
		}
		return len(t) == 0
	case []any:
		for _, x := range t {
			dropEmpty(x)
		}
	}
	return false
}

func renderChart(t *testing.T, values map[string]any) []byte {
	t.Helper()
	ch, err := chartloader.Load(helmChart)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := chartutil.ToRenderValues(ch, values, chartutil.ReleaseOptions{Name: "palisade", Namespace: "palisade-system", IsInstall: true}, chartutil.DefaultCapabilities.Copy())
	if err != nil {
		t.Fatal(err)
	}
	files, err := engine.Engine{Strict: true}.Render(ch, vals)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []byte
	for _, n := range names {
		out = append(out, []byte("\n---\n"+files[n])...)
	}
	return out
}

// TestHelmChartRendersInstall: the chart renders the objects `palisade
// webhook install` prints, with the defaults and with every option set.
func TestHelmChartRendersInstall(t *testing.T) {
	ca, err := admission.NewTLSBundle([]string{"x"}, nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	const cfg = "allowedRegistries: [registry.example.com]\n"
	tests := []struct {
		name   string
		values map[string]any
		opts   func(o *admission.InstallOptions)
	}{
		{"defaults", map[string]any{"createNamespace": true}, func(*admission.InstallOptions) {}},
		{"every option", map[string]any{
			"createNamespace": true, "defaultMode": "deny", "minSeverity": "critical", "failClosed": true, "timeoutSeconds": 10,
			"excludeNamespaces": []any{"monitoring", "palisade-system"}, "lookupServiceAccounts": false, "caBundle": string(ca.CA),
			"config": cfg, "replicas": 3, "image": map[string]any{"tag": "v9.9.9"},
		}, func(o *admission.InstallOptions) {
			o.DefaultMode, o.MinSeverity, o.FailClosed, o.TimeoutSeconds = admission.ModeDeny, check.SeverityCritical, true, 10
			o.ExcludeNamespaces, o.LookupServiceAccounts, o.CABundle = []string{"monitoring", "palisade-system"}, false, ca.CA
			o.Config, o.Replicas, o.Image = []byte(cfg), 3, "ghcr.io/palisade-sec/palisade:v9.9.9"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := admission.DefaultInstallOptions(Version)
			tt.opts(&opts)
			want, err := admission.InstallYAML(opts, "")
			if err != nil {
				t.Fatal(err)
			}
			got, wantObjs := objectsOf(t, renderChart(t, tt.values)), objectsOf(t, want)
			for key, w := range wantObjs {
				g, ok := got[key]
				if !ok {
					t.Errorf("the chart does not render %s", key)
					continue
				}
				if !reflect.DeepEqual(g, w) {
					gy, _ := yaml.Marshal(g)
					wy, _ := yaml.Marshal(w)
					t.Errorf("%s differs:\nchart:\n%s\ninstall:\n%s", key, gy, wy)
				}
			}
			for key := range got {
				if _, ok := wantObjs[key]; !ok {
					t.Errorf("the chart renders %s, which install does not", key)
				}
			}
		})
	}
}

// TestHelmChartGeneratesTLS: with tls.generate the chart's Secret holds a
// certificate for the Service that the webhooks' caBundle verifies.
func TestHelmChartGeneratesTLS(t *testing.T) {
	objs := objectsOf(t, renderChart(t, map[string]any{"tls": map[string]any{"generate": true, "validityDays": 30}}))
	secret, vwc := objs["Secret/palisade-webhook-tls"], objs["ValidatingWebhookConfiguration/palisade"]
	if secret == nil || vwc == nil {
		t.Fatalf("no Secret or webhook configuration: %v", reflect.ValueOf(objs).MapKeys())
	}
	data := secret["data"].(map[string]any)
	caB64 := vwc["webhooks"].([]any)[0].(map[string]any)["clientConfig"].(map[string]any)["caBundle"].(string)
	verifyServing(t, decodeB64(t, caB64), decodeB64(t, data["tls.crt"].(string)), "palisade-webhook.palisade-system.svc")
}

func decodeB64(t *testing.T, s string) []byte {
	t.Helper()
	var b []byte
	if err := json.Unmarshal([]byte(`"`+s+`"`), &b); err != nil {
		t.Fatal(err)
	}
	return b
}

func verifyServing(t *testing.T, caPEM, certPEM []byte, host string) {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("no CA in the bundle")
	}
	block, _ := pem.Decode(certPEM)
	if block == nil {
		t.Fatal("no certificate")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: host}); err != nil {
		t.Errorf("the certificate does not verify for %s: %v", host, err)
	}
}

func TestWebhookInstallGenerateTLS(t *testing.T) {
	code, out, errOut := run(t, "", "webhook", "install", "--generate-tls", "--namespace", "sec")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	objs := objectsOf(t, []byte(out))
	secret, vwc := objs["Secret/palisade-webhook-tls"], objs["ValidatingWebhookConfiguration/palisade"]
	if secret == nil || vwc == nil {
		t.Fatal("no Secret or webhook configuration")
	}
	caB64 := vwc["webhooks"].([]any)[0].(map[string]any)["clientConfig"].(map[string]any)["caBundle"].(string)
	verifyServing(t, decodeB64(t, caB64), decodeB64(t, secret["data"].(map[string]any)["tls.crt"].(string)), "palisade-webhook.sec.svc")
	if !strings.Contains(out, "Generated by: palisade webhook install --generate-tls=true --namespace=sec") {
		t.Errorf("the header does not say how it was made:\n%s", out[:200])
	}
}

func TestWebhookUsageErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{"bad.yaml": "waiverz: []\n", "ca.crt": "x"})
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"serve without certificate", []string{"webhook", "serve"}, "--tls-cert-file and --tls-private-key-file are required"},
		{"serve bad mode", []string{"webhook", "serve", "--tls-cert-file", "a", "--tls-private-key-file", "b", "--default-mode", "block"}, `unknown mode "block"`},
		{"serve bad severity", []string{"webhook", "serve", "--tls-cert-file", "a", "--tls-private-key-file", "b", "--min-severity", "severe"}, "--min-severity"},
		{"serve missing files", []string{"webhook", "serve", "--tls-cert-file", filepath.Join(dir, "a"), "--tls-private-key-file", filepath.Join(dir, "b")}, "no such file"},
		{"serve kubeconfig without lookups", []string{"webhook", "serve", "--tls-cert-file", "a", "--tls-private-key-file", "b", "--kubeconfig", "k"}, "add it"},
		{"serve image timeout without key", []string{"webhook", "serve", "--tls-cert-file", "a", "--tls-private-key-file", "b", "--image-timeout", "1s"}, "--image-timeout applies to signature verification: add --key or --trusted-root"},
		{"serve identity without key", []string{"webhook", "serve", "--tls-cert-file", "a", "--tls-private-key-file", "b", "--certificate-identity", "me@example.com"}, "add --key or --trusted-root"},
		{"serve image timeout too long", []string{"webhook", "serve", "--tls-cert-file", "a", "--tls-private-key-file", "b", "--key", "k.pub", "--image-timeout", "30s"}, "--image-timeout above 0 and below 30s"},
		{"serve missing key file", []string{"webhook", "serve", "--tls-cert-file", "a", "--tls-private-key-file", "b", "--key", filepath.Join(dir, "nope.pub")}, "nope.pub"},
		{"install timeout", []string{"webhook", "install", "--timeout-seconds", "31"}, "1 to 30"},
		{"install two CAs", []string{"webhook", "install", "--generate-tls", "--ca-bundle-file", filepath.Join(dir, "ca.crt")}, "drop --ca-bundle-file"},
		{"install validity alone", []string{"webhook", "install", "--tls-validity", "24h"}, "applies to --generate-tls"},
		{"install bad config", []string{"webhook", "install", "--config", filepath.Join(dir, "bad.yaml")}, "waiverz"},
		{"install extra argument", []string{"webhook", "install", "now"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := run(t, "", tt.args...)
			if code != ExitInput {
				t.Errorf("exit %d, want %d", code, ExitInput)
			}
			if !strings.Contains(errOut, tt.msg) {
				t.Errorf("stderr %q lacks %q", errOut, tt.msg)
			}
		})
	}
}

func TestWebhookChecks(t *testing.T) {
	code, out, _ := run(t, "", "webhook", "checks")
	if code != ExitOK {
		t.Fatal(code)
	}
	for _, want := range []string{"pss/privileged", "yes", "node/kubelet-anonymous-auth", "exposure/dashboard-exposed", "needs the dashboard's Deployment"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// unsigned-image runs when serve verifies signatures; the other image
	// checks never do.
	rows := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 3 {
			rows[f[0]] = f[2]
		}
	}
	for id, want := range map[string]string{"supplychain/unsigned-image": "with", "supplychain/vulnerable-image": "no", "supplychain/eol-base-image": "no", "supplychain/image-digest-drift": "no", "supplychain/image-tag-mutable": "yes"} {
		if rows[id] != want {
			t.Errorf("%s: at admission %q, want %q", id, rows[id], want)
		}
	}
	if !strings.Contains(out, "with --key/--trusted-root  Pod, Deployment") {
		t.Errorf("unsigned-image row does not say when and where it runs:\n%s", grepLines(out, "unsigned-image"))
	}
}

// TestWebhookServe starts `palisade webhook serve`, asks it for a review
// and its health over TLS, and stops it as SIGTERM would: exit 0.
func TestWebhookServe(t *testing.T) {
	dir := writeFiles(t, map[string]string{"config.yaml": "{}\n"})
	srv := startServe(t, "--config", filepath.Join(dir, "config.yaml"))
	body := `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1","kind":{"group":"","version":"v1","kind":"Pod"},"namespace":"shop","operation":"CREATE",` +
		`"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"shop"},"spec":{"containers":[{"name":"c","image":"x:1","securityContext":{"privileged":true}}]}}}}`
	if allowed, msg := srv.review(t, body); allowed {
		t.Errorf("privileged pod admitted: %s", msg)
	}
	srv.stop(t)
}

// TestWebhookServeVerifiesSignatures: with --key, serve verifies the
// signatures of a pod's images in a registry on loopback, with the real
// verifier: a signed image is admitted, an unsigned one rejected by
// supplychain/unsigned-image.
func TestWebhookServeVerifiesSignatures(t *testing.T) {
	host := sigtest.NewRegistry(t)
	signed := sigtest.PushImage(t, host, "shop/signed")
	sigtest.PushImage(t, host, "shop/unsigned")
	key, pub := sigtest.NewKey(t)
	sigtest.SignImage(t, signed, key)
	keyFile := sigtest.WriteFile(t, "cosign.pub", pub)
	srv := startServe(t, "--key", keyFile, "--image-timeout", "2s", "--image-cache-ttl", "1m", "--min-severity", "high")
	pod := func(image string) string {
		return `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1","kind":{"group":"","version":"v1","kind":"Pod"},"namespace":"shop","operation":"CREATE",` +
			`"object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"shop"},"spec":{"automountServiceAccountToken":false,` +
			`"securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},"containers":[{"name":"app","image":"` + image + `",` +
			`"resources":{"limits":{"cpu":"100m","memory":"32Mi"}},"securityContext":{"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"capabilities":{"drop":["ALL"]}}}]}}}}`
	}
	if allowed, msg := srv.review(t, pod(host+"/shop/signed:latest")); !allowed {
		t.Errorf("signed image (by tag) rejected: %s", msg)
	}
	allowed, msg := srv.review(t, pod(host+"/shop/unsigned:latest"))
	if allowed || !strings.Contains(msg, `supplychain/unsigned-image (high) at spec.containers[0].image: container "app" image "`+host+`/shop/unsigned:latest" has no signature that verifies: no signature`) {
		t.Errorf("unsigned image: allowed %v: %s", allowed, msg)
	}
	srv.stop(t)
	if !strings.Contains(srv.errOut(), "image signatures verified (cached 1m0s, timeout 2s)") {
		t.Errorf("startup line does not say signatures are verified: %s", srv.errOut())
	}
}

// servedWebhook is `palisade webhook serve` running in the test.
type servedWebhook struct {
	addr   string
	client *http.Client
	cancel context.CancelFunc
	done   chan int
	mu     sync.Mutex
	stderr string
}

func (s *servedWebhook) errOut() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stderr
}

// startServe runs `palisade webhook serve` with a new certificate on a
// loopback port, with args added, and waits until it is ready.
func startServe(t *testing.T, args ...string) *servedWebhook {
	t.Helper()
	b, err := admission.NewTLSBundle(nil, []net.IP{net.ParseIP("127.0.0.1")}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dir := writeFiles(t, map[string]string{"tls.crt": string(b.Cert), "tls.key": string(b.Key)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &servedWebhook{addr: ln.Addr().String(), done: make(chan int, 1)}
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	old := serveContext
	serveContext = func(context.Context) (context.Context, context.CancelFunc) { return ctx, cancel }
	t.Cleanup(func() { serveContext = old })
	go func() {
		code, _, errOut := run(t, "", append([]string{"webhook", "serve", "--listen", s.addr, "--shutdown-delay", "0s",
			"--tls-cert-file", filepath.Join(dir, "tls.crt"), "--tls-private-key-file", filepath.Join(dir, "tls.key")}, args...)...)
		s.mu.Lock()
		s.stderr = errOut
		s.mu.Unlock()
		s.done <- code
	}()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(b.CA)
	s.client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := s.client.Get("https://" + s.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

// review posts an AdmissionReview to /validate/deny and returns whether
// it was allowed and the rejection message.
func (s *servedWebhook) review(t *testing.T, body string) (bool, string) {
	t.Helper()
	resp, err := s.client.Post("https://"+s.addr+"/validate/deny", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var review struct {
		Response struct {
			UID     string `json:"uid"`
			Allowed bool   `json:"allowed"`
			Status  struct {
				Message string `json:"message"`
			} `json:"status"`
		} `json:"response"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&review); err != nil || review.Response.UID != "u1" {
		t.Fatalf("review: %v %+v", err, review)
	}
	return review.Response.Allowed, review.Response.Status.Message
}

// stop shuts serve down as SIGTERM would and wants exit 0.
func (s *servedWebhook) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	select {
	case code := <-s.done:
		if code != ExitOK {
			t.Errorf("exit %d after shutdown: %s", code, s.errOut())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func grepLines(text, word string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
