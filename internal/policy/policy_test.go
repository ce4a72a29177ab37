package policy

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	pal "github.com/palisade-sec/palisade/internal/admission"
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
	"github.com/palisade-sec/palisade/internal/synth"

	_ "github.com/palisade-sec/palisade/internal/checks" // registers every check
)

var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// testConfig names allowed registries, so supplychain/untrusted-registry
// is exported.
var testConfig = &check.Config{AllowedRegistries: []string{"registry.example.com", "ghcr.io/acme/", "INDEX.DOCKER.IO/library", "localhost:5000"}}

func exportAll(t testing.TB, cfg *check.Config) *Result {
	t.Helper()
	res, err := Export(Options{Config: cfg, MinSeverity: check.SeverityInfo, DefaultMode: pal.ModeDeny, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// goFails reports whether the check, run by the engine as scan runs it,
// has an unsuppressed finding on o (with the given default ServiceAccount
// beside it, if any).
func goFails(t testing.TB, id string, cfg *check.Config, o *cluster.Object, sa *corev1.ServiceAccount) (bool, []string) {
	t.Helper()
	c, _ := check.Default().Get(id)
	reg := check.NewRegistry()
	reg.MustAdd(c)
	objs := []*cluster.Object{o}
	if sa != nil {
		objs = append(objs, &cluster.Object{ID: cluster.ObjectID{APIVersion: "v1", Kind: "ServiceAccount", Namespace: sa.Namespace, Name: sa.Name}, Typed: sa, Meta: sa})
	}
	res := check.Run(cluster.NewSnapshot(objs), check.Options{Registry: reg, Config: cfg, Now: testNow, Workers: 1})
	var msgs []string
	for _, f := range res.Findings {
		if f.Object == o.ID && !f.Suppressed() {
			msgs = append(msgs, f.Field+": "+f.Message)
		}
	}
	return len(msgs) > 0, msgs
}

// corpus: the upstream Pod Security Admission fixtures (newest version),
// the example clusters, a generated cluster and the variants below, all in
// namespace "shop" unless they name one.
func corpus(t testing.TB) []*cluster.Object {
	t.Helper()
	var paths []string
	if out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/pod-security-admission").Output(); err == nil {
		dir := filepath.Join(strings.TrimSpace(string(out)), "test", "testdata")
		for _, level := range []string{"baseline", "restricted"} {
			vs, _ := filepath.Glob(filepath.Join(dir, level, "v1.*"))
			sort.Slice(vs, func(i, j int) bool { return minor(vs[i]) < minor(vs[j]) })
			if len(vs) > 0 {
				files, _ := filepath.Glob(filepath.Join(vs[len(vs)-1], "*", "*.yaml"))
				paths = append(paths, files...)
			}
		}
	}
	examples, _ := filepath.Glob("../../examples/*/*.yaml")
	for _, p := range examples {
		if !strings.HasPrefix(filepath.Base(p), ".") {
			paths = append(paths, p)
		}
	}
	res := source.Load(source.Options{Paths: paths, Namespace: "shop"})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors[0].Error())
	}
	objs := res.Objects
	data, _ := synth.Generate(synth.Options{Objects: 400, Seed: 3, InsecureRatio: 0.5})
	gen, errs := (&source.Decoder{}).Decode("synthetic.yaml", data)
	if len(errs) > 0 {
		t.Fatal(errs[0].Error())
	}
	objs = append(objs, gen...)
	vs, errs := (&source.Decoder{}).Decode("variants.yaml", []byte(strings.Join(variants(), "\n---\n")))
	if len(errs) > 0 {
		t.Fatal(errs[0].Error())
	}
	objs = append(objs, vs...)
	// The API server's defaulting that a check's verdict depends on: a
	// volume that names no source is an emptyDir.
	for _, o := range objs {
		if pt := cluster.PodTemplateOf(o); pt != nil {
			for i := range pt.Spec.Volumes {
				if pt.Spec.Volumes[i].VolumeSource == (corev1.VolumeSource{}) {
					pt.Spec.Volumes[i].EmptyDir = &corev1.EmptyDirVolumeSource{}
				}
			}
		}
	}
	return objs
}

func minor(dir string) int {
	var n int
	fmt.Sscanf(filepath.Base(dir), "v1.%d", &n)
	return n
}

// TestPoliciesAgreeWithChecks compiles every exported policy as the API
// server does and runs it on every corpus object of its kinds: it must
// reject exactly the objects on which the check's Go function has a
// finding. The real API server's verdicts are proven in test/e2e.
func TestPoliciesAgreeWithChecks(t *testing.T) {
	res := exportAll(t, testConfig)
	objs := corpus(t)
	compiledByID := map[string]*compiled{}
	for _, p := range res.Policies {
		compiledByID[p.Annotations[LabelCheck]] = compile(t, p)
	}
	automountOff := false
	accounts := []*corev1.ServiceAccount{
		{ObjectMeta: metav1.ObjectMeta{Name: "default"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "default"}, AutomountServiceAccountToken: &automountOff},
	}
	compared, failing := 0, map[string]int{}
	for _, id := range res.Exported {
		c := compiledByID[id]
		kinds := rules[id].kinds
		for _, o := range objs {
			if !contains(kinds, o.ID.Kind) {
				continue
			}
			for i, sa := range accounts {
				if i > 0 && !rules[id].params {
					break
				}
				var params *corev1.ServiceAccount
				if o.ID.Namespace != "" {
					params = sa.DeepCopy()
					params.Namespace = o.ID.Namespace
				}
				want, msgs := goFails(t, id, testConfig, o, params)
				v := c.evaluate(t, o.Typed, nil, o.ID.Namespace, saParam(params))
				if v.err != "" {
					t.Errorf("%s on %s: expression error: %.300s", id, o.ID, v.err)
					continue
				}
				if v.denied != want {
					t.Errorf("%s on %s (%s): policy denies=%v, check fails=%v %v", id, o.ID, o.Origin.File, v.denied, want, msgs)
				}
				compared++
				if want {
					failing[id]++
				}
			}
		}
	}
	for _, id := range res.Exported {
		if failing[id] == 0 {
			t.Errorf("%s: no corpus object fails it; add a variant", id)
		}
	}
	t.Logf("%d verdicts compared over %d objects, %d checks", compared, len(objs), len(res.Exported))
}

func saParam(sa *corev1.ServiceAccount) runtime.Object {
	if sa == nil {
		return nil
	}
	sa.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"}
	return sa
}

// variants exercise the branches of every exported check.
func variants() []string {
	var out []string
	podWith := func(name, spec, container string) string {
		return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s, namespace: shop}
spec:
%s  containers:
  - name: app
    image: registry.example.com/app:1.0
%s`, name, spec, container)
	}
	images := []string{
		"nginx", "nginx:latest", "nginx:1.27", "library/nginx:1.27", "docker.io/nginx", "index.docker.io/library/nginx:1",
		"registry.example.com/app", "registry.example.com/app:latest", "Registry.Example.com/app:1", "ghcr.io/acme/api:2",
		"ghcr.io/acme-evil/api:2", "ghcr.io/acme", "localhost:5000/app", "localhost/app:1", "localhost:5000",
		"nginx@sha256:" + strings.Repeat("a", 64), "nginx:1@sha256:" + strings.Repeat("b", 64), "nginx@sha256:" + strings.Repeat("A", 64),
		"nginx@sha256:abc", "nginx@sha512:" + strings.Repeat("c", 128), "nginx@md5:" + strings.Repeat("d", 32),
		"UPPER/app:1", "Upper:1", strings.Repeat("a", 64), "app:" + strings.Repeat("t", 129), "a..b/c", "[::1]:5000/app:1",
		"example.com:443/team/app:v1.2.3", "example.com/" + strings.Repeat("x/", 130) + "y", "",
	}
	for i, img := range images {
		for _, policy := range []string{"", "Always", "IfNotPresent", "Never"} {
			c := fmt.Sprintf("    image: %q\n", img)
			if policy != "" {
				c += "    imagePullPolicy: " + policy + "\n"
			}
			out = append(out, strings.Replace(podWith(fmt.Sprintf("img-%d-%s", i, strings.ToLower(policy)), "", ""), "    image: registry.example.com/app:1.0\n", c, 1))
		}
	}
	for i, p := range []string{"/", "/etc", "/etc/", "/etc/kubernetes", "/etc/localtime", "/etc/ssl/certs/ca.pem", "/var", "/var/run", "/run/containerd",
		"/var/run/docker.sock", "//var/run//docker.sock", "/run/./crio/crio.sock", "/var/lib", "/var/lib/kubelet/pods", "/var/log/pods",
		"/data", "/opt/app", "/home", "/dev/sda", "relative/path", "/sys/fs/cgroup", "/varx", "/etcetera"} {
		out = append(out, podWith(fmt.Sprintf("host-%d", i), fmt.Sprintf("  volumes:\n  - name: h\n    hostPath: {path: %q}\n", p), ""))
	}
	for i, caps := range []string{"[NET_ADMIN]", "[cap_sys_admin]", "[' sys_module ']", "[CHOWN]", "[NET_BIND_SERVICE]", "[ALL]", "[bpf, KILL]", "[SYS_TIME]"} {
		out = append(out, podWith(fmt.Sprintf("caps-%d", i), "", "    securityContext: {capabilities: {add: "+caps+", drop: [ALL]}}\n"))
	}
	for i, sc := range []string{"{readOnlyRootFilesystem: true}", "{readOnlyRootFilesystem: false}", "{runAsUser: 0}", "{runAsUser: 10}", "{}"} {
		out = append(out, podWith(fmt.Sprintf("sc-%d", i), "", "    securityContext: "+sc+"\n"))
		out = append(out, podWith(fmt.Sprintf("sc-win-%d", i), "  os: {name: windows}\n", "    securityContext: "+sc+"\n"))
		out = append(out, podWith(fmt.Sprintf("sc-podroot-%d", i), "  securityContext: {runAsUser: 0}\n", "    securityContext: "+sc+"\n"))
	}
	for i, res := range []string{"{limits: {cpu: 100m, memory: 64Mi}}", "{limits: {cpu: 100m}}", "{limits: {memory: 1Gi}}", "{limits: {cpu: '0', memory: 1Gi}}", "{requests: {cpu: 1}}", "{}"} {
		out = append(out, podWith(fmt.Sprintf("res-%d", i), "", "    resources: "+res+"\n"))
		out = append(out, podWith(fmt.Sprintf("res-pod-%d", i), "  resources: {limits: {cpu: 1, memory: 1Gi}}\n", "    resources: "+res+"\n"))
		out = append(out, podWith(fmt.Sprintf("res-podcpu-%d", i), "  resources: {limits: {cpu: 1}}\n", "    resources: "+res+"\n"))
	}
	for i, spec := range []string{"  shareProcessNamespace: true\n", "  shareProcessNamespace: false\n", "  automountServiceAccountToken: false\n",
		"  automountServiceAccountToken: true\n", "  serviceAccountName: app\n", "  serviceAccountName: default\n  automountServiceAccountToken: false\n", "  serviceAccount: other\n"} {
		out = append(out, podWith(fmt.Sprintf("spec-%d", i), spec, ""))
	}
	out = append(out, strings.Replace(podWith("in-default", "", ""), "namespace: shop", "namespace: default", 1))
	out = append(out, strings.Replace(podWith("waived", "", ""), "namespace: shop}", "namespace: shop, annotations: {palisade.dev/waive: 'supplychain/*, pss/runAs* -- known'}}", 1))
	out = append(out, strings.Replace(podWith("waived-exact", "", ""), "namespace: shop}", "namespace: shop, annotations: {palisade.dev/waive: 'workload/writable-root-filesystem,pss/privileged'}}", 1))
	out = append(out, strings.Replace(podWith("waived-star", "", ""), "namespace: shop}", "namespace: shop, annotations: {palisade.dev/waive: '* -- a star does not cross /'}}", 1))
	// Services, Ingresses, Secrets and Namespaces.
	svc := func(name, typ, extra, meta string) string {
		return fmt.Sprintf("apiVersion: v1\nkind: Service\nmetadata: {name: %s, namespace: shop%s}\nspec:\n  type: %s\n  ports: [{port: 80}]\n%s", name, meta, typ, extra)
	}
	out = append(out,
		svc("lb-open", "LoadBalancer", "", ""),
		svc("lb-ranges", "LoadBalancer", "  loadBalancerSourceRanges: [10.0.0.0/8]\n", ""),
		svc("lb-zero", "LoadBalancer", "  loadBalancerSourceRanges: [10.0.0.0/8, 0.0.0.0/0]\n", ""),
		svc("lb-zero6", "LoadBalancer", "  loadBalancerSourceRanges: ['::/0']\n", ""),
		svc("lb-ann", "LoadBalancer", "", ", annotations: {service.beta.kubernetes.io/load-balancer-source-ranges: ' 10.0.0.0/8 , 1.2.3.4/0'}"),
		svc("lb-ann-ok", "LoadBalancer", "", ", annotations: {service.beta.kubernetes.io/load-balancer-source-ranges: '10.0.0.0/8'}"),
		svc("lb-ann-blank", "LoadBalancer", "", ", annotations: {service.beta.kubernetes.io/load-balancer-source-ranges: '  '}"),
		svc("np", "NodePort", "", ""),
		svc("cip", "ClusterIP", "", ""),
	)
	ing := func(name, spec string) string {
		return fmt.Sprintf("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: %s, namespace: shop}\nspec:\n%s", name, spec)
	}
	out = append(out,
		ing("no-tls", "  rules: [{host: shop.example.com}]\n"),
		ing("tls", "  tls: [{hosts: [shop.example.com]}]\n  rules: [{host: shop.example.com}]\n"),
		ing("tls-other", "  tls: [{hosts: [www.example.com]}]\n  rules: [{host: shop.example.com}]\n"),
		ing("wild", "  tls: [{hosts: ['*.example.com']}]\n  rules: [{host: shop.example.com}, {host: a.b.example.com}]\n"),
		ing("wild-ok", "  tls: [{hosts: ['*.example.com']}]\n  rules: [{host: shop.example.com}]\n"),
		ing("wild-rule", "  tls: [{hosts: ['*.example.com']}]\n  rules: [{host: '*.example.com'}]\n"),
		ing("hostless", "  tls: [{hosts: [a.example.com]}]\n  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}]}}]\n"),
		ing("hostless-ok", "  tls: [{secretName: x}]\n  rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}]}}]\n"),
		ing("no-rules", "  defaultBackend: {service: {name: s, port: {number: 80}}}\n"),
	)
	out = append(out,
		"apiVersion: v1\nkind: Secret\nmetadata: {name: tok, namespace: shop, annotations: {kubernetes.io/service-account.name: app}}\ntype: kubernetes.io/service-account-token\n",
		"apiVersion: v1\nkind: Secret\nmetadata: {name: tok-dead, namespace: shop, labels: {kubernetes.io/legacy-token-invalid-since: '2024-01-01'}}\ntype: kubernetes.io/service-account-token\n",
		"apiVersion: v1\nkind: Secret\nmetadata: {name: plain, namespace: shop}\ntype: Opaque\n",
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: open}\n",
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: priv, labels: {pod-security.kubernetes.io/enforce: privileged}}\n",
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: base, labels: {pod-security.kubernetes.io/enforce: baseline}}\n",
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: kube-system}\n",
	)
	// Workload kinds, and a ReplicationController without a template.
	out = append(out,
		"apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: cj, namespace: shop}\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n        metadata: {annotations: {container.apparmor.security.beta.kubernetes.io/c: unconfined}}\n        spec:\n          restartPolicy: Never\n          containers: [{name: c, image: 'busybox', securityContext: {privileged: true}}]\n",
		"apiVersion: v1\nkind: ReplicationController\nmetadata: {name: rc-empty, namespace: shop}\nspec: {replicas: 1}\n",
	)
	return out
}
