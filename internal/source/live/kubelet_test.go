package live

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"

	_ "github.com/palisade-sec/palisade/internal/checks/node" // registers the kubelet checks
)

// apiServer stands in for an API server on 127.0.0.1: it serves /version,
// every list Palisade makes (empty, but for the nodes), and each node's
// configz through configz.
type apiServer struct {
	nodes          []string
	nodesForbidden bool
	configz        func(w http.ResponseWriter, r *http.Request, node string)

	mu       sync.Mutex
	proxied  []string // the nodes whose configz was asked for
	srv      *httptest.Server
	notFound []string // paths it did not serve
}

func startAPIServer(t *testing.T, a *apiServer) *apiServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a.srv = httptest.NewUnstartedServer(http.HandlerFunc(a.serve))
	a.srv.Listener.Close()
	a.srv.Listener = ln
	a.srv.Start()
	t.Cleanup(func() {
		a.srv.Close()
		for _, p := range a.notFound {
			t.Errorf("the loader asked for %s, which the test API server does not serve", p)
		}
	})
	return a
}

// load reads the test API server with the real client.
func (a *apiServer) load(t *testing.T, opts Options) *Result {
	t.Helper()
	opts.RESTConfig = &rest.Config{Host: a.srv.URL}
	opts.Context = "kind-test"
	res, err := Load(context.Background(), opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return res
}

func (a *apiServer) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if p == "/version" {
		writeJSON(w, http.StatusOK, map[string]string{"major": "1", "minor": "37", "gitVersion": "v1.37.2"})
		return
	}
	if node, ok := strings.CutPrefix(p, "/api/v1/nodes/"); ok {
		if node, ok := strings.CutSuffix(node, "/proxy/configz"); ok {
			a.mu.Lock()
			a.proxied = append(a.proxied, node)
			a.mu.Unlock()
			a.configz(w, r, node)
			return
		}
	}
	resource := p[strings.LastIndex(p, "/")+1:]
	for _, k := range kinds() {
		if k.resource != resource {
			continue
		}
		items := []any{}
		if resource == "nodes" {
			if a.nodesForbidden {
				writeStatus(w, http.StatusForbidden, "Forbidden",
					`nodes is forbidden: User "system:serviceaccount:palisade:palisade-scanner" cannot list resource "nodes" in API group "" at the cluster scope`)
				return
			}
			for _, n := range a.nodes {
				items = append(items, map[string]any{"metadata": map[string]string{"name": n, "resourceVersion": "7"}})
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"kind": k.gvk.Kind + "List", "apiVersion": k.groupVersion(),
			"metadata": map[string]string{"resourceVersion": "100"}, "items": items,
		})
		return
	}
	a.mu.Lock()
	a.notFound = append(a.notFound, p)
	a.mu.Unlock()
	http.NotFound(w, r)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// writeStatus answers with a Status, as the API server does for an error.
func writeStatus(w http.ResponseWriter, code int, reason, message string) {
	writeJSON(w, code, map[string]any{"kind": "Status", "apiVersion": "v1", "metadata": map[string]any{},
		"status": "Failure", "message": message, "reason": reason, "code": code})
}

// answer serves body as a configz answer.
func answer(body string) func(http.ResponseWriter, *http.Request, string) {
	return func(w http.ResponseWriter, _ *http.Request, _ string) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	}
}

// insecureConfigz is what a kubelet started with kubelet's flag defaults
// answers: anonymous requests served, every request allowed, the read-only
// port open.
const insecureConfigz = `{"kubeletconfig":{
  "enableServer":true,"staticPodPath":"/etc/kubernetes/manifests","syncFrequency":"1m0s",
  "readOnlyPort":10255,
  "authentication":{"x509":{"clientCAFile":"/etc/kubernetes/pki/ca.crt"},"webhook":{"enabled":false,"cacheTTL":"2m0s"},"anonymous":{"enabled":true}},
  "authorization":{"mode":"AlwaysAllow","webhook":{"cacheAuthorizedTTL":"5m0s","cacheUnauthorizedTTL":"30s"}},
  "eventRecordQPS":50,"streamingConnectionIdleTimeout":"4h0m0s","makeIPTablesUtilChains":true,
  "someFieldOfANewerKubelet":{"x":1}
}}`

// hardenedConfigz passes every kubelet check.
const hardenedConfigz = `{"kubeletconfig":{
  "enableServer":true,"staticPodPath":"/etc/kubernetes/manifests",
  "authentication":{"x509":{"clientCAFile":"/etc/kubernetes/pki/ca.crt"},"webhook":{"enabled":true,"cacheTTL":"2m0s"},"anonymous":{"enabled":false}},
  "authorization":{"mode":"Webhook","webhook":{"cacheAuthorizedTTL":"5m0s","cacheUnauthorizedTTL":"30s"}},
  "eventRecordQPS":50,"streamingConnectionIdleTimeout":"5m0s","makeIPTablesUtilChains":true,"protectKernelDefaults":true,
  "rotateCertificates":true,"serverTLSBootstrap":true,"featureGates":{"RotateKubeletServerCertificate":true},
  "tlsMinVersion":"VersionTLS12","tlsCipherSuites":["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256","TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"]
}}`

func kubeletConfigs(res *Result) map[string]*cluster.Object {
	out := map[string]*cluster.Object{}
	for _, o := range res.Objects {
		if o.ID.Kind == "KubeletConfiguration" {
			out[o.ID.Name] = o
		}
	}
	return out
}

func TestKubeletConfigurationIsReadThroughTheNodeProxy(t *testing.T) {
	a := startAPIServer(t, &apiServer{nodes: []string{"n1"}, configz: answer(insecureConfigz)})
	res := a.load(t, Options{})
	if len(res.Errors) != 0 || len(res.Notices) != 0 {
		t.Fatalf("errors %v, notices %v", res.Errors, res.Notices)
	}
	if fmt.Sprint(a.proxied) != "[n1]" {
		t.Errorf("configz asked of %v, want [n1]", a.proxied)
	}
	got := kubeletConfigs(res)
	o := got["n1"]
	if len(got) != 1 || o == nil {
		t.Fatalf("kubelet configurations %v, want one named n1", got)
	}
	wantID := cluster.ObjectID{APIVersion: "kubelet.config.k8s.io/v1beta1", Kind: "KubeletConfiguration", Name: "n1"}
	if o.ID != wantID {
		t.Errorf("ID %+v, want %+v", o.ID, wantID)
	}
	if want := (cluster.Origin{Cluster: "kind-test", Server: a.srv.URL, ResourceVersion: "7"}); o.Origin != want || !o.Origin.IsLive() {
		t.Errorf("Origin %+v, want %+v (the Node's resourceVersion)", o.Origin, want)
	}
	cfg, ok := o.Typed.(*kubeletv1beta1.KubeletConfiguration)
	if !ok {
		t.Fatalf("Typed is %T", o.Typed)
	}
	if cfg.APIVersion != "kubelet.config.k8s.io/v1beta1" || cfg.Kind != "KubeletConfiguration" {
		t.Errorf("TypeMeta %+v", cfg.TypeMeta)
	}
	if cfg.ReadOnlyPort != 10255 || cfg.Authentication.Anonymous.Enabled == nil || !*cfg.Authentication.Anonymous.Enabled ||
		cfg.Authorization.Mode != kubeletv1beta1.KubeletAuthorizationModeAlwaysAllow ||
		cfg.StreamingConnectionIdleTimeout.Duration != 4*time.Hour || cfg.Authentication.X509.ClientCAFile != "/etc/kubernetes/pki/ca.crt" {
		t.Errorf("configuration not decoded: %+v", cfg)
	}
	if o.Meta == nil || o.Meta.GetName() != "n1" || o.Meta.GetNamespace() != "" {
		t.Errorf("Meta %+v", o.Meta)
	}
	if ids(res.Objects)["node/n1"] == nil {
		t.Error("the Node itself was not kept")
	}
	if last := res.Objects[len(res.Objects)-1]; last != o {
		t.Errorf("the last object is %s, want the kubelet configuration", last.ID)
	}
}

func TestKubeletConfigurationForbiddenIsOneNotice(t *testing.T) {
	a := startAPIServer(t, &apiServer{nodes: []string{"n1", "n2", "n3"}, configz: func(w http.ResponseWriter, _ *http.Request, node string) {
		writeStatus(w, http.StatusForbidden, "Forbidden", fmt.Sprintf(`nodes %q is forbidden: User "system:serviceaccount:palisade:palisade-scanner" `+
			`cannot get resource "nodes/proxy" in API group "" at the cluster scope`, node))
	}})
	res := a.load(t, Options{})
	if len(res.Errors) != 0 {
		t.Errorf("a forbidden configz is an input error: %v", res.Errors)
	}
	if len(res.Notices) != 1 || res.Notices[0] != noticeProxyForbidden {
		t.Fatalf("notices %q, want exactly %q", res.Notices, noticeProxyForbidden)
	}
	for _, w := range []string{"get nodes/proxy is not granted", "not assessed", "palisade node --root /", "deploy/rbac-readonly.yaml"} {
		if !strings.Contains(res.Notices[0], w) {
			t.Errorf("notice %q lacks %q", res.Notices[0], w)
		}
	}
	if len(a.proxied) != 1 {
		t.Errorf("configz asked of %v: after one 403 the others are not asked", a.proxied)
	}
	if n := len(kubeletConfigs(res)); n != 0 {
		t.Errorf("%d kubelet configurations read through a forbidden proxy", n)
	}
	if got := ids(res.Objects); got["node/n1"] == nil || got["node/n3"] == nil {
		t.Error("the Nodes were not kept")
	}
}

func TestListNodesForbiddenIsANotice(t *testing.T) {
	a := startAPIServer(t, &apiServer{nodesForbidden: true, configz: answer(insecureConfigz)})
	res := a.load(t, Options{})
	if len(res.Errors) != 0 {
		t.Errorf("forbidden nodes are an input error: %v", res.Errors)
	}
	if len(res.Notices) != 1 || res.Notices[0] != noticeNodesForbidden {
		t.Errorf("notices %q, want exactly %q", res.Notices, noticeNodesForbidden)
	}
	if len(a.proxied) != 0 {
		t.Errorf("configz asked of %v", a.proxied)
	}
}

func TestUnreachableKubeletIsANoticeAndTheOtherNodeIsRead(t *testing.T) {
	a := startAPIServer(t, &apiServer{nodes: []string{"n1", "n2"}, configz: func(w http.ResponseWriter, r *http.Request, node string) {
		if node == "n2" {
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, "Bad Gateway")
			return
		}
		answer(insecureConfigz)(w, r, node)
	}})
	res := a.load(t, Options{})
	if len(res.Errors) != 0 {
		t.Errorf("an unreachable kubelet is an input error: %v", res.Errors)
	}
	got := kubeletConfigs(res)
	if len(got) != 1 || got["n1"] == nil {
		t.Errorf("kubelet configurations %v, want n1's", got)
	}
	if len(res.Notices) != 1 {
		t.Fatalf("notices %q, want one", res.Notices)
	}
	n := res.Notices[0]
	for _, w := range []string{"1 of 2 nodes", "n2 (502 Bad Gateway)", "kubelet checks do not assess them"} {
		if !strings.Contains(n, w) {
			t.Errorf("notice %q lacks %q", n, w)
		}
	}
	if strings.Contains(n, "n1") {
		t.Errorf("notice %q names n1, whose configuration was read", n)
	}
}

func TestMalformedConfigzIsANotice(t *testing.T) {
	for name, body := range map[string]string{
		"not JSON":           `<html>kubelet</html>`,
		"no kubeletconfig":   `{"componentconfig":{"readOnlyPort":0}}`,
		"null kubeletconfig": `{"kubeletconfig":null}`,
		"wrong type":         `{"kubeletconfig":{"readOnlyPort":"10255"}}`,
		"a list":             `[{"kubeletconfig":{}}]`,
	} {
		t.Run(name, func(t *testing.T) {
			a := startAPIServer(t, &apiServer{nodes: []string{"n1"}, configz: answer(body)})
			res := a.load(t, Options{})
			if len(res.Errors) != 0 {
				t.Errorf("errors %v", res.Errors)
			}
			if n := len(kubeletConfigs(res)); n != 0 {
				t.Errorf("%d kubelet configurations from a malformed answer", n)
			}
			if len(res.Notices) != 1 || !strings.Contains(res.Notices[0], "n1 (the answer is not a kubelet configuration: ") {
				t.Errorf("notices %q, want one naming n1 and the malformed answer", res.Notices)
			}
		})
	}
}

func TestKubeletNoticesAreAggregated(t *testing.T) {
	var nodes []string
	for i := range 12 {
		nodes = append(nodes, fmt.Sprintf("n%02d", i))
	}
	a := startAPIServer(t, &apiServer{nodes: nodes, configz: func(w http.ResponseWriter, r *http.Request, node string) {
		switch {
		case node == "n00":
			answer(hardenedConfigz)(w, r, node)
		case node <= "n08":
			w.WriteHeader(http.StatusBadGateway)
		case node <= "n10":
			writeStatus(w, http.StatusNotFound, "NotFound", "the server could not find the requested resource")
		default:
			<-r.Context().Done() // never answers
		}
	}})
	res := a.load(t, Options{RequestTimeout: 300 * time.Millisecond})
	if len(res.Errors) != 0 {
		t.Errorf("errors %v", res.Errors)
	}
	if len(kubeletConfigs(res)) != 1 {
		t.Errorf("want n00's configuration read")
	}
	if len(res.Notices) != 1 {
		t.Fatalf("notices %q, want one line for every node", res.Notices)
	}
	n := res.Notices[0]
	for _, w := range []string{
		"kubelet configuration of 11 of 12 nodes not read",
		"n01, n02, n03, n04, n05 and 3 more (502 Bad Gateway)",
		"n09, n10 (404: the node is gone, or its kubelet does not serve /configz)",
		"n11 (timed out (request timeout 300ms))",
	} {
		if !strings.Contains(n, w) {
			t.Errorf("notice %q lacks %q", n, w)
		}
	}
	if strings.Contains(n, "n06") || strings.Contains(n, "n00") {
		t.Errorf("notice %q lists more names than it should", n)
	}
}

func TestConfigzConcurrencyIsBounded(t *testing.T) {
	var (
		mu             sync.Mutex
		inFlight, peak int
		asked          []string
	)
	configz := func(_ context.Context, node string) ([]byte, error) {
		mu.Lock()
		inFlight++
		peak = max(peak, inFlight)
		asked = append(asked, node)
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
		return minimalConfigz(context.Background(), node)
	}
	var objs []*corev1.Node
	client := fake.NewClientset()
	for i := range 10 {
		objs = append(objs, &corev1.Node{ObjectMeta: meta("", fmt.Sprintf("n%d", i))})
		if err := client.Tracker().Add(objs[i]); err != nil {
			t.Fatal(err)
		}
	}
	res, err := loadKinds(context.Background(), client, configz, testCluster, Options{Concurrency: 3}.withDefaults(), kinds())
	if err != nil {
		t.Fatal(err)
	}
	if len(asked) != 10 || len(kubeletConfigs(res)) != 10 {
		t.Errorf("asked %v, read %d configurations, want all 10", asked, len(kubeletConfigs(res)))
	}
	for i, o := range res.Objects[len(res.Objects)-10:] {
		if want := fmt.Sprintf("n%d", i); o.ID.Name != want || o.ID.Kind != "KubeletConfiguration" {
			t.Errorf("object %s, want the configurations in node order (%s)", o.ID, want)
		}
	}
	if peak > 3 || peak < 2 {
		t.Errorf("%d configz reads in flight, want 2 or 3", peak)
	}
}

// The kubelet checks judge a configuration read from configz on its own:
// no node facts, config-file defaults.
func TestKubeletChecksJudgeLiveConfigurations(t *testing.T) {
	a := startAPIServer(t, &apiServer{nodes: []string{"insecure", "hardened"}, configz: func(w http.ResponseWriter, r *http.Request, node string) {
		if node == "insecure" {
			answer(insecureConfigz)(w, r, node)
			return
		}
		answer(hardenedConfigz)(w, r, node)
	}})
	res := a.load(t, Options{})
	if len(res.Errors) != 0 || len(res.Notices) != 0 {
		t.Fatalf("errors %v, notices %v", res.Errors, res.Notices)
	}
	reg := check.NewRegistry()
	for _, c := range check.Default().All() {
		if strings.HasPrefix(c.ID, "node/kubelet-") {
			reg.MustAdd(c)
		}
	}
	if len(reg.All()) < 9 {
		t.Fatalf("only %d kubelet checks registered", len(reg.All()))
	}
	result := check.Run(cluster.NewSnapshot(res.Objects), check.Options{Registry: reg, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	fired := map[string]check.Finding{}
	for _, f := range result.Findings {
		if f.Object.Name == "hardened" {
			t.Errorf("%s fired on the hardened kubelet: %s", f.CheckID, f.Message)
		}
		if f.Object.Kind != "KubeletConfiguration" {
			t.Errorf("%s reported on %s, want the kubelet configuration", f.CheckID, f.Object)
		}
		if strings.Contains(f.Message, "not assessed") {
			t.Errorf("%s: %s", f.CheckID, f.Message)
		}
		if f.Live == nil || f.Live.Cluster != "kind-test" || f.Live.ResourceVersion != "7" {
			t.Errorf("%s: live origin %+v", f.CheckID, f.Live)
		}
		if f.Object.Name == "insecure" {
			fired[f.CheckID] = f
		}
	}
	for id, want := range map[string]struct {
		sev   check.Severity
		field string
	}{
		"node/kubelet-anonymous-auth":     {check.SeverityCritical, "authentication.anonymous.enabled"},
		"node/kubelet-authorization-mode": {check.SeverityCritical, "authorization.mode"},
		"node/kubelet-read-only-port":     {check.SeverityHigh, "readOnlyPort"},
	} {
		f, ok := fired[id]
		switch {
		case !ok:
			t.Errorf("%s did not fire on the insecure kubelet", id)
		case f.Severity != want.sev || f.Field != want.field:
			t.Errorf("%s: %s on %s, want %s on %s (%s)", id, f.Severity, f.Field, want.sev, want.field, f.Message)
		}
	}
}
