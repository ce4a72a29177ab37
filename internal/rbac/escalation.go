package rbac

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// Principal is a node of the escalation graph: a user, a group or a
// service account that can hold permissions, or the cluster-admin target.
type Principal struct {
	// Kind is "User", "Group", "ServiceAccount" or ClusterAdminKind.
	Kind      string
	Namespace string
	Name      string
}

// ClusterAdminKind is the Kind of the one Principal every chain ends at:
// holding every verb on every resource of every group in every namespace.
const ClusterAdminKind = "ClusterAdmin"

// ClusterAdmin is the target of every escalation chain.
var ClusterAdmin = Principal{Kind: ClusterAdminKind, Name: "cluster-admin"}

// mastersGroup is the API server's superuser group: its members are
// admitted before any authorizer runs.
const mastersGroup = "system:masters"

// PrincipalOf is the principal a binding subject names; a ServiceAccount
// subject without a namespace is in the binding's.
func PrincipalOf(s rbacv1.Subject, bindingNS string) Principal {
	if s.Kind == rbacv1.ServiceAccountKind {
		ns := s.Namespace
		if ns == "" {
			ns = bindingNS
		}
		return Principal{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: s.Name}
	}
	return Principal{Kind: s.Kind, Name: s.Name}
}

// String names the principal: "ServiceAccount shop/web", "Group devs".
func (p Principal) String() string {
	switch p.Kind {
	case rbacv1.ServiceAccountKind:
		return "ServiceAccount " + p.Namespace + "/" + p.Name
	case ClusterAdminKind:
		return "cluster-admin"
	}
	return p.Kind + " " + p.Name
}

// Subject is the requester the principal stands for. A group stands for
// what is granted to the group itself, not to any one member.
func (p Principal) Subject() Subject {
	switch p.Kind {
	case rbacv1.ServiceAccountKind:
		return ServiceAccount(p.Namespace, p.Name)
	case rbacv1.GroupKind:
		return Subject{Groups: []string{p.Name}}
	}
	if anon := Anonymous(); p.Name == anon.User {
		return anon
	}
	return User(p.Name)
}

// Step is one move of an escalation chain: From gains To's permissions.
type Step struct {
	From, To Principal
	// Action says how, in words: "create a pod in namespace kube-system
	// that runs as it".
	Action string
	// Grants are the grants that permit the action, one per permission it
	// needs; none for a group membership.
	Grants []Grant
	// Membership is true for the step from a principal to a group it is
	// in: nothing is done, the group's permissions are the member's.
	Membership bool
}

// String explains the step in one line.
func (s Step) String() string {
	if s.Membership {
		return fmt.Sprintf("%s is in %s", s.From, s.To)
	}
	var why []string
	for _, g := range s.Grants {
		why = append(why, g.String())
	}
	text := fmt.Sprintf("%s can %s, becoming %s", s.From, s.Action, s.To)
	if s.To == ClusterAdmin {
		text = fmt.Sprintf("%s %s", s.From, s.Action)
	}
	if len(why) > 0 {
		text += " [" + strings.Join(why, "; ") + "]"
	}
	return text
}

// Chain is the shortest way from a principal to cluster-admin.
type Chain struct {
	From  Principal
	Steps []Step
}

// String lists the steps, numbered.
func (c Chain) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s → cluster-admin in %d step(s):", c.From, len(c.Steps))
	for i, s := range c.Steps {
		fmt.Fprintf(&b, "\n  %d. %s", i+1, s)
	}
	return b.String()
}

// Escalation is the graph of who can obtain whose permissions, and the
// shortest chain from each principal to cluster-admin.
//
// Its nodes are numbered: principals and hubs alike are ids into nodes,
// and the edges are small records (target, action, grant) that become
// Steps only when asked for, so the graph of a cluster of many thousand
// accounts stays a few megabytes.
type Escalation struct {
	// nodes are the principals and hubs by id; ids numbers them.
	nodes []Principal
	ids   map[Principal]int32
	// hub marks the graph's inner nodes: one per capability that many
	// holders share and that leads to many principals ("create pods in
	// namespace ops" → every service account of ops). An edge into a hub
	// carries the grant, an edge out of it the action, and chains never
	// show it: holder → hub → target reads as one step. Without hubs the
	// graph would hold holders × targets edges.
	hub []bool
	// out are the edges out of each node, in the order they were added.
	out [][]edge
	// actions are the words of the edges' actions; grants the single
	// grants of edges (most), grantLists the lists of the others.
	actions    []string
	grants     []grantRef
	grantLists [][]Grant
	// sorted are the principals' ids (no hubs), in principal order.
	sorted []int32
	// mounts is the service account whose token each workload mounts.
	mounts map[*cluster.Object]Principal
	// next is each node's first step (an index into its out edges) on a
	// shortest chain to cluster-admin; -1 when it cannot get there.
	next shortest
}

// edge is one edge of the graph, a Step once expanded.
type edge struct {
	to int32
	// action indexes Escalation.actions; noAction for none.
	action int32
	// grant indexes Escalation.grants when >= 0; noGrant for none; a
	// list of Escalation.grantLists (listGrant - i) below that.
	grant      int32
	membership bool
}

const (
	noAction  = -1
	noGrant   = -1
	listGrant = -2
)

// grantRef is a grant by binding, subject and rule: Binding.grant makes
// the Grant when a Step is asked for.
type grantRef struct {
	b      *Binding
	si, ri int32
}

func (g grantRef) grant() Grant { return g.b.grant(int(g.si), int(g.ri)) }

// shortest is the result of one search: each node's first step, by index
// into its out edges (-1: none), and how many nodes have one.
type shortest struct {
	first []int32
	n     int
}

type escalationKey struct{}

// EscalationOf returns the escalation graph of the snapshot, built once and
// shared.
func EscalationOf(snap *cluster.Snapshot) *Escalation {
	return snap.Derived(escalationKey{}, func(s *cluster.Snapshot) any { return buildEscalation(s, For(s)) }).(*Escalation)
}

type mountsKey struct{}

// MountedTokenOf is Escalation.MountedToken without the escalation graph:
// the service account whose API token a workload's pods mount, for a
// caller that needs the graph only when a token is mounted.
func MountedTokenOf(snap *cluster.Snapshot, workload *cluster.Object) (Principal, bool) {
	p, ok := mountsOf(snap)[workload]
	return p, ok
}

// mountsOf is the service account whose token each workload mounts,
// computed once per snapshot.
func mountsOf(snap *cluster.Snapshot) map[*cluster.Object]Principal {
	return snap.Derived(mountsKey{}, func(s *cluster.Snapshot) any {
		saObjects := map[Principal]*corev1.ServiceAccount{}
		for _, o := range s.OfKind("ServiceAccount") {
			if sa, ok := o.Typed.(*corev1.ServiceAccount); ok {
				saObjects[Principal{Kind: rbacv1.ServiceAccountKind, Namespace: o.ID.Namespace, Name: o.ID.Name}] = sa
			}
		}
		mounts := map[*cluster.Object]Principal{}
		for _, pt := range s.PodTemplates() {
			sa := Principal{Kind: rbacv1.ServiceAccountKind, Namespace: pt.Namespace(), Name: pt.ServiceAccount()}
			if tokenMounted(pt, saObjects[sa]) {
				mounts[pt.Object] = sa
			}
		}
		return mounts
	}).(map[*cluster.Object]Principal)
}

// Principals lists every principal of the graph, sorted.
func (e *Escalation) Principals() []Principal {
	out := make([]Principal, len(e.sorted))
	for i, id := range e.sorted {
		out[i] = e.nodes[id]
	}
	return out
}

// MountedToken returns the service account whose API token a workload's
// pods mount (automountServiceAccountToken not switched off on the pod or
// its ServiceAccount).
func (e *Escalation) MountedToken(workload *cluster.Object) (Principal, bool) {
	p, ok := e.mounts[workload]
	return p, ok
}

// step expands edge k out of node from.
func (e *Escalation) step(from int32, k int32) Step {
	ed := &e.out[from][k]
	s := Step{From: e.nodes[from], To: e.nodes[ed.to], Membership: ed.membership}
	if ed.action != noAction {
		s.Action = e.actions[ed.action]
	}
	s.Grants = e.grantsOf(ed)
	return s
}

func (e *Escalation) grantsOf(ed *edge) []Grant {
	switch {
	case ed.grant >= 0:
		return []Grant{e.grants[ed.grant].grant()}
	case ed.grant <= listGrant:
		return append([]Grant(nil), e.grantLists[listGrant-ed.grant]...)
	}
	return nil
}

// Edges returns every step out of a principal, to principals (and
// cluster-admin) only.
func (e *Escalation) Edges(p Principal) []Step {
	id, ok := e.ids[p]
	if !ok {
		return nil
	}
	var out []Step
	for k := range e.out[id] {
		ed := &e.out[id][k]
		if !e.hub[ed.to] {
			out = append(out, e.step(id, int32(k)))
			continue
		}
		in := e.step(id, int32(k))
		for j := range e.out[ed.to] {
			out = append(out, merge(in, e.step(ed.to, int32(j))))
		}
	}
	return out
}

// merge reads holder → hub → target as one step: the target's action,
// the holder's grants.
func merge(in, out Step) Step {
	return Step{From: in.From, To: out.To, Action: out.Action, Grants: in.Grants}
}

// ChainOf returns the shortest chain from p to cluster-admin, if any. A
// principal that holds cluster-admin itself has a chain of one step.
func (e *Escalation) ChainOf(p Principal) (Chain, bool) { return e.follow(e.next, p, ClusterAdmin) }

// Chains returns the shortest chain of every principal that can reach
// cluster-admin through at least one step of its own (not a group
// membership: the group's chain covers its members), sorted by length,
// then by principal.
func (e *Escalation) Chains() []Chain { return e.ChainsTo(ClusterAdmin) }

func sortPrincipals(ps []Principal) {
	sort.Slice(ps, func(i, j int) bool { return principalLess(ps[i], ps[j]) })
}

func principalLess(a, b Principal) bool {
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	if a.Namespace != b.Namespace {
		return a.Namespace < b.Namespace
	}
	return a.Name < b.Name
}

// sortedIDs returns the ids of the nodes that keep accepts, in principal
// order.
func (e *Escalation) sortedIDs(keep func(id int32) bool) []int32 {
	var out []int32
	for id := range e.nodes {
		if keep(int32(id)) {
			out = append(out, int32(id))
		}
	}
	sort.Slice(out, func(i, j int) bool { return principalLess(e.nodes[out[i]], e.nodes[out[j]]) })
	return out
}

// escalationBuilder gathers the principals and the edges between them.
type escalationBuilder struct {
	snap *cluster.Snapshot
	m    *Model
	e    *Escalation
	// serviceAccounts are the service accounts of each namespace: the
	// ServiceAccount objects, the accounts pods run as, and the ones
	// bindings name.
	serviceAccounts map[string][]Principal
	// mounted are the service accounts whose token a workload of the
	// namespace mounts, with that workload.
	mounted map[string]map[Principal]*cluster.Object
	// named are the rules narrowed by resourceNames: the only ones that
	// can allow a request naming an object and not the same request
	// naming none.
	named []rbacv1.PolicyRule
	// actionIDs interns the actions' words.
	actionIDs map[string]int32
}

// buildEscalation computes every edge with the engine's WhoCan (indexed),
// then the shortest chains with one breadth-first search backwards from
// cluster-admin.
//
// A principal obtains another's permissions when it can:
//   - run a pod as it: create or update pods or a workload controller in
//     the account's namespace (a pod may name any service account of its
//     namespace);
//   - exec into a pod that mounts its token (pods/exec in the namespace, or
//     nodes/proxy, the kubelet API, anywhere);
//   - read its legacy token Secret (get on that Secret, or list Secrets in
//     the namespace);
//   - request a token for it (create serviceaccounts/token);
//   - impersonate it (impersonate on users, groups or serviceaccounts;
//     impersonating a group also needs impersonate on some user, which
//     this graph does not require);
//   - for cluster-admin itself: hold "*" verbs on "*" resources of "*"
//     groups cluster-wide; be the group system:masters; bind the
//     ClusterRole cluster-admin and create ClusterRoleBindings; escalate
//     and update ClusterRoles (one bound to it, or to a group it is in);
//     or create, approve and sign a client certificate request, which
//     mints a certificate for the group system:masters.
func buildEscalation(snap *cluster.Snapshot, m *Model) *Escalation {
	b := &escalationBuilder{
		snap:            snap,
		m:               m,
		e:               &Escalation{ids: map[Principal]int32{}, mounts: mountsOf(snap)},
		serviceAccounts: map[string][]Principal{},
		mounted:         map[string]map[Principal]*cluster.Object{},
		actionIDs:       map[string]int32{},
	}
	b.add(ClusterAdmin)
	b.collectPrincipals()
	for _, bd := range m.Bindings() {
		for _, sr := range bd.Rules {
			if len(sr.Rule.ResourceNames) > 0 {
				b.named = append(b.named, sr.Rule)
			}
		}
	}
	b.memberships()
	b.adminEdges()
	b.podEdges()
	b.secretEdges()
	b.tokenAndImpersonationEdges()
	// system:masters is only a node when a binding names it or someone can
	// obtain it (impersonation, a client certificate).
	if masters := (Principal{Kind: rbacv1.GroupKind, Name: mastersGroup}); b.has(masters) {
		b.edge(masters, ClusterAdmin, b.action("is the API server's superuser group, admitted before RBAC is asked"), noGrant, false)
	}
	e := b.e
	e.sorted = e.sortedIDs(func(id int32) bool { return !e.hub[id] })
	e.next = e.shortestTo(e.ids[ClusterAdmin])
	return e
}

// has reports whether p is a principal of the graph.
func (b *escalationBuilder) has(p Principal) bool {
	id, ok := b.e.ids[p]
	return ok && !b.e.hub[id]
}

// node returns the id of p, a principal or a hub, adding it.
func (b *escalationBuilder) node(p Principal) int32 {
	if id, ok := b.e.ids[p]; ok {
		return id
	}
	e := b.e
	id := int32(len(e.nodes))
	e.nodes = append(e.nodes, p)
	e.hub = append(e.hub, p.Kind == hubKind)
	e.out = append(e.out, nil)
	e.ids[p] = id
	if p.Kind == rbacv1.ServiceAccountKind {
		b.serviceAccounts[p.Namespace] = append(b.serviceAccounts[p.Namespace], p)
	}
	return id
}

func (b *escalationBuilder) add(p Principal) {
	if p.Kind != hubKind {
		b.node(p)
	}
}

// action interns the words of an action.
func (b *escalationBuilder) action(a string) int32 {
	if id, ok := b.actionIDs[a]; ok {
		return id
	}
	id := int32(len(b.e.actions))
	b.e.actions = append(b.e.actions, a)
	b.actionIDs[a] = id
	return id
}

// grant records one grant for an edge.
func (b *escalationBuilder) grant(g grantRef) int32 {
	b.e.grants = append(b.e.grants, g)
	return int32(len(b.e.grants) - 1)
}

// grantList records a list of grants for an edge.
func (b *escalationBuilder) grantList(gs ...Grant) int32 {
	b.e.grantLists = append(b.e.grantLists, gs)
	return listGrant - int32(len(b.e.grantLists)-1)
}

// edge adds the edge from → to (principals or hubs).
func (b *escalationBuilder) edge(from, to Principal, action, grant int32, membership bool) {
	if from == to {
		return
	}
	f, t := b.node(from), b.node(to)
	b.e.out[f] = append(b.e.out[f], edge{to: t, action: action, grant: grant, membership: membership})
}

// hubKind is the Kind of the graph's hubs; no principal has it.
const hubKind = "hub"

// target is a principal an edge leads to, with the action that does it.
type target struct {
	to     Principal
	action int32
}

// fanOut links every holder to every target through one hub named key:
// holder → hub with the holder's grant, hub → target with the target's
// action, so the graph grows by holders + targets edges, not their
// product.
func (b *escalationBuilder) fanOut(key string, holders []held, targets []target) {
	if len(holders) == 0 || len(targets) == 0 {
		return
	}
	hub := Principal{Kind: hubKind, Name: key}
	b.node(hub)
	for _, h := range holders {
		b.edge(h.p, hub, noAction, b.grant(h.g), false)
	}
	for _, t := range targets {
		b.edge(hub, t.to, t.action, noGrant, false)
	}
}

func (b *escalationBuilder) collectPrincipals() {
	for _, o := range b.snap.OfKind("ServiceAccount") {
		b.add(Principal{Kind: rbacv1.ServiceAccountKind, Namespace: o.ID.Namespace, Name: o.ID.Name})
	}
	for _, bd := range b.m.Bindings() {
		for _, s := range bd.Subjects {
			b.add(PrincipalOf(s, bd.Namespace))
		}
	}
	for _, pt := range b.snap.PodTemplates() {
		sa := Principal{Kind: rbacv1.ServiceAccountKind, Namespace: pt.Namespace(), Name: pt.ServiceAccount()}
		b.add(sa)
		if m, ok := b.e.mounts[pt.Object]; ok && m == sa {
			if b.mounted[sa.Namespace] == nil {
				b.mounted[sa.Namespace] = map[Principal]*cluster.Object{}
			}
			if _, ok := b.mounted[sa.Namespace][sa]; !ok {
				b.mounted[sa.Namespace][sa] = pt.Object
			}
		}
	}
	for ns := range b.serviceAccounts {
		sortPrincipals(b.serviceAccounts[ns])
	}
}

// tokenMounted reports whether the pod gets its account's API token: the
// pod's automountServiceAccountToken wins, then the ServiceAccount's, and
// the default is yes.
func tokenMounted(pt *cluster.PodTemplate, obj *corev1.ServiceAccount) bool {
	if v := pt.Spec.AutomountServiceAccountToken; v != nil {
		return *v
	}
	if obj != nil && obj.AutomountServiceAccountToken != nil {
		return *obj.AutomountServiceAccountToken
	}
	return true
}

// memberships links each user and service account to the implicit groups
// it is in, when a binding names that group.
func (b *escalationBuilder) memberships() {
	groups := map[string]Principal{}
	for _, p := range b.e.nodes {
		if p.Kind == rbacv1.GroupKind {
			groups[p.Name] = p
		}
	}
	if len(groups) == 0 {
		return
	}
	// A service account's groups depend on its namespace only.
	saGroups := map[string][]string{}
	for _, p := range b.Principals() {
		var gs []string
		switch p.Kind {
		case rbacv1.ServiceAccountKind:
			var ok bool
			if gs, ok = saGroups[p.Namespace]; !ok {
				gs = p.Subject().Groups
				saGroups[p.Namespace] = gs
			}
		case rbacv1.UserKind:
			gs = p.Subject().Groups
		default:
			continue
		}
		for _, g := range gs {
			if gp, ok := groups[g]; ok {
				b.edge(p, gp, noAction, noGrant, true)
			}
		}
	}
}

// Principals lists the principals gathered so far, sorted.
func (b *escalationBuilder) Principals() []Principal {
	e := b.e
	ids := e.sortedIDs(func(id int32) bool { return !e.hub[id] })
	out := make([]Principal, len(ids))
	for i, id := range ids {
		out[i] = e.nodes[id]
	}
	return out
}

// held is one principal that holds a permission, with its first grant.
type held struct {
	p Principal
	g grantRef
}

// holders asks the engine who can make a request and returns each holder
// as a principal with its first grant (WhoCan's first, without building
// every grant of every holder), sorted, so chains come out the same on
// every run.
func (b *escalationBuilder) holders(r Request) []held {
	return b.heldBy(b.m.allowingBindings(r))
}

// roleBindingHolders is holders through the RoleBindings of the request's
// namespace only: what a namespace adds to what holds in every namespace.
// It walks the namespace's RoleBindings, in order, as the authorizer does
// (a few per namespace), rather than asking the index, whose answer
// starts from every ClusterRole rule that allows the request.
func (b *escalationBuilder) roleBindingHolders(r Request) []held {
	if r.IsNonResource() || r.Namespace == "" {
		return nil
	}
	var brs []bindingRule
	for _, bd := range b.m.RoleBindingsIn(r.Namespace) {
		for i := range bd.Rules {
			if RuleAllows(bd.Rules[i].Rule, r) {
				brs = append(brs, bindingRule{bd, i})
			}
		}
	}
	return b.heldBy(brs)
}

func (b *escalationBuilder) heldBy(brs []bindingRule) []held {
	if len(brs) == 0 {
		return nil
	}
	seen := map[Principal]bool{}
	var out []held
	for _, br := range brs {
		for si, s := range br.b.Subjects {
			eff, ok := effectiveSubject(s, br.b.Namespace)
			if !ok {
				continue
			}
			p := PrincipalOf(eff, br.b.Namespace)
			if !seen[p] {
				seen[p] = true
				out = append(out, held{p, grantRef{br.b, int32(si), int32(br.i)}})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return principalLess(out[i].p, out[j].p) })
	return out
}

// scopedFanOut links every holder of any of the namespaced requests to
// the targets in two tiers, so a ClusterRoleBinding is not asked about
// once per namespace: the holders of requests("") — ClusterRoleBindings,
// which hold in every namespace — reach every namespace's targets through
// one hub, and the holders through each namespace's RoleBindings reach
// that namespace's targets through another. A holder of several of the
// requests is linked once, with the grant of the first it holds.
func (b *escalationBuilder) scopedFanOut(key string, requests func(ns string) []Request, targets map[string][]target) {
	namespaces := sortedKeys(targets)
	n := 0
	for _, ns := range namespaces {
		n += len(targets[ns])
	}
	all := make([]target, 0, n)
	for _, ns := range namespaces {
		all = append(all, targets[ns]...)
	}
	b.fanOut(key+" in every namespace", b.firstHolders(requests(""), b.holders), all)
	for _, ns := range namespaces {
		if len(b.m.RoleBindingsIn(ns)) == 0 {
			continue // no RoleBindings: no holders
		}
		b.fanOut(key+" in "+ns, b.firstHolders(requests(ns), b.roleBindingHolders), targets[ns])
	}
}

// firstHolders merges the holders of several requests, keeping each
// principal's first grant in request order.
func (b *escalationBuilder) firstHolders(requests []Request, holders func(Request) []held) []held {
	if len(requests) == 1 {
		return holders(requests[0])
	}
	seen := map[Principal]bool{}
	var out []held
	for _, r := range requests {
		for _, h := range holders(r) {
			if !seen[h.p] {
				seen[h.p] = true
				out = append(out, h)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return principalLess(out[i].p, out[j].p) })
	return out
}

// namedExtras returns, per name, the holders of r on the object of that
// name that r without a name does not have: the grants of rules narrowed
// by resourceNames. Only names such rules mention are asked about.
func (b *escalationBuilder) namedExtras(r Request, names []string) map[string][]held {
	if len(b.named) == 0 {
		return nil
	}
	wanted := map[string]bool{}
	for _, n := range names {
		wanted[n] = true
	}
	extra := map[string][]held{}
	asked := map[string]bool{}
	for _, rule := range b.named {
		for _, n := range rule.ResourceNames {
			if !wanted[n] || asked[n] {
				continue
			}
			named := r
			named.Name = n
			if !RuleAllows(rule, named) {
				continue
			}
			asked[n] = true
			unnamed := r
			unnamed.Name = ""
			had := map[Principal]bool{}
			for _, h := range b.holders(unnamed) {
				had[h.p] = true
			}
			for _, h := range b.holders(named) {
				if !had[h.p] {
					extra[n] = append(extra[n], h)
				}
			}
		}
	}
	return extra
}

func (b *escalationBuilder) adminEdges() {
	for _, h := range b.holders(Request{Verb: "*", APIGroup: "*", Resource: "*"}) {
		b.edge(h.p, ClusterAdmin, b.action("holds every verb on every resource in every namespace"), b.grant(h.g), false)
	}
	masters := Principal{Kind: rbacv1.GroupKind, Name: mastersGroup}

	for _, h := range b.holders(Request{Verb: "bind", APIGroup: rbacv1.GroupName, Resource: "clusterroles", Name: "cluster-admin"}) {
		if create, ok := b.m.Allowed(h.p.Subject(), Request{Verb: "create", APIGroup: rbacv1.GroupName, Resource: "clusterrolebindings"}); ok {
			b.edge(h.p, ClusterAdmin, b.action("can bind the ClusterRole cluster-admin to itself in a new ClusterRoleBinding"), b.grantList(h.g.grant(), create), false)
		}
	}
	for _, h := range b.holders(Request{Verb: "escalate", APIGroup: rbacv1.GroupName, Resource: "clusterroles"}) {
		if upd, ok := b.m.Allowed(h.p.Subject(), Request{Verb: "update", APIGroup: rbacv1.GroupName, Resource: "clusterroles"}); ok {
			b.edge(h.p, ClusterAdmin, b.action("can escalate and update ClusterRoles: it adds \"*\" on \"*\" to one bound to it or to a group it is in"), b.grantList(h.g.grant(), upd), false)
		}
	}
	const csrGroup = "certificates.k8s.io"
	for _, h := range b.holders(Request{Verb: "create", APIGroup: csrGroup, Resource: "certificatesigningrequests"}) {
		s := h.p.Subject()
		approve, ok1 := b.m.Allowed(s, Request{Verb: "update", APIGroup: csrGroup, Resource: "certificatesigningrequests", Subresource: "approval"})
		signer, ok2 := b.m.Allowed(s, Request{Verb: "approve", APIGroup: csrGroup, Resource: "signers", Name: "kubernetes.io/kube-apiserver-client"})
		if !ok2 {
			signer, ok2 = b.m.Allowed(s, Request{Verb: "approve", APIGroup: csrGroup, Resource: "signers", Name: "kubernetes.io/*"})
		}
		if ok1 && ok2 {
			b.edge(h.p, masters, b.action("request a client certificate for the group system:masters and approve it itself"), b.grantList(h.g.grant(), approve, signer), false)
		}
	}
}

// runPodResources are the resources whose create runs a pod.
var runPodResources = []struct{ group, resource string }{
	{"", "pods"}, {"", "replicationcontrollers"},
	{"apps", "deployments"}, {"apps", "replicasets"}, {"apps", "statefulsets"}, {"apps", "daemonsets"},
	{"batch", "jobs"}, {"batch", "cronjobs"},
}

// podEdges: running a pod as an account, or a shell in a pod that mounts
// its token, is holding the account's token.
func (b *escalationBuilder) podEdges() {
	targets := map[string][]target{}
	for ns, sas := range b.serviceAccounts {
		action := b.action(fmt.Sprintf("create a pod or workload in namespace %q that runs as it", ns))
		ts := make([]target, len(sas))
		for i, sa := range sas {
			ts[i] = target{sa, action}
		}
		targets[ns] = ts
	}
	b.scopedFanOut("run pods", func(ns string) []Request {
		out := make([]Request, len(runPodResources))
		for i, res := range runPodResources {
			out[i] = Request{Verb: "create", APIGroup: res.group, Resource: res.resource, Namespace: ns}
		}
		return out
	}, targets)
	execTargets, proxyTargets := map[string][]target{}, []target(nil)
	namespaces := make([]string, 0, len(b.mounted))
	for ns := range b.mounted {
		namespaces = append(namespaces, ns)
	}
	sort.Strings(namespaces)
	for _, ns := range namespaces {
		execTargets[ns] = b.execTargets(ns, "exec into a pod of %s, which mounts its token")
		proxyTargets = append(proxyTargets, b.execTargets(ns, "run a command through the kubelet API (nodes/proxy) in a pod of %s, which mounts its token")...)
	}
	b.scopedFanOut("exec", func(ns string) []Request {
		return []Request{{Verb: "create", Resource: "pods", Subresource: "exec", Namespace: ns}}
	}, execTargets)
	for _, verb := range []string{"get", "create"} {
		b.fanOut(verb+" nodes/proxy", b.holders(Request{Verb: verb, Resource: "nodes", Subresource: "proxy"}), proxyTargets)
	}
}

// execTargets are the service accounts whose tokens workloads of the
// namespace mount, each with the action that reaches it (a format with
// one %s for the workload).
func (b *escalationBuilder) execTargets(ns, format string) []target {
	var out []target
	for _, m := range b.mountedIn(ns) {
		out = append(out, target{m.sa, b.action(fmt.Sprintf(format, m.workload.ID))})
	}
	return out
}

// mount is a service account whose token a workload mounts.
type mount struct {
	sa       Principal
	workload *cluster.Object
}

// mountedIn lists the service accounts whose tokens workloads of the
// namespace mount, sorted.
func (b *escalationBuilder) mountedIn(ns string) []mount {
	out := make([]mount, 0, len(b.mounted[ns]))
	for sa, w := range b.mounted[ns] {
		out = append(out, mount{sa, w})
	}
	sort.Slice(out, func(i, j int) bool { return principalLess(out[i].sa, out[j].sa) })
	return out
}

// secretEdges: a legacy token Secret holds its account's token for as
// long as it exists; get on it, or list or watch on the namespace's
// Secrets, reads it.
func (b *escalationBuilder) secretEdges() {
	tokens := map[string][]*cluster.Object{}
	for _, o := range b.snap.OfKind("Secret") {
		sec, ok := o.Typed.(*corev1.Secret)
		if ok && sec.Type == corev1.SecretTypeServiceAccountToken && sec.Annotations[corev1.ServiceAccountNameKey] != "" {
			tokens[o.ID.Namespace] = append(tokens[o.ID.Namespace], o)
		}
	}
	if len(tokens) == 0 {
		return
	}
	targets := map[string][]target{}
	for ns, secrets := range tokens {
		for _, o := range secrets {
			targets[ns] = append(targets[ns], target{tokenOwner(o), b.action(fmt.Sprintf("read the token Secret %q", o.ID.Name))})
		}
	}
	b.scopedFanOut("read secrets", func(ns string) []Request {
		return []Request{
			{Verb: "get", Resource: "secrets", Namespace: ns},
			{Verb: "list", Resource: "secrets", Namespace: ns},
			{Verb: "watch", Resource: "secrets", Namespace: ns},
		}
	}, targets)
	for _, ns := range sortedKeys(tokens) {
		secrets := tokens[ns]
		names := make([]string, len(secrets))
		for i, o := range secrets {
			names[i] = o.ID.Name
		}
		extra := b.namedExtras(Request{Verb: "get", Resource: "secrets", Namespace: ns}, names)
		for _, o := range secrets {
			for _, h := range extra[o.ID.Name] {
				b.edge(h.p, tokenOwner(o), b.action(fmt.Sprintf("get the token Secret %q", o.ID.Name)), b.grant(h.g), false)
			}
		}
	}
}

// tokenOwner is the service account a token Secret belongs to.
func tokenOwner(o *cluster.Object) Principal {
	return Principal{Kind: rbacv1.ServiceAccountKind, Namespace: o.ID.Namespace, Name: o.Typed.(*corev1.Secret).Annotations[corev1.ServiceAccountNameKey]}
}

// tokenAndImpersonationEdges: a token request for a service account, or
// an impersonation of any principal, acts as it directly.
func (b *escalationBuilder) tokenAndImpersonationEdges() {
	byKind := map[string][]Principal{}
	for _, p := range b.Principals() {
		if p.Kind == rbacv1.UserKind || p.Kind == rbacv1.GroupKind {
			byKind[p.Kind] = append(byKind[p.Kind], p)
		}
	}
	for _, q := range []struct {
		verb, subresource, action string
	}{
		{"create", "token", "request a token for it (TokenRequest)"},
		{"impersonate", "", "impersonate it"},
	} {
		request := func(ns string) Request {
			return Request{Verb: q.verb, Resource: "serviceaccounts", Subresource: q.subresource, Namespace: ns}
		}
		action := b.action(q.action)
		targets := map[string][]target{}
		for ns, sas := range b.serviceAccounts {
			ts := make([]target, len(sas))
			for i, sa := range sas {
				ts[i] = target{sa, action}
			}
			targets[ns] = ts
		}
		b.scopedFanOut(q.verb+" serviceaccounts/"+q.subresource, func(ns string) []Request { return []Request{request(ns)} }, targets)
		if len(b.named) == 0 {
			continue
		}
		for _, ns := range sortedKeys(b.serviceAccounts) {
			sas := b.serviceAccounts[ns]
			names := make([]string, len(sas))
			for i, sa := range sas {
				names[i] = sa.Name
			}
			extra := b.namedExtras(request(ns), names)
			for _, sa := range sas {
				for _, h := range extra[sa.Name] {
					b.edge(h.p, sa, action, b.grant(h.g), false)
				}
			}
		}
	}
	b.namedEdges(Request{Verb: "impersonate", Resource: "users"}, byKind[rbacv1.UserKind], "impersonate it")
	b.namedEdges(Request{Verb: "impersonate", Resource: "groups"}, byKind[rbacv1.GroupKind], "impersonate it")
}

// namedEdges adds an edge to each target (a cluster-scoped object: a user
// or group) from every holder of r on the object of the target's name.
func (b *escalationBuilder) namedEdges(r Request, targets []Principal, action string) {
	if len(targets) == 0 {
		return
	}
	act := b.action(action)
	names := make([]string, len(targets))
	steps := make([]target, len(targets))
	for i, t := range targets {
		names[i] = t.Name
		steps[i] = target{t, act}
	}
	b.fanOut(fmt.Sprintf("%s %s", r.Verb, r.Resource), b.holders(r), steps)
	extra := b.namedExtras(r, names)
	for _, t := range targets {
		for _, h := range extra[t.Name] {
			b.edge(h.p, t, act, b.grant(h.g), false)
		}
	}
}

// shortestTo runs one breadth-first search from target over the reversed
// edges; the step that first reaches a node is its first step on a
// shortest chain to target. An edge into a hub costs nothing (holder →
// hub → target is one step), so the search keeps a double-ended queue:
// free edges go to the front. Nodes and edges are visited in sorted order,
// so the chain chosen among equally short ones is the same on every run.
func (e *Escalation) shortestTo(target int32) shortest {
	n := len(e.nodes)
	// The reversed edges, as (from, index) pairs grouped by their end, in
	// node order then edge order.
	start := make([]int32, n+1)
	for id := range e.out {
		for _, ed := range e.out[id] {
			start[ed.to+1]++
		}
	}
	for i := 0; i < n; i++ {
		start[i+1] += start[i]
	}
	type rev struct{ from, k int32 }
	revs := make([]rev, start[n])
	fill := append([]int32(nil), start[:n]...)
	for _, id := range e.sortedIDs(func(int32) bool { return true }) {
		for k, ed := range e.out[id] {
			revs[fill[ed.to]] = rev{id, int32(k)}
			fill[ed.to]++
		}
	}
	fill = nil
	res := shortest{first: make([]int32, n)}
	dist := make([]int32, n)
	for i := range dist {
		dist[i] = -1
		res.first[i] = -1
	}
	done := make([]bool, n)
	dist[target] = 0
	// The queue: front is a stack of the nodes pushed to the front (its
	// top first), back the nodes pushed to the back from head on.
	var front []int32
	back := []int32{target}
	head := 0
	for len(front) > 0 || head < len(back) {
		var cur int32
		if len(front) > 0 {
			cur = front[len(front)-1]
			front = front[:len(front)-1]
		} else {
			cur = back[head]
			head++
		}
		if done[cur] {
			continue
		}
		done[cur] = true
		cost := int32(1)
		if e.hub[cur] {
			cost = 0
		}
		for _, r := range revs[start[cur]:start[cur+1]] {
			if d := dist[r.from]; d >= 0 && d <= dist[cur]+cost {
				continue
			}
			dist[r.from] = dist[cur] + cost
			if res.first[r.from] < 0 {
				res.n++
			}
			res.first[r.from] = r.k
			if cost == 0 {
				front = append(front, r.from)
			} else {
				back = append(back, r.from)
			}
		}
	}
	return res
}

// ChainsTo returns the shortest chain of every principal that can reach
// target (cluster-admin, or any principal of the graph) through at least
// one step of its own, sorted by length, then by principal. The group
// system:masters, cluster-admin by definition, is not listed as a start.
func (e *Escalation) ChainsTo(target Principal) []Chain {
	next := e.next
	if target != ClusterAdmin {
		id, ok := e.ids[target]
		if !ok {
			return nil
		}
		next = e.shortestTo(id)
	}
	var out []Chain
	for _, id := range e.sorted {
		p := e.nodes[id]
		c, ok := e.follow(next, p, target)
		if !ok || c.Steps[0].Membership || (p == Principal{Kind: rbacv1.GroupKind, Name: mastersGroup} && target == ClusterAdmin) {
			continue
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].Steps) < len(out[j].Steps) })
	return out
}

// follow walks the first steps from p to target, reading each holder →
// hub → target pair as one step.
func (e *Escalation) follow(next shortest, p, target Principal) (Chain, bool) {
	c := Chain{From: p}
	cur, ok := e.ids[p]
	if !ok {
		if p == target {
			return c, false
		}
		return Chain{}, false
	}
	for hops := 0; e.nodes[cur] != target; hops++ {
		k := next.first[cur]
		if k < 0 || hops > next.n {
			return Chain{}, false
		}
		s := e.step(cur, k)
		to := e.out[cur][k].to
		if e.hub[to] {
			k2 := next.first[to]
			if k2 < 0 {
				return Chain{}, false
			}
			s = merge(s, e.step(to, k2))
			to = e.out[to][k2].to
		}
		c.Steps = append(c.Steps, s)
		cur = to
	}
	return c, len(c.Steps) > 0
}

// PrincipalOfSubject is the principal a parsed subject names: a service
// account, a user, or a group when the subject names only groups.
func PrincipalOfSubject(s Subject) Principal {
	if ns, name, ok := strings.Cut(strings.TrimPrefix(s.User, saUserPrefix), ":"); ok && strings.HasPrefix(s.User, saUserPrefix) {
		return Principal{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: name}
	}
	if s.User == "" && len(s.Groups) > 0 {
		return Principal{Kind: rbacv1.GroupKind, Name: s.Groups[0]}
	}
	return Principal{Kind: rbacv1.UserKind, Name: s.User}
}

// sortedKeys returns a map's keys in order, for loops whose edges must come
// out the same on every run.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
