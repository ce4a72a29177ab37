package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/palisade-sec/palisade/internal/audit"
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cli"
)

// auditPolicy is a usual production policy: leases (the nodes' heartbeats)
// not at all, the objects whose content matters (pods, workloads, RBAC,
// token and certificate requests, webhook configurations) with their
// request bodies, everything else with its metadata. Secrets stay at
// Metadata, so their values never reach the log.
const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: None
  resources:
  - group: coordination.k8s.io
    resources: ["leases"]
- level: Metadata
  resources:
  - group: ""
    resources: ["secrets", "configmaps"]
- level: Request
  resources:
  - group: ""
    resources: ["pods", "serviceaccounts/token", "replicationcontrollers"]
  - group: apps
  - group: batch
  - group: rbac.authorization.k8s.io
  - group: certificates.k8s.io
  - group: admissionregistration.k8s.io
- level: Metadata
`

// auditCluster is an API server with its admin, the attacker (mallory, a CI
// account with a foothold in namespace shop) and a developer (dana).
type auditCluster struct {
	admin, mallory, dana *rest.Config
	adminName            string
}

func startAuditedAPIServer(t *testing.T, flags map[string]string) *auditCluster {
	t.Helper()
	var env *envtest.Environment
	admin := startAPIServerWith(t, func(e *envtest.Environment) {
		env = e
		args := e.ControlPlane.GetAPIServer().Configure()
		args.Set("anonymous-auth", "true")
		for k, v := range flags {
			args.Set(k, v)
		}
	})
	user := func(name string, groups ...string) *rest.Config {
		u, err := env.ControlPlane.AddUser(envtest.User{Name: name, Groups: groups}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return fast(u.Config())
	}
	c := &auditCluster{admin: fast(admin), mallory: user("mallory", "ci"), dana: user("dana", "developers")}
	review, err := kubernetes.NewForConfigOrDie(c.admin).AuthenticationV1().SelfSubjectReviews().Create(context.Background(), &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c.adminName = review.Status.UserInfo.Username
	return c
}

// fast lifts client-go's rate limit.
func fast(cfg *rest.Config) *rest.Config {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = -1, 0
	return cfg
}

func must(t *testing.T, step string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// hardenedPod is a pod that passes every pod check at high and above.
func hardenedPod(name string) corev1.PodSpec {
	no, yes := false, true
	uid := int64(10001)
	return corev1.PodSpec{
		AutomountServiceAccountToken: &no,
		SecurityContext:              &corev1.PodSecurityContext{RunAsNonRoot: &yes, RunAsUser: &uid, SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
		Containers: []corev1.Container{{
			Name: name, Image: "registry.example.com/shop/web@sha256:" + strings.Repeat("ab", 32),
			SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: &no, ReadOnlyRootFilesystem: &yes, Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}},
			Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("256Mi")}},
		}},
	}
}

// warmUp is a day's benign work: the admin sets up a namespace and its
// workload and grants access, a developer looks around, the CI account
// deploys.
func (c *auditCluster) warmUp(t *testing.T) {
	ctx := context.Background()
	admin := kubernetes.NewForConfigOrDie(c.admin)
	create := func(step string, err error) {
		t.Helper()
		if err != nil && !apierrors.IsAlreadyExists(err) {
			t.Fatalf("warm-up: %s: %v", step, err)
		}
	}
	_, err := admin.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}, metav1.CreateOptions{})
	create("namespace", err)
	_, err = admin.CoreV1().ServiceAccounts("shop").Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "web"}}, metav1.CreateOptions{})
	create("service account", err)
	_, err = admin.CoreV1().ConfigMaps("shop").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "settings"}, Data: map[string]string{"mode": "prod"}}, metav1.CreateOptions{})
	create("configmap", err)
	_, err = admin.CoreV1().Secrets("shop").Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db"}, StringData: map[string]string{"password": "s3cr3t"}}, metav1.CreateOptions{})
	create("secret", err)
	_, err = admin.RbacV1().Roles("shop").Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "ci"}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "create"}},
		{APIGroups: []string{""}, Resources: []string{"pods/exec"}, Verbs: []string{"create"}},
		{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"list"}},
		{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"get", "list", "create", "update"}},
	}}, metav1.CreateOptions{})
	create("role", err)
	_, err = admin.RbacV1().RoleBindings("shop").Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "ci"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "ci"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "mallory"}}}, metav1.CreateOptions{})
	create("role binding", err)
	// The built-in view role is filled by the controller manager, which
	// this cluster does not run: the developers get a role of their own.
	_, err = admin.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "developer-view"}, Rules: []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"pods", "services", "configmaps"}, Verbs: []string{"get", "list", "watch"}},
		{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"get", "list", "watch"}},
	}}, metav1.CreateOptions{})
	create("cluster role", err)
	_, err = admin.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "developers-view"},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "developer-view"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "developers"}}}, metav1.CreateOptions{})
	create("cluster role binding", err)
	_, err = admin.CoreV1().Pods("shop").Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-0", Labels: map[string]string{"app": "web"}}, Spec: hardenedPod("web")}, metav1.CreateOptions{})
	create("pod", err)

	// The developer looks around; the CI account deploys.
	dana := kubernetes.NewForConfigOrDie(c.dana)
	mallory := kubernetes.NewForConfigOrDie(c.mallory)
	// The RBAC authorizer sees new bindings through its informers: wait for them.
	waitAllowed(t, func() error { _, err := dana.CoreV1().Pods("shop").List(ctx, metav1.ListOptions{}); return err })
	waitAllowed(t, func() error { _, err := mallory.CoreV1().Pods("shop").List(ctx, metav1.ListOptions{}); return err })
	_, err = dana.AppsV1().Deployments("shop").List(ctx, metav1.ListOptions{})
	must(t, "warm-up: dana lists deployments", err)
	_, err = dana.CoreV1().ConfigMaps("shop").Get(ctx, "settings", metav1.GetOptions{})
	must(t, "warm-up: dana reads a configmap", err)
	_, err = dana.CoreV1().Services("").List(ctx, metav1.ListOptions{})
	must(t, "warm-up: dana lists services", err)
	replicas := int32(2)
	_, err = mallory.AppsV1().Deployments("shop").Create(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: appsv1.DeploymentSpec{
		Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}}, Spec: hardenedPod("web")},
	}}, metav1.CreateOptions{})
	create("mallory deploys web", err)
	_, err = mallory.CoreV1().Pods("shop").Get(ctx, "web-0", metav1.GetOptions{})
	must(t, "warm-up: mallory reads a pod", err)
}

// waitAllowed retries a request the RBAC authorizer may not allow yet.
func waitAllowed(t *testing.T, f func() error) {
	t.Helper()
	var err error
	for i := 0; i < 100; i++ {
		if err = f(); err == nil || !apierrors.IsForbidden(err) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// attack is the scripted attack, step by step.
func (c *auditCluster) attack(t *testing.T) {
	ctx := context.Background()

	// 1. Anonymous probe: someone who reached the API server tries what it
	// serves without credentials, then with a made-up token.
	anon := rest.AnonymousClientConfig(c.admin)
	anon.UserAgent = "curl/8.5.0"
	probe := kubernetes.NewForConfigOrDie(anon).CoreV1().RESTClient()
	bogus := rest.AnonymousClientConfig(c.admin)
	bogus.UserAgent, bogus.BearerToken = "curl/8.5.0", "eyJhbGciOiJSUzI1NiJ9.e30.forged"
	forged := kubernetes.NewForConfigOrDie(bogus).CoreV1().RESTClient()
	paths := []string{"/api/v1/namespaces/kube-system/secrets", "/api/v1/pods", "/api/v1/nodes", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"}
	for i := 0; i < 22; i++ {
		err := probe.Get().AbsPath(paths[i%len(paths)]).Do(ctx).Error()
		if !apierrors.IsForbidden(err) {
			t.Fatalf("anonymous probe of %s: want 403, got %v", paths[i%len(paths)], err)
		}
	}
	for i := 0; i < 3; i++ {
		if err := forged.Get().AbsPath("/api/v1/namespaces/kube-system/secrets").Do(ctx).Error(); !apierrors.IsUnauthorized(err) {
			t.Fatalf("forged token: want 401, got %v", err)
		}
	}

	mallory := kubernetes.NewForConfigOrDie(c.mallory)
	// 2. Secret listing: the CI account lists its namespace's secrets (it
	// may), then every namespace's (it may not).
	_, err := mallory.CoreV1().Secrets("shop").List(ctx, metav1.ListOptions{})
	must(t, "mallory lists secrets in shop", err)
	if _, err := mallory.CoreV1().Secrets("").List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("mallory lists every secret: want 403, got %v", err)
	}

	// 3. Exec attempt into the shop's pod. There is no kubelet, so it fails
	// after authorization; the attempt is in the log.
	err = mallory.CoreV1().RESTClient().Post().Namespace("shop").Resource("pods").Name("web-0").SubResource("exec").
		Param("container", "web").Param("stdout", "true").
		Param("command", "sh").Param("command", "-c").Param("command", "cat /var/run/secrets/kubernetes.io/serviceaccount/token").
		Do(ctx).Error()
	if err == nil {
		t.Fatal("exec without a kubelet succeeded")
	}

	// 4. With an admin kubeconfig found on a build server, mallory binds
	// herself to cluster-admin.
	_, err = kubernetes.NewForConfigOrDie(c.admin).RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "maintenance"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "mallory"}},
	}, metav1.CreateOptions{})
	must(t, "cluster-admin binding", err)

	// 5. A privileged pod sharing the node's PID and network namespaces,
	// with the node's root filesystem mounted.
	yes := true
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "node-debugger"}, Spec: corev1.PodSpec{
		HostPID: true, HostNetwork: true,
		Containers: []corev1.Container{{Name: "shell", Image: "alpine:3.20", Command: []string{"nsenter", "-t", "1", "-m", "-u", "-i", "-n", "sh"},
			SecurityContext: &corev1.SecurityContext{Privileged: &yes},
			VolumeMounts:    []corev1.VolumeMount{{Name: "host", MountPath: "/host"}}}},
		Volumes: []corev1.Volume{{Name: "host", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/"}}}},
	}}
	waitAllowed(t, func() error {
		_, err := mallory.CoreV1().Pods("kube-system").Create(ctx, pod, metav1.CreateOptions{})
		return err
	})

	// 6. A token for the shop's service account, used from curl.
	expiry := int64(86400)
	tok, err := mallory.CoreV1().ServiceAccounts("shop").CreateToken(ctx, "web", &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &expiry}}, metav1.CreateOptions{})
	must(t, "token request", err)
	stolen := rest.AnonymousClientConfig(c.admin)
	stolen.BearerToken, stolen.UserAgent = tok.Status.Token, "curl/8.5.0"
	if _, err := kubernetes.NewForConfigOrDie(stolen).CoreV1().Secrets("shop").List(ctx, metav1.ListOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("the service account lists secrets: want 403, got %v", err)
	}
}

// mark makes a request the log can be searched for, and waits until the
// log holds it: everything before it is then in the log too.
func mark(t *testing.T, admin *rest.Config, name string, logged func() []byte) int {
	t.Helper()
	_, err := kubernetes.NewForConfigOrDie(admin).CoreV1().ConfigMaps("default").Get(context.Background(), name, metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		t.Fatalf("marker %s: %v", name, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		data := logged()
		if i := bytes.Index(data, []byte(`"name":"`+name+`"`)); i >= 0 {
			return bytes.Count(data[:i], []byte{'\n'}) + 1
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("marker %s never reached the audit log", name)
	return 0
}

// expectedAttack is what each step of the attack must set off, by rule,
// with the user whose request it is ("" for credentials rejected).
func (c *auditCluster) expectedAttack() map[string][]string {
	return map[string][]string{
		"audit/anonymous-probe":             {"system:anonymous", ""},
		"audit/denied-burst":                {"system:anonymous", ""},
		"audit/kube-system-secrets":         {"system:anonymous", ""},
		"audit/unusual-secret-reader":       {"mallory"},
		"audit/secrets-listed-cluster-wide": {"mallory"},
		"audit/pod-exec":                    {"mallory"},
		"audit/cluster-admin-binding":       {c.adminName},
		"audit/insecure-pod-created":        {"mallory"},
		"audit/sa-token-request":            {"mallory"},
		"audit/sa-unusual-user-agent":       {"system:serviceaccount:shop:web"},
	}
}

// eventUsers reads a log and maps each auditID to its request's user.
func eventUsers(t *testing.T, path string) map[string]string {
	t.Helper()
	users := map[string]string{}
	res, err := audit.ReadFile(path, nil, audit.Limits{}, func(e *audit.Event) error {
		users[string(e.AuditID)] = e.User.Username
		return nil
	})
	if err != nil || res.Malformed > 0 {
		t.Fatalf("the API server's own log: %v, %v", err, res.Errors)
	}
	return users
}

// checkFindings compares findings with the attack's steps: every step is
// found, and nothing else (in particular nothing before firstAttackLine,
// the API server's bootstrap and the warm-up).
func checkFindings(t *testing.T, findings []check.Finding, users map[string]string, want map[string][]string, firstAttackLine int) {
	t.Helper()
	found := map[string]bool{}
	var lines []string
	for _, f := range findings {
		u := users[f.Object.Name]
		lines = append(lines, fmt.Sprintf("  %-8s %-34s %-32s line %-5d %s", f.Severity, f.CheckID, u, f.Position.Line, f.Message))
		if !slices.Contains(want[f.CheckID], u) {
			t.Errorf("unexpected finding: %s by %q at line %d: %s", f.CheckID, u, f.Position.Line, f.Message)
		}
		if firstAttackLine > 0 && f.Position.Line < firstAttackLine {
			t.Errorf("finding on benign traffic (line %d, before the attack at line %d): %s %s", f.Position.Line, firstAttackLine, f.CheckID, f.Message)
		}
		found[f.CheckID] = true
	}
	sort.Strings(lines)
	t.Logf("findings:\n%s", strings.Join(lines, "\n"))
	for id := range want {
		if !found[id] {
			t.Errorf("attack step not detected: %s", id)
		}
	}
}

// TestAuditLogDetectsScriptedAttack runs the real kube-apiserver with an
// audit policy and a log file, does a day's benign work and then a
// scripted attack, and runs palisade audit on the log the API server
// wrote.
func TestAuditLogDetectsScriptedAttack(t *testing.T) {
	dir := t.TempDir()
	policy, logPath := filepath.Join(dir, "policy.yaml"), filepath.Join(dir, "audit.log")
	must(t, "policy", os.WriteFile(policy, []byte(auditPolicy), 0o600))
	c := startAuditedAPIServer(t, map[string]string{"audit-policy-file": policy, "audit-log-path": logPath})
	logged := func() []byte { data, _ := os.ReadFile(logPath); return data }

	c.warmUp(t)
	firstAttackLine := mark(t, c.admin, "palisade-e2e-warm-up-done", logged)
	c.attack(t)
	mark(t, c.admin, "palisade-e2e-attack-done", logged)

	var stdout, stderr bytes.Buffer
	report := filepath.Join(dir, "report.json")
	code := cli.Main([]string{"audit", logPath, "-o", "json", "--output-file", report, "-o", "table", "--fail-on", "high", "--no-color"}, nil, &stdout, &stderr)
	t.Logf("palisade audit:\n%s%s", stdout.String(), stderr.String())
	if code != cli.ExitFindings {
		t.Fatalf("exit %d, want %d (findings at or above high)", code, cli.ExitFindings)
	}
	data, err := os.ReadFile(report)
	must(t, "report", err)
	var rep struct {
		Objects  int             `json:"objects"`
		Findings []check.Finding `json:"findings"`
		Checks   []struct {
			ID string `json:"id"`
		} `json:"checks"`
	}
	must(t, "report JSON", json.Unmarshal(data, &rep))
	if rep.Objects < firstAttackLine || len(rep.Checks) < 15 {
		t.Errorf("report: %d events, %d rules", rep.Objects, len(rep.Checks))
	}
	checkFindings(t, rep.Findings, eventUsers(t, logPath), c.expectedAttack(), firstAttackLine)

	// The exec attempt names who and where, and what was run.
	for _, f := range rep.Findings {
		if f.CheckID == "audit/pod-exec" && !strings.Contains(f.Message, `user "mallory" ran "sh -c cat /var/run/secrets/kubernetes.io/serviceaccount/token" in pod shop/web-0 (container web) (failed: 400`) {
			t.Errorf("exec finding: %s", f.Message)
		}
		if f.CheckID == "audit/insecure-pod-created" && f.Severity == check.SeverityCritical &&
			(!strings.Contains(f.Message, "pss/privileged") || !strings.Contains(f.Message, "pss/hostNamespaces") || !strings.Contains(f.Message, "pss/hostPathVolumes")) {
			t.Errorf("privileged pod finding: %s", f.Message)
		}
	}

	// The least-privilege proposal for the developer covers what she did.
	stdout.Reset()
	stderr.Reset()
	if code := cli.Main([]string{"audit", "rbac", "--user", "dana", logPath}, nil, &stdout, &stderr); code != cli.ExitOK {
		t.Fatalf("audit rbac: exit %d: %s", code, stderr.String())
	}
	for _, want := range []string{"kind: Role\n", "namespace: shop", "- deployments", "- pods", "resourceNames:\n  - settings", "kind: ClusterRole\n", "- services"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("rbac proposal for dana lacks %q:\n%s", want, stdout.String())
		}
	}
}

// TestAuditWebhookSink points the real kube-apiserver's audit webhook
// backend at the sink, over TLS with a certificate made here, and checks
// that the attack arrives and is detected as it would be from the file.
func TestAuditWebhookSink(t *testing.T) {
	dir := t.TempDir()
	certPEM, keyPEM := selfSignedCert(t)
	certFile, keyFile := filepath.Join(dir, "sink.crt"), filepath.Join(dir, "sink.key")
	must(t, "cert", os.WriteFile(certFile, certPEM, 0o600))
	must(t, "key", os.WriteFile(keyFile, keyPEM, 0o600))
	tlsConfig, err := audit.TLSFiles{CertFile: certFile, KeyFile: keyFile}.Config()
	must(t, "TLS", err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, "listen", err)

	var (
		mu       sync.Mutex
		users    = map[string]string{}
		times    = map[string]time.Time{}
		lastName []byte
	)
	rules, err := audit.NewRuleSet(nil)
	must(t, "rules", err)
	analyzer, err := audit.NewAnalyzer(audit.Options{Rules: rules})
	must(t, "analyzer", err)
	sink := &audit.Sink{Name: "webhook", Handle: func(e *audit.Event) {
		mu.Lock()
		defer mu.Unlock()
		analyzer.Analyze(e)
		users[string(e.AuditID)] = e.User.Username
		times[string(e.AuditID)] = e.RequestReceivedTimestamp.Time
		if e.ObjectRef != nil && e.ObjectRef.Resource == "configmaps" {
			lastName = append(lastName[:0], `"name":"`+e.ObjectRef.Name+`"`...)
		}
	}}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- audit.Serve(ctx, ln, tlsConfig, sink) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("sink: %v", err)
		}
	})

	kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: palisade
  cluster:
    server: https://%s/audit
    certificate-authority-data: %s
contexts:
- name: palisade
  context: {cluster: palisade, user: api-server}
current-context: palisade
users:
- name: api-server
  user: {}
`, ln.Addr(), base64.StdEncoding.EncodeToString(certPEM))
	webhook, policy := filepath.Join(dir, "webhook.kubeconfig"), filepath.Join(dir, "policy.yaml")
	must(t, "webhook kubeconfig", os.WriteFile(webhook, []byte(kubeconfig), 0o600))
	must(t, "policy", os.WriteFile(policy, []byte(auditPolicy), 0o600))
	c := startAuditedAPIServer(t, map[string]string{
		"audit-policy-file":            policy,
		"audit-webhook-config-file":    webhook,
		"audit-webhook-batch-max-wait": "1s",
	})
	received := func() []byte {
		mu.Lock()
		defer mu.Unlock()
		return append([]byte(nil), lastName...)
	}
	c.warmUp(t)
	mark(t, c.admin, "palisade-e2e-warm-up-done", received)
	attackStart := time.Now()
	c.attack(t)
	mark(t, c.admin, "palisade-e2e-attack-done", received)
	// Batches may be sent side by side: give the last ones time to land.
	time.Sleep(2 * time.Second)

	mu.Lock()
	res := analyzer.Result()
	batches, got := sink.Received()
	usersCopy := maps(users)
	mu.Unlock()
	if batches == 0 || got.Malformed > 0 {
		t.Fatalf("sink received %d batches, %+v", batches, got)
	}
	t.Logf("the sink received %d events in %d batches", got.Events, batches)
	checkFindings(t, res.Findings, usersCopy, c.expectedAttack(), 0)
	// Nothing may come from the API server's bootstrap or the warm-up.
	for _, f := range res.Findings {
		mu.Lock()
		at := times[f.Object.Name]
		mu.Unlock()
		if at.Before(attackStart.Truncate(time.Microsecond)) {
			t.Errorf("finding on benign traffic (at %s, before the attack at %s): %s %s", at, attackStart, f.CheckID, f.Message)
		}
		if !strings.HasPrefix(f.Position.File, "webhook (batch ") {
			t.Errorf("finding without its batch: %+v", f.Position)
		}
	}
}

func maps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// selfSignedCert makes a certificate for 127.0.0.1 and its key, in PEM.
func selfSignedCert(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, "key", err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "palisade audit sink"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true, IsCA: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	must(t, "certificate", err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	must(t, "key", err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}
