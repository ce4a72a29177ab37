package rbac

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// The RBAC kinds.
const (
	KindRole               = "Role"
	KindClusterRole        = "ClusterRole"
	KindRoleBinding        = "RoleBinding"
	KindClusterRoleBinding = "ClusterRoleBinding"
)

// Role is one Role or ClusterRole of the snapshot with its effective rules.
type Role struct {
	Object *cluster.Object
	// Kind is KindRole or KindClusterRole.
	Kind string
	// Namespace is the Role's namespace, "" for a ClusterRole.
	Namespace string
	Name      string
	// Aggregation is the ClusterRole's aggregationRule; nil for none.
	Aggregation *rbacv1.AggregationRule
	// AggregatedFrom are the ClusterRoles the aggregationRule selects, in
	// the controller's order (by selector, then by name), each once.
	AggregatedFrom []*Role
	// Rules are the effective rules: the role's own, or for an aggregated
	// ClusterRole the union of the selected roles' rules and its own,
	// each with the role it is written in.
	Rules []SourcedRule

	own   []SourcedRule
	seq   int          // place in Model.Roles
	bound roleBindings // the bindings that grant the role
}

// Model is the resolved RBAC of a snapshot: every role with its effective
// rules, every binding with the role it grants, indexed for the questions
// the engine answers. Build it once (or share it through For); it is only
// read afterwards and safe for concurrent use.
type Model struct {
	roles    []*Role
	roleByID map[roleID]*Role

	// bindings are the ClusterRoleBindings by name, then the RoleBindings
	// by namespace and name: the order grants are reported in.
	bindings        []*Binding
	clusterBindings []*Binding
	nsBindings      map[string][]*Binding
	// boundTo lists the bindings of each role, in binding order.
	boundTo map[*Role][]*Binding

	serviceAccounts []*cluster.Object

	idx *index
}

type roleID struct {
	kind, namespace, name string
}

// Build resolves the RBAC objects of the snapshot (Roles, ClusterRoles,
// RoleBindings, ClusterRoleBindings, with ClusterRole aggregation) and
// indexes them. The API server's bootstrap ClusterRoles
// (BootstrapClusterRoles) that the snapshot lacks are added, so manifests
// that bind cluster-admin, admin, edit or view grant what they grant in
// any cluster. Of two objects with the same kind, namespace and name, the
// first read is used.
func Build(snap *cluster.Snapshot) *Model {
	m := &Model{
		roleByID:   map[roleID]*Role{},
		nsBindings: map[string][]*Binding{},
		boundTo:    map[*Role][]*Binding{},
	}
	var clusterRoles, roles []*Role
	// The bootstrap ClusterRoles come after the snapshot's, so a cluster's
	// own copy (read live, or written in the manifests) wins.
	for _, o := range slices.Concat(snap.OfKind(KindClusterRole), BootstrapClusterRoles()) {
		cr, ok := o.Typed.(*rbacv1.ClusterRole)
		if !ok {
			continue
		}
		id := roleID{KindClusterRole, "", cr.Name}
		if m.roleByID[id] != nil {
			continue
		}
		r := &Role{Object: o, Kind: KindClusterRole, Name: cr.Name, Aggregation: cr.AggregationRule, own: sourced(o, cr.Rules)}
		r.Rules = r.own
		m.roleByID[id] = r
		clusterRoles = append(clusterRoles, r)
	}
	for _, o := range snap.OfKind(KindRole) {
		ro, ok := o.Typed.(*rbacv1.Role)
		if !ok {
			continue
		}
		id := roleID{KindRole, ro.Namespace, ro.Name}
		if m.roleByID[id] != nil {
			continue
		}
		r := &Role{Object: o, Kind: KindRole, Namespace: ro.Namespace, Name: ro.Name, own: sourced(o, ro.Rules)}
		r.Rules = r.own
		m.roleByID[id] = r
		roles = append(roles, r)
	}
	sort.Slice(clusterRoles, func(i, j int) bool { return clusterRoles[i].Name < clusterRoles[j].Name })
	sort.Slice(roles, func(i, j int) bool {
		if roles[i].Namespace != roles[j].Namespace {
			return roles[i].Namespace < roles[j].Namespace
		}
		return roles[i].Name < roles[j].Name
	})
	aggregate(clusterRoles)
	m.roles = append(clusterRoles, roles...)

	seen := map[roleID]bool{}
	for _, o := range snap.OfKind(KindClusterRoleBinding) {
		crb, ok := o.Typed.(*rbacv1.ClusterRoleBinding)
		if !ok || seen[roleID{KindClusterRoleBinding, "", crb.Name}] {
			continue
		}
		seen[roleID{KindClusterRoleBinding, "", crb.Name}] = true
		m.clusterBindings = append(m.clusterBindings, m.resolve(o, "", crb.RoleRef, crb.Subjects))
	}
	var nsBindings []*Binding
	for _, o := range snap.OfKind(KindRoleBinding) {
		rb, ok := o.Typed.(*rbacv1.RoleBinding)
		if !ok || seen[roleID{KindRoleBinding, rb.Namespace, rb.Name}] {
			continue
		}
		seen[roleID{KindRoleBinding, rb.Namespace, rb.Name}] = true
		nsBindings = append(nsBindings, m.resolve(o, rb.Namespace, rb.RoleRef, rb.Subjects))
	}
	sort.Slice(m.clusterBindings, func(i, j int) bool {
		return m.clusterBindings[i].Object.ID.Name < m.clusterBindings[j].Object.ID.Name
	})
	sort.Slice(nsBindings, func(i, j int) bool {
		a, b := nsBindings[i].Object.ID, nsBindings[j].Object.ID
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	m.bindings = append(append(make([]*Binding, 0, len(m.clusterBindings)+len(nsBindings)), m.clusterBindings...), nsBindings...)
	for i, b := range m.bindings {
		b.order = i
		if b.role != nil {
			m.boundTo[b.role] = append(m.boundTo[b.role], b)
		}
		if b.Namespace != "" {
			m.nsBindings[b.Namespace] = append(m.nsBindings[b.Namespace], b)
		}
	}
	for _, o := range snap.OfKind("ServiceAccount") {
		if _, ok := o.Typed.(*corev1.ServiceAccount); ok {
			m.serviceAccounts = append(m.serviceAccounts, o)
		}
	}
	m.idx = buildIndex(m)
	return m
}

func sourced(o *cluster.Object, rules []rbacv1.PolicyRule) []SourcedRule {
	out := make([]SourcedRule, len(rules))
	for i, r := range rules {
		out[i] = SourcedRule{Rule: r, Source: o, Index: i}
	}
	return out
}

// resolve finds the role a binding refers to, as the authorizer does: a
// Role of the binding's own namespace (a ClusterRoleBinding cannot refer
// to one), or a ClusterRole; the roleRef's apiGroup is not looked at.
func (m *Model) resolve(o *cluster.Object, namespace string, ref rbacv1.RoleRef, subjects []rbacv1.Subject) *Binding {
	b := &Binding{Object: o, Namespace: namespace, RoleRef: ref, Subjects: subjects}
	var r *Role
	switch ref.Kind {
	case KindRole:
		if namespace != "" {
			r = m.roleByID[roleID{KindRole, namespace, ref.Name}]
		}
	case KindClusterRole:
		r = m.roleByID[roleID{KindClusterRole, "", ref.Name}]
	}
	if r != nil {
		b.role = r
		b.Role = r.Object
		b.Rules = r.Rules
	}
	return b
}

// Bindings returns every binding, resolved: the ClusterRoleBindings by
// name, then the RoleBindings by namespace and name.
func (m *Model) Bindings() []*Binding { return m.bindings }

// ClusterRoleBindings returns the ClusterRoleBindings by name.
func (m *Model) ClusterRoleBindings() []*Binding { return m.clusterBindings }

// RoleBindingsIn returns the RoleBindings of a namespace by name.
func (m *Model) RoleBindingsIn(namespace string) []*Binding { return m.nsBindings[namespace] }

// Roles returns every role: the ClusterRoles by name, then the Roles by
// namespace and name.
func (m *Model) Roles() []*Role { return m.roles }

// Role returns the Role (namespace set) or ClusterRole (namespace "") of
// that name, or nil.
func (m *Model) Role(namespace, name string) *Role {
	if namespace == "" {
		return m.roleByID[roleID{KindClusterRole, "", name}]
	}
	return m.roleByID[roleID{KindRole, namespace, name}]
}

// RoleOf returns the role of a Role or ClusterRole object, or nil.
func (m *Model) RoleOf(o *cluster.Object) *Role {
	if o == nil {
		return nil
	}
	r := m.roleByID[roleID{o.ID.Kind, o.ID.Namespace, o.ID.Name}]
	if r == nil || r.Object != o {
		return nil
	}
	return r
}

// BindingsOf returns the bindings that grant the role, in binding order.
func (m *Model) BindingsOf(r *Role) []*Binding { return m.boundTo[r] }

// ServiceAccounts returns the ServiceAccount objects of the snapshot.
func (m *Model) ServiceAccounts() []*cluster.Object { return m.serviceAccounts }

// BoundRole returns the role the binding grants, nil when the snapshot
// does not hold it.
func (b *Binding) BoundRole() *Role { return b.role }

// IsClusterRoleBinding reports whether the binding is a
// ClusterRoleBinding, whose rules apply in every namespace and
// cluster-wide.
func (b *Binding) IsClusterRoleBinding() bool { return b.Namespace == "" }

// HolderSubjects returns the binding's subjects that apply to someone, as
// the authorizer reads them (a ServiceAccount without a namespace in a
// RoleBinding takes the binding's), with their index in Subjects.
func (b *Binding) HolderSubjects() (subjects []rbacv1.Subject, indexes []int) {
	for i, s := range b.Subjects {
		if eff, ok := effectiveSubject(s, b.Namespace); ok {
			subjects = append(subjects, eff)
			indexes = append(indexes, i)
		}
	}
	return subjects, indexes
}

// grant is the grant of rule i of the binding to subject si.
func (b *Binding) grant(si, i int) Grant {
	sr := b.Rules[i]
	return Grant{Binding: b.Object, SubjectIndex: si, Role: b.Role, Rule: sr.Rule, RuleSource: sr.Source, RuleIndex: sr.Index}
}

// scope returns the bindings whose rules can decide the request: every
// ClusterRoleBinding and, for a resource request in a namespace, the
// RoleBindings of that namespace.
func (m *Model) scope(r Request) (cluster, namespaced []*Binding) {
	if r.IsNonResource() || r.Namespace == "" {
		return m.clusterBindings, nil
	}
	return m.clusterBindings, m.nsBindings[r.Namespace]
}

// allowedScan is Allowed by a scan of every binding in scope, the way the
// authorizer itself walks them.
func (m *Model) allowedScan(s Subject, r Request) (Grant, bool) {
	cb, nb := m.scope(r)
	for _, list := range [2][]*Binding{cb, nb} {
		for _, b := range list {
			si, ok := appliesTo(s, b.Subjects, b.Namespace)
			if !ok {
				continue
			}
			for i := range b.Rules {
				if RuleAllows(b.Rules[i].Rule, r) {
					return b.grant(si, i), true
				}
			}
		}
	}
	return Grant{}, false
}

// whoCanScan is WhoCan by a scan of every binding in scope.
func (m *Model) whoCanScan(r Request) []Holder {
	hs := holderSet{}
	cb, nb := m.scope(r)
	for _, list := range [2][]*Binding{cb, nb} {
		for _, b := range list {
			for i := range b.Rules {
				if RuleAllows(b.Rules[i].Rule, r) {
					hs.add(b, i)
				}
			}
		}
	}
	return hs.sorted()
}

// holderSet gathers the holders of a permission by subject.
type holderSet map[subjectID]*Holder

type subjectID struct{ kind, namespace, name string }

// add records that rule i of binding b allows the request, for every
// subject of the binding.
func (hs holderSet) add(b *Binding, i int) {
	for si, s := range b.Subjects {
		eff, ok := effectiveSubject(s, b.Namespace)
		if !ok {
			continue
		}
		id := subjectID{eff.Kind, eff.Namespace, eff.Name}
		h := hs[id]
		if h == nil {
			h = &Holder{Subject: eff}
			hs[id] = h
		}
		h.Grants = append(h.Grants, b.grant(si, i))
	}
}

func (hs holderSet) sorted() []Holder {
	if len(hs) == 0 {
		return nil
	}
	out := make([]Holder, 0, len(hs))
	for _, h := range hs {
		out = append(out, *h)
	}
	sort.Slice(out, func(i, j int) bool { return lessSubject(out[i].Subject, out[j].Subject) })
	return out
}

// lessSubject orders subjects by kind (Group, ServiceAccount, User), then
// namespace and name.
func lessSubject(a, b rbacv1.Subject) bool {
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	if a.Namespace != b.Namespace {
		return a.Namespace < b.Namespace
	}
	return a.Name < b.Name
}

// Allowed reports whether the subject may make the request, as the API
// server's RBAC authorizer decides it, and the grant that allows it: the
// first in the authorizer's order (ClusterRoleBindings, then the
// RoleBindings of the request's namespace; bindings by name, rules in
// order). RoleBindings count only for a resource request in their own
// namespace; non-resource requests only through ClusterRoleBindings. A
// binding whose role is missing grants nothing.
func (m *Model) Allowed(s Subject, r Request) (Grant, bool) {
	return m.allowedIndexed(s, r)
}

// WhoCan returns every binding subject that holds the permission, with
// every grant that gives it (in binding and rule order), sorted by kind,
// namespace and name. Subjects are as the binding writes them, except that
// a ServiceAccount without a namespace in a RoleBinding takes the
// binding's namespace, as the authorizer reads it; subjects that apply to
// nobody (unknown kinds, a namespace-less ServiceAccount in a
// ClusterRoleBinding) are left out. A Group holder means every member.
func (m *Model) WhoCan(r Request) []Holder {
	return m.whoCanIndexed(r)
}

// WhoCanThroughRoleBindings is WhoCan without the ClusterRoleBindings:
// the holders a namespace's RoleBindings add to those of WhoCan for the
// same request at cluster scope. Asking WhoCan once at cluster scope and
// this once per namespace answers every namespace without going over the
// ClusterRoleBindings again each time.
func (m *Model) WhoCanThroughRoleBindings(r Request) []Holder {
	hs := holderSet{}
	for _, br := range m.allowingRoleBindings(r) {
		hs.add(br.b, br.i)
	}
	return hs.sorted()
}

// PermissionsOf returns every rule that applies to the subject: one row
// per rule of each binding that names it, with the scope (the
// RoleBinding's namespace, or "" for a ClusterRoleBinding) and the grant.
// Rows are sorted by resource (as rendered), then non-resource URL, scope,
// resource names, verbs and grant order.
func (m *Model) PermissionsOf(s Subject) []Permission {
	var out []Permission
	var order []int
	for _, b := range m.bindings {
		si, ok := appliesTo(s, b.Subjects, b.Namespace)
		if !ok {
			continue
		}
		for i := range b.Rules {
			rule := b.Rules[i].Rule
			out = append(out, Permission{
				Namespace:       b.Namespace,
				Resources:       ResourceNames(rule),
				NonResourceURLs: rule.NonResourceURLs,
				ResourceNames:   rule.ResourceNames,
				Verbs:           rule.Verbs,
				Grant:           b.grant(si, i),
			})
			order = append(order, b.order<<20|i)
		}
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(x, y int) bool {
		a, b := &out[idx[x]], &out[idx[y]]
		if c := compareLists(a.Resources, b.Resources); c != 0 {
			return c < 0
		}
		if c := compareLists(a.NonResourceURLs, b.NonResourceURLs); c != 0 {
			return c < 0
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if c := compareLists(a.ResourceNames, b.ResourceNames); c != 0 {
			return c < 0
		}
		if c := compareLists(a.Verbs, b.Verbs); c != 0 {
			return c < 0
		}
		return order[idx[x]] < order[idx[y]]
	})
	sorted := make([]Permission, len(out))
	for i, j := range idx {
		sorted[i] = out[j]
	}
	return sorted
}

func compareLists(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := strings.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}

// String explains the grant in words:
//
//	ClusterRoleBinding "ci" (subjects[0]) → ClusterRole "deployer" rules[2]: verbs [create] on deployments.apps
//
// A RoleBinding and a Role are named "namespace/name"; a rule aggregated
// into a ClusterRole names the ClusterRole it is written in.
func (g Grant) String() string {
	if g.Binding == nil {
		return "no grant"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %q (subjects[%d]) → ", g.Binding.ID.Kind, qualifiedName(g.Binding), g.SubjectIndex)
	switch {
	case g.Role == nil:
		b.WriteString("missing role")
	case g.RuleSource == nil || g.RuleSource == g.Role:
		fmt.Fprintf(&b, "%s %q rules[%d]", g.Role.ID.Kind, qualifiedName(g.Role), g.RuleIndex)
	default:
		fmt.Fprintf(&b, "%s %q (aggregated from %s %q rules[%d])", g.Role.ID.Kind, qualifiedName(g.Role),
			g.RuleSource.ID.Kind, qualifiedName(g.RuleSource), g.RuleIndex)
	}
	b.WriteString(": ")
	b.WriteString(DescribeRule(g.Rule))
	return b.String()
}

// DescribeRule says what a rule allows: "verbs [get list] on pods,
// deployments.apps named [web]", "verbs [get] on /healthz, /livez".
func DescribeRule(r rbacv1.PolicyRule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "verbs %v", r.Verbs)
	var on []string
	on = append(on, ResourceNames(r)...)
	on = append(on, r.NonResourceURLs...)
	if len(on) > 0 {
		b.WriteString(" on ")
		b.WriteString(strings.Join(on, ", "))
	}
	if len(r.ResourceNames) > 0 {
		fmt.Fprintf(&b, " named %v", r.ResourceNames)
	}
	return b.String()
}

func qualifiedName(o *cluster.Object) string {
	if o.ID.Namespace != "" {
		return o.ID.Namespace + "/" + o.ID.Name
	}
	return o.ID.Name
}

// SubjectApplies reports whether a subject of a binding in bindingNS (""
// for a ClusterRoleBinding) applies to s, as the RBAC authorizer decides.
func SubjectApplies(s Subject, sub rbacv1.Subject, bindingNS string) bool {
	return subjectApplies(s, &sub, bindingNS)
}

// Includes reports whether the holder's binding subject stands for the
// request subject s: the same user, a group s is in, or the ServiceAccount
// s authenticates as. With it, WhoCan answers Allowed for any subject.
func (h Holder) Includes(s Subject) bool {
	return subjectApplies(s, &h.Subject, "")
}
