package attackpath_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/palisade-sec/palisade/internal/attackpath"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/netpol"
	"github.com/palisade-sec/palisade/internal/rbac"
	"github.com/palisade-sec/palisade/internal/source"
)

// snapOf decodes YAML documents into a snapshot.
func snapOf(t *testing.T, docs ...string) *cluster.Snapshot {
	t.Helper()
	dec := &source.Decoder{Limits: source.DefaultLimits}
	objs, errs := dec.Decode("test.yaml", []byte(strings.Join(docs, "\n---\n")))
	for _, e := range errs {
		t.Fatalf("input error: %s", e.Error())
	}
	return cluster.NewSnapshot(objs)
}

const nsShop = `apiVersion: v1
kind: Namespace
metadata: {name: shop}`

// deploy is a Deployment of namespace shop; spec is the pod spec's YAML
// after "containers:", indented by 6.
func deploy(name, podSpec string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: %[1]s, namespace: shop}
spec:
  selector: {matchLabels: {app: %[1]s}}
  template:
    metadata: {labels: {app: %[1]s}}
    spec:
%[2]s`, name, podSpec)
}

func loadBalancer(name string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Service
metadata: {name: %[1]s, namespace: shop}
spec:
  type: LoadBalancer
  selector: {app: %[1]s}
  ports: [{port: 80, targetPort: 8080}]`, name)
}

func summaries(res attackpath.Result) []string {
	var out []string
	for _, p := range res.Paths {
		out = append(out, res.Graph.Summary(p))
	}
	return out
}

func hasPath(paths []string, parts ...string) bool {
	for _, p := range paths {
		ok := true
		for _, s := range parts {
			ok = ok && strings.Contains(p, s)
		}
		if ok {
			return true
		}
	}
	return false
}

// escapeStep is the escapes-to-node step of the first path to node root.
func escapeStep(t *testing.T, res attackpath.Result) (attackpath.Path, *attackpath.Edge) {
	t.Helper()
	for _, p := range res.Paths {
		for _, ei := range p.Edges {
			if e := &res.Graph.Edges[ei]; e.Kind == attackpath.EdgeEscapesToNode {
				return p, e
			}
		}
	}
	t.Fatalf("no escape among %v", summaries(res))
	return attackpath.Path{}, nil
}

// TestContainerEscape: the escape of a privileged container leaves from
// the container, named on the step, in the JSON and drawn as a node; a
// pod-level one (hostPID) leaves from the workload.
func TestContainerEscape(t *testing.T) {
	snap := snapOf(t, nsShop, loadBalancer("ci"), deploy("ci", `      automountServiceAccountToken: false
      containers:
      - name: log
        image: busybox:1.36
      - name: runner
        image: runner:1
        ports: [{containerPort: 8080}]
        securityContext: {privileged: true}`))
	g := attackpath.Build(snap)
	res := g.Search(attackpath.Options{To: []attackpath.Target{attackpath.ToNodeRoot}})
	p, e := escapeStep(t, res)
	if e.Container != "runner" || !strings.HasPrefix(e.Text, "container runner of deployment.apps/ci -n shop") {
		t.Errorf("container %q, text %q", e.Container, e.Text)
	}
	var js bytes.Buffer
	if err := attackpath.WriteJSON(&js, res); err != nil || !strings.Contains(js.String(), `"container": "runner"`) {
		t.Errorf("JSON does not name the container: %v\n%s", err, js.String())
	}
	var dot bytes.Buffer
	if err := attackpath.WriteDOT(&dot, res, []attackpath.Path{p}, false); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dot.String(), `label="container runner"`) || !strings.Contains(dot.String(), `label="runs"`) {
		t.Errorf("the container is not drawn:\n%s", dot.String())
	}

	snap = snapOf(t, nsShop, loadBalancer("agent"), deploy("agent", `      automountServiceAccountToken: false
      hostPID: true
      containers:
      - name: agent
        image: agent:1
        ports: [{containerPort: 8080}]`))
	g = attackpath.Build(snap)
	res = g.Search(attackpath.Options{To: []attackpath.Target{attackpath.ToNodeRoot}})
	p, e = escapeStep(t, res)
	if e.Container != "" || !strings.HasPrefix(e.Text, "deployment.apps/agent -n shop can take over its node: hostPID") {
		t.Errorf("a pod-level escape: container %q, text %q", e.Container, e.Text)
	}
	dot.Reset()
	if err := attackpath.WriteDOT(&dot, res, []attackpath.Path{p}, false); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(dot.String(), "container ") {
		t.Errorf("a container is drawn for a pod-level escape:\n%s", dot.String())
	}
}

// lateralShop: web is exposed and leads nowhere itself; api holds a token
// that reads the Secrets of shop; db is privileged and admits only api.
func lateralShop(t *testing.T, apiToken bool) *cluster.Snapshot {
	automount := "false"
	if apiToken {
		automount = "true"
	}
	return snapOf(t, nsShop, loadBalancer("web"),
		deploy("web", `      automountServiceAccountToken: false
      containers: [{name: web, image: web:1, ports: [{containerPort: 8080}]}]`),
		deploy("api", `      serviceAccountName: api
      automountServiceAccountToken: `+automount+`
      containers: [{name: api, image: api:1, ports: [{containerPort: 9090}]}]`),
		deploy("db", `      automountServiceAccountToken: false
      containers: [{name: db, image: db:1, ports: [{containerPort: 5432}], securityContext: {privileged: true}}]`),
		`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress: [{from: [{podSelector: {matchLabels: {app: api}}}]}]`,
		`apiVersion: v1
kind: ServiceAccount
metadata: {name: api, namespace: shop}`,
		`apiVersion: v1
kind: Secret
metadata: {name: stripe, namespace: shop}`,
		`apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: secrets, namespace: shop}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get, list]}]`,
		`apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: api-secrets, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secrets}
subjects: [{kind: ServiceAccount, name: api, namespace: shop}]`)
}

// TestLateralChain: from the exposed web, through api (a pivot: its token
// reads Secrets) to db, which only api may reach, and on to the node.
// Without api's token, api leads nowhere: no move goes through it, and db
// stays out of reach.
func TestLateralChain(t *testing.T) {
	g := attackpath.Build(lateralShop(t, true))
	paths := summaries(g.Search(attackpath.Options{}))
	if !hasPath(paths, "deployment.apps/web -n shop → deployment.apps/api -n shop → deployment.apps/db -n shop → node root") {
		t.Errorf("no chain web → api → db → node root among:\n%s", strings.Join(paths, "\n"))
	}
	if hasPath(paths, "deployment.apps/web -n shop → deployment.apps/db -n shop") {
		t.Errorf("db admits only api, yet web reaches it:\n%s", strings.Join(paths, "\n"))
	}
	g = attackpath.Build(lateralShop(t, false))
	if paths := summaries(g.Search(attackpath.Options{})); hasPath(paths, "deployment.apps/api") || hasPath(paths, "deployment.apps/db") {
		t.Errorf("api leads nowhere, yet:\n%s", strings.Join(paths, "\n"))
	}
}

// TestFromWorkloadAndAccount: --from a workload assumes it compromised
// (api: its token, and db which only it reaches), --from an account
// assumes its token stolen (even one nothing in the graph leads to).
func TestFromWorkloadAndAccount(t *testing.T) {
	snap := lateralShop(t, true)
	g := attackpath.Build(snap)
	api := netpol.For(snap).Lookup("shop/api")[0]
	res := g.Search(attackpath.Options{From: g.WorkloadStart(api)})
	paths := summaries(res)
	if !hasPath(paths, "deployment.apps/api -n shop → ServiceAccount shop/api → Secrets of namespace shop") ||
		!hasPath(paths, "deployment.apps/api -n shop → deployment.apps/db -n shop → node root") {
		t.Errorf("from api:\n%s", strings.Join(paths, "\n"))
	}
	for _, p := range paths {
		if !strings.HasPrefix(p, "deployment.apps/api -n shop → ") {
			t.Errorf("a path does not start at api: %s", p)
		}
	}
	if res.FromLabel() != "deployment.apps/api -n shop" {
		t.Errorf("from %q", res.FromLabel())
	}
	// web leads nowhere by itself but reaches api.
	web := netpol.For(snap).Lookup("shop/web")[0]
	if paths := summaries(g.Search(attackpath.Options{From: g.WorkloadStart(web)})); !hasPath(paths, "deployment.apps/web -n shop → deployment.apps/api -n shop → ServiceAccount shop/api") {
		t.Errorf("from web:\n%s", strings.Join(paths, "\n"))
	}
	sa := g.PrincipalStart(rbac.Principal{Kind: "ServiceAccount", Namespace: "shop", Name: "api"})
	if paths := summaries(g.Search(attackpath.Options{From: sa})); len(paths) != 1 || paths[0] != "ServiceAccount shop/api → Secrets of namespace shop" {
		t.Errorf("from the account: %v", paths)
	}
	nobody := g.PrincipalStart(rbac.Principal{Kind: "ServiceAccount", Namespace: "shop", Name: "default"})
	if paths := summaries(g.Search(attackpath.Options{From: nobody})); len(paths) != 0 {
		t.Errorf("shop/default may do nothing, yet: %v", paths)
	}
}

const hostNetAgent = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: shop}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      hostNetwork: true
      automountServiceAccountToken: false
      containers: [{name: agent, image: agent:1, ports: [{containerPort: 9100}]}]`

// withKubelet adds a KubeletConfiguration, as the node loader reads one,
// to a snapshot's objects.
func withKubelet(t *testing.T, anonymous bool, mode kubeletv1beta1.KubeletAuthorizationMode, docs ...string) *cluster.Snapshot {
	t.Helper()
	dec := &source.Decoder{Limits: source.DefaultLimits}
	objs, errs := dec.Decode("test.yaml", []byte(strings.Join(docs, "\n---\n")))
	if len(errs) > 0 {
		t.Fatal(errs[0].Error())
	}
	cfg := &kubeletv1beta1.KubeletConfiguration{}
	cfg.Authentication.Anonymous.Enabled = &anonymous
	cfg.Authorization.Mode = mode
	objs = append(objs, &cluster.Object{ID: cluster.ObjectID{APIVersion: "kubelet.config.k8s.io/v1beta1", Kind: "KubeletConfiguration", Name: "/var/lib/kubelet/config.yaml"}, Typed: cfg})
	return cluster.NewSnapshot(objs)
}

// TestKubeletEscape: a pod on the node's network reaches the kubelet API;
// from manifests alone the step says "if the kubelet allows anonymous
// access"; a kubelet config in the input that turns anonymous requests
// away (Webhook) removes it, one that lets them in (AlwaysAllow) is cited.
func TestKubeletEscape(t *testing.T) {
	kubeletPath := func(res attackpath.Result) (attackpath.Path, bool) {
		for _, p := range res.Paths {
			if strings.Contains(res.Graph.Summary(p), "kubelet API :10250 (any node) → node root") {
				return p, true
			}
		}
		return attackpath.Path{}, false
	}
	g := attackpath.Build(snapOf(t, nsShop, hostNetAgent))
	res := g.Search(attackpath.Options{To: []attackpath.Target{attackpath.ToNodeRoot}})
	p, ok := kubeletPath(res)
	if !ok {
		t.Fatalf("no path through the kubelet among %v", summaries(res))
	}
	reach, escape := g.Edges[p.Edges[len(p.Edges)-2]], g.Edges[p.Edges[len(p.Edges)-1]]
	if reach.Kind != attackpath.EdgeReachesKubelet || reach.Technique != "T1210" || !strings.Contains(reach.Text, "if the kubelet allows anonymous access") ||
		reach.Evidence[0].Field != "spec.template.spec.hostNetwork" {
		t.Errorf("reach step %+v", reach)
	}
	if escape.Kind != attackpath.EdgeEscapesToNode || escape.Technique != "T1609" || !strings.HasPrefix(escape.Text, "if the kubelet allows anonymous access") {
		t.Errorf("escape step %+v", escape)
	}

	g = attackpath.Build(withKubelet(t, false, kubeletv1beta1.KubeletAuthorizationModeWebhook, nsShop, hostNetAgent))
	if _, ok := kubeletPath(g.Search(attackpath.Options{})); ok {
		t.Error("the kubelet turns anonymous requests away, yet a path goes through it")
	}

	g = attackpath.Build(withKubelet(t, true, kubeletv1beta1.KubeletAuthorizationModeAlwaysAllow, nsShop, hostNetAgent))
	p, ok = kubeletPath(g.Search(attackpath.Options{}))
	if !ok {
		t.Fatal("the kubelet lets anonymous requests in, yet no path goes through it")
	}
	reach = g.Edges[p.Edges[len(p.Edges)-2]]
	if strings.Contains(reach.Text, "if the kubelet") || !strings.Contains(fmt.Sprint(reach.Evidence), "authorization.mode: AlwaysAllow") {
		t.Errorf("the step does not rest on the kubelet's config: %+v", reach)
	}
}

// TestMinerImpact: the crypto-miner of the Tesla scenario hangs on the
// paths to cluster-admin and node root as their impact, drawn as a node;
// a scenario with no miner has none.
func TestMinerImpact(t *testing.T) {
	snap, _ := load(t, "../../examples/tesla-2018")
	g := attackpath.Build(snap)
	res := g.Search(attackpath.Options{To: []attackpath.Target{attackpath.ToClusterAdmin}})
	if len(res.Paths) != 1 || len(res.Paths[0].Impact) != 1 {
		t.Fatalf("want one path with one impact, got %+v", res.Paths)
	}
	e := g.Edges[res.Paths[0].Impact[0]]
	if e.Kind != attackpath.EdgeImpact || e.Technique != "T1496" || g.Nodes[e.To].Label != "crypto-miner deployment.apps/kube-metrics-helper -n default" {
		t.Errorf("impact %+v → %s", e, g.Nodes[e.To].Label)
	}
	var dot, js bytes.Buffer
	if err := attackpath.WriteDOT(&dot, res, res.Paths, false); err != nil || !strings.Contains(dot.String(), "crypto-miner deployment.apps/kube-metrics-helper") {
		t.Errorf("the miner is not drawn: %v\n%s", err, dot.String())
	}
	if err := attackpath.WriteJSON(&js, res); err != nil || !strings.Contains(js.String(), `"impactSteps"`) {
		t.Errorf("no impact step in the JSON: %v", err)
	}
	if !strings.Contains(g.Explain(res.Paths[0]), "impact: crypto-miner deployment.apps/kube-metrics-helper -n default [impact T1496]") {
		t.Errorf("the explanation names no miner:\n%s", g.Explain(res.Paths[0]))
	}

	snap, _ = load(t, "../../examples/capital-one")
	res = attackpath.Build(snap).Search(attackpath.Options{})
	for _, p := range res.Paths {
		if len(p.Impact) > 0 {
			t.Errorf("capital-one runs no miner, yet %s has an impact", p.ID)
		}
	}
}

// TestCollapsedOverview: a generated graph of hundreds of nodes drawn
// whole collapses the equal workloads of each namespace (and their
// entries and containers) into one node each, in a cluster per
// namespace; drawn exactly, every workload is there.
func TestCollapsedOverview(t *testing.T) {
	var docs []string
	const namespaces, per = 4, 60
	for n := 0; n < namespaces; n++ {
		ns := fmt.Sprintf("team-%d", n)
		docs = append(docs, fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata: {name: %s}", ns))
		for i := 0; i < per; i++ {
			name := fmt.Sprintf("svc-%d", i)
			d := strings.ReplaceAll(deploy(name, `      automountServiceAccountToken: false
      containers: [{name: app, image: app:1, ports: [{containerPort: 8080}], securityContext: {privileged: true}}]`), "namespace: shop", "namespace: "+ns)
			docs = append(docs, d, strings.ReplaceAll(loadBalancer(name), "namespace: shop", "namespace: "+ns))
		}
	}
	res := attackpath.Build(snapOf(t, docs...)).Search(attackpath.Options{To: []attackpath.Target{attackpath.ToNodeRoot}, MaxPaths: 10000})
	nodeLine := regexp.MustCompile(`(?m)^\s+(n|g)\w* \[label=`)
	var exact, collapsed bytes.Buffer
	if err := attackpath.WriteDOT(&exact, res, res.Paths, false); err != nil {
		t.Fatal(err)
	}
	if err := attackpath.WriteDOT(&collapsed, res, res.Paths, true); err != nil {
		t.Fatal(err)
	}
	ne, nc := len(nodeLine.FindAllString(exact.String(), -1)), len(nodeLine.FindAllString(collapsed.String(), -1))
	if ne < 200 {
		t.Fatalf("want a graph of 200+ nodes, drew %d", ne)
	}
	// Per namespace: one entry, one workload and one container group; and
	// the internet and node root.
	if nc != namespaces*3+2 {
		t.Errorf("collapsed to %d nodes, want %d:\n%s", nc, namespaces*3+2, collapsed.String())
	}
	for n := 0; n < namespaces; n++ {
		if !regexp.MustCompile(fmt.Sprintf(`subgraph cluster_\d+ \{\n\s+label="namespace team-%d"`, n)).MatchString(collapsed.String()) {
			t.Errorf("namespace team-%d is not a cluster", n)
		}
	}
	if !strings.Contains(collapsed.String(), `"60 workloads like deployment.apps/svc-0 -n team-0"`) {
		t.Errorf("no group of 60 workloads:\n%s", collapsed.String())
	}
	var mm bytes.Buffer
	if err := attackpath.WriteMermaid(&mm, res, res.Paths, true); err != nil || strings.Count(mm.String(), "subgraph ns") != namespaces {
		t.Errorf("mermaid: %v, %d subgraphs", err, strings.Count(mm.String(), "subgraph ns"))
	}

	// Workloads with different roles stay apart: one of them also mounts
	// a token that leads nowhere, and its drawing keeps it alone.
	snap, _ := load(t, "../../examples/insecure-shop")
	res = attackpath.Build(snap).Search(attackpath.Options{})
	exact.Reset()
	collapsed.Reset()
	_ = attackpath.WriteDOT(&exact, res, res.Paths, false)
	_ = attackpath.WriteDOT(&collapsed, res, res.Paths, true)
	if ne, nc := len(nodeLine.FindAllString(exact.String(), -1)), len(nodeLine.FindAllString(collapsed.String(), -1)); nc > ne || !strings.Contains(collapsed.String(), "log-collector") {
		t.Errorf("insecure-shop: %d nodes exact, %d collapsed:\n%s", ne, nc, collapsed.String())
	}
}
