package cli

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source/live"
)

// netpolShop is a namespace with a default deny, a web Deployment exposed
// by a LoadBalancer, and a db StatefulSet only web may reach on its named
// port.
const netpolShop = `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: postgres}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-from-internet, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{ipBlock: {cidr: 0.0.0.0/0}}]
    ports: [{port: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: web:1, ports: [{name: http, containerPort: 8080}]}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: pg, image: pg:16, ports: [{name: postgres, containerPort: 5432}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 443, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: database, namespace: shop}
spec:
  selector: {app: db}
  ports: [{name: sql, port: 15432, targetPort: postgres}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: tool, namespace: ops}
spec:
  template:
    metadata: {labels: {app: tool}}
    spec:
      containers: [{name: t, image: t:1}]
`

func netpolDir(t *testing.T) string {
	return writeFiles(t, map[string]string{"shop.yaml": netpolShop})
}

func TestNetpolCanExplains(t *testing.T) {
	dir := netpolDir(t)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"allowed on a named port", []string{"shop/web", "shop/db", "--port", "postgres"}, []string{
			"ALLOWED: deployment.apps/web -n shop -> statefulset.apps/db -n shop on TCP/5432",
			"+ shop/db-from-web spec.ingress[0]: from[0] podSelector app=web in namespace shop matches, and ports[0] TCP/postgres matches TCP/5432",
			`note: port "postgres" of statefulset.apps/db -n shop is TCP/5432`}},
		{"denied, with every rule's reason", []string{"ops/tool", "shop/db", "--port", "5432"}, []string{
			"DENIED: deployment.apps/tool -n ops -> statefulset.apps/db -n shop on TCP/5432",
			"isolated by NetworkPolicies shop/default-deny, shop/db-from-web, and no rule of shop/default-deny, shop/db-from-web allows it",
			"shop/default-deny has no ingress rules: it only isolates"}},
		{"every port, from an address", []string{"203.0.113.7", "shop/web"}, []string{
			"ALLOWED: 203.0.113.7 -> deployment.apps/web -n shop on TCP/8080"}},
		{"a Service and its port", []string{"shop/web", "shop/database", "--port", "15432"}, []string{
			"ALLOWED: deployment.apps/web -n shop -> statefulset.apps/db -n shop on TCP/5432",
			"Service shop/database selects statefulset.apps/db -n shop",
			"Service database port 15432 is the pod's port 5432"}},
		{"a pod of a workload, and -n", []string{"web-7d9f8b6c5d-x2k4p", "db-0", "-n", "shop"}, []string{
			"pod shop/web-7d9f8b6c5d-x2k4p is judged through deployment.apps/web -n shop",
			"pod shop/db-0 is judged through statefulset.apps/db -n shop"}},
		{"to a CIDR", []string{"shop/web", "0.0.0.0/0", "--port", "443"}, []string{
			"ALLOWED: deployment.apps/web -n shop -> 0.0.0.0/0 on TCP/443"}},
		{"from a CIDR, on a named port", []string{"10.0.0.0/8", "shop/web", "--port", "http"}, []string{
			"ALLOWED: 10.0.0.0/8 -> deployment.apps/web -n shop on TCP/8080",
			"+ shop/web-from-internet spec.ingress[0]: allows 10.0.0.0/8 on TCP/8080"}},
		{"kind to disambiguate, UDP", []string{"shop/statefulset/db", "8.8.8.8", "--port", "53", "--protocol", "udp"}, []string{
			"ALLOWED: statefulset.apps/db -n shop -> 8.8.8.8 on UDP/53",
			"not isolated for egress"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{"netpol", "can"}, tt.args...), dir)
			code, stdout, stderr := run(t, "", args...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, stdout)
				}
			}
		})
	}
}

func TestNetpolCanJSON(t *testing.T) {
	dir := netpolDir(t)
	code, stdout, stderr := run(t, "", "netpol", "can", "ops/tool", "shop/db", "--port", "5432", "-o", "json", dir)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		Allowed  *bool  `json:"allowed"`
		Protocol string `json:"protocol"`
		Port     int    `json:"port"`
		Ingress  struct {
			Isolated bool     `json:"isolated"`
			Policies []string `json:"policies"`
			Rules    []struct {
				Policy, Rule, Reason string
				Allowed              bool
			} `json:"rules"`
		} `json:"ingress"`
		Explanation []string `json:"explanation"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if got.Allowed == nil || *got.Allowed || got.Protocol != "TCP" || got.Port != 5432 {
		t.Errorf("allowed/protocol/port = %v/%s/%d", got.Allowed, got.Protocol, got.Port)
	}
	if !got.Ingress.Isolated || len(got.Ingress.Policies) != 2 || len(got.Ingress.Rules) != 1 ||
		got.Ingress.Rules[0].Rule != "spec.ingress[0]" || got.Ingress.Rules[0].Policy != "shop/db-from-web" || got.Ingress.Rules[0].Allowed {
		t.Errorf("ingress = %+v", got.Ingress)
	}
	if len(got.Explanation) == 0 || !strings.HasPrefix(got.Explanation[0], "DENIED") {
		t.Errorf("explanation = %q", got.Explanation)
	}
}

func TestNetpolUsageErrors(t *testing.T) {
	dir := netpolDir(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no endpoints", []string{"netpol", "can"}, "name a SOURCE and a DESTINATION"},
		{"no input", []string{"netpol", "can", "shop/web", "shop/db"}, "name what to read"},
		{"no namespace", []string{"netpol", "can", "web", "shop/db", dir}, `"web": name the namespace (NAMESPACE/web), or give -n`},
		{"unknown workload", []string{"netpol", "can", "shop/wbe", "shop/db", dir}, `no workload, pod or Service of that name in namespace "shop" (its workloads: db, web)`},
		{"unknown namespace", []string{"netpol", "can", "nope/web", "shop/db", dir}, `no workload in namespace "nope" was read (namespaces with workloads: ops, shop)`},
		{"unknown port name", []string{"netpol", "can", "shop/web", "shop/db", "--port", "pg", dir}, `its named ports: postgres (TCP/5432)`},
		{"port name on an address", []string{"netpol", "can", "shop/web", "8.8.8.8", "--port", "dns", dir}, "give a number"},
		{"two CIDRs", []string{"netpol", "can", "10.0.0.0/8", "0.0.0.0/0", dir}, "with a CIDR on one side, name a workload on the other"},
		{"bad protocol", []string{"netpol", "can", "shop/web", "shop/db", "--protocol", "icmp", dir}, "want TCP, UDP or SCTP"},
		{"bad format", []string{"netpol", "matrix", "-o", "svg", dir}, `-o "svg": want one of table, json, html`},
		{"live flag without --cluster", []string{"netpol", "exposure", "--context", "x", dir}, "add --cluster"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, "", tt.args...)
			if code != ExitInput || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, stderr, tt.want)
			}
		})
	}
}

func TestNetpolMatrix(t *testing.T) {
	dir := netpolDir(t)
	code, stdout, stderr := run(t, "", "netpol", "matrix", "-n", "shop", dir)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, w := range []string{"1 shop/db (StatefulSet)", "2 shop/web (Deployment)", "shop/web -> shop/db: TCP/5432", "internet -> shop/web: TCP/8080", "2 workloads in 2 classes"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("table lacks %q:\n%s", w, stdout)
		}
	}
	if strings.Contains(stdout, "ops/tool") {
		t.Errorf("-n shop shows ops/tool:\n%s", stdout)
	}

	code, stdout, stderr = run(t, "", "netpol", "matrix", "-o", "json", dir)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var m struct {
		Classes   int `json:"classes"`
		Workloads []struct {
			Ref   string `json:"ref"`
			Class int    `json:"class"`
		} `json:"workloads"`
		Reach []struct {
			From     int
			To       []int
			AllPorts bool
			Ports    []string
		} `json:"reach"`
		Notes []string `json:"notes"`
	}
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	class := map[string]int{}
	for _, w := range m.Workloads {
		class[w.Ref] = w.Class
	}
	found := false
	for _, r := range m.Reach {
		if r.From == class["shop/web"] && slices.Contains(r.To, class["shop/db"]) {
			found = !r.AllPorts && len(r.Ports) == 1 && r.Ports[0] == "TCP/5432"
		}
		if r.From == class["ops/tool"] && slices.Contains(r.To, class["shop/db"]) {
			t.Errorf("ops/tool reaches shop/db: %+v", r)
		}
	}
	if m.Classes != 3 || len(m.Workloads) != 3 || !found || len(m.Notes) == 0 {
		t.Errorf("matrix = %+v", m)
	}

	code, stdout, stderr = run(t, "", "netpol", "matrix", "-o", "html", dir)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, w := range []string{"<!DOCTYPE html>", "Content-Security-Policy", "default-src &#39;none&#39;", `title="shop/web → shop/db: TCP/5432"`, `class="some"`} {
		if !strings.Contains(stdout, w) {
			t.Errorf("html lacks %q", w)
		}
	}
	if strings.Contains(stdout, "<script") || strings.Contains(stdout, "http://") || strings.Contains(stdout, "https://") {
		t.Error("html fetches or runs something")
	}
}

func TestNetpolExposure(t *testing.T) {
	dir := netpolDir(t)
	code, stdout, stderr := run(t, "", "netpol", "exposure", dir)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, w := range []string{
		"LoadBalancer  deployment.apps/web -n shop",
		"any address (no loadBalancerSourceRanges) -> service/web -n shop (LoadBalancer 443/TCP) -> deployment.apps/web -n shop TCP/8080 (http)",
		"policy:  internet addresses admitted by shop/web-from-internet spec.ingress[0] (from[0] ipBlock 0.0.0.0/0, TCP/8080)",
		"1 entry point to 1 workload; NetworkPolicy lets traffic through 1 of them.",
	} {
		if !strings.Contains(stdout, w) {
			t.Errorf("output lacks %q:\n%s", w, stdout)
		}
	}
	code, stdout, stderr = run(t, "", "netpol", "exposure", "-o", "json", dir)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		EntryPoints []struct {
			Kind   string           `json:"kind"`
			Target cluster.ObjectID `json:"target"`
			Policy struct {
				Internet bool     `json:"internet"`
				Rules    []string `json:"rules"`
			} `json:"networkPolicy"`
		} `json:"entryPoints"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if len(got.EntryPoints) != 1 || got.EntryPoints[0].Kind != "LoadBalancer" || got.EntryPoints[0].Target.Name != "web" ||
		!got.EntryPoints[0].Policy.Internet || len(got.EntryPoints[0].Policy.Rules) != 1 {
		t.Errorf("entry points = %+v", got.EntryPoints)
	}
}

func TestNetpolInputErrorAnswersTheRest(t *testing.T) {
	dir := writeFiles(t, map[string]string{"shop.yaml": netpolShop, "bad.yaml": "apiVersion: v1\nkind: [oops\n"})
	code, stdout, stderr := run(t, "", "netpol", "can", "shop/web", "shop/db", "--port", "5432", dir)
	if code != ExitInput || !strings.Contains(stdout, "ALLOWED") || !strings.Contains(stderr, "bad.yaml") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, _, stderr = run(t, "", "netpol", "can", "shop/nope", "shop/db", filepath.Join(dir, "shop.yaml"), filepath.Join(dir, "bad.yaml"))
	if code != ExitInput || !strings.Contains(stderr, "bad.yaml") || !strings.Contains(stderr, "shop/nope") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestNetpolCluster(t *testing.T) {
	pod := func(name, ip string, labels map[string]string) *cluster.Object {
		p := &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
			ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name, Labels: labels},
			Spec:       corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "c", Image: "c:1"}}},
			Status:     corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip}}
		return &cluster.Object{ID: cluster.ObjectID{APIVersion: "v1", Kind: "Pod", Namespace: "shop", Name: name}, Typed: p, Meta: p,
			Origin: cluster.Origin{Cluster: prodCluster.Name, Server: prodCluster.Server}}
	}
	np := &networkingv1.NetworkPolicy{TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "deny"}, Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}}
	objs := []*cluster.Object{pod("a", "10.0.0.1", map[string]string{"app": "a"}), pod("b", "10.0.0.2", map[string]string{"app": "b"}),
		{ID: cluster.ObjectID{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy", Namespace: "shop", Name: "deny"}, Typed: np, Meta: np}}
	opts := fakeLive(t, &live.Result{Objects: objs, Cluster: prodCluster}, nil)
	code, stdout, stderr := run(t, "", "netpol", "can", "10.0.0.1", "10.0.0.2", "--port", "80", "--cluster", "--context", "kind-prod")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if opts.Context != "kind-prod" || !strings.Contains(stdout, "DENIED: pod/a -n shop -> pod/b -n shop on TCP/80") || !strings.Contains(stdout, "10.0.0.1 is the address of pod/a -n shop") {
		t.Errorf("stdout:\n%s", stdout)
	}
}

func TestNetpolMatrixTooLarge(t *testing.T) {
	var b strings.Builder
	for i := 0; i <= maxGridWorkloads; i++ {
		b.WriteString("---\napiVersion: v1\nkind: Pod\nmetadata: {name: p" + strconv.Itoa(i) + ", namespace: big}\nspec: {containers: [{name: c, image: c:1}]}\n")
	}
	dir := writeFiles(t, map[string]string{"big.yaml": b.String()})
	code, _, stderr := run(t, "", "netpol", "matrix", dir)
	if code != ExitInput || !strings.Contains(stderr, "2001 workloads are too many for a readable -o table grid") || !strings.Contains(stderr, "-n NAMESPACE") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := run(t, "", "netpol", "matrix", "-o", "json", dir); code != ExitOK {
		t.Errorf("-o json: exit %d, stderr %q", code, stderr)
	}
}
