package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/palisade-sec/palisade/internal/admission"
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source"

	_ "github.com/palisade-sec/palisade/internal/checks" // registers every check
)

// webhookUnderTest is a Palisade webhook server on loopback.
type webhookUnderTest struct {
	dir     string
	bundle  *admission.TLSBundle
	addr    string
	metrics *admission.Metrics
	cancel  context.CancelFunc
	done    chan error
}

// admissionConfig is the webhook's .palisade.yaml in the tests: a waiver
// that runs to the end of 2099 and one that expired in 2020, for
// privileged pods named after them.
const admissionConfig = `waivers:
- checks: ["pss/*", "workload/*"]
  selector: {namespace: e2e-deny, kind: Pod, name: waived-future}
  reason: device plugin under review
  owner: sre@example.com
  expires: "2099-12-31"
- checks: ["pss/*", "workload/*"]
  selector: {namespace: e2e-deny, kind: Pod, name: waived-expired}
  reason: migration that should be over
  owner: sre@example.com
  expires: "2020-01-31"
`

// startWebhook serves the webhook with a new CA and a certificate for
// 127.0.0.1, in default mode deny, counting findings at or above medium.
// accounts, when set, gives it the default ServiceAccounts.
func startWebhook(t *testing.T, accounts admission.ServiceAccounts) *webhookUnderTest {
	t.Helper()
	return startWebhookWith(t, webhookSetup{
		eval:        admission.EvaluatorOptions{ServiceAccounts: accounts},
		minSeverity: check.SeverityMedium,
		config:      admissionConfig,
	})
}

// webhookSetup says how startWebhookWith serves the webhook.
type webhookSetup struct {
	eval        admission.EvaluatorOptions
	minSeverity check.Severity
	// config is the .palisade.yaml the webhook reads; "" for none.
	config string
}

// startWebhookWith serves the webhook with a new CA and a certificate for
// 127.0.0.1, in default mode deny, until the test ends.
func startWebhookWith(t *testing.T, setup webhookSetup) *webhookUnderTest {
	t.Helper()
	w := &webhookUnderTest{dir: t.TempDir()}
	var err error
	w.bundle, err = admission.NewTLSBundle(nil, []net.IP{net.ParseIP("127.0.0.1")}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	w.writeFile(t, "tls.crt", w.bundle.Cert)
	w.writeFile(t, "tls.key", w.bundle.Key)
	configFile := ""
	if setup.config != "" {
		w.writeFile(t, "config.yaml", []byte(setup.config))
		configFile = filepath.Join(w.dir, "config.yaml")
	}
	eval := admission.NewEvaluator(setup.eval)
	w.metrics = admission.NewMetrics(check.Default())
	srv, err := admission.NewServer(admission.ServerOptions{
		Handler:   admission.NewHandler(eval, admission.HandlerOptions{DefaultMode: admission.ModeDeny, MinSeverity: setup.minSeverity, Metrics: w.metrics}),
		Evaluator: eval, Metrics: w.metrics,
		CertFile: filepath.Join(w.dir, "tls.crt"), KeyFile: filepath.Join(w.dir, "tls.key"), ConfigFile: configFile,
		ReloadInterval: 100 * time.Millisecond, Log: io.Discard,
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w.addr = ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	w.cancel, w.done = cancel, make(chan error, 1)
	go func() { w.done <- srv.Serve(ctx, ln) }()
	t.Cleanup(w.stop)
	return w
}

func (w *webhookUnderTest) writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	p := filepath.Join(w.dir, name)
	if err := os.WriteFile(p+".tmp", data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(p+".tmp", p); err != nil {
		t.Fatal(err)
	}
}

func (w *webhookUnderTest) stop() {
	if w.cancel != nil {
		w.cancel()
		<-w.done
		w.cancel = nil
	}
}

// configuration is the ValidatingWebhookConfiguration `palisade webhook
// install` generates, pointed at the loopback server instead of a Service.
func (w *webhookUnderTest) configuration(failClosed bool) *admissionregistrationv1.ValidatingWebhookConfiguration {
	opts := admission.DefaultInstallOptions("e2e")
	opts.Namespace, opts.FailClosed, opts.DefaultMode, opts.MinSeverity = "palisade-e2e", failClosed, admission.ModeDeny, check.SeverityMedium
	return admission.WebhookConfiguration(opts, func(path string) admissionregistrationv1.WebhookClientConfig {
		url := "https://" + w.addr + path
		return admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: w.bundle.CA}
	})
}

// warnings collects the warnings the API server returns, as kubectl
// prints them.
type warnings struct {
	mu   sync.Mutex
	list []string
}

func (w *warnings) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, text)
}

func (w *warnings) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.list
	w.list = nil
	return out
}

// objectFrom decodes a YAML manifest into its typed object.
func objectFrom[T runtime.Object](t *testing.T, manifest string) T {
	t.Helper()
	objs, errs := (&source.Decoder{}).Decode("test.yaml", []byte(manifest))
	if len(errs) > 0 || len(objs) != 1 {
		t.Fatalf("test manifest: %v", errs)
	}
	o, ok := objs[0].Typed.(T)
	if !ok {
		t.Fatalf("test manifest is a %T", objs[0].Typed)
	}
	return o
}

// pod is a restricted-compliant pod with resource limits; extraSpec adds
// pod spec fields, and privileged (for extraContainer) makes its container
// privileged.
func pod(name, ns, extraSpec, extraContainer string) string {
	if extraContainer == privileged {
		return strings.Replace(pod(name, ns, extraSpec, ""), "      allowPrivilegeEscalation: false\n", privileged, 1)
	}
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s, namespace: %s}
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    seccompProfile: {type: RuntimeDefault}
%s  containers:
  - name: app
    image: registry.k8s.io/pause:3.10
    resources:
      limits: {cpu: 100m, memory: 32Mi}
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL]}
%s`, name, ns, extraSpec, extraContainer)
}

const (
	noToken    = "  automountServiceAccountToken: false\n"
	privileged = "      privileged: true\n"
)

// TestAdmissionWebhook proves the webhook in a real kube-apiserver: what it
// rejects, admits, warns about and audits, its waivers, dry runs, updates,
// excluded namespaces, certificate rotation, and what the API server does
// while it is down, with failurePolicy Ignore and Fail.
func TestAdmissionWebhook(t *testing.T) {
	auditDir := t.TempDir()
	auditLog := filepath.Join(auditDir, "audit.log")
	policy := "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  resources: [{group: \"\", resources: [pods]}]\n- level: None\n"
	if err := os.WriteFile(filepath.Join(auditDir, "policy.yaml"), []byte(policy), 0o600); err != nil {
		t.Fatal(err)
	}
	admin := startAPIServerWith(t, func(env *envtest.Environment) {
		args := env.ControlPlane.GetAPIServer().Configure()
		args.Set("audit-policy-file", filepath.Join(auditDir, "policy.yaml"))
		args.Set("audit-log-path", auditLog)
	})
	ctx := context.Background()
	cs := kubernetes.NewForConfigOrDie(admin)

	// The webhook reads the default ServiceAccounts with exactly the RBAC
	// `palisade webhook install` grants it.
	var role *rbacv1.ClusterRole
	for _, o := range admission.InstallObjects(admission.DefaultInstallOptions("e2e")) {
		if cr, ok := o.(*rbacv1.ClusterRole); ok {
			role = cr
		}
	}
	if _, err := cs.RbacV1().ClusterRoles().Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	webhookSA := serviceAccountConfig(t, admin, "palisade-e2e", "palisade-webhook", role.Name)
	accounts := admission.NewServiceAccountCache(kubernetes.NewForConfigOrDie(webhookSA))
	accountsCtx, stopAccounts := context.WithCancel(ctx)
	defer stopAccounts()
	go accounts.Run(accountsCtx)

	// Namespaces, one per mode and one without a label, made before the
	// webhook judges namespaces. This API server runs no controllers, so
	// the default ServiceAccounts are made here: e2e-deny's turns its token
	// off, e2e-default's does not.
	for ns, mode := range map[string]string{"e2e-deny": "deny", "e2e-warn": "warn", "e2e-audit": "audit", "e2e-default": ""} {
		n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"pod-security.kubernetes.io/enforce": "privileged"}}}
		if mode != "" {
			n.Labels[admission.EnforceLabel] = mode
		}
		if _, err := cs.CoreV1().Namespaces().Create(ctx, n, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns}}
		if ns == "e2e-deny" {
			sa.AutomountServiceAccountToken = new(bool)
		}
		if _, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// A privileged pod from before the webhook, for the update test.
	if _, err := cs.CoreV1().Pods("e2e-deny").Create(ctx, objectFrom[*corev1.Pod](t, pod("legacy", "e2e-deny", noToken, privileged)), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !accounts.HasSynced() {
		if time.Now().After(deadline) {
			t.Fatal("the ServiceAccount cache did not sync with the webhook's RBAC")
		}
		time.Sleep(50 * time.Millisecond)
	}

	hook := startWebhook(t, accounts)
	vwc, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, hook.configuration(false), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}

	warned := &warnings{}
	userCfg := rest.CopyConfig(admin)
	userCfg.WarningHandler = warned
	user := kubernetes.NewForConfigOrDie(userCfg)
	createPod := func(manifest string, dryRun bool) error {
		p := objectFrom[*corev1.Pod](t, manifest)
		opts := metav1.CreateOptions{}
		if dryRun {
			opts.DryRun = []string{metav1.DryRunAll}
		}
		_, err := user.CoreV1().Pods(p.Namespace).Create(ctx, p, opts)
		return err
	}
	// The API server picks the configuration up within a second or so.
	waitFor(t, "the webhook to judge", func() bool {
		err := createPod(pod("probe", "e2e-deny", noToken, privileged), true)
		return err != nil && strings.Contains(err.Error(), "palisade:")
	})
	warned.take()

	t.Run("privileged pod rejected with Palisade's message", func(t *testing.T) {
		err := createPod(pod("priv", "e2e-deny", noToken, privileged), false)
		wantError(t, err, `admission webhook "deny.palisade.dev" denied the request`, "palisade: pod/priv -n e2e-deny fails",
			"pss/privileged (critical) at spec.containers[0].securityContext.privileged", "fix: Remove securityContext.privileged")
	})
	t.Run("restricted-compliant pod admitted", func(t *testing.T) {
		// No automountServiceAccountToken on the pod: the namespace's
		// default ServiceAccount turns the token off, and the webhook reads it.
		if err := createPod(pod("tidy", "e2e-deny", "", ""), false); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("default ServiceAccount that mounts its token counts", func(t *testing.T) {
		err := createPod(pod("tidy", "e2e-default", "", ""), false)
		wantError(t, err, "workload/service-account-token-automount", `ServiceAccount "default" of namespace "e2e-default" does not set it to false`)
	})
	t.Run("latest image in a warn namespace admitted with warnings", func(t *testing.T) {
		d := objectFrom[*appsv1.Deployment](t, `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: e2e-warn}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: web, image: "nginx:latest"}
`)
		if _, err := user.AppsV1().Deployments("e2e-warn").Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		got := strings.Join(warned.take(), "\n")
		for _, want := range []string{`palisade: supplychain/image-tag-mutable (medium) at spec.template.spec.containers[0].image: container "web" image "nginx:latest" uses the tag "latest"`, "pss/"} {
			if !strings.Contains(got, want) {
				t.Errorf("warnings lack %q:\n%s", want, got)
			}
		}
	})
	t.Run("waiver that has not expired admits", func(t *testing.T) {
		if err := createPod(pod("waived-future", "e2e-deny", noToken, privileged), false); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("expired waiver rejects", func(t *testing.T) {
		err := createPod(pod("waived-expired", "e2e-deny", noToken, privileged), false)
		wantError(t, err, "pss/privileged", `the waiver for pss/*,workload/* (owner "sre@example.com") expired on 2020-01-31`)
	})
	t.Run("waiver annotation admits", func(t *testing.T) {
		p := strings.Replace(pod("annotated", "e2e-deny", noToken, privileged), "metadata: {name: annotated, namespace: e2e-deny}",
			`metadata: {name: annotated, namespace: e2e-deny, annotations: {palisade.dev/waive: "pss/privileged,pss/allowPrivilegeEscalation -- GPU driver installer"}}`, 1)
		if err := createPod(p, false); err != nil {
			t.Fatal(err)
		}
	})
	annotatedWaiver := func(name, expires string) string {
		return strings.Replace(pod(name, "e2e-deny", noToken, privileged), "metadata: {name: "+name+", namespace: e2e-deny}",
			`metadata: {name: `+name+`, namespace: e2e-deny, annotations: {palisade.dev/waive: "pss/privileged,pss/allowPrivilegeEscalation -- GPU driver installer", palisade.dev/waive-expires: "`+expires+`"}}`, 1)
	}
	t.Run("waiver annotation that has not expired admits", func(t *testing.T) {
		if err := createPod(annotatedWaiver("annotated-future", "2999-12-31"), false); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("expired waiver annotation rejects", func(t *testing.T) {
		err := createPod(annotatedWaiver("annotated-expired", "2020-01-31"), false)
		wantError(t, err, "pss/privileged", `the waiver for pss/privileged,pss/allowPrivilegeEscalation expired on 2020-01-31`)
	})
	t.Run("dry run judged without side effects", func(t *testing.T) {
		err := createPod(pod("dry", "e2e-deny", noToken, privileged), true)
		wantError(t, err, "pss/privileged")
		metrics := scrape(t, hook.metrics)
		if !strings.Contains(metrics, `palisade_webhook_requests_total{decision="denied",dry_run="true",mode="deny"}`) {
			t.Errorf("dry run not counted as such:\n%s", grep(metrics, "requests_total"))
		}
	})
	t.Run("audit namespace admits and annotates the audit event", func(t *testing.T) {
		if err := createPod(pod("audited", "e2e-audit", noToken, privileged), false); err != nil {
			t.Fatal(err)
		}
		if w := warned.take(); len(w) > 0 {
			t.Errorf("audit mode returned warnings: %v", w)
		}
		waitFor(t, "the audit event", func() bool {
			ev := auditEvent(t, auditLog, "e2e-audit", "audited")
			return ev != nil && strings.Contains(ev["audit.palisade.dev/findings"], `"check":"pss/privileged"`) && ev["audit.palisade.dev/decision"] == "audited"
		})
	})
	t.Run("namespace without a label judged in the default mode", func(t *testing.T) {
		err := createPod(pod("priv", "e2e-default", noToken, privileged), false)
		wantError(t, err, `admission webhook "default.palisade.dev" denied the request`, "pss/privileged")
	})
	t.Run("control-plane namespace excluded", func(t *testing.T) {
		if err := createPod(pod("node-agent", "kube-system", noToken, privileged), false); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("cluster-admin binding rejected", func(t *testing.T) {
		b := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: "bob-admin"},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "bob"}},
		}
		_, err := user.RbacV1().ClusterRoleBindings().Create(ctx, b, metav1.CreateOptions{})
		wantError(t, err, `admission webhook "cluster.palisade.dev" denied the request`, "rbac/cluster-admin (critical) at roleRef")
	})
	t.Run("namespace without Pod Security enforcement rejected", func(t *testing.T) {
		_, err := user.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "e2e-open"}}, metav1.CreateOptions{})
		wantError(t, err, "exposure/namespace-without-pss-enforce")
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "e2e-closed", Labels: map[string]string{"pod-security.kubernetes.io/enforce": "baseline"}}}
		if _, err := user.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("update keeps what the object had, rejects what it adds", func(t *testing.T) {
		patch := []byte(`{"metadata":{"labels":{"team":"sre"}}}`)
		if _, err := user.CoreV1().Pods("e2e-deny").Patch(ctx, "legacy", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			t.Fatalf("relabelling a pod from before the webhook: %v", err)
		}
		if got := strings.Join(warned.take(), "\n"); !strings.Contains(got, "already present before this update, not blocking it: pss/privileged") {
			t.Errorf("warnings: %s", got)
		}
		patch = []byte(`{"spec":{"containers":[{"name":"app","image":"registry.k8s.io/pause:latest"}]}}`)
		_, err := user.CoreV1().Pods("e2e-deny").Patch(ctx, "tidy", types.StrategicMergePatchType, patch, metav1.PatchOptions{})
		wantError(t, err, "supplychain/image-tag-mutable")
	})
	t.Run("certificate rotated while serving", func(t *testing.T) {
		cert, key, err := hook.bundle.Renew(nil, []net.IP{net.ParseIP("127.0.0.1")}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		hook.writeFile(t, "tls.key", key)
		hook.writeFile(t, "tls.crt", cert)
		waitFor(t, "the new certificate", func() bool {
			return strings.Contains(scrape(t, hook.metrics), `palisade_webhook_reloads_total{result="ok",what="serving certificate"} 1`)
		})
		for i := 0; i < 5; i++ {
			wantError(t, createPod(pod("after-rotation", "e2e-deny", noToken, privileged), true), "pss/privileged")
		}
	})
	t.Run("webhook down: failurePolicy Ignore admits, Fail rejects", func(t *testing.T) {
		hook.stop()
		if err := createPod(pod("while-down", "e2e-deny", noToken, privileged), false); err != nil {
			t.Fatalf("failurePolicy Ignore must admit while the webhook is down: %v", err)
		}
		closed := hook.configuration(true)
		closed.ResourceVersion = vwc.ResourceVersion
		if _, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Update(ctx, closed, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "failurePolicy Fail", func() bool {
			err := createPod(pod("fail-closed", "e2e-deny", noToken, ""), true)
			return err != nil && strings.Contains(err.Error(), `failed calling webhook "deny.palisade.dev"`)
		})
	})
}

// TestAdmissionInstallManifests creates what `palisade webhook install`
// generates (deploy/webhook.yaml) in a real API server, as a server-side
// dry run after its Namespace: every object is valid as the API server
// validates it.
func TestAdmissionInstallManifests(t *testing.T) {
	admin := startAPIServer(t)
	res := source.Load(source.Options{Paths: []string{"../../deploy/webhook.yaml"}})
	if len(res.Errors) > 0 || len(res.Objects) < 8 {
		t.Fatalf("deploy/webhook.yaml: %d objects, errors %v", len(res.Objects), res.Errors)
	}
	c := newClient(t, admin)
	ensureNamespaces(t, c, res.Objects)
	for _, o := range res.Objects {
		if o.ID.Kind == "Namespace" {
			continue
		}
		obj, ok := o.Typed.DeepCopyObject().(client.Object)
		if !ok {
			t.Fatalf("%s is not a client object", o.ID)
		}
		if err := c.Create(context.Background(), obj, client.DryRunAll); err != nil {
			t.Errorf("%s: %v", o.ID, err)
		}
	}
}

func wantError(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("admitted; want a rejection saying %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("rejection lacks %q:\n%v", p, err)
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func scrape(t *testing.T, m *admission.Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body.String()
}

func grep(text, word string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// auditEvent returns the annotations of the audit event for the creation
// of a pod, or nil when it is not in the log yet.
func auditEvent(t *testing.T, path, ns, name string) map[string]string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var ev struct {
			Verb        string                                     `json:"verb"`
			Stage       string                                     `json:"stage"`
			ObjectRef   struct{ Resource, Namespace, Name string } `json:"objectRef"`
			Annotations map[string]string                          `json:"annotations"`
		}
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			continue
		}
		if ev.Verb == "create" && ev.Stage == "ResponseComplete" && ev.ObjectRef.Resource == "pods" && ev.ObjectRef.Namespace == ns && ev.ObjectRef.Name == name {
			return ev.Annotations
		}
	}
	return nil
}
