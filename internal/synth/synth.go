// Package synth writes synthetic but realistic Kubernetes clusters as one
// multi-document YAML stream, for benchmarks and load tests.
//
// A stream holds exactly Options.Objects documents, one object each, and is
// the same byte for byte for the same Options. Objects are grouped by
// namespace the way `kubectl get -A -o yaml` exports look: a Namespace, then
// the workloads, Services, Ingresses, RBAC objects, ServiceAccounts,
// NetworkPolicies, Secrets and ConfigMaps that live in it, with a few
// cluster-scoped ClusterRoles and ClusterRoleBindings mixed in. Workloads of
// every kind carry full pod specs: one to three containers, sometimes init
// containers, probes, resources, env, volumes, labels, annotations and
// security contexts, so a Deployment is about 2 KB (2–3 KB with sidecars or
// init containers) as in real clusters; the stream averages about 1.3 KB a
// document.
//
// A share of the objects (Options.InsecureRatio) is written with one or more
// deliberate weaknesses: privileged containers, a hostPath of "/", hostPID,
// ":latest" images, no limits, root users, added capabilities, literal
// passwords in env, LoadBalancers without source ranges, Ingresses without
// TLS, wildcard RBAC, and so on. The rest follow the restricted Pod Security
// Standard and common hardening advice. Stats says what was written.
//
// All secret-looking values are obviously fake ("fake-...-not-a-real-...").
//
// The YAML is written directly with fmt and a buffered writer (no
// marshalling), so 100k objects take well under a few seconds.
package synth

import (
	"bufio"
	"bytes"
	"io"
	"math/rand/v2"
)

// Options say what to generate.
type Options struct {
	// Objects is the exact number of documents written; each holds one
	// object.
	Objects int
	// Seed selects the cluster: the same Options always give the same bytes.
	Seed uint64
	// InsecureRatio is the probability, from 0 to 1, that an object is
	// written with at least one deliberate weakness. 0 writes a hardened
	// cluster; DefaultInsecureRatio is a third.
	InsecureRatio float64
	// ObjectsPerNamespace is the average number of objects written in each
	// namespace, its Namespace object included; 0 means 60.
	ObjectsPerNamespace int
}

// DefaultInsecureRatio is the share of insecure objects used by the
// benchmarks: about one object in three.
const DefaultInsecureRatio = 1.0 / 3

// Issue names one kind of deliberate weakness.
type Issue string

// The weaknesses the generator writes. Each is counted once per object it
// was written into (container-level ones go into exactly one container).
const (
	IssuePrivileged         Issue = "privileged"           // securityContext.privileged: true
	IssueHostPathRoot       Issue = "hostpath-root"        // hostPath volume of "/" mounted
	IssueDockerSocket       Issue = "docker-socket"        // hostPath /var/run/docker.sock
	IssueHostPID            Issue = "host-pid"             // hostPID: true
	IssueHostNetwork        Issue = "host-network"         // hostNetwork: true
	IssueHostIPC            Issue = "host-ipc"             // hostIPC: true
	IssueHostPort           Issue = "host-port"            // ports[].hostPort
	IssueLatestTag          Issue = "latest-tag"           // image ":latest" or no tag
	IssueNoLimits           Issue = "no-limits"            // no resources at all
	IssueRunAsRoot          Issue = "run-as-root"          // runAsUser: 0
	IssueNetAdmin           Issue = "cap-net-admin"        // capabilities.add NET_ADMIN
	IssueSysAdmin           Issue = "cap-sys-admin"        // capabilities.add SYS_ADMIN
	IssuePrivilegeEsc       Issue = "privilege-escalation" // allowPrivilegeEscalation: true, no hardening
	IssuePasswordEnv        Issue = "password-env"         // env PASSWORD with a literal value
	IssueNoPSSLabels        Issue = "namespace-no-pss"     // Namespace without pod-security labels
	IssuePSSPrivileged      Issue = "namespace-privileged" // enforce: privileged
	IssueLoadBalancerOpen   Issue = "lb-no-source-ranges"  // LoadBalancer without loadBalancerSourceRanges
	IssueNodePort           Issue = "nodeport"             // Service of type NodePort
	IssueIngressNoTLS       Issue = "ingress-no-tls"       // Ingress without tls
	IssueRBACWildcard       Issue = "rbac-wildcard"        // "*" verbs on "*" resources
	IssueRBACSecrets        Issue = "rbac-secrets"         // get/list/watch secrets
	IssueRBACExec           Issue = "rbac-pods-exec"       // create pods/exec
	IssueRBACEscalate       Issue = "rbac-escalate"        // escalate/bind/impersonate
	IssueBindClusterAdmin   Issue = "bind-cluster-admin"   // binding to cluster-admin
	IssueBindAnonymous      Issue = "bind-anonymous"       // binding to system:anonymous/unauthenticated/authenticated
	IssueBindDefaultSA      Issue = "bind-default-sa"      // binding that grants the default ServiceAccount edit/admin
	IssueSAAutomount        Issue = "sa-automount"         // ServiceAccount that automounts its token
	IssueNetpolAllowAll     Issue = "netpol-allow-all"     // ingress/egress [{}]
	IssueNetpolMetadata     Issue = "netpol-egress-any"    // egress to 0.0.0.0/0 (cloud metadata reachable)
	IssueSATokenSecret      Issue = "sa-token-secret"      // long-lived kubernetes.io/service-account-token
	IssueSecretStringData   Issue = "secret-stringdata"    // plaintext stringData in a manifest
	IssueSecretLastApplied  Issue = "secret-last-applied"  // secret values in last-applied-configuration
	IssueConfigMapSecretKey Issue = "configmap-secret-key" // ConfigMap keys like DB_PASSWORD
)

// Stats says what a stream holds.
type Stats struct {
	// Documents is the number of documents written (always Options.Objects
	// unless writing failed).
	Documents int
	// Bytes is the size of the stream.
	Bytes int64
	// Insecure is the number of objects written with at least one weakness.
	Insecure int
	// Kinds counts documents by kind.
	Kinds map[string]int
	// Issues counts weaknesses by type.
	Issues map[Issue]int
	// Containers counts containers (init containers included) over all pod
	// templates.
	Containers int
}

// Write writes a cluster of opts.Objects documents to w.
func Write(w io.Writer, opts Options) (Stats, error) {
	cw := &countingWriter{w: w}
	g := newGen(bufio.NewWriterSize(cw, 256<<10), opts)
	for g.stats.Documents < opts.Objects && cw.err == nil {
		g.next()
	}
	err := g.w.Flush()
	if err == nil {
		err = cw.err
	}
	g.stats.Bytes = cw.n
	return g.stats, err
}

// Generate returns a cluster of opts.Objects documents.
func Generate(opts Options) ([]byte, Stats) {
	var buf bytes.Buffer
	buf.Grow(opts.Objects * 1100)
	st, _ := Write(&buf, opts) // a bytes.Buffer never fails
	return buf.Bytes(), st
}

type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

// gen holds the state of one stream.
type gen struct {
	w     *bufio.Writer
	r     *rand.Rand
	opts  Options
	ratio float64
	stats Stats
	seq   int

	// The namespace being filled, and how many objects it still gets.
	ns     namespace
	nsLeft int
	nsSeq  int

	// nodePorts counts the node ports handed out, so that each Service
	// gets its own (the API server refuses a port already allocated).
	nodePorts int
}

// namespace remembers what was written into the current namespace so that
// later objects refer to it (Services select existing apps, bindings name
// existing ServiceAccounts and Roles).
type namespace struct {
	name  string
	team  string
	env   string
	apps  []app
	sas   []string
	roles []string
}

type app struct {
	name string // unique in the namespace: "checkout-42"
	comp *component
}

func newGen(w *bufio.Writer, opts Options) *gen {
	ratio := min(max(opts.InsecureRatio, 0), 1)
	if opts.ObjectsPerNamespace <= 0 {
		opts.ObjectsPerNamespace = 60
	}
	return &gen{
		w:     w,
		r:     rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)),
		opts:  opts,
		ratio: ratio,
		stats: Stats{Kinds: map[string]int{}, Issues: map[Issue]int{}},
	}
}

// kindWeights is the mix of namespaced objects, roughly as in a large
// production cluster.
var kindWeights = []struct {
	kind   string
	weight int
	write  func(*gen, bool)
}{
	{"Deployment", 14, (*gen).deployment},
	{"StatefulSet", 3, (*gen).statefulSet},
	{"DaemonSet", 2, (*gen).daemonSet},
	{"Job", 3, (*gen).job},
	{"CronJob", 3, (*gen).cronJob},
	{"ReplicaSet", 5, (*gen).replicaSet},
	{"ReplicationController", 1, (*gen).replicationController},
	{"Pod", 8, (*gen).pod},
	{"Service", 12, (*gen).service},
	{"Ingress", 4, (*gen).ingress},
	{"Role", 4, (*gen).role},
	{"ClusterRole", 2, (*gen).clusterRole},
	{"RoleBinding", 4, (*gen).roleBinding},
	{"ClusterRoleBinding", 2, (*gen).clusterRoleBinding},
	{"ServiceAccount", 7, (*gen).serviceAccount},
	{"NetworkPolicy", 4, (*gen).networkPolicy},
	{"Secret", 8, (*gen).secret},
	{"ConfigMap", 12, (*gen).configMap},
}

var totalWeight = func() int {
	t := 0
	for _, k := range kindWeights {
		t += k.weight
	}
	return t
}()

// next writes one document.
func (g *gen) next() {
	g.seq++
	bad := g.r.Float64() < g.ratio
	if g.nsLeft <= 0 {
		per := g.opts.ObjectsPerNamespace
		g.nsLeft = per/2 + g.r.IntN(per+1) - 1
		g.namespace(bad)
		g.finish("Namespace", bad)
		return
	}
	g.nsLeft--
	pick := g.r.IntN(totalWeight)
	for _, k := range kindWeights {
		if pick < k.weight {
			k.write(g, bad)
			g.finish(k.kind, bad)
			return
		}
		pick -= k.weight
	}
}

func (g *gen) finish(kind string, bad bool) {
	g.stats.Documents++
	g.stats.Kinds[kind]++
	if bad {
		g.stats.Insecure++
	}
}

func (g *gen) issue(i Issue) { g.stats.Issues[i]++ }

// pickApp returns an app of the current namespace, or a new one.
func (g *gen) pickApp() app {
	if n := len(g.ns.apps); n > 0 && g.r.IntN(4) != 0 {
		return g.ns.apps[g.r.IntN(n)]
	}
	return g.newApp()
}

func (g *gen) newApp() app {
	c := &components[g.r.IntN(len(components))]
	a := app{name: c.name + "-" + itoa(g.seq), comp: c}
	g.ns.apps = append(g.ns.apps, a)
	if len(g.ns.apps) > 32 {
		g.ns.apps = g.ns.apps[1:]
	}
	return a
}

func (g *gen) chance(oneIn int) bool { return g.r.IntN(oneIn) == 0 }

func (g *gen) pickStr(list []string) string { return list[g.r.IntN(len(list))] }
