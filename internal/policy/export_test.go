package policy

import (
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"

	pal "github.com/palisade-sec/palisade/internal/admission"
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
)

func decodeOne(t *testing.T, manifest string) *cluster.Object {
	t.Helper()
	objs, errs := (&source.Decoder{}).Decode("t.yaml", []byte(manifest))
	if len(errs) > 0 || len(objs) != 1 {
		t.Fatalf("%v", errs)
	}
	return objs[0]
}

// TestWaivers: the policies waive exactly what scan waives, from the
// annotation and from the config (waivers that expired are left out).
func TestWaivers(t *testing.T) {
	cfg := &check.Config{Waivers: []check.Waiver{
		{Checks: []string{"pss/privileged"}, Selector: check.Selector{Namespace: "shop", Name: "agent-*"}, Reason: "r", Expires: "2026-12-31"},
		{Checks: []string{"supplychain/*"}, Selector: check.Selector{Kind: "Pod", Labels: map[string]string{"team": "sre"}}, Reason: "r"},
		{Checks: []string{"workload/writable-root-filesystem"}, Selector: check.Selector{Namespace: "sh?p", Name: "old"}, Reason: "r", Expires: "2026-01-01"},
		{Checks: []string{"pss/*"}, Selector: check.Selector{Name: "x.y"}, Reason: "dot is literal"},
	}}
	res := exportAll(t, cfg)
	ids := []string{"pss/privileged", "supplychain/image-tag-mutable", "workload/writable-root-filesystem"}
	policies := map[string]*compiled{}
	for _, p := range res.Policies {
		policies[p.Annotations[LabelCheck]] = compile(t, p)
	}
	pod := func(name, ns, labels, annotations string) string {
		return fmt.Sprintf("apiVersion: v1\nkind: Pod\nmetadata: {name: %q, namespace: %s, labels: {%s}, annotations: {%s}}\nspec:\n  containers: [{name: c, image: 'nginx:latest', securityContext: {privileged: true}}]\n",
			name, ns, labels, annotations)
	}
	var cases []string
	for _, name := range []string{"agent-1", "agent", "old", "x.y", "xzy", "web"} {
		for _, ns := range []string{"shop", "shxp", "other"} {
			for _, labels := range []string{"", "team: sre", "team: dev"} {
				for _, ann := range []string{"", "palisade.dev/waive: 'pss/privileged -- r'", "palisade.dev/waive: 'supplychain/*,workload/* -- r'",
					"palisade.dev/waive: ' pss/priv?leged '", "palisade.dev/waive: 'pss.privileged'", "palisade.dev/waive: 'pss/[p]rivileged'",
					"palisade.dev/waive: '-- pss/privileged'", "palisade.dev/waive: 'workload/writable-root-filesystem--r'"} {
					cases = append(cases, pod(name, ns, labels, ann))
				}
			}
		}
	}
	compared := 0
	for _, c := range cases {
		o := decodeOne(t, c)
		for _, id := range ids {
			want, _ := goFails(t, id, cfg, o, nil)
			v := policies[id].evaluate(t, o.Typed, nil, o.ID.Namespace, nil)
			if v.err != "" {
				t.Fatalf("%s: %s", id, v.err)
			}
			// A character class ("[p]") is matched by scan but not by the
			// policy, which then judges: stricter, never looser.
			if strings.Contains(c, "[p]rivileged") && id == "pss/privileged" {
				stripped, _ := goFails(t, id, cfg, decodeOne(t, strings.Replace(c, "palisade.dev/waive: 'pss/[p]rivileged'", "", 1)), nil)
				if v.denied != stripped {
					t.Errorf("%s: a pattern the policy does not translate must be ignored: denied=%v, without it %v", o.ID, v.denied, stripped)
				}
				continue
			}
			if v.denied != want {
				t.Errorf("%s on %s: policy denies=%v, scan fails=%v\n%s", id, o.ID, v.denied, want, c)
			}
			compared++
		}
	}
	t.Logf("%d waiver verdicts compared", compared)

	// An annotation that expires is not honoured by the policy, which has
	// no clock: before the expiry it judges what scan waives (stricter),
	// after it both judge.
	for _, expires := range []string{"2999-01-01", "2020-01-01"} {
		o := decodeOne(t, pod("web", "other", "", "palisade.dev/waive: 'pss/privileged -- r', palisade.dev/waive-expires: '"+expires+"'"))
		scanFails, _ := goFails(t, "pss/privileged", cfg, o, nil)
		v := policies["pss/privileged"].evaluate(t, o.Typed, nil, o.ID.Namespace, nil)
		if v.err != "" || !v.denied {
			t.Errorf("waiver expiring %s: the policy must judge the pod (denied=%v, %s)", expires, v.denied, v.err)
		}
		if wantScan := expires < "2026"; scanFails != wantScan {
			t.Errorf("waiver expiring %s: scan fails=%v, want %v", expires, scanFails, wantScan)
		}
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "expired on 2026-01-01") {
		t.Errorf("notes do not mention the expired waiver: %v", res.Notes)
	}
	for _, p := range res.Policies {
		if p.Annotations[LabelCheck] == "pss/privileged" && p.Annotations[AnnotationWaiversUntil] != "2026-12-31" {
			t.Errorf("pss/privileged: waivers valid until %q", p.Annotations[AnnotationWaiversUntil])
		}
	}
}

// TestUpdates: an update is denied only when it makes the object fail a
// check it passed.
func TestUpdates(t *testing.T) {
	res := exportAll(t, testConfig)
	var priv *compiled
	for _, p := range res.Policies {
		if p.Annotations[LabelCheck] == "pss/privileged" {
			priv = compile(t, p)
		}
	}
	bad := decodeOne(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop, labels: {a: b}}\nspec: {containers: [{name: c, image: x, securityContext: {privileged: true}}]}\n")
	bad2 := decodeOne(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop, labels: {a: c}}\nspec: {containers: [{name: c, image: x, securityContext: {privileged: true}}]}\n")
	good := decodeOne(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec: {containers: [{name: c, image: x}]}\n")
	deleting := decodeOne(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop, deletionTimestamp: '2026-01-01T00:00:00Z'}\nspec: {containers: [{name: c, image: x, securityContext: {privileged: true}}]}\n")
	tests := []struct {
		name     string
		obj, old *cluster.Object
		denied   bool
	}{
		{"create failing", bad, nil, true},
		{"create passing", good, nil, false},
		{"update that keeps a failure", bad2, bad, false},
		{"update that adds a failure", bad, good, true},
		{"update that fixes it", good, bad, false},
		{"object being deleted", deleting, bad, false},
	}
	for _, tt := range tests {
		var old runtime.Object
		if tt.old != nil {
			old = tt.old.Typed
		}
		if v := priv.evaluate(t, tt.obj.Typed, old, "shop", nil); v.denied != tt.denied || v.err != "" {
			t.Errorf("%s: denied=%v (%s), want %v", tt.name, v.denied, v.err, tt.denied)
		}
	}
}

// TestServiceAccountParams: the automount policy reads the default
// ServiceAccount of the namespace as its params.
func TestServiceAccountParams(t *testing.T) {
	res := exportAll(t, testConfig)
	for _, p := range res.Policies {
		if p.Annotations[LabelCheck] != "workload/service-account-token-automount" {
			continue
		}
		if p.Spec.ParamKind == nil || p.Spec.ParamKind.Kind != "ServiceAccount" {
			t.Fatalf("paramKind %+v", p.Spec.ParamKind)
		}
		for _, b := range res.Bindings {
			if b.Spec.PolicyName == p.Name && (b.Spec.ParamRef == nil || b.Spec.ParamRef.Name != "default") {
				t.Errorf("binding %s has no paramRef to the default ServiceAccount", b.Name)
			}
		}
		return
	}
	t.Fatal("no automount policy")
}

func TestExportChoices(t *testing.T) {
	t.Run("untrusted-registry needs allowedRegistries", func(t *testing.T) {
		res := exportAll(t, nil)
		if !skippedFor(res, "supplychain/untrusted-registry", "no allowedRegistries") {
			t.Errorf("skipped: %v", res.Skipped)
		}
	})
	t.Run("min severity", func(t *testing.T) {
		res, err := Export(Options{MinSeverity: check.SeverityHigh, Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range res.Exported {
			c, _ := check.Default().Get(id)
			if c.Severity < check.SeverityHigh {
				t.Errorf("%s (%s) exported above high", id, c.Severity)
			}
		}
		if !skippedFor(res, "supplychain/image-not-pinned", "below --min-severity high") {
			t.Error("a low check is not listed as below the threshold")
		}
	})
	t.Run("every check exported or explained", func(t *testing.T) {
		res := exportAll(t, testConfig)
		if len(res.Exported)+len(res.Skipped) != len(check.Default().All()) {
			t.Errorf("%d exported + %d skipped != %d checks", len(res.Exported), len(res.Skipped), len(check.Default().All()))
		}
		for _, s := range res.Skipped {
			if s.Reason == "" {
				t.Errorf("%s skipped without a reason", s.ID)
			}
		}
		if len(res.Policies) != len(res.Exported) || len(res.Bindings) != 3*len(res.Exported) {
			t.Errorf("%d policies, %d bindings for %d checks", len(res.Policies), len(res.Bindings), len(res.Exported))
		}
	})
	t.Run("untranslatable waiver pattern", func(t *testing.T) {
		cfg := &check.Config{Waivers: []check.Waiver{{Checks: []string{"pss/*"}, Selector: check.Selector{Name: "web-[0-9]"}, Reason: "r"}}}
		_, err := Export(Options{Config: cfg, Now: testNow})
		if err == nil || !strings.Contains(err.Error(), "use * and ? only") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("bindings follow the enforce label", func(t *testing.T) {
		res, err := Export(Options{Config: testConfig, DefaultMode: pal.ModeWarn, ExcludeNamespaces: []string{"monitoring"}, Now: testNow})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range res.Bindings[:3] {
			sel := b.Spec.MatchResources.NamespaceSelector.MatchExpressions
			got := fmt.Sprintf("%s %v %s %v", b.Spec.ValidationActions, sel[0].Values, sel[0].Operator, sel[1].Values)
			switch {
			case strings.HasSuffix(b.Name, "-warn"):
				if got != "[Warn] [deny audit] NotIn [kube-system kube-public kube-node-lease monitoring]" {
					t.Errorf("%s: %s", b.Name, got)
				}
			case strings.HasSuffix(b.Name, "-deny"):
				if got != "[Deny] [deny] In [kube-system kube-public kube-node-lease monitoring]" {
					t.Errorf("%s: %s", b.Name, got)
				}
			}
		}
	})
	t.Run("yaml lists what is not exported", func(t *testing.T) {
		res := exportAll(t, nil)
		data, err := res.YAML("# header\n")
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		for _, want := range []string{"# header\n", "not exported:", "#   workload/secret-in-env: splits variable names", "kind: ValidatingAdmissionPolicy\n", "kind: ValidatingAdmissionPolicyBinding\n"} {
			if !strings.Contains(text, want) {
				t.Errorf("YAML lacks %q", want)
			}
		}
		objs, errs := (&source.Decoder{}).Decode("x.yaml", data)
		if len(errs) > 0 || len(objs) != len(res.Policies)+len(res.Bindings) {
			t.Errorf("the YAML does not read back: %d objects, %v", len(objs), errs)
		}
	})
}

func skippedFor(res *Result, id, reason string) bool {
	for _, s := range res.Skipped {
		if s.ID == id && strings.Contains(s.Reason, reason) {
			return true
		}
	}
	return false
}

// TestListsMatchChecks runs the Go checks on every entry of the lists the
// policies carry, so a list that drifts from its check fails here.
func TestListsMatchChecks(t *testing.T) {
	podWith := func(container, spec string) *cluster.Object {
		return decodeOne(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n"+spec+"  containers:\n  - name: c\n    image: x:1\n"+container)
	}
	expect := func(id string, o *cluster.Object, want bool, what string) {
		if got, msgs := goFails(t, id, nil, o, nil); got != want {
			t.Errorf("%s on %s: fails=%v, want %v %v", id, what, got, want, msgs)
		}
	}
	for _, c := range baselineCapabilities {
		expect("pss/capabilities_baseline", podWith("    securityContext: {capabilities: {add: ["+c+"]}}\n", ""), false, c)
	}
	expect("pss/capabilities_baseline", podWith("    securityContext: {capabilities: {add: [NET_RAW]}}\n", ""), true, "NET_RAW")
	for _, typ := range seLinuxTypes[1:] {
		expect("pss/seLinuxOptions", podWith("    securityContext: {seLinuxOptions: {type: "+typ+"}}\n", ""), false, typ)
	}
	expect("pss/seLinuxOptions", podWith("    securityContext: {seLinuxOptions: {type: spc_t}}\n", ""), true, "spc_t")
	for _, s := range safeSysctls {
		expect("pss/sysctls", podWith("", "  securityContext: {sysctls: [{name: "+s+", value: '1'}]}\n"), false, s)
	}
	expect("pss/sysctls", podWith("", "  securityContext: {sysctls: [{name: kernel.msgmax, value: '1'}]}\n"), true, "kernel.msgmax")
	for _, c := range dangerousCapabilities {
		expect("workload/dangerous-capabilities", podWith("    securityContext: {capabilities: {add: ["+c+"]}}\n", ""), true, c)
	}
	for _, p := range sensitivePaths() {
		expect("workload/sensitive-host-path", podWith("", "  volumes: [{name: h, hostPath: {path: "+p+"}}]\n"), true, p)
	}
	for _, p := range publishedFiles {
		expect("workload/sensitive-host-path", podWith("", "  volumes: [{name: h, hostPath: {path: "+p+"}}]\n"), false, p)
	}
	for _, v := range restrictedVolumeSources {
		vol := map[string]string{"configMap": "{name: c}", "csi": "{driver: d}", "downwardAPI": "{}", "emptyDir": "{}", "ephemeral": "{}",
			"image": "{reference: x}", "persistentVolumeClaim": "{claimName: c}", "projected": "{}", "secret": "{secretName: s}"}[v]
		expect("pss/restrictedVolumes", podWith("", "  volumes: [{name: v, "+v+": "+vol+"}]\n"), false, v)
	}
	expect("pss/restrictedVolumes", podWith("", "  volumes: [{name: v, nfs: {server: s, path: /}}]\n"), true, "nfs")
}

// TestLargePodWithinCostBudget: a pod with 150 containers and 100 volumes,
// updated, stays within the API server's CEL cost budget for every policy.
func TestLargePodWithinCostBudget(t *testing.T) {
	res := exportAll(t, testConfig)
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Pod\nmetadata: {name: big, namespace: shop, annotations: {palisade.dev/waive: 'a,b,c,d,e,f,g,h -- x'}}\nspec:\n  volumes:\n")
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&b, "  - {name: v%d, hostPath: {path: /var/lib/x%d/y}}\n", i, i)
	}
	b.WriteString("  initContainers:\n")
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&b, "  - {name: i%d, image: 'registry.example.com/team/app-%d:1.2.3@sha256:%s', securityContext: {capabilities: {add: [A,B,C,D,E,F]}}}\n", i, i, strings.Repeat("a", 64))
	}
	b.WriteString("  containers:\n")
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&b, "  - {name: c%d, image: 'registry.example.com/team/app-%d:1.2.3', ports: [{containerPort: 1}, {containerPort: 2}], securityContext: {capabilities: {add: [A,B,C,D,E,F]}}}\n", i, i)
	}
	o := decodeOne(t, b.String())
	for _, p := range res.Policies {
		if !contains(rules[p.Annotations[LabelCheck]].kinds, "Pod") {
			continue
		}
		v := compile(t, p).evaluate(t, o.Typed, o.Typed, "shop", nil)
		if v.err != "" {
			t.Errorf("%s: %.300s", p.Name, v.err)
		}
	}
}
