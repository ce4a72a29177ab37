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
type Escalation struct {
	principals map[Principal]bool
	// hubs are the graph's inner nodes: one per capability that many
	// holders share and that leads to many principals ("create pods in
	// namespace ops" → every service account of ops). An edge into a hub
	// carries the grant, an edge out of it the action, and chains never
	// show it: holder → hub → target reads as one step. Without hubs the
	// graph would hold holders × targets edges.
	hubs  map[Principal]bool
	edges map[Principal][]Step
	// mounts is the service account whose token each workload mounts.
	mounts map[*cluster.Object]Principal
	// next is each principal's first step on a shortest chain to
	// cluster-admin; absent when it cannot get there.
	next map[Principal]*Step
}

type escalationKey struct{}

// EscalationOf returns the escalation graph of the snapshot, built once and
// shared.
func EscalationOf(snap *cluster.Snapshot) *Escalation {
	return snap.Derived(escalationKey{}, func(s *cluster.Snapshot) any { return buildEscalation(s, For(s)) }).(*Escalation)
}

// Principals lists every principal of the graph, sorted.
func (e *Escalation) Principals() []Principal {
	out := make([]Principal, 0, len(e.principals))
	for p := range e.principals {
		out = append(out, p)
	}
	sortPrincipals(out)
	return out
}

// MountedToken returns the service account whose API token a workload's
// pods mount (automountServiceAccountToken not switched off on the pod or
// its ServiceAccount).
func (e *Escalation) MountedToken(workload *cluster.Object) (Principal, bool) {
	p, ok := e.mounts[workload]
	return p, ok
}

// Edges returns every step out of a principal, to principals (and
// cluster-admin) only.
func (e *Escalation) Edges(p Principal) []Step {
	var out []Step
	for _, s := range e.edges[p] {
		if !e.hubs[s.To] {
			out = append(out, s)
			continue
		}
		for _, t := range e.edges[s.To] {
			out = append(out, merge(s, t))
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
	// saObjects are the ServiceAccount objects of the snapshot.
	saObjects map[Principal]*corev1.ServiceAccount
	// named are the rules narrowed by resourceNames: the only ones that
	// can allow a request naming an object and not the same request
	// naming none.
	named []rbacv1.PolicyRule
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
		e:               &Escalation{principals: map[Principal]bool{ClusterAdmin: true}, hubs: map[Principal]bool{}, edges: map[Principal][]Step{}, next: map[Principal]*Step{}, mounts: map[*cluster.Object]Principal{}},
		serviceAccounts: map[string][]Principal{},
		mounted:         map[string]map[Principal]*cluster.Object{},
		saObjects:       map[Principal]*corev1.ServiceAccount{},
	}
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
	if masters := (Principal{Kind: rbacv1.GroupKind, Name: mastersGroup}); b.e.principals[masters] {
		b.edge(Step{From: masters, To: ClusterAdmin, Action: "is the API server's superuser group, admitted before RBAC is asked"})
	}
	b.shortestChains()
	return b.e
}

func (b *escalationBuilder) add(p Principal) {
	if b.e.principals[p] || p.Kind == hubKind {
		return
	}
	b.e.principals[p] = true
	if p.Kind == rbacv1.ServiceAccountKind {
		b.serviceAccounts[p.Namespace] = append(b.serviceAccounts[p.Namespace], p)
	}
}

func (b *escalationBuilder) edge(s Step) {
	if s.From == s.To {
		return
	}
	b.add(s.From)
	b.add(s.To)
	b.e.edges[s.From] = append(b.e.edges[s.From], s)
}

// hubKind is the Kind of the graph's hubs; no principal has it.
const hubKind = "hub"

// fanOut links every holder to every target through one hub named key:
// holder → hub with the holder's grant, hub → target with the target's
// action, so the graph grows by holders + targets edges, not their
// product.
func (b *escalationBuilder) fanOut(key string, holders []held, targets []Step) {
	if len(holders) == 0 || len(targets) == 0 {
		return
	}
	hub := Principal{Kind: hubKind, Name: key}
	b.e.hubs[hub] = true
	for _, h := range holders {
		b.edge(Step{From: h.p, To: hub, Grants: []Grant{h.g}})
	}
	for _, t := range targets {
		t.From = hub
		b.edge(t)
	}
}

func (b *escalationBuilder) collectPrincipals() {
	for _, o := range b.snap.OfKind("ServiceAccount") {
		p := Principal{Kind: rbacv1.ServiceAccountKind, Namespace: o.ID.Namespace, Name: o.ID.Name}
		b.add(p)
		if sa, ok := o.Typed.(*corev1.ServiceAccount); ok {
			b.saObjects[p] = sa
		}
	}
	for _, bd := range b.m.Bindings() {
		for _, s := range bd.Subjects {
			b.add(PrincipalOf(s, bd.Namespace))
		}
	}
	for _, pt := range b.snap.PodTemplates() {
		sa := Principal{Kind: rbacv1.ServiceAccountKind, Namespace: pt.Namespace(), Name: pt.ServiceAccount()}
		b.add(sa)
		if b.tokenMounted(pt, sa) {
			b.e.mounts[pt.Object] = sa
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
func (b *escalationBuilder) tokenMounted(pt *cluster.PodTemplate, sa Principal) bool {
	if v := pt.Spec.AutomountServiceAccountToken; v != nil {
		return *v
	}
	if obj := b.saObjects[sa]; obj != nil && obj.AutomountServiceAccountToken != nil {
		return *obj.AutomountServiceAccountToken
	}
	return true
}

// memberships links each user and service account to the implicit groups
// it is in, when a binding names that group.
func (b *escalationBuilder) memberships() {
	groups := map[string]Principal{}
	for p := range b.e.principals {
		if p.Kind == rbacv1.GroupKind {
			groups[p.Name] = p
		}
	}
	for _, p := range b.Principals() {
		if p.Kind != rbacv1.ServiceAccountKind && p.Kind != rbacv1.UserKind {
			continue
		}
		for _, g := range p.Subject().Groups {
			if gp, ok := groups[g]; ok {
				b.edge(Step{From: p, To: gp, Membership: true})
			}
		}
	}
}

// Principals lists the principals gathered so far, sorted.
func (b *escalationBuilder) Principals() []Principal { return b.e.Principals() }

// held is one principal that holds a permission, with its first grant.
type held struct {
	p Principal
	g Grant
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
func (b *escalationBuilder) roleBindingHolders(r Request) []held {
	return b.heldBy(b.m.allowingRoleBindings(r))
}

func (b *escalationBuilder) heldBy(brs []bindingRule) []held {
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
				out = append(out, held{p, br.b.grant(si, br.i)})
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
func (b *escalationBuilder) scopedFanOut(key string, requests func(ns string) []Request, targets map[string][]Step) {
	namespaces := sortedKeys(targets)
	n := 0
	for _, ns := range namespaces {
		n += len(targets[ns])
	}
	all := make([]Step, 0, n)
	for _, ns := range namespaces {
		all = append(all, targets[ns]...)
	}
	b.fanOut(key+" in every namespace", b.firstHolders(requests(""), b.holders), all)
	for _, ns := range namespaces {
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
		b.edge(Step{From: h.p, To: ClusterAdmin, Action: "holds every verb on every resource in every namespace", Grants: []Grant{h.g}})
	}
	masters := Principal{Kind: rbacv1.GroupKind, Name: mastersGroup}

	for _, h := range b.holders(Request{Verb: "bind", APIGroup: rbacv1.GroupName, Resource: "clusterroles", Name: "cluster-admin"}) {
		if create, ok := b.m.Allowed(h.p.Subject(), Request{Verb: "create", APIGroup: rbacv1.GroupName, Resource: "clusterrolebindings"}); ok {
			b.edge(Step{From: h.p, To: ClusterAdmin, Action: "can bind the ClusterRole cluster-admin to itself in a new ClusterRoleBinding", Grants: []Grant{h.g, create}})
		}
	}
	for _, h := range b.holders(Request{Verb: "escalate", APIGroup: rbacv1.GroupName, Resource: "clusterroles"}) {
		if upd, ok := b.m.Allowed(h.p.Subject(), Request{Verb: "update", APIGroup: rbacv1.GroupName, Resource: "clusterroles"}); ok {
			b.edge(Step{From: h.p, To: ClusterAdmin, Action: "can escalate and update ClusterRoles: it adds \"*\" on \"*\" to one bound to it or to a group it is in", Grants: []Grant{h.g, upd}})
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
			b.edge(Step{From: h.p, To: masters, Action: "request a client certificate for the group system:masters and approve it itself", Grants: []Grant{h.g, approve, signer}})
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
	targets := map[string][]Step{}
	for ns, sas := range b.serviceAccounts {
		action := fmt.Sprintf("create a pod or workload in namespace %q that runs as it", ns)
		for _, sa := range sas {
			targets[ns] = append(targets[ns], Step{To: sa, Action: action})
		}
	}
	b.scopedFanOut("run pods", func(ns string) []Request {
		out := make([]Request, len(runPodResources))
		for i, res := range runPodResources {
			out[i] = Request{Verb: "create", APIGroup: res.group, Resource: res.resource, Namespace: ns}
		}
		return out
	}, targets)
	execTargets, proxyTargets := map[string][]Step{}, []Step(nil)
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
func (b *escalationBuilder) execTargets(ns, format string) []Step {
	var out []Step
	for _, m := range b.mountedIn(ns) {
		out = append(out, Step{To: m.sa, Action: fmt.Sprintf(format, m.workload.ID)})
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
	targets := map[string][]Step{}
	for ns, secrets := range tokens {
		for _, o := range secrets {
			targets[ns] = append(targets[ns], Step{To: tokenOwner(o), Action: fmt.Sprintf("read the token Secret %q", o.ID.Name)})
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
				b.edge(Step{From: h.p, To: tokenOwner(o), Grants: []Grant{h.g}, Action: fmt.Sprintf("get the token Secret %q", o.ID.Name)})
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
		byKind[p.Kind] = append(byKind[p.Kind], p)
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
		targets := map[string][]Step{}
		for ns, sas := range b.serviceAccounts {
			for _, sa := range sas {
				targets[ns] = append(targets[ns], Step{To: sa, Action: q.action})
			}
		}
		b.scopedFanOut(q.verb+" serviceaccounts/"+q.subresource, func(ns string) []Request { return []Request{request(ns)} }, targets)
		for _, ns := range sortedKeys(b.serviceAccounts) {
			sas := b.serviceAccounts[ns]
			names := make([]string, len(sas))
			for i, sa := range sas {
				names[i] = sa.Name
			}
			extra := b.namedExtras(request(ns), names)
			for _, sa := range sas {
				for _, h := range extra[sa.Name] {
					b.edge(Step{From: h.p, To: sa, Action: q.action, Grants: []Grant{h.g}})
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
	names := make([]string, len(targets))
	steps := make([]Step, len(targets))
	for i, t := range targets {
		names[i] = t.Name
		steps[i] = Step{To: t, Action: action}
	}
	b.fanOut(fmt.Sprintf("%s %s", r.Verb, r.Resource), b.holders(r), steps)
	extra := b.namedExtras(r, names)
	for _, t := range targets {
		for _, h := range extra[t.Name] {
			b.edge(Step{From: h.p, To: t, Action: action, Grants: []Grant{h.g}})
		}
	}
}

// shortestChains computes the first step of every principal's shortest
// chain to cluster-admin.
func (b *escalationBuilder) shortestChains() {
	b.e.next = b.e.shortestTo(ClusterAdmin)
}

// shortestTo runs one breadth-first search from target over the reversed
// edges; the step that first reaches a node is its first step on a
// shortest chain to target. An edge into a hub costs nothing (holder →
// hub → target is one step), so the search keeps a double-ended queue:
// free edges go to the front. Nodes and edges are visited in sorted order,
// so the chain chosen among equally short ones is the same on every run.
func (e *Escalation) shortestTo(target Principal) map[Principal]*Step {
	nodes := e.Principals()
	for h := range e.hubs {
		nodes = append(nodes, h)
	}
	sortPrincipals(nodes)
	// The graph is complete, so pointers into its edge slices stay valid.
	reverse := map[Principal][]*Step{}
	for _, p := range nodes {
		out := e.edges[p]
		for i := range out {
			reverse[out[i].To] = append(reverse[out[i].To], &out[i])
		}
	}
	next := map[Principal]*Step{}
	dist := map[Principal]int{target: 0}
	done := map[Principal]bool{}
	queue := []Principal{target}
	for len(queue) > 0 {
		cur := queue[0]
		queue = queue[1:]
		if done[cur] {
			continue
		}
		done[cur] = true
		for _, s := range reverse[cur] {
			cost := 1
			if e.hubs[s.To] {
				cost = 0
			}
			d, seen := dist[s.From]
			if seen && d <= dist[cur]+cost {
				continue
			}
			dist[s.From] = dist[cur] + cost
			next[s.From] = s
			if cost == 0 {
				queue = append([]Principal{s.From}, queue...)
			} else {
				queue = append(queue, s.From)
			}
		}
	}
	return next
}

// ChainsTo returns the shortest chain of every principal that can reach
// target (cluster-admin, or any principal of the graph) through at least
// one step of its own, sorted by length, then by principal. The group
// system:masters, cluster-admin by definition, is not listed as a start.
func (e *Escalation) ChainsTo(target Principal) []Chain {
	next := e.next
	if target != ClusterAdmin {
		next = e.shortestTo(target)
	}
	var out []Chain
	for _, p := range e.Principals() {
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
func (e *Escalation) follow(next map[Principal]*Step, p, target Principal) (Chain, bool) {
	c := Chain{From: p}
	for cur, hops := p, 0; cur != target; hops++ {
		first, ok := next[cur]
		if !ok || hops > len(next) {
			return Chain{}, false
		}
		s := *first
		if e.hubs[s.To] {
			out, ok := next[s.To]
			if !ok {
				return Chain{}, false
			}
			s = merge(s, *out)
		}
		c.Steps = append(c.Steps, s)
		cur = s.To
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
