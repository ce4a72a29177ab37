package netpol

import (
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// Engine answers reachability questions about one snapshot. It is built
// once (see For) and then only read, so it is safe for concurrent use.
type Engine struct {
	snap     *cluster.Snapshot
	pods     []*Pod
	policies []*Policy
	rules    []*Rule

	namespaces []string
	nsLabels   []map[string]string
	nsIndex    map[string]int
	nsClasses  [][]int32

	classes []*class
	// podNet holds the classes of pod-network pods (not hostNetwork).
	podNet bitset
	// peerSets are the classes each distinct pod peer matches, by key.
	peerSets map[string]bitset
	// ruleSets are the classes each rule's peers match, by rule id.
	ruleSets []bitset
	// portSigs is the number of distinct named-port lists.
	portSigs int

	byRef  map[string][]*Pod
	inNS   map[string][]*Pod
	byObj  map[*cluster.Object]*Pod
	byIP   map[netip.Addr]*Pod
	nodeOf map[netip.Addr]string
}

// class is a set of pods no policy can tell apart.
type class struct {
	index   int
	ns      int
	labels  map[string]string
	named   []NamedPort
	portSig int
	host    bool
	hostIPs []netip.Addr
	pods    []*Pod
	// policies and rules are those that apply to the class, by direction;
	// a class with no policy in a direction is not isolated in it.
	policies [2][]*Policy
	rules    [2][]*Rule
}

func (c *class) isolated(d Direction) bool { return len(c.policies[d]) > 0 }

type engineKey struct{}

// For returns the engine of a snapshot, built on first use and shared by
// every check and command that asks.
func For(snap *cluster.Snapshot) *Engine {
	return snap.Derived(engineKey{}, func(s *cluster.Snapshot) any { return New(s) }).(*Engine)
}

// New builds an engine over a snapshot. Most callers want For.
func New(snap *cluster.Snapshot) *Engine {
	e := &Engine{snap: snap, nsIndex: map[string]int{}, peerSets: map[string]bitset{},
		byRef: map[string][]*Pod{}, inNS: map[string][]*Pod{}, byObj: map[*cluster.Object]*Pod{}, byIP: map[netip.Addr]*Pod{}, nodeOf: map[netip.Addr]string{}}
	for _, pt := range snap.PodTemplates() {
		if p := newPod(pt); p != nil {
			e.pods = append(e.pods, p)
			e.byRef[p.Ref()] = append(e.byRef[p.Ref()], p)
			e.inNS[p.Namespace] = append(e.inNS[p.Namespace], p)
			e.byObj[pt.Object] = p
			for _, ip := range p.IPs {
				if !p.HostNetwork {
					e.byIP[ip] = p
				}
			}
		}
	}
	for _, o := range snap.OfKind("NetworkPolicy") {
		if np, ok := o.Typed.(*networkingv1.NetworkPolicy); ok {
			p := parsePolicy(o, np)
			p.index = len(e.policies)
			e.policies = append(e.policies, p)
			for _, d := range []Direction{Ingress, Egress} {
				for _, r := range p.Rules[d] {
					r.id = len(e.rules)
					e.rules = append(e.rules, r)
				}
			}
		}
	}
	for _, o := range snap.OfKind("Node") {
		if n, ok := o.Typed.(*corev1.Node); ok {
			for _, a := range n.Status.Addresses {
				if ip, err := netip.ParseAddr(a.Address); err == nil {
					e.nodeOf[ip.Unmap()] = n.Name
				}
			}
		}
	}
	e.indexNamespaces()
	e.buildClasses()
	e.applyPolicies()
	return e
}

func (e *Engine) indexNamespaces() {
	seen := map[string]bool{}
	var names []string
	add := func(ns string) {
		if !seen[ns] {
			seen[ns] = true
			names = append(names, ns)
		}
	}
	for _, ns := range e.snap.Namespaces() {
		add(ns)
	}
	for _, p := range e.pods {
		add(p.Namespace)
	}
	for _, p := range e.policies {
		add(p.Namespace)
	}
	sort.Strings(names)
	e.namespaces = names
	for i, ns := range names {
		e.nsIndex[ns] = i
		e.nsLabels = append(e.nsLabels, e.snap.NamespaceLabels(ns))
	}
	e.nsClasses = make([][]int32, len(names))
}

// classKey is what tells pods apart for every policy.
func classKey(p *Pod, b *strings.Builder) string {
	b.Reset()
	if p.HostNetwork {
		b.WriteString("\x00host")
		for _, ip := range p.IPs {
			b.WriteByte(0)
			b.WriteString(ip.String())
		}
		return b.String()
	}
	b.WriteString(p.Namespace)
	keys := make([]string, 0, len(p.Labels))
	for k := range p.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteByte(0)
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(p.Labels[k])
	}
	b.WriteByte(1)
	b.WriteString(portSigKey(p.NamedPorts))
	return b.String()
}

func portSigKey(named []NamedPort) string {
	var b strings.Builder
	for _, np := range named {
		b.WriteString(np.Name)
		b.WriteByte('/')
		b.WriteString(string(np.Protocol))
		b.WriteByte('/')
		b.WriteString(strconv.Itoa(int(np.Port)))
		b.WriteByte(',')
	}
	return b.String()
}

func (e *Engine) buildClasses() {
	byKey := map[string]*class{}
	sigs := map[string]int{"": 0}
	var b strings.Builder
	for _, p := range e.pods {
		k := classKey(p, &b)
		c := byKey[k]
		if c == nil {
			c = &class{index: len(e.classes), ns: e.nsIndex[p.Namespace], host: p.HostNetwork}
			if p.HostNetwork {
				c.hostIPs = p.IPs
			} else {
				c.labels, c.named = p.Labels, p.NamedPorts
				sk := portSigKey(p.NamedPorts)
				sig, ok := sigs[sk]
				if !ok {
					sig = len(sigs)
					sigs[sk] = sig
				}
				c.portSig = sig
			}
			byKey[k] = c
			e.classes = append(e.classes, c)
		}
		c.pods = append(c.pods, p)
		p.class = c
	}
	e.portSigs = len(sigs)
	e.podNet = newBitset(len(e.classes))
	for _, c := range e.classes {
		if !c.host {
			e.podNet.set(c.index)
			e.nsClasses[c.ns] = append(e.nsClasses[c.ns], int32(c.index))
		}
	}
}

// applyPolicies finds the classes each policy selects and the classes
// each rule's peers match.
func (e *Engine) applyPolicies() {
	sets := make([]map[string]string, len(e.classes))
	var hostClasses []*class
	for i, c := range e.classes {
		sets[i] = c.labels
		if c.host {
			hostClasses = append(hostClasses, c)
		}
	}
	ix := newLabelIndex(sets)
	podSel := map[string]bitset{}
	evalPods := func(s *selector) bitset {
		if b, ok := podSel[s.key]; ok {
			return b
		}
		b := ix.eval(s)
		b.and(e.podNet)
		podSel[s.key] = b
		return b
	}
	nsSel := map[string]bitset{}
	evalNamespaces := func(s *selector) bitset {
		if b, ok := nsSel[s.key]; ok {
			return b
		}
		b := newBitset(len(e.classes))
		for i, l := range e.nsLabels {
			if s.matches(l) {
				b.setAll(e.nsClasses[i])
			}
		}
		nsSel[s.key] = b
		return b
	}
	nsOnly := map[string]bitset{}
	inNamespace := func(ns string) bitset {
		if b, ok := nsOnly[ns]; ok {
			return b
		}
		b := newBitset(len(e.classes))
		b.setAll(e.nsClasses[e.nsIndex[ns]])
		nsOnly[ns] = b
		return b
	}

	for _, p := range e.policies {
		sel := evalPods(p.selector)
		for _, ci := range e.nsClasses[e.nsIndex[p.Namespace]] {
			if !sel.has(int(ci)) {
				continue
			}
			p.selected = append(p.selected, ci)
			c := e.classes[ci]
			for _, d := range []Direction{Ingress, Egress} {
				if p.Types[d] {
					c.policies[d] = append(c.policies[d], p)
					c.rules[d] = append(c.rules[d], p.Rules[d]...)
				}
			}
		}
	}

	full := fullBitset(len(e.classes))
	empty := newBitset(len(e.classes))
	e.ruleSets = make([]bitset, len(e.rules))
	for _, r := range e.rules {
		if r.AllPeers {
			e.ruleSets[r.id] = full
			continue
		}
		// set is shared with a peer's set until a second peer adds to it.
		var set bitset
		owned := false
		add := func(b bitset) {
			switch {
			case set == nil:
				set = b
			case !owned:
				set = set.clone()
				owned = true
				fallthrough
			default:
				set.or(b)
			}
		}
		for _, peer := range r.Peers {
			switch peer.Kind {
			case PeerPods:
				ps, ok := e.peerSets[peer.key]
				if !ok {
					if peer.Namespaces == nil {
						ps = inNamespace(r.Policy.Namespace).clone()
					} else {
						ps = evalNamespaces(peer.Namespaces).clone()
					}
					if peer.Pods != nil {
						ps.and(evalPods(peer.Pods))
					}
					ps.and(e.podNet)
					e.peerSets[peer.key] = ps
				}
				add(ps)
			case PeerIPBlock:
				for _, c := range hostClasses {
					if blockHasAny(peer.Block, c.hostIPs) {
						hit := newBitset(len(e.classes))
						hit.set(c.index)
						add(hit)
					}
				}
			}
		}
		if set == nil {
			set = empty
		}
		e.ruleSets[r.id] = set
	}
}

func blockHasAny(b ipBlock, addrs []netip.Addr) bool {
	for _, a := range addrs {
		if b.Contains(a) {
			return true
		}
	}
	return false
}

// Pods returns every pod the engine knows, in snapshot order.
func (e *Engine) Pods() []*Pod { return e.pods }

// Policies returns every NetworkPolicy, in snapshot order.
func (e *Engine) Policies() []*Policy { return e.policies }

// Classes is the number of equivalence classes the pods fall into.
func (e *Engine) Classes() int { return len(e.classes) }

// Snapshot is the snapshot the engine was built from.
func (e *Engine) Snapshot() *cluster.Snapshot { return e.snap }

// Lookup returns the pods of workloads named "namespace/name".
func (e *Engine) Lookup(ref string) []*Pod { return e.byRef[ref] }

// PodOf returns the pod of a workload object, or nil (not a workload, or
// a live Pod that finished).
func (e *Engine) PodOf(o *cluster.Object) *Pod { return e.byObj[o] }

// PodsIn returns the pods of a namespace, in snapshot order.
func (e *Engine) PodsIn(ns string) []*Pod { return e.inNS[ns] }

// Namespaces lists every namespace the engine knows, sorted.
func (e *Engine) Namespaces() []string { return e.namespaces }

// PodByIP returns the pod-network pod with that address, if a live Pod
// has it.
func (e *Engine) PodByIP(a netip.Addr) *Pod { return e.byIP[a.Unmap()] }

// NodeOf names the node that has the address, if a Node object lists it.
func (e *Engine) NodeOf(a netip.Addr) string { return e.nodeOf[a.Unmap()] }

// PoliciesFor returns the policies that apply to the pod in a direction;
// none means the pod is not isolated in that direction.
func (e *Engine) PoliciesFor(p *Pod, d Direction) []*Policy { return p.class.policies[d] }

// Isolated reports whether some policy applies to the pod in a direction.
func (e *Engine) Isolated(p *Pod, d Direction) bool { return p.class.isolated(d) }

// Selected returns the pods the policy's spec.podSelector selects.
func (e *Engine) Selected(p *Policy) []*Pod {
	var out []*Pod
	for _, ci := range p.selected {
		out = append(out, e.classes[ci].pods...)
	}
	slices.SortStableFunc(out, func(a, b *Pod) int { return comparePods(a, b) })
	return out
}

// PeerPods returns the pods a peer (or, with a nil peer, a rule with no
// from/to) matches.
func (e *Engine) PeerPods(r *Rule, peer *Peer) []*Pod {
	var set bitset
	switch {
	case peer == nil:
		set = e.ruleSets[r.id]
	case peer.Kind == PeerPods:
		set = e.peerSets[peer.key]
	default:
		return nil
	}
	var out []*Pod
	set.each(func(i int) {
		if !e.classes[i].host {
			out = append(out, e.classes[i].pods...)
		}
	})
	slices.SortStableFunc(out, func(a, b *Pod) int { return comparePods(a, b) })
	return out
}

// comparePods orders pods by namespace, name and kind.
func comparePods(a, b *Pod) int {
	if c := strings.Compare(a.Namespace, b.Namespace); c != 0 {
		return c
	}
	if c := strings.Compare(a.Template.Object.ID.Name, b.Template.Object.ID.Name); c != 0 {
		return c
	}
	return strings.Compare(a.Kind(), b.Kind())
}

// NamespaceLabels returns a namespace's labels as policies see them.
func (e *Engine) NamespaceLabels(ns string) map[string]string {
	if i, ok := e.nsIndex[ns]; ok {
		return e.nsLabels[i]
	}
	return map[string]string{corev1.LabelMetadataName: ns}
}

// SelectsEveryNamespace reports whether a peer matches every pod of every
// namespace: its namespaceSelector matches all the namespaces read and a
// namespace created tomorrow (with only its kubernetes.io/metadata.name
// label), and its podSelector is absent or empty.
func (e *Engine) SelectsEveryNamespace(p *Peer) bool {
	if p.Kind != PeerPods || p.Namespaces == nil || (p.Pods != nil && !p.Pods.everything) {
		return false
	}
	if p.Namespaces.everything {
		return true
	}
	if !p.Namespaces.matches(map[string]string{corev1.LabelMetadataName: "a-namespace-created-later"}) {
		return false
	}
	for _, l := range e.nsLabels {
		if !p.Namespaces.matches(l) {
			return false
		}
	}
	return true
}
