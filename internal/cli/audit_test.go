package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// auditLine is an audit event as the API server's log backend writes it.
func auditLine(id, user, verb, uri, objectRef string, code int, extra string) string {
	return `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"` + id + `","stage":"ResponseComplete",` +
		`"requestURI":` + strconv.Quote(uri) + `,"verb":"` + verb + `","user":{"username":"` + user + `","groups":["system:authenticated"]},` +
		`"sourceIPs":["10.0.0.7"],"userAgent":"kubectl/v1.37.2 (linux/amd64) kubernetes/abcdef0","objectRef":` + objectRef +
		`,"responseStatus":{"metadata":{},"code":` + strconv.Itoa(code) + `}` + extra +
		`,"requestReceivedTimestamp":"2026-06-01T12:00:00.000000Z","stageTimestamp":"2026-06-01T12:00:00.001000Z"}`
}

var (
	benignLine = auditLine("benign-1", "dana", "list", "/api/v1/namespaces/shop/pods", `{"resource":"pods","namespace":"shop","apiVersion":"v1"}`, 200, "")
	execLine   = auditLine("exec-1", "mallory", "create", "/api/v1/namespaces/shop/pods/web-0/exec?command=sh&container=web",
		`{"resource":"pods","namespace":"shop","name":"web-0","apiVersion":"v1","subresource":"exec"}`, 101, "")
	secretsLine = auditLine("secrets-1", "mallory", "list", "/api/v1/secrets", `{"resource":"secrets","apiVersion":"v1"}`, 200, "")
)

type auditReport struct {
	Objects  int      `json:"objects"`
	Inputs   []string `json:"inputs"`
	Findings []struct {
		CheckID  string `json:"checkID"`
		Severity string `json:"severity"`
		Message  string `json:"message"`
		Object   struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Namespace  string `json:"namespace"`
			Name       string `json:"name"`
		} `json:"object"`
		Position struct {
			File string `json:"file"`
			Line int    `json:"line"`
		} `json:"position"`
		Suppression *struct {
			Reason string `json:"reason"`
		} `json:"suppression"`
	} `json:"findings"`
	Checks []struct {
		ID         string `json:"id"`
		References struct {
			MITRE []string `json:"mitre"`
		} `json:"references"`
	} `json:"checks"`
	InputErrors []struct {
		File    string `json:"file"`
		Line    int    `json:"line"`
		Message string `json:"message"`
	} `json:"inputErrors"`
}

func parseAuditReport(t *testing.T, data string) auditReport {
	t.Helper()
	var rep auditReport
	if err := json.Unmarshal([]byte(data), &rep); err != nil {
		t.Fatalf("JSON report: %v\n%s", err, data)
	}
	return rep
}

func TestAuditFilesAndExitStatus(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"audit.log":  benignLine + "\n" + execLine + "\n",
		"benign.log": benignLine + "\n",
		"broken.log": benignLine + "\n{\"kind\": \"Event\", oops\n" + secretsLine + "\n",
	})
	log := filepath.Join(dir, "audit.log")
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"findings, no --fail-on", []string{"audit", log}, ExitOK},
		{"findings at or above --fail-on", []string{"audit", log, "--fail-on", "high"}, ExitFindings},
		{"nothing at or above --fail-on", []string{"audit", log, "--fail-on", "critical"}, ExitOK},
		{"benign log", []string{"audit", filepath.Join(dir, "benign.log"), "--fail-on", "info"}, ExitOK},
		{"malformed lines win", []string{"audit", filepath.Join(dir, "broken.log"), "--fail-on", "high"}, ExitInput},
		{"missing file", []string{"audit", filepath.Join(dir, "nope.log")}, ExitInput},
		{"a folder", []string{"audit", dir}, ExitInput},
		{"no file", []string{"audit"}, ExitInput},
		{"bad severity", []string{"audit", log, "--fail-on", "severe"}, ExitInput},
		{"--from-end without --follow", []string{"audit", log, "--from-end"}, ExitInput},
		{"--alerts without --follow", []string{"audit", log, "--alerts", "json"}, ExitInput},
		{"--follow of two files", []string{"audit", "--follow", log, log}, ExitInput},
		{"--follow of stdin", []string{"audit", "--follow", "-"}, ExitInput},
		{"stdin twice", []string{"audit", "-", "-"}, ExitInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, _, stderr := run(t, "", tt.args...); code != tt.want {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.want, stderr)
			}
		})
	}
}

func TestAuditReportsMalformedLinesAndAnalysesTheRest(t *testing.T) {
	dir := writeFiles(t, map[string]string{"broken.log": benignLine + "\n{\"kind\": \"Event\", oops\n" + secretsLine + "\n"})
	code, stdout, stderr := run(t, "", "audit", filepath.Join(dir, "broken.log"), "-o", "json")
	if code != ExitInput {
		t.Fatalf("exit %d", code)
	}
	rep := parseAuditReport(t, stdout)
	if rep.Objects != 2 || len(rep.InputErrors) != 1 || rep.InputErrors[0].Line != 2 || !strings.Contains(rep.InputErrors[0].Message, "column 19: malformed audit event") {
		t.Errorf("report: %d events, input errors %+v", rep.Objects, rep.InputErrors)
	}
	ids := map[string]bool{}
	for _, f := range rep.Findings {
		ids[f.CheckID] = true
		if f.Object.Kind != "AuditEvent" || f.Object.APIVersion != "audit.k8s.io/v1" || f.Object.Name != "secrets-1" || f.Position.Line != 3 {
			t.Errorf("finding %s about %+v at %+v", f.CheckID, f.Object, f.Position)
		}
	}
	if !ids["audit/secrets-listed-cluster-wide"] || !ids["audit/unusual-secret-reader"] {
		t.Errorf("the line after the malformed one was not analysed: %v", ids)
	}
	if !strings.Contains(stderr, "broken.log:2: column 19") || !strings.Contains(stderr, "palisade: 2 audit events analysed") {
		t.Errorf("stderr: %s", stderr)
	}
	var mitre bool
	for _, c := range rep.Checks {
		mitre = mitre || c.ID == "audit/pod-exec" && reflect.DeepEqual(c.References.MITRE, []string{"T1609", "T1572"})
	}
	if !mitre || len(rep.Checks) < 15 {
		t.Errorf("the report's checks are the rules: %+v", rep.Checks)
	}
}

func TestAuditStdinGzipAndEveryFormat(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(execLine + "\n"))
	zw.Close()
	dir := t.TempDir()
	rotated := filepath.Join(dir, "audit.log.1.gz")
	if err := os.WriteFile(rotated, gz.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"table", "json", "sarif", "junit", "markdown", "html"} {
		out := filepath.Join(dir, "report."+format)
		code, _, stderr := run(t, secretsLine+"\n", "audit", rotated, "-", "-o", format, "--output-file", out)
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", format, code, stderr)
		}
		data, _ := os.ReadFile(out)
		if !bytes.Contains(data, []byte("audit/pod-exec")) || !bytes.Contains(data, []byte("audit/secrets-listed-cluster-wide")) {
			t.Errorf("%s report lacks the findings:\n%s", format, data)
		}
	}
	data, _ := os.ReadFile(filepath.Join(dir, "report.sarif"))
	if !bytes.Contains(data, []byte(`"startLine": 1`)) || !bytes.Contains(data, []byte("audit.log.1.gz")) {
		t.Errorf("SARIF does not place the finding:\n%s", data)
	}
}

func TestAuditConfigRulesAndWaivers(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"audit.log": execLine + "\n" + secretsLine + "\n" +
			auditLine("del-1", "dana", "delete", "/api/v1/namespaces/prod/configmaps/settings", `{"resource":"configmaps","namespace":"prod","name":"settings","apiVersion":"v1"}`, 200, "") + "\n",
		"palisade.yaml": `allowedRegistries: [registry.example.com]
waivers:
- checks: [audit/pod-exec]
  selector: {labels: {audit.palisade.dev/user: mallory}}
  reason: on-call debugging
  owner: sre
  expires: "2999-01-01"
audit:
  disable: [audit/unusual-secret-reader]
  rules:
  - id: custom/prod-configmap-deleted
    title: ConfigMap deleted in prod
    severity: critical
    mitre: [T1485]
    field: objectRef.name
    match: verb == "delete" && objectRef.resource == "configmaps" && objectRef.namespace == "prod"
    message: '"deleted by " + user.username + " from " + sourceIPs[0]'
`,
		"typo.yaml":    "audit:\n  rulez: []\n",
		"badcel.yaml":  "audit:\n  rules:\n  - {id: a/b, title: t, severity: high, match: 'verb +'}\n",
		"badburst.yml": "audit:\n  burst: {threshold: -1}\n",
	})
	code, stdout, stderr := run(t, "", "audit", filepath.Join(dir, "audit.log"), "--config", filepath.Join(dir, "palisade.yaml"), "-o", "json", "--fail-on", "high")
	if code != ExitFindings {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rep := parseAuditReport(t, stdout)
	got := map[string]string{}
	for _, f := range rep.Findings {
		s := f.Severity + " " + f.Message
		if f.Suppression != nil {
			s += " (waived: " + f.Suppression.Reason + ")"
		}
		got[f.CheckID] = s
	}
	if got["custom/prod-configmap-deleted"] != "critical deleted by dana from 10.0.0.7" {
		t.Errorf("custom rule: %q", got["custom/prod-configmap-deleted"])
	}
	if !strings.HasSuffix(got["audit/pod-exec"], "(waived: on-call debugging)") {
		t.Errorf("waiver: %q", got["audit/pod-exec"])
	}
	if _, ok := got["audit/unusual-secret-reader"]; ok {
		t.Error("a disabled rule fired")
	}
	for file, want := range map[string]string{
		"typo.yaml":    `unknown field "rulez"`,
		"badcel.yaml":  "rules[0] (a/b): match: ERROR",
		"badburst.yml": "burst.threshold must not be negative",
	} {
		code, _, stderr := run(t, "", "audit", filepath.Join(dir, "audit.log"), "--config", filepath.Join(dir, file))
		if code != ExitInput || !strings.Contains(stderr, want) {
			t.Errorf("%s: exit %d, stderr %q; want %q", file, code, stderr, want)
		}
	}
	code, stdout, _ = run(t, "", "audit", "rules", "--config", filepath.Join(dir, "palisade.yaml"))
	custom := false
	for _, l := range strings.Split(stdout, "\n") {
		custom = custom || strings.Join(strings.Fields(l), " ") == "custom/prod-configmap-deleted critical T1485 ConfigMap deleted in prod"
	}
	if code != ExitOK || !custom || strings.Contains(stdout, "audit/unusual-secret-reader") {
		t.Errorf("audit rules: exit %d\n%s", code, stdout)
	}
}

func TestAuditRulesListAndShow(t *testing.T) {
	code, stdout, _ := run(t, "", "audit", "rules")
	if code != ExitOK || !strings.Contains(stdout, "audit/dashboard-creates-workload") || !strings.Contains(stdout, "T1609") {
		t.Fatalf("exit %d\n%s", code, stdout)
	}
	code, stdout, _ = run(t, "", "audit", "rules", "audit/denied-burst")
	if code != ExitOK || !strings.Contains(stdout, "Remediation") || !strings.Contains(stdout, "T1110") {
		t.Fatalf("exit %d\n%s", code, stdout)
	}
	if code, _, stderr := run(t, "", "audit", "rules", "audit/nope"); code != ExitInput || !strings.Contains(stderr, "palisade audit rules") {
		t.Errorf("unknown rule: exit %d %s", code, stderr)
	}
}

// syncBuffer is a bytes.Buffer safe to read while a command writes it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startLive runs a long-running audit command in the background; stop ends
// it as Ctrl-C would and returns its exit status.
func startLive(t *testing.T, args ...string) (stdout, stderr *syncBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	orig := auditRunContext
	auditRunContext = func(parent context.Context) (context.Context, context.CancelFunc) { return ctx, cancel }
	t.Cleanup(func() { auditRunContext = orig })
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- Main(args, strings.NewReader(""), stdout, stderr) }()
	var once sync.Once
	code := -1
	stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("the command did not stop")
			}
		})
		return code
	}
	t.Cleanup(func() { stop() })
	return stdout, stderr, stop
}

func waitForOutput(t *testing.T, b *syncBuffer, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(b.String(), want) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("output never showed %q:\n%s", want, b.String())
}

func TestAuditFollow(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "audit.log")
	if err := os.WriteFile(log, []byte(benignLine+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "report.json")
	stdout, stderr, stop := startLive(t, "audit", "--follow", log, "-o", "json", "--output-file", report, "--fail-on", "high")
	f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(execLine + "\n")
	f.Close()
	waitForOutput(t, stdout, "HIGH audit/pod-exec "+log+":2:1 user \"mallory\" ran \"sh\" in pod shop/web-0")
	if code := stop(); code != ExitFindings {
		t.Errorf("exit %d, want %d; stderr %s", code, ExitFindings, stderr.String())
	}
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if rep := parseAuditReport(t, string(data)); rep.Objects != 2 || len(rep.Findings) != 1 {
		t.Errorf("report after stopping: %d events, %d findings", rep.Objects, len(rep.Findings))
	}
	if code, _, stderr := run(t, "", "audit", "--follow", log, "-o", "json"); code != ExitInput || !strings.Contains(stderr, "--output-file") {
		t.Errorf("-o to stdout with alerts: exit %d %s", code, stderr)
	}
}

func selfSignedFiles(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sink"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "sink.crt"), filepath.Join(dir, "sink.key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

func TestAuditServe(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSignedFiles(t, dir)
	addrs := make(chan string, 1)
	orig := auditSinkListening
	auditSinkListening = func(addr string) { addrs <- addr }
	t.Cleanup(func() { auditSinkListening = orig })
	stdout, stderr, stop := startLive(t, "audit", "serve", "--listen", "127.0.0.1:0", "--tls-cert-file", certFile, "--tls-private-key-file", keyFile, "--alerts", "json")
	var addr string
	select {
	case addr = <-addrs:
	case <-time.After(10 * time.Second):
		t.Fatalf("the sink never listened: %s", stderr.String())
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	batch := `{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[` + benignLine + `,` + execLine + `]}`
	resp, err := client.Post("https://"+addr+"/audit", "application/json", strings.NewReader(batch))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("POST: %v %v", resp, err)
	}
	waitForOutput(t, stdout, `"checkID":"audit/pod-exec"`)
	var alert struct {
		CheckID  string `json:"checkID"`
		Position struct {
			File string `json:"file"`
		} `json:"position"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(stdout.String(), "\n", 2)[0]), &alert); err != nil || alert.Position.File != "webhook "+addr+" (batch 1)" {
		t.Errorf("alert %+v, %v", alert, err)
	}
	if code := stop(); code != ExitOK {
		t.Errorf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "received 1 batches") || !strings.Contains(stderr.String(), "2 audit events analysed, 1 findings") {
		t.Errorf("stderr: %s", stderr.String())
	}
	for _, args := range [][]string{
		{"audit", "serve", "--listen", "127.0.0.1:0"},
		{"audit", "serve", "--listen", "127.0.0.1:0", "--tls-cert-file", certFile, "--tls-private-key-file", certFile},
		{"audit", "serve", "--listen", "nope", "--tls-cert-file", certFile, "--tls-private-key-file", keyFile},
		{"audit", "serve", "--tls-cert-file", certFile, "--tls-private-key-file", keyFile, "--alerts", "xml"},
	} {
		if code, _, _ := run(t, "", args...); code != ExitInput {
			t.Errorf("%v: exit %d, want %d", args, code, ExitInput)
		}
	}
}

func TestAuditRBAC(t *testing.T) {
	sa := "system:serviceaccount:shop:web"
	log := strings.Join([]string{
		auditLine("1", sa, "get", "/api/v1/namespaces/shop/configmaps/settings", `{"resource":"configmaps","namespace":"shop","name":"settings","apiVersion":"v1"}`, 200, ""),
		auditLine("2", sa, "list", "/api/v1/namespaces/shop/pods", `{"resource":"pods","namespace":"shop","apiVersion":"v1"}`, 200, ""),
		auditLine("3", sa, "watch", "/api/v1/namespaces/shop/pods", `{"resource":"pods","namespace":"shop","apiVersion":"v1"}`, 200, ""),
		auditLine("4", sa, "list", "/api/v1/nodes", `{"resource":"nodes","apiVersion":"v1"}`, 200, ""),
		auditLine("5", sa, "get", "/api/v1/namespaces/shop/secrets/x", `{"resource":"secrets","namespace":"shop","name":"x","apiVersion":"v1"}`, 403, ""),
		auditLine("6", "dana", "get", "/api/v1/namespaces/shop/secrets/x", `{"resource":"secrets","namespace":"shop","name":"x","apiVersion":"v1"}`, 200, ""),
	}, "\n") + "\n"
	dir := writeFiles(t, map[string]string{"audit.log": log})
	path := filepath.Join(dir, "audit.log")
	code, stdout, stderr := run(t, "", "audit", "rbac", "--serviceaccount", "shop:web", path)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.HasPrefix(stdout, "# Least-privilege RBAC for service account shop/web") || !strings.Contains(stderr, "1 refused requests are not covered") {
		t.Errorf("header or note missing:\n%s\n%s", stdout, stderr)
	}
	var kinds []string
	for _, doc := range strings.Split(stdout, "\n---\n")[1:] {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			t.Fatalf("%v:\n%s", err, doc)
		}
		md := obj["metadata"].(map[string]any)
		kinds = append(kinds, obj["kind"].(string)+"/"+md["name"].(string))
		if _, ok := md["creationTimestamp"]; ok {
			t.Errorf("creationTimestamp in %s", doc)
		}
	}
	sort.Strings(kinds)
	want := []string{"ClusterRole/web-least-privilege", "ClusterRoleBinding/web-least-privilege", "Role/web-least-privilege", "RoleBinding/web-least-privilege"}
	if !reflect.DeepEqual(kinds, want) {
		t.Errorf("objects %v, want %v", kinds, want)
	}
	for _, s := range []string{"resourceNames:\n  - settings", "- list\n  - watch", "kind: ServiceAccount\n  name: web\n  namespace: shop"} {
		if !strings.Contains(stdout, s) {
			t.Errorf("proposal lacks %q:\n%s", s, stdout)
		}
	}
	code, stdout, _ = run(t, "", "audit", "rbac", "--user", "dana", "--include-denied", "--name", "dana-ro", "-o", "json", path)
	if code != ExitOK || !strings.Contains(stdout, `"kind": "List"`) || !strings.Contains(stdout, `"name": "dana-ro"`) {
		t.Errorf("json: exit %d\n%s", code, stdout)
	}
	for _, args := range [][]string{
		{"audit", "rbac", path},
		{"audit", "rbac", "--user", "a", "--serviceaccount", "b:c", path},
		{"audit", "rbac", "--serviceaccount", "web", path},
		{"audit", "rbac", "--user", "nobody", path},
		{"audit", "rbac", "--user", "dana"},
		{"audit", "rbac", "--user", "dana", "-o", "xml", path},
	} {
		if code, _, _ := run(t, "", args...); code != ExitInput {
			t.Errorf("%v: exit %d, want %d", args, code, ExitInput)
		}
	}
}

// TestAuditAttackExample runs palisade audit over the example scenario, a
// short attack recorded by a real kube-apiserver, and compares with its
// expected findings.
func TestAuditAttackExample(t *testing.T) {
	dir := filepath.Join("..", "..", "examples", "audit-attack")
	code, stdout, stderr := run(t, "", "audit", filepath.Join(dir, "audit.log"), "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rep := parseAuditReport(t, stdout)
	var got []string
	for _, f := range rep.Findings {
		got = append(got, f.Severity+" "+f.CheckID+" audit.log:"+strconv.Itoa(f.Position.Line))
	}
	data, err := os.ReadFile(filepath.Join(dir, "audit-expected.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			want = append(want, l)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings:\n%s\nwant (audit-expected.txt):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
