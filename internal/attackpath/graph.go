// Package attackpath builds the attack graph of a cluster — from the
// internet to cluster-admin, node root, Secrets and cloud credentials —
// from a Snapshot with the RBAC and NetworkPolicy engines, searches it for
// entry-to-target paths, ranks them and names the fixes that close most of
// them.
//
// # Nodes
//
// internet; an entry (an exposed Service, Ingress, Gateway route, hostPort
// or host network); a workload (a pod template: a Pod or a controller);
// a principal (ServiceAccount, user, group); the Secrets of a namespace;
// node root ("any node" in manifest mode, where placement is unknown); the
// kubelet API; the cloud metadata endpoint and the cloud identity it
// serves; cluster-admin; and the impact an attacker holding a target
// already has in the cluster (a crypto-miner workload). A workload's
// containers are not nodes of their own: an escape that a container holds
// names it on its edge (Edge.Container), and the diagrams draw the
// container as a node between the workload and node root.
//
// # Edges
//
// Each edge carries a MITRE ATT&CK technique id, its words and its
// evidence (object, field, and the findings of the scan that report the
// same weakness): exposed (internet → entry), exposed-to (entry →
// workload, with the NetworkPolicy verdict), reaches (workload → workload
// over the network, from the netpol engine), runs-as / token-mounted
// (workload → ServiceAccount, only when the token is mounted),
// can-create-pod / can-exec / can-read-secret / can-request-token /
// can-impersonate / can-bind / can-escalate / holds / member-of (principal
// → principal or cluster-admin, from the RBAC escalation graph),
// can-read-secret (principal → Secrets), can-create-pod (principal → node
// root, where no Pod Security admission forbids a privileged pod),
// escapes-to-node (workload → node root, from the container that holds
// the escape; kubelet API → node root), reaches-kubelet (a workload on the
// node's network → kubelet API), node-token (node root → every mounted
// ServiceAccount token), reaches-metadata (workload → metadata endpoint),
// serves-credentials (metadata endpoint → cloud identity) and impact
// (cluster-admin or node root → a workload that is the attacker's: a
// crypto-miner). Reaches edges leave every exposed workload and every
// workload that leads to a target (a useful pivot), so lateral movement
// chains across workloads up to the search's length bound.
package attackpath

import (
	"fmt"
	"net/netip"
	"path"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/netpol"
	"github.com/palisade-sec/palisade/internal/rbac"
)

// NodeKind is what a node of the graph stands for.
type NodeKind string

// The node kinds.
const (
	KindInternet      NodeKind = "internet"
	KindEntry         NodeKind = "entry"
	KindWorkload      NodeKind = "workload"
	KindPrincipal     NodeKind = "principal"
	KindSecrets       NodeKind = "secrets"
	KindNodeRoot      NodeKind = "node-root"
	KindMetadata      NodeKind = "metadata-endpoint"
	KindCloudIdentity NodeKind = "cloud-identity"
	KindClusterAdmin  NodeKind = "cluster-admin"
	KindKubelet       NodeKind = "kubelet"
	KindImpact        NodeKind = "impact"
	// KindContainer is drawn only: a container between its workload and
	// node root on an escape (see Edge.Container).
	KindContainer NodeKind = "container"
)

// Target is a class of targets, as --to names it.
type Target string

// The targets.
const (
	ToClusterAdmin  Target = "cluster-admin"
	ToNodeRoot      Target = "node"
	ToSecrets       Target = "secrets"
	ToCloudIdentity Target = "cloud"
)

// Targets lists every target class.
func Targets() []Target { return []Target{ToClusterAdmin, ToNodeRoot, ToSecrets, ToCloudIdentity} }

// Node is one node of the graph.
type Node struct {
	// Key identifies the node: "workload:deployment.apps/web -n shop".
	Key  string   `json:"key"`
	Kind NodeKind `json:"kind"`
	// Label names it for people.
	Label     string `json:"label"`
	Namespace string `json:"namespace,omitempty"`
	// Object is the Kubernetes object the node stands for, if any.
	Object string `json:"object,omitempty"`
	// Target is the target class the node belongs to, if it is one.
	Target Target `json:"target,omitempty"`
	// Severity of reaching the node when it is a target.
	Severity string `json:"severity,omitempty"`
	// Note is what else is known: the impact of holding it.
	Note string `json:"note,omitempty"`

	obj *cluster.Object
	pod *netpol.Pod
	// entry is the kind of an entry node.
	entry netpol.EntryKind
}

// EdgeKind is how an attacker moves along an edge.
type EdgeKind string

// The edge kinds.
const (
	EdgeExposed         EdgeKind = "exposed"
	EdgeExposedTo       EdgeKind = "exposed-to"
	EdgeReaches         EdgeKind = "reaches"
	EdgeRunsAs          EdgeKind = "runs-as"
	EdgeTokenMounted    EdgeKind = "token-mounted"
	EdgeCanExec         EdgeKind = "can-exec"
	EdgeCanCreatePod    EdgeKind = "can-create-pod"
	EdgeCanReadSecret   EdgeKind = "can-read-secret"
	EdgeCanImpersonate  EdgeKind = "can-impersonate"
	EdgeCanBind         EdgeKind = "can-bind"
	EdgeCanEscalate     EdgeKind = "can-escalate"
	EdgeCanRequestToken EdgeKind = "can-request-token"
	EdgeHolds           EdgeKind = "holds"
	EdgeMemberOf        EdgeKind = "member-of"
	EdgeEscapesToNode   EdgeKind = "escapes-to-node"
	EdgeNodeToken       EdgeKind = "node-token"
	EdgeReachesMetadata EdgeKind = "reaches-metadata"
	EdgeServesCreds     EdgeKind = "serves-credentials"
	EdgeReachesKubelet  EdgeKind = "reaches-kubelet"
	EdgeImpact          EdgeKind = "impact"
)

// Techniques are the MITRE ATT&CK technique of each edge kind.
var Techniques = map[EdgeKind]string{
	EdgeExposed:         "T1133",     // External Remote Services
	EdgeExposedTo:       "T1190",     // Exploit Public-Facing Application
	EdgeReaches:         "T1210",     // Exploitation of Remote Services
	EdgeRunsAs:          "T1078",     // Valid Accounts
	EdgeTokenMounted:    "T1528",     // Steal Application Access Token
	EdgeCanExec:         "T1609",     // Container Administration Command
	EdgeCanCreatePod:    "T1610",     // Deploy Container
	EdgeCanReadSecret:   "T1552.007", // Unsecured Credentials: Container API
	EdgeCanImpersonate:  "T1078",     // Valid Accounts
	EdgeCanBind:         "T1098",     // Account Manipulation
	EdgeCanEscalate:     "T1098",     // Account Manipulation
	EdgeCanRequestToken: "T1528",     // Steal Application Access Token
	EdgeHolds:           "T1078",     // Valid Accounts
	EdgeMemberOf:        "T1078",     // Valid Accounts
	EdgeEscapesToNode:   "T1611",     // Escape to Host
	EdgeNodeToken:       "T1528",     // Steal Application Access Token
	EdgeReachesMetadata: "T1552.005", // Unsecured Credentials: Cloud Instance Metadata API
	EdgeServesCreds:     "T1078.004", // Valid Accounts: Cloud Accounts
	EdgeReachesKubelet:  "T1210",     // Exploitation of Remote Services
	EdgeImpact:          "T1496",     // Resource Hijacking
}

// Evidence is what an edge rests on: an object, a field, and the findings
// of the scan that report the same weakness.
type Evidence struct {
	Object string `json:"object"`
	Field  string `json:"field,omitempty"`
	// Detail says what the field holds or what decided.
	Detail string `json:"detail,omitempty"`
	// Container is the container of the workload that holds the setting,
	// when one does.
	Container string `json:"container,omitempty"`
	// Findings are the ids of the findings that report it: "check-id
	// object field".
	Findings []string `json:"findings,omitempty"`

	// checks are the check ids (or prefixes ending in "/") whose findings
	// on Object report this weakness; resolved by Graph.Cite.
	checks []string
}

// Edge is one move of an attacker.
type Edge struct {
	From, To  int      `json:"-"`
	Kind      EdgeKind `json:"kind"`
	Technique string   `json:"technique"`
	// Container names the containers of the workload the step leaves
	// from, when they hold what the step rests on (an escape to the node
	// in a privileged container); "" when it is the pod's (hostPID).
	Container string `json:"container,omitempty"`
	// Text says the move in plain words.
	Text     string     `json:"text"`
	Evidence []Evidence `json:"evidence,omitempty"`
	// Fix says what removes the edge.
	Fix string `json:"fix"`

	// src and dst are the pods of a reaches edge: its words are written
	// on demand (fillReach). src is also the workload of a
	// reaches-metadata edge, whose words are written on demand too, with
	// how it reaches the endpoint (fill).
	src, dst *netpol.Pod
	how      string
}

// Graph is the attack graph of a snapshot.
type Graph struct {
	Nodes []Node
	Edges []Edge
	out   [][]int
	index map[string]int
	// pair finds the edge between two nodes, for the nodes with many
	// edges out (see edgeBetween); reach the reaches edges made so far.
	pair  map[[2]int]int
	reach map[[2]int]int
	eng   *netpol.Engine
	lat   *lateralIndex
	// Notes say what the graph leaves out to stay within its bounds.
	Notes []string
	// b adds the nodes a search starts from that the graph does not hold
	// yet (a ServiceAccount nothing leads to).
	b *builder
	// cited are the findings of the last Cite, for the evidence of the
	// edges whose words are written after it (fill).
	cited *citations
}

// Out returns the indexes of the edges out of node n.
func (g *Graph) Out(n int) []int { return g.out[n] }

// Lookup returns the index of the node with that key.
func (g *Graph) Lookup(key string) (int, bool) {
	i, ok := g.index[key]
	return i, ok
}

func (g *Graph) node(n Node) int {
	if i, ok := g.index[n.Key]; ok {
		return i
	}
	g.Nodes = append(g.Nodes, n)
	g.out = append(g.out, nil)
	g.index[n.Key] = len(g.Nodes) - 1
	return len(g.Nodes) - 1
}

// edge adds an edge; a second edge between the same two nodes only adds
// its evidence to the first (paths are sequences of nodes).
func (g *Graph) edge(e Edge) {
	if e.From == e.To {
		return
	}
	if e.Technique == "" {
		e.Technique = Techniques[e.Kind]
	}
	if i, ok := g.edgeBetween(e.From, e.To); ok {
		g.fill(&g.Edges[i])
		g.fill(&e)
		for _, ev := range e.Evidence {
			if !slices.ContainsFunc(g.Edges[i].Evidence, func(x Evidence) bool {
				return x.Object == ev.Object && x.Field == ev.Field && x.Detail == ev.Detail
			}) {
				g.Edges[i].Evidence = append(g.Edges[i].Evidence, ev)
			}
		}
		return
	}
	g.addEdge(e)
}

// manyOut is how many edges a node has out before they are looked up
// by pair: below it, a scan of the few is cheaper than a map entry per
// edge.
const manyOut = 16

// edgeBetween returns the edge from → to, if there is one.
func (g *Graph) edgeBetween(from, to int) (int, bool) {
	out := g.out[from]
	if len(out) < manyOut {
		for _, i := range out {
			if g.Edges[i].To == to {
				return i, true
			}
		}
		return 0, false
	}
	i, ok := g.pair[[2]int{from, to}]
	return i, ok
}

// addEdge appends an edge no other joins the same nodes.
func (g *Graph) addEdge(e Edge) int {
	i := len(g.Edges)
	g.Edges = append(g.Edges, e)
	out := append(g.out[e.From], i)
	g.out[e.From] = out
	switch {
	case len(out) == manyOut:
		for _, j := range out {
			g.pair[[2]int{e.From, g.Edges[j].To}] = j
		}
	case len(out) > manyOut:
		g.pair[[2]int{e.From, e.To}] = i
	}
	return i
}

const (
	metadataAddr = "169.254.169.254"
	metadataPort = 80
)

// cloudIdentityKeys are the annotations that bind pods to a cloud
// identity, as network/metadata-endpoint-reachable reads them.
var cloudIdentityKeys = []struct{ key, cloud string }{
	{"eks.amazonaws.com/role-arn", "AWS IAM role"},
	{"iam.gke.io/gcp-service-account", "Google Cloud service account"},
	{"azure.workload.identity/client-id", "Azure managed identity"},
}

// builder holds what Build computes once.
type builder struct {
	g    *Graph
	snap *cluster.Snapshot
	eng  *netpol.Engine
	// esc is the RBAC escalation graph, built when a principal is first
	// reached (escalation).
	esc      *rbac.Escalation
	internet int
	nodeRoot int
	sas      map[string]*corev1.ServiceAccount
	// workloads are the workload node of each pod.
	workloads map[*netpol.Pod]int
	// principals are the principal nodes whose edges are added.
	principals map[rbac.Principal]int
	queue      []rbac.Principal
	// podSecurityFree are the namespaces whose Pod Security admission does
	// not forbid a privileged pod.
	podSecurityFree map[string]bool
	// secretNS are the namespaces that hold Secrets.
	secretNS []string
	// kubelet is how the kubelets guard their API; kubeletNode is its node
	// (-1 until a workload reaches it).
	kubelet     kubeletGuard
	kubeletNode int
	// reader says whether a principal reads the Secrets of a namespace,
	// and by which grant.
	reader func(ns string, p rbac.Principal) (rbac.Grant, bool)
}

// Build computes the attack graph of a snapshot. It is built once per
// snapshot and shared.
func Build(snap *cluster.Snapshot) *Graph {
	return snap.Derived(graphKey{}, func(s *cluster.Snapshot) any { return build(s) }).(*Graph)
}

type graphKey struct{}

func build(snap *cluster.Snapshot) *Graph {
	eng := netpol.For(snap)
	// Most nodes are workloads, most edges leave one: room for them up
	// front spares the copies of growing.
	pods := len(eng.Pods())
	g := &Graph{index: make(map[string]int, pods+pods/2), pair: map[[2]int]int{},
		Nodes: make([]Node, 0, pods+pods/2), out: make([][]int, 0, pods+pods/2), Edges: make([]Edge, 0, 2*pods)}
	b := &builder{
		g: g, snap: snap, eng: eng,
		sas: map[string]*corev1.ServiceAccount{}, workloads: map[*netpol.Pod]int{},
		principals: map[rbac.Principal]int{}, podSecurityFree: map[string]bool{},
		kubelet: readKubelets(snap), kubeletNode: -1,
	}
	g.eng, g.b = b.eng, b
	for _, o := range snap.OfKind("ServiceAccount") {
		if sa, ok := o.Typed.(*corev1.ServiceAccount); ok {
			b.sas[nsOf(o.ID.Namespace)+"/"+o.ID.Name] = sa
		}
	}
	seen := map[string]bool{}
	for _, o := range snap.OfKind("Secret") {
		if ns := nsOf(o.ID.Namespace); !seen[ns] {
			seen[ns] = true
			b.secretNS = append(b.secretNS, ns)
		}
	}
	sort.Strings(b.secretNS)
	for _, ns := range snap.Namespaces() {
		b.podSecurityFree[ns] = podSecurityFree(snap.NamespaceLabels(ns))
	}
	b.internet = g.node(Node{Key: "internet", Kind: KindInternet, Label: "Internet"})
	b.nodeRoot = g.node(Node{Key: "node-root", Kind: KindNodeRoot, Label: "node root (any node)", Target: ToNodeRoot, Severity: "critical",
		Note: "placement is unknown from manifests: any node the workload may be scheduled on"})
	b.entries()
	b.workloadEdges()
	b.rbacEdges()
	b.impacts()
	b.lateral()
	return g
}

func nsOf(ns string) string {
	if ns == "" {
		return "default"
	}
	return ns
}

// podSecurityFree reports whether a namespace's Pod Security admission
// lets a privileged pod in: no enforce label, or enforce=privileged.
func podSecurityFree(labels map[string]string) bool {
	lvl := labels["pod-security.kubernetes.io/enforce"]
	return lvl == "" || lvl == "privileged"
}

func (b *builder) workload(p *netpol.Pod) int {
	if i, ok := b.workloads[p]; ok {
		return i
	}
	name := p.String()
	i := b.g.node(Node{Key: "workload:" + name, Kind: KindWorkload, Label: name, Namespace: p.Namespace, Object: name, obj: p.Object(), pod: p})
	b.workloads[p] = i
	return i
}

// entries adds internet → entry → workload for every way in that
// NetworkPolicy lets through.
func (b *builder) entries() {
	for _, ep := range netpol.Exposure(b.snap) {
		if !ep.Policy.Open || ep.Target == nil {
			continue
		}
		id := ep.Object.ID
		key := "entry:" + id.String()
		label := id.String()
		if ep.Kind == netpol.EntryHostNetwork || ep.Kind == netpol.EntryHostPort {
			key = "entry:" + string(ep.Kind) + ":" + id.String()
			label = string(ep.Kind) + " of " + id.String()
		}
		entry := b.g.node(Node{Key: key, Kind: KindEntry, Label: label + " (" + string(ep.Kind) + ")", Namespace: nsOf(id.Namespace), Object: id.String(), obj: ep.Object, entry: ep.Kind})
		b.g.edge(Edge{From: b.internet, To: entry, Kind: EdgeExposed,
			Text:     fmt.Sprintf("%s is reachable from outside the cluster as a %s, from %s", id, ep.Kind, ep.From),
			Evidence: []Evidence{{Object: id.String(), Field: ep.Field, Detail: ep.From, checks: []string{"exposure/loadbalancer-open", "exposure/nodeport-service", "exposure/dashboard-exposed", "pss/hostNamespaces", "pss/hostPorts"}}},
			Fix:      fmt.Sprintf("make %s private (%s) or restrict who may connect", id, ep.Field)})
		w := b.workload(ep.Target)
		ports := make([]string, len(ep.Ports))
		for i, p := range ep.Ports {
			ports[i] = p.String()
		}
		admitted := "admitted by no NetworkPolicy: " + ep.Policy.OpenReason
		if ep.Policy.Isolated {
			admitted = "admitted by NetworkPolicy: " + ep.Policy.OpenReason
		}
		ev := []Evidence{{Object: ep.Target.String(), Detail: admitted, checks: []string{"network/namespace-without-default-deny-ingress", "network/reachable-from-all-namespaces"}}}
		if !ep.Policy.Isolated {
			ev = append(ev, Evidence{Object: "namespace/" + ep.Target.Namespace, Field: "metadata.name", checks: []string{"network/namespace-without-default-deny-ingress"}})
		}
		b.g.edge(Edge{From: entry, To: w, Kind: EdgeExposedTo,
			Text:     fmt.Sprintf("through %s the internet reaches %s on %s (%s); a flaw in it (remote code execution or request forgery, assumed for any exposed workload) runs the attacker's requests from inside it", id, ep.Target, strings.Join(ports, ", "), admitted),
			Evidence: ev,
			Fix:      fmt.Sprintf("admit only the traffic %s needs with a NetworkPolicy that selects it", ep.Target)})
	}
}

// skipLogin reports the container argument that lets anyone use the
// Kubernetes dashboard as its service account, if any.
func skipLogin(pt *cluster.PodTemplate) (string, bool) {
	for _, c := range pt.Containers() {
		for i, a := range append(append([]string{}, c.Container.Command...), c.Container.Args...) {
			if a == "--enable-skip-login" || a == "--enable-skip-login=true" {
				n := i - len(c.Container.Command)
				if n < 0 {
					return c.Field(fmt.Sprintf("command[%d]", i)), true
				}
				return c.Field(fmt.Sprintf("args[%d]", n)), true
			}
		}
	}
	return "", false
}

// workloadEdges adds, for every workload, its mounted token, its escapes
// to the node and its reach to the cloud metadata endpoint.
func (b *builder) workloadEdges() {
	ap := netip.MustParseAddr(metadataAddr)
	meta := map[string]int{}
	for _, p := range b.eng.Pods() {
		pt := p.Template
		var w int
		has := func() int {
			if w == 0 {
				w = b.workload(p)
			}
			return w
		}
		sa, mounts := rbac.MountedTokenOf(b.snap, p.Object())
		if mounts {
			kind, text, field := EdgeTokenMounted, fmt.Sprintf("%s mounts the API token of %s: code running in it acts as the account", p, sa), pt.Field("automountServiceAccountToken")
			checks := []string{"workload/service-account-token-automount", "rbac/exposed-workload-token"}
			if f, ok := skipLogin(pt); ok {
				kind, field = EdgeRunsAs, f
				text = fmt.Sprintf("%s runs with --enable-skip-login: anyone who reaches it acts as %s, no code execution needed", p, sa)
				checks = append(checks, "exposure/dashboard-skip-login")
			}
			b.g.edge(Edge{From: has(), To: b.principal(sa), Kind: kind, Text: text,
				Evidence: []Evidence{{Object: p.String(), Field: field, Detail: "token automounted", checks: checks}},
				Fix:      fmt.Sprintf("set automountServiceAccountToken: false on %s (or give %s no permissions)", p, sa)})
		}
		if ev := escapes(pt, p.String()); len(ev) > 0 {
			var what, containers []string
			for _, e := range ev {
				what = append(what, e.Detail)
				if e.Container != "" && !slices.Contains(containers, e.Container) {
					containers = append(containers, e.Container)
				}
			}
			who, podLevel := p.String(), false
			for _, e := range ev {
				podLevel = podLevel || e.Container == ""
			}
			if len(containers) > 0 && !podLevel {
				who = "container " + strings.Join(containers, ", ") + " of " + who
			}
			b.g.edge(Edge{From: has(), To: b.nodeRoot, Kind: EdgeEscapesToNode, Container: strings.Join(containers, ","),
				Text:     fmt.Sprintf("%s can take over its node: %s", who, strings.Join(what, "; ")),
				Evidence: ev,
				Fix:      fmt.Sprintf("drop %s from %s", strings.Join(what, ", "), p)})
		}
		if p.HostNetwork {
			b.kubeletEdges(p, has, mounts)
		}
		if ok, _, by := b.eng.EgressToAddr(p, ap, corev1.ProtocolTCP, metadataPort); ok {
			ident, identText, ev := b.identity(p)
			how := "no NetworkPolicy restricts its egress"
			if p.HostNetwork {
				how = "it is on the node's network, where NetworkPolicy does not apply"
			} else if len(by) > 0 {
				var refs []string
				for _, r := range by {
					refs = append(refs, r.Ref())
				}
				how = "egress allowed by " + strings.Join(refs, ", ")
			}
			m, ok := meta[ident]
			if !ok {
				m = b.g.node(Node{Key: "metadata:" + ident, Kind: KindMetadata, Label: "cloud metadata endpoint " + metadataAddr + " (serving " + identText + ")"})
				c := b.g.node(Node{Key: "cloud:" + ident, Kind: KindCloudIdentity, Label: identText, Target: ToCloudIdentity, Severity: "critical",
					Note: "cloud credentials: whatever the identity may do in the cloud account (object storage, databases, other clusters)"})
				b.g.edge(Edge{From: m, To: c, Kind: EdgeServesCreds,
					Text:     fmt.Sprintf("the metadata endpoint hands out temporary credentials of %s", identText),
					Evidence: ev,
					Fix:      "require IMDSv2 with a hop limit of 1, or block 169.254.169.254 on the nodes"})
				meta[ident] = m
			}
			// Nearly every workload reaches the endpoint: the words are
			// written when a path shows the edge (fill).
			b.g.edge(Edge{From: has(), To: m, Kind: EdgeReachesMetadata, src: p, how: how})
		}
	}
}

// identity is the cloud identity the metadata endpoint serves a pod: the
// one its ServiceAccount or pod annotations name, else the node's.
func (b *builder) identity(p *netpol.Pod) (key, text string, ev []Evidence) {
	if sa := b.sas[p.Namespace+"/"+p.ServiceAccount()]; sa != nil {
		for _, ci := range cloudIdentityKeys {
			if v := sa.Annotations[ci.key]; v != "" {
				obj := "serviceaccount/" + sa.Name + " -n " + p.Namespace
				return ci.key + "=" + v, ci.cloud + " " + v, []Evidence{{Object: obj, Field: fmt.Sprintf("metadata.annotations[%q]", ci.key), Detail: v}}
			}
		}
	}
	for _, ci := range cloudIdentityKeys {
		if v := p.Template.Meta.Annotations[ci.key]; v != "" {
			return ci.key + "=" + v, ci.cloud + " " + v, []Evidence{{Object: p.String(), Field: p.Template.MetaPath + fmt.Sprintf(".annotations[%q]", ci.key), Detail: v}}
		}
	}
	return "node", "the node's cloud identity (its instance role)", []Evidence{{Object: "node (any)", Detail: "the node's instance role, served to every pod that reaches the endpoint"}}
}

// hostRootPaths are the hostPath paths that hand over the node.
var hostRootPaths = []string{"/", "/etc", "/proc", "/root", "/var/lib/kubelet", "/var/lib/etcd", "/var/run/docker.sock", "/run/docker.sock",
	"/var/run/containerd/containerd.sock", "/run/containerd/containerd.sock", "/var/run/crio/crio.sock", "/run/crio/crio.sock",
	"/var/run/cri-dockerd.sock", "/run/cri-dockerd.sock", "/run/k3s/containerd/containerd.sock", "/var/run/docker", "/run/containerd", "/var/run/containerd"}

// escapes lists the settings of a pod that take over its node, each
// naming the container that holds it: a privileged container, one that
// adds SYS_ADMIN, one that mounts a hostPath volume of the node's / or a
// runtime socket. hostPID belongs to the pod (no container); so does a
// hostPath volume that no container mounts.
func escapes(pt *cluster.PodTemplate, obj string) []Evidence {
	var out []Evidence
	s := pt.Spec
	if s.HostPID {
		out = append(out, Evidence{Object: obj, Field: pt.Field("hostPID"), Detail: "hostPID: true", checks: []string{"pss/hostNamespaces"}})
	}
	containers := pt.Containers()
	for i, v := range s.Volumes {
		if v.HostPath == nil {
			continue
		}
		p := path.Clean(v.HostPath.Path)
		if !slices.Contains(hostRootPaths, p) {
			continue
		}
		ev := Evidence{Object: obj, Field: pt.Field(fmt.Sprintf("volumes[%d].hostPath.path", i)), Detail: "hostPath " + p,
			checks: []string{"workload/sensitive-host-path", "pss/hostPathVolumes"}}
		mounted := false
		for _, c := range containers {
			for _, m := range c.Container.VolumeMounts {
				if m.Name == v.Name {
					mounted = true
					e := ev
					e.Container, e.Detail = c.Container.Name, "hostPath "+p+" mounted by container "+c.Container.Name+" at "+m.MountPath
					out = append(out, e)
					break
				}
			}
		}
		if !mounted {
			out = append(out, ev)
		}
	}
	for _, c := range containers {
		sc := c.Container.SecurityContext
		if sc == nil {
			continue
		}
		if sc.Privileged != nil && *sc.Privileged {
			out = append(out, Evidence{Object: obj, Field: c.Field("securityContext.privileged"), Detail: "privileged container " + c.Container.Name,
				Container: c.Container.Name, checks: []string{"pss/privileged"}})
		}
		if sc.Capabilities != nil {
			for i, cap := range sc.Capabilities.Add {
				if n := strings.TrimPrefix(strings.ToUpper(string(cap)), "CAP_"); n == "SYS_ADMIN" || n == "ALL" {
					out = append(out, Evidence{Object: obj, Field: c.Field(fmt.Sprintf("securityContext.capabilities.add[%d]", i)), Detail: "capability " + n + " in " + c.Container.Name,
						Container: c.Container.Name, checks: []string{"workload/dangerous-capabilities", "pss/capabilities_baseline"}})
				}
			}
		}
	}
	return out
}

// principal returns the node of a principal, queueing its RBAC edges.
func (b *builder) principal(p rbac.Principal) int {
	if i, ok := b.principals[p]; ok {
		return i
	}
	var n Node
	switch p.Kind {
	case rbac.ClusterAdminKind:
		n = Node{Key: "cluster-admin", Kind: KindClusterAdmin, Label: "cluster-admin", Target: ToClusterAdmin, Severity: "critical",
			Note: "every verb on every resource: run any workload anywhere (a crypto-miner, as in the 2018 Tesla breach), read every Secret"}
	default:
		n = Node{Key: "principal:" + p.String(), Kind: KindPrincipal, Label: p.String(), Namespace: p.Namespace}
		if p.Kind == rbacv1.ServiceAccountKind {
			n.Object = "serviceaccount/" + p.Name + " -n " + p.Namespace
		}
	}
	i := b.g.node(n)
	b.principals[p] = i
	b.queue = append(b.queue, p)
	return i
}

// lateral adds the reaches edges, implicitly (see lateralIndex): from
// every exposed workload and every useful pivot to every useful pivot, as
// NetworkPolicy allows. A useful pivot is a workload that leads to a
// target by edges of its own — an escape, a token that leads further,
// the metadata endpoint serving an identity of its own — so a chain of
// moves only passes through workloads that lead somewhere. Reaching the
// metadata endpoint for the node's identity does not make a pivot: every
// workload without an egress policy does, the source itself as a rule.
// Workloads on the node's network are neither: their traffic is the
// node's.
func (b *builder) lateral() {
	g := b.g
	useful := b.usefulPivots()
	exposed := map[*netpol.Pod]bool{}
	for _, e := range g.Edges {
		if e.Kind == EdgeExposedTo {
			exposed[g.Nodes[e.To].pod] = true
		}
	}
	isPivot := func(p *netpol.Pod) bool {
		w, ok := b.workloads[p]
		// A workload added after the build (a search's start) is none.
		return ok && w < len(useful) && useful[w] && !p.HostNetwork
	}
	isSource := func(p *netpol.Pod) bool { return (exposed[p] || isPivot(p)) && !p.HostNetwork }
	some := false
	for p := range exposed {
		if !p.HostNetwork {
			some = true
			break
		}
	}
	if !some {
		return
	}
	// Who reaches whom, by class: pods of one class are alike to every
	// policy. Sources are nearly as many classes as pods in a cluster of
	// unique labels, so the class matrix is computed a band of rows at a
	// time and kept as one bit per (source class, pivot class); the ports
	// of a move are asked of the engine when the search walks it.
	lat := &lateralIndex{row: map[int]int32{}, col: map[int]int32{}, pivots: map[int][]int{}, exposed: map[int]bool{}, isPivot: isPivot}
	rowOf, colOf := map[int]int32{}, map[int]int32{}
	var rowClasses []int
	pods := b.eng.Pods()
	// The exposed sources' rows first, then the other pivots'.
	for pass := 0; pass < 2; pass++ {
		for _, p := range pods {
			if !isSource(p) || exposed[p] != (pass == 0) {
				continue
			}
			if _, ok := rowOf[p.Class()]; !ok {
				rowOf[p.Class()] = int32(len(rowClasses))
				rowClasses = append(rowClasses, p.Class())
			}
		}
		if pass == 0 {
			lat.exposedRows = len(rowClasses)
		}
	}
	lat.byRow = make([][]int, len(rowClasses))
	for _, p := range pods {
		src, piv := isSource(p), isPivot(p)
		if !src && !piv {
			continue
		}
		w := b.workload(p)
		if exposed[p] {
			lat.exposed[w] = true
		}
		if src {
			r := rowOf[p.Class()]
			lat.row[w] = r
			lat.byRow[r] = append(lat.byRow[r], w)
		}
		if piv {
			c, ok := colOf[p.Class()]
			if !ok {
				c = int32(len(lat.classes))
				colOf[p.Class()] = c
				lat.classes = append(lat.classes, int(c))
			}
			lat.col[w] = c
			lat.pivots[int(c)] = append(lat.pivots[int(c)], w)
		}
	}
	lat.words = (len(rowClasses) + 63) / 64
	lat.bits = make([]uint64, lat.words*len(lat.classes))
	// colClasses are the class of each column.
	colClasses := make([]int, len(lat.classes))
	for cls, c := range colOf {
		colClasses[c] = cls
	}
	// fill sets the bits of rows lo to hi against the columns cols, from
	// one bit per pair of classes the engine computes.
	fill := func(lo, hi int, cols []int32) {
		if lo >= hi || len(cols) == 0 {
			return
		}
		classes := make([]int, len(cols))
		for j, c := range cols {
			classes[j] = colClasses[c]
		}
		rb := b.eng.ClassReachBits(rowClasses[lo:hi], classes)
		shift := uint(lo & 63)
		for j, c := range cols {
			dst := lat.bits[int(c)*lat.words : int(c+1)*lat.words]
			for k, v := range rb.Bits[j*rb.Words : (j+1)*rb.Words] {
				if v == 0 {
					continue
				}
				w := lo>>6 + k
				dst[w] |= v << shift
				if shift > 0 && w+1 < len(dst) {
					dst[w+1] |= v >> (64 - shift)
				}
			}
		}
	}
	allCols := make([]int32, len(lat.classes))
	for c := range allCols {
		allCols[c] = int32(c)
	}
	// First hops: the exposed sources to every pivot.
	fill(0, lat.exposedRows, allCols)
	// Further hops: the other pivots, only to the pivots a NetworkPolicy
	// isolates for ingress. A pivot that admits everyone is reached by
	// the exposed sources directly wherever their egress lets them: a
	// detour through another pivot adds nothing there but the case of a
	// source whose egress is narrower than the detour's, left out to keep
	// the matrix small.
	hard := map[int32]bool{}
	for _, p := range pods {
		if c, ok := colOf[p.Class()]; ok && isPivot(p) && b.eng.Isolated(p, netpol.Ingress) {
			hard[c] = true
		}
	}
	lat.hardColumns = len(hard)
	if cells := (len(rowClasses) - lat.exposedRows) * len(hard); cells > MaxChainCells {
		g.Notes = append(g.Notes, fmt.Sprintf("lateral movement is followed one hop from the exposed workloads only: "+
			"following it further would compare %d classes of workloads with %d isolated ones, more than the %d pairs allowed", len(rowClasses)-lat.exposedRows, len(hard), MaxChainCells))
	} else if len(hard) > 0 {
		cols := make([]int32, 0, len(hard))
		for c := range hard {
			cols = append(cols, c)
		}
		fill(lat.exposedRows, len(rowClasses), cols)
	}
	g.lat = lat
}

func growTo(s [][]int, i int) [][]int {
	for len(s) <= i {
		s = append(s, nil)
	}
	return s
}

// usefulPivots marks the workload nodes that lead to a target by the
// graph's edges, not counting the node's own cloud identity.
func (b *builder) usefulPivots() []bool {
	g := b.g
	rev := make([][]int32, len(g.Nodes))
	for i := range g.Edges {
		e := &g.Edges[i]
		rev[e.To] = append(rev[e.To], int32(e.From))
	}
	useful := make([]bool, len(g.Nodes))
	var queue []int
	for n := range g.Nodes {
		if g.Nodes[n].Target != "" && g.Nodes[n].Key != "cloud:node" {
			useful[n] = true
			queue = append(queue, n)
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, f := range rev[n] {
			if !useful[f] && g.Nodes[f].Target == "" {
				useful[f] = true
				queue = append(queue, int(f))
			}
		}
	}
	for n := range useful {
		useful[n] = useful[n] && g.Nodes[n].Kind == KindWorkload
	}
	return useful
}

// MaxChainCells bounds the pairs of workload classes compared to follow
// lateral movement beyond one hop (pivot to pivot); above it, moves leave
// the exposed workloads only, and the graph notes it.
var MaxChainCells = 4 << 20

// lateralIndex holds the reaches edges implicitly: from every exposed
// workload and every pivot (a source) to every pivot that NetworkPolicy
// lets it connect to. There are sources × pivots of them, so the search
// looks pairs up by class and makes an edge only when it walks one.
type lateralIndex struct {
	// row is the class row of each source's node, col the class column of
	// each pivot's node.
	row, col map[int]int32
	// bits holds, column by column, one bit per row: whether the row's
	// pods may connect to the column's on some port. words is a column's
	// length.
	bits  []uint64
	words int
	// byRow are the sources' nodes by row.
	byRow [][]int
	// pivots are the pivots' nodes by column; classes lists the columns.
	pivots  map[int][]int
	classes []int
	exposed map[int]bool
	isPivot func(*netpol.Pod) bool
	// exposedRows are the rows of exposed sources (the first ones);
	// hardColumns counts the columns the other rows were computed for.
	exposedRows, hardColumns int
}

// reaches reports whether the pods of row r may connect to those of
// column c.
func (l *lateralIndex) reaches(r, c int) bool {
	return l.bits[c*l.words+r>>6]&(1<<(uint(r)&63)) != 0
}

// lateralEdge returns the reaches edge between two workloads, making it
// on first use; the ports the engine says the move may use are asked
// when its words are (fillReach).
func (g *Graph) lateralEdge(from, to int) int {
	if i, ok := g.edgeBetween(from, to); ok {
		return i
	}
	k := [2]int{from, to}
	if i, ok := g.reach[k]; ok {
		return i
	}
	if g.reach == nil {
		g.reach = map[[2]int]int{}
	}
	// Not in out: the search walks reaches edges through the index.
	src, dst := g.Nodes[from].pod, g.Nodes[to].pod
	g.reach[k] = len(g.Edges)
	g.Edges = append(g.Edges, Edge{From: from, To: to, Kind: EdgeReaches, Technique: Techniques[EdgeReaches], src: src, dst: dst})
	return len(g.Edges) - 1
}

// fillReach writes the words, evidence and fix of a reaches edge.
func (g *Graph) fillReach(e *Edge) {
	if e.Kind != EdgeReaches || e.Text != "" || e.src == nil {
		return
	}
	s, d := e.src, e.dst
	ports := g.eng.Reach(netpol.PodEndpoint(s), netpol.PodEndpoint(d)).Ports
	e.Text = fmt.Sprintf("%s can open connections to %s on %s", s, d, ports)
	e.Evidence = []Evidence{{Object: d.String(), Detail: "NetworkPolicy lets " + s.String() + " connect on " + ports.String(),
		checks: []string{"network/namespace-without-default-deny-ingress", "network/reachable-from-all-namespaces"}}}
	if !g.eng.Isolated(d, netpol.Ingress) {
		e.Evidence = append(e.Evidence, Evidence{Object: "namespace/" + d.Namespace, Field: "metadata.name", Detail: "no NetworkPolicy isolates " + d.String() + " for ingress",
			checks: []string{"network/namespace-without-default-deny-ingress"}})
	}
	e.Fix = fmt.Sprintf("isolate %s for ingress with a NetworkPolicy that does not admit %s", d, s)
}

// fill writes the words, evidence and fix of an edge whose words are
// written on demand: a reaches-metadata edge (cited with the findings of
// the last Cite) or a reaches edge (fillReach).
func (g *Graph) fill(e *Edge) {
	if e.Kind == EdgeReaches {
		g.fillReach(e)
		return
	}
	if e.Kind != EdgeReachesMetadata || e.Text != "" || e.src == nil {
		return
	}
	p := e.src
	e.Text = fmt.Sprintf("%s can reach the cloud metadata endpoint %s:%d (%s)", p, metadataAddr, metadataPort, e.how)
	e.Evidence = []Evidence{{Object: p.String(), Field: p.Template.Field(""), Detail: e.how, checks: []string{"network/metadata-endpoint-reachable", "network/unrestricted-egress"}}}
	e.Fix = fmt.Sprintf("deny egress to %s/32 from %s with a NetworkPolicy", metadataAddr, p)
	if g.cited != nil {
		for i := range e.Evidence {
			g.cited.cite(&e.Evidence[i])
		}
	}
}

// Fill writes the words of every edge that holds them back until asked
// (see fill): for a caller that reads edges other than those of the
// paths a search returns.
func (g *Graph) Fill() {
	for i := range g.Edges {
		g.fill(&g.Edges[i])
	}
}

// ReachExplanation explains a reaches edge with the netpol engine's
// verdict (computed on demand: it names policies and rules).
func (g *Graph) ReachExplanation(e *Edge) []string {
	if e.Kind != EdgeReaches || e.src == nil {
		return nil
	}
	return g.eng.Reach(netpol.PodEndpoint(e.src), netpol.PodEndpoint(e.dst)).Explain()
}

// rbacEdges adds, for every principal reached, its steps of the RBAC
// escalation graph, its reads of Secrets and its privileged pods; the
// node's tokens lead on to the principals they belong to.
func (b *builder) rbacEdges() {
	model := rbac.For(b.snap)
	// Who reads the Secrets of a namespace: the ClusterRoleBindings' holders
	// (asked once, at cluster scope) and each namespace's RoleBindings'.
	addReaders := func(to map[rbac.Principal]rbac.Grant, hs []rbac.Holder) {
		for _, h := range hs {
			if len(h.Grants) == 0 || h.Grants[0].Binding == nil {
				continue
			}
			p := rbac.PrincipalOf(h.Subject, h.Grants[0].Binding.ID.Namespace)
			if _, ok := to[p]; !ok {
				to[p] = h.Grants[0]
			}
		}
	}
	// Both are asked on first use: a graph that reaches no principal
	// needs neither.
	var clusterReaders map[rbac.Principal]rbac.Grant
	nsReaders := map[string]map[rbac.Principal]rbac.Grant{}
	b.reader = func(ns string, p rbac.Principal) (rbac.Grant, bool) {
		if clusterReaders == nil {
			clusterReaders = map[rbac.Principal]rbac.Grant{}
			for _, verb := range []string{"get", "list"} {
				addReaders(clusterReaders, model.WhoCan(rbac.Request{Verb: verb, Resource: "secrets"}))
			}
		}
		if g, ok := clusterReaders[p]; ok {
			return g, true
		}
		readers, ok := nsReaders[ns]
		if !ok {
			readers = map[rbac.Principal]rbac.Grant{}
			for _, verb := range []string{"get", "list"} {
				addReaders(readers, model.WhoCanThroughRoleBindings(rbac.Request{Verb: verb, Resource: "secrets", Namespace: ns}))
			}
			nsReaders[ns] = readers
		}
		g, ok := readers[p]
		return g, ok
	}
	// node root holds every token mounted on it.
	var mounted []rbac.Principal
	seen := map[rbac.Principal]bool{}
	for _, p := range b.eng.Pods() {
		if sa, ok := rbac.MountedTokenOf(b.snap, p.Object()); ok && !seen[sa] {
			seen[sa] = true
			mounted = append(mounted, sa)
		}
	}
	sort.Slice(mounted, func(i, j int) bool { return mounted[i].String() < mounted[j].String() })
	for _, sa := range mounted {
		b.g.edge(Edge{From: b.nodeRoot, To: b.principal(sa), Kind: EdgeNodeToken,
			Text:     fmt.Sprintf("root on a node reads the token of %s from any of its pods there (any node: placement is unknown from manifests)", sa),
			Evidence: []Evidence{{Object: sa.String(), Detail: "a pod on the node mounts its token"}},
			Fix:      "do not mount the token (automountServiceAccountToken: false) where it is not needed"})
	}
	b.drain()
}

// drain adds the edges of every principal queued: its steps of the RBAC
// escalation graph, its reads of Secrets and its privileged pods.
func (b *builder) drain() {
	for len(b.queue) > 0 {
		p := b.queue[0]
		b.queue = b.queue[1:]
		from := b.principals[p]
		if p.Kind == rbac.ClusterAdminKind {
			continue
		}
		pods := false
		for _, s := range b.escalation().Edges(p) {
			kind := stepKind(s)
			to := b.principal(s.To)
			var ev []Evidence
			for _, gr := range s.Grants {
				ev = append(ev, grantEvidence(gr))
			}
			if s.Membership {
				ev = append(ev, Evidence{Object: p.String(), Detail: "member of " + s.To.String()})
			}
			fix := "remove the grant"
			if len(s.Grants) > 0 && s.Grants[0].Binding != nil {
				fix = fmt.Sprintf("remove %s from %s %s", p, s.Grants[0].Binding.ID.Kind, qualified(s.Grants[0].Binding))
			}
			if s.Membership {
				fix = fmt.Sprintf("remove the bindings of %s", s.To)
			}
			b.g.edge(Edge{From: from, To: to, Kind: kind, Text: s.String(), Evidence: ev, Fix: fix})
			if kind == EdgeCanCreatePod && b.podSecurityFree[s.To.Namespace] && !pods {
				pods = true
				b.g.edge(Edge{From: from, To: b.nodeRoot, Kind: EdgeCanCreatePod,
					Text:     fmt.Sprintf("%s can %s; with no Pod Security admission enforced there, such a pod may be privileged and mount the node's /", p, runPodAction(s.Action)),
					Evidence: append(ev, Evidence{Object: "namespace/" + s.To.Namespace, Field: `metadata.labels["pod-security.kubernetes.io/enforce"]`, Detail: "not enforced", checks: []string{"exposure/namespace-without-pss-enforce"}}),
					Fix:      fmt.Sprintf("enforce Pod Security baseline in namespace %s, or remove the grant", s.To.Namespace)})
			}
		}
		for _, ns := range b.secretNS {
			gr, ok := b.reader(ns, p)
			if !ok {
				continue
			}
			sec := b.g.node(Node{Key: "secrets:" + ns, Kind: KindSecrets, Label: "Secrets of namespace " + ns, Namespace: ns, Target: ToSecrets, Severity: secretSeverity(ns),
				Note: "credentials, keys and tokens stored in the namespace"})
			ev := grantEvidence(gr)
			b.g.edge(Edge{From: from, To: sec, Kind: EdgeCanReadSecret,
				Text:     fmt.Sprintf("%s can read the Secrets of namespace %s [%s]", p, ns, gr),
				Evidence: []Evidence{ev},
				Fix:      fmt.Sprintf("remove %s from %s %s", p, gr.Binding.ID.Kind, qualified(gr.Binding))})
		}
	}
}

// escalation returns the RBAC escalation graph of the snapshot, built on
// first use: a graph no principal is reached in needs none.
func (b *builder) escalation() *rbac.Escalation {
	if b.esc == nil {
		b.esc = rbac.EscalationOf(b.snap)
	}
	return b.esc
}

func secretSeverity(ns string) string {
	if ns == "kube-system" {
		return "critical"
	}
	return "high"
}

func qualified(o *cluster.Object) string {
	if o.ID.Namespace != "" {
		return o.ID.Namespace + "/" + o.ID.Name
	}
	return o.ID.Name
}

func grantEvidence(g rbac.Grant) Evidence {
	if g.Binding == nil {
		return Evidence{Object: "(no binding)"}
	}
	return Evidence{Object: g.Binding.ID.String(), Field: fmt.Sprintf("subjects[%d]", g.SubjectIndex), Detail: g.String(),
		checks: []string{"rbac/", "exposure/dashboard-cluster-admin"}}
}

// stepKind names an RBAC escalation step by what it does.
func stepKind(s rbac.Step) EdgeKind {
	a := s.Action
	switch {
	case s.Membership:
		return EdgeMemberOf
	case strings.HasPrefix(a, "create ") && (strings.HasSuffix(a, "that run as it") || strings.HasSuffix(a, "that runs as it")):
		return EdgeCanCreatePod
	case strings.HasPrefix(a, "exec "), strings.HasPrefix(a, "run a command"):
		return EdgeCanExec
	case strings.Contains(a, "token Secret"):
		return EdgeCanReadSecret
	case strings.HasPrefix(a, "request a token"), strings.HasPrefix(a, "request a client certificate"):
		return EdgeCanRequestToken
	case strings.HasPrefix(a, "impersonate"):
		return EdgeCanImpersonate
	case strings.HasPrefix(a, "can bind"):
		return EdgeCanBind
	case strings.HasPrefix(a, "can escalate"):
		return EdgeCanEscalate
	}
	return EdgeHolds
}

// runPodAction is the words of a create-pod step without "that run(s) as
// it": "create a pod or workload in namespace \"shop\"".
func runPodAction(a string) string {
	return strings.TrimSuffix(strings.TrimSuffix(a, " that run as it"), " that runs as it")
}
