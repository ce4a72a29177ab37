package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/palisade-sec/palisade/internal/admission"
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/policy"
	"github.com/palisade-sec/palisade/internal/source"
)

// vapConfig is the .palisade.yaml the policies are exported with and scan
// judges with: allowed registries, and a waiver for one fixture.
var vapConfig = &check.Config{
	AllowedRegistries: []string{"registry.k8s.io", "registry.example.com", "docker.io/library"},
	Waivers: []check.Waiver{{
		Checks: []string{"pss/*", "workload/*"}, Selector: check.Selector{Kind: "Pod", Name: "waived-by-config-*"},
		Reason: "device plugin", Expires: "2099-12-31",
	}},
}

var vapWarning = regexp.MustCompile(`ValidatingAdmissionPolicy '([^']+)'`)

// TestPolicyExportMatchesScan loads the exported ValidatingAdmissionPolicies
// into a real kube-apiserver and, for every fixture (the upstream Pod
// Security Admission fixtures, the example clusters, a generated cluster
// and variants of every exported check), asserts that the API server warns
// about exactly the checks `palisade scan` reports on it (in a namespace
// labelled warn) and rejects it exactly when scan reports any (in one
// labelled deny).
func TestPolicyExportMatchesScan(t *testing.T) {
	admin := startAPIServer(t)
	ctx := context.Background()
	cs := kubernetes.NewForConfigOrDie(admin)

	// ValidatingAdmissionPolicy is GA: served at admissionregistration.k8s.io/v1
	// with no feature gate or runtime-config.
	res, err := cs.Discovery().ServerResourcesForGroupVersion("admissionregistration.k8s.io/v1")
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]bool{}
	for _, r := range res.APIResources {
		served[r.Name] = true
	}
	if !served["validatingadmissionpolicies"] || !served["validatingadmissionpolicybindings"] {
		t.Fatalf("the API server does not serve ValidatingAdmissionPolicy at v1: %v", served)
	}

	exp, err := policy.Export(policy.Options{Config: vapConfig, MinSeverity: check.SeverityInfo, DefaultMode: admission.ModeDeny, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	checkOf := map[string]string{}
	reg := check.NewRegistry()
	for _, p := range exp.Policies {
		id := p.Annotations[policy.LabelCheck]
		checkOf[p.Name] = id
		c, _ := check.Default().Get(id)
		reg.MustAdd(c)
	}
	t.Logf("%d checks exported: %s", len(exp.Exported), strings.Join(exp.Exported, " "))

	for ns, mode := range map[string]string{"vap-warn": "warn", "vap-deny": "deny", "vap-update": "warn", "default": "warn"} {
		n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{admission.EnforceLabel: mode}}}
		if ns == "default" {
			patch := []byte(`{"metadata":{"labels":{"palisade.dev/enforce":"warn"}}}`)
			if _, err := cs.CoreV1().Namespaces().Patch(ctx, ns, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
				t.Fatal(err)
			}
		} else if _, err := cs.CoreV1().Namespaces().Create(ctx, n, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		// No controller makes default ServiceAccounts here.
		if _, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	c := newClient(t, admin)
	for _, o := range exp.Objects() {
		if err := c.Create(ctx, o.DeepCopyObject().(client.Object)); err != nil {
			t.Fatalf("creating %T: %v", o, err)
		}
	}
	warned := &warnings{}
	userCfg := rest.CopyConfig(admin)
	userCfg.WarningHandler = warned
	user := newClient(t, userCfg)
	waitFor(t, "the policies to apply", func() bool {
		p := objectFrom[*corev1.Pod](t, pod("probe", "vap-deny", "", privileged))
		err := user.Create(ctx, p, client.DryRunAll)
		return err != nil && strings.Contains(err.Error(), "ValidatingAdmissionPolicy 'palisade-")
	})

	sa := func(ns string) *cluster.Object {
		return &cluster.Object{ID: cluster.ObjectID{APIVersion: "v1", Kind: "ServiceAccount", Namespace: ns, Name: "default"},
			Typed: &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns}}, Meta: &metav1.ObjectMeta{Name: "default", Namespace: ns}}
	}
	// scanSet is what scan reports on an object, of the exported checks.
	scanSet := func(o *cluster.Object) map[string]bool {
		snapObjs := []*cluster.Object{o}
		if o.ID.Namespace != "" {
			snapObjs = append(snapObjs, sa(o.ID.Namespace))
		}
		result := check.Run(cluster.NewSnapshot(snapObjs), check.Options{Registry: reg, Config: vapConfig, Workers: 1})
		out := map[string]bool{}
		for _, fd := range result.Findings {
			if fd.Object == o.ID && !fd.Suppressed() {
				out[fd.CheckID] = true
			}
		}
		return out
	}
	// apiSet is what the API server does with an object (dry run): the
	// checks whose policies warn, or an error.
	apiSet := func(o *cluster.Object) (map[string]bool, error) {
		obj, ok := o.Typed.DeepCopyObject().(client.Object)
		if !ok {
			t.Fatalf("%s is not a client object", o.ID)
		}
		warned.take()
		err := user.Create(ctx, obj, client.DryRunAll)
		out := map[string]bool{}
		for _, w := range warned.take() {
			for _, m := range vapWarning.FindAllStringSubmatch(w, -1) {
				out[checkOf[m[1]]] = true
			}
		}
		return out, err
	}
	same := func(api, scan map[string]bool) bool {
		if len(scan) > 14 { // the API server keeps about 16 warnings when they run over 4 KiB
			for id := range api {
				if !scan[id] {
					return false
				}
			}
			return len(api) >= 14
		}
		return strings.Join(keys(api), " ") == strings.Join(keys(scan), " ")
	}

	// The API server loads new policies and bindings in the background:
	// wait until probes of every kind are judged in full.
	probes := decodeAll(t, strings.Join([]string{
		"apiVersion: v1\nkind: Pod\nmetadata: {name: probe}\nspec:\n  hostNetwork: true\n  shareProcessNamespace: true\n  volumes: [{name: h, hostPath: {path: /}}]\n" +
			"  containers: [{name: c, image: 'quay.io/x:latest', ports: [{containerPort: 80, hostPort: 80}], securityContext: {privileged: true, runAsUser: 0, capabilities: {add: [NET_ADMIN]}}}]\n",
		"apiVersion: v1\nkind: Service\nmetadata: {name: probe}\nspec: {type: LoadBalancer, ports: [{port: 80}]}\n",
		"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: probe}\nspec: {rules: [{host: a.example.com}]}\n",
		"apiVersion: v1\nkind: Secret\nmetadata: {name: probe, annotations: {kubernetes.io/service-account.name: default}}\ntype: kubernetes.io/service-account-token\n",
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: vap-probe}\n",
	}, "\n---\n"))
	for _, p := range probes {
		o := placed(p, "vap-warn")
		want := scanSet(o)
		var got map[string]bool
		var err error
		deadline := time.Now().Add(60 * time.Second)
		for got, err = apiSet(o); err != nil || !same(got, want); got, err = apiSet(o) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: the policies did not all apply within 60s: warns %v (%v), scan %v", o.ID, keys(got), err, keys(want))
			}
			time.Sleep(200 * time.Millisecond)
		}
	}

	fixtures := vapFixtures(t)
	compared, invalid, rejected := 0, 0, 0
	failing := map[string]int{}
	var refused []string
	for _, f := range fixtures {
		for _, ns := range []string{"vap-warn", "vap-deny"} {
			if strings.HasPrefix(f.ID.Name, "in-default") {
				if ns == "vap-deny" {
					continue
				}
				ns = "default" // labelled warn
			}
			o := placed(f, ns)
			want := scanSet(o)
			got, err := apiSet(o)
			byPolicy := err != nil && strings.Contains(err.Error(), "ValidatingAdmissionPolicy")
			if err != nil && !byPolicy {
				if apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) || apierrors.IsForbidden(err) || apierrors.IsAlreadyExists(err) {
					invalid++ // the API server's own validation refused it first
					refused = append(refused, fmt.Sprintf("%s (%.120s)", o.ID.Name, err))
					break
				}
				t.Fatalf("%s: %v", o.ID, err)
			}
			if ns == "vap-deny" {
				if byPolicy != (len(want) > 0) {
					t.Errorf("%s (%s): the API server rejects=%v, scan reports %v\n%v", o.ID, f.Origin.File, byPolicy, keys(want), err)
				}
				if byPolicy {
					rejected++
				}
				continue
			}
			if byPolicy {
				t.Errorf("%s in a warn namespace was rejected (an expression failed?): %v", o.ID, err)
				continue
			}
			if !same(got, want) {
				t.Errorf("%s (%s):\n  API server warns: %v\n  scan reports:     %v", o.ID, f.Origin.File, keys(got), keys(want))
			}
			for id := range want {
				failing[id]++
			}
			compared++
		}
	}
	for _, id := range exp.Exported {
		// The API server refuses procMount: Unmasked unless hostUsers is
		// false, which relaxes the baseline check: no valid pod fails it
		// (the policy package's tests cover it offline).
		if failing[id] == 0 && id != "pss/procMount" {
			t.Errorf("%s: no fixture fails it", id)
		}
	}
	t.Logf("refused by the API server's validation:\n  %s", strings.Join(refused, "\n  "))
	t.Logf("%d fixtures judged the same by the API server and by scan (warn: check by check; deny: %d rejected); %d refused by the API server's own validation first", compared, rejected, invalid)

	t.Run("an update may keep a failure but not add one", func(t *testing.T) {
		p := objectFrom[*corev1.Pod](t, pod("legacy", "vap-update", noToken, privileged))
		if err := user.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
		patchNS := []byte(`{"metadata":{"labels":{"palisade.dev/enforce":"deny"}}}`)
		if _, err := cs.CoreV1().Namespaces().Patch(ctx, "vap-update", types.MergePatchType, patchNS, metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "deny in vap-update", func() bool {
			err := user.Create(ctx, objectFrom[*corev1.Pod](t, pod("probe", "vap-update", noToken, privileged)), client.DryRunAll)
			return err != nil
		})
		if _, err := cs.CoreV1().Pods("vap-update").Patch(ctx, "legacy", types.MergePatchType, []byte(`{"metadata":{"labels":{"team":"sre"}}}`), metav1.PatchOptions{}); err != nil {
			t.Errorf("relabelling a pod that was privileged before: %v", err)
		}
		patch := []byte(`{"spec":{"containers":[{"name":"app","image":"registry.k8s.io/pause:latest"}]}}`)
		_, err := cs.CoreV1().Pods("vap-update").Patch(ctx, "legacy", types.StrategicMergePatchType, patch, metav1.PatchOptions{})
		wantError(t, err, "ValidatingAdmissionPolicy 'palisade-supplychain-image-tag-mutable'")
	})
}

// placed puts a copy of a fixture in a namespace (namespaced kinds), as
// kubectl apply -n does; Namespace fixtures are labelled with the mode.
// Names get "-" for "_".
func placed(f *cluster.Object, ns string) *cluster.Object {
	typed := f.Typed.DeepCopyObject()
	o := &cluster.Object{ID: f.ID, Typed: typed, Origin: f.Origin}
	o.Meta = typed.(metav1.Object)
	// Upstream fixture names hold "_", which no object name may.
	o.ID.Name = strings.ReplaceAll(o.ID.Name, "_", "-")
	o.Meta.SetName(o.ID.Name)
	if n, ok := typed.(*corev1.Namespace); ok {
		if n.Labels == nil {
			n.Labels = map[string]string{}
		}
		n.Labels[admission.EnforceLabel] = strings.TrimPrefix(ns, "vap-")
		return o
	}
	if cluster.IsNamespaced(o) {
		o.ID.Namespace = ns
		o.Meta.SetNamespace(ns)
	}
	return o
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// vapFixtures are the objects the proof judges.
func vapFixtures(t *testing.T) []*cluster.Object {
	t.Helper()
	var paths []string
	if out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/pod-security-admission").Output(); err == nil {
		dir := filepath.Join(strings.TrimSpace(string(out)), "test", "testdata")
		for _, level := range []string{"baseline", "restricted"} {
			files, _ := filepath.Glob(filepath.Join(dir, level, "v1.37", "*", "*.yaml"))
			if len(files) == 0 {
				t.Fatalf("no v1.37 fixtures in %s", dir)
			}
			paths = append(paths, files...)
		}
	}
	for _, ex := range []string{"insecure-shop", "hardened", "tesla-2018", "capital-one"} {
		paths = append(paths, "../../examples/"+ex)
	}
	res := source.Load(source.Options{Paths: paths})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors[0].Error())
	}
	objs := append(res.Objects, decodeAll(t, strings.Join(vapVariants(), "\n---\n"))...)
	var out []*cluster.Object
	seen := map[string]bool{}
	for _, o := range objs {
		key := o.ID.Kind + "/" + o.ID.Name
		if _, ok := admission.ResourceOf(o.ID.Kind); !ok || seen[key] || o.ID.Kind == "ServiceAccount" {
			continue // kinds no policy reads, and a name already used
		}
		seen[key] = true
		out = append(out, o)
	}
	return out
}

func decodeAll(t *testing.T, manifests string) []*cluster.Object {
	t.Helper()
	objs, errs := (&source.Decoder{}).Decode("variants.yaml", []byte(manifests))
	if len(errs) > 0 {
		t.Fatal(errs[0].Error())
	}
	return objs
}

// vapVariants exercise each exported check that the upstream fixtures do
// not: images, host paths, capabilities, limits, Services, Ingresses,
// Secrets, Namespaces and waivers.
func vapVariants() []string {
	var out []string
	podWith := func(name, spec, container string) string {
		return fmt.Sprintf("apiVersion: v1\nkind: Pod\nmetadata: {name: %s}\nspec:\n%s  containers:\n  - name: app\n    image: registry.example.com/app:1.0\n%s", name, spec, container)
	}
	image := func(img string) string {
		return fmt.Sprintf("    image: %q\n", img)
	}
	for i, img := range []string{"nginx", "nginx:latest", "nginx:1.27", "docker.io/nginx", "index.docker.io/library/nginx:1", "registry.example.com/app:latest",
		"ghcr.io/acme/api:2", "localhost:5000/app:1", "nginx@sha256:" + strings.Repeat("a", 64), "nginx:1@sha256:" + strings.Repeat("b", 64),
		"registry.k8s.io/pause:3.10", "quay.io/team/tool:v1", "Upper/app:1"} {
		spec := podWith(fmt.Sprintf("image-%d", i), "", "")
		out = append(out, strings.Replace(spec, "    image: registry.example.com/app:1.0\n", image(img), 1))
		out = append(out, strings.Replace(spec, "    image: registry.example.com/app:1.0\n", image(img)+"    imagePullPolicy: IfNotPresent\n", 1))
	}
	for i, p := range []string{"/", "/etc", "/etc/kubernetes", "/etc/localtime", "/var/run/docker.sock", "//run//containerd/containerd.sock", "/var", "/var/lib/kubelet/pods", "/data", "/home/x", "/sys", "/data/../tmp"} {
		out = append(out, podWith(fmt.Sprintf("hostpath-%d", i), fmt.Sprintf("  volumes:\n  - name: h\n    hostPath: {path: %q}\n", p), ""))
	}
	for i, caps := range []string{"[NET_ADMIN]", "[cap_sys_admin]", "[CHOWN]", "[NET_BIND_SERVICE]", "[SYS_TIME]"} {
		out = append(out, podWith(fmt.Sprintf("caps-%d", i), "", "    securityContext: {capabilities: {add: "+caps+", drop: [ALL]}}\n"))
	}
	for i, sc := range []string{"{readOnlyRootFilesystem: true}", "{runAsUser: 0}", "{runAsUser: 10, runAsNonRoot: true}"} {
		out = append(out, podWith(fmt.Sprintf("sc-%d", i), "", "    securityContext: "+sc+"\n"))
	}
	for i, r := range []string{"{limits: {cpu: 100m, memory: 64Mi}}", "{limits: {cpu: 100m}}", "{limits: {cpu: '0', memory: 1Gi}}", "{requests: {cpu: 1}}"} {
		out = append(out, podWith(fmt.Sprintf("res-%d", i), "", "    resources: "+r+"\n"))
	}
	for i, spec := range []string{"  shareProcessNamespace: true\n", "  automountServiceAccountToken: false\n", "  serviceAccountName: default\n  automountServiceAccountToken: true\n"} {
		out = append(out, podWith(fmt.Sprintf("spec-%d", i), spec, ""))
	}
	out = append(out,
		podWith("unmasked-proc", "  hostUsers: false\n", "    securityContext: {procMount: Unmasked}\n"),
		podWith("unconfined", "", "    securityContext: {seccompProfile: {type: Unconfined}}\n"),
		podWith("unconfined-pod", "  securityContext: {seccompProfile: {type: Unconfined}}\n", ""),
		podWith("in-default", "", ""),
	)
	out = append(out,
		strings.Replace(podWith("waived-by-annotation", "", "    securityContext: {privileged: true}\n"), "metadata: {name: waived-by-annotation}",
			"metadata: {name: waived-by-annotation, annotations: {palisade.dev/waive: 'pss/*,supplychain/* -- vendor image'}}", 1),
		podWith("waived-by-config-1", "", "    securityContext: {privileged: true}\n"),
		"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: 'nginx:latest'}]\n",
		"apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly}\nspec:\n  schedule: '0 0 * * *'\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          hostPID: true\n          containers: [{name: c, image: 'registry.k8s.io/pause:3.10'}]\n",
		"apiVersion: v1\nkind: Service\nmetadata: {name: lb-open}\nspec: {type: LoadBalancer, ports: [{port: 80}]}\n",
		"apiVersion: v1\nkind: Service\nmetadata: {name: lb-closed}\nspec: {type: LoadBalancer, loadBalancerSourceRanges: [10.0.0.0/8], ports: [{port: 80}]}\n",
		"apiVersion: v1\nkind: Service\nmetadata: {name: lb-zero}\nspec: {type: LoadBalancer, loadBalancerSourceRanges: [0.0.0.0/0], ports: [{port: 80}]}\n",
		"apiVersion: v1\nkind: Service\nmetadata: {name: np}\nspec: {type: NodePort, ports: [{port: 80}]}\n",
		"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: plain}\nspec: {rules: [{host: shop.example.com}]}\n",
		"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: wildcard}\nspec: {tls: [{hosts: ['*.example.com']}], rules: [{host: shop.example.com}, {host: a.b.example.com}]}\n",
		"apiVersion: v1\nkind: Secret\nmetadata: {name: token, annotations: {kubernetes.io/service-account.name: default}}\ntype: kubernetes.io/service-account-token\n",
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: vap-open}\n",
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: vap-privileged, labels: {pod-security.kubernetes.io/enforce: privileged}}\n",
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: vap-baseline, labels: {pod-security.kubernetes.io/enforce: baseline}}\n",
	)
	return out
}
