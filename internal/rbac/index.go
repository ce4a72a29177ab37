package rbac

import (
	"sort"

	rbacv1 "k8s.io/api/rbac/v1"
)

// index finds, for a request, the few rules that can allow it without
// looking at the others. The rules of the ClusterRoles form one rule
// index, the rules of the Roles of each namespace another; each keeps
// every rule under each (verb, resource) pair it names, as written ("*"
// and "*/scale" included), so a request looks up at most six buckets:
// its verb and "*", times its resource (with the subresource), "*" and
// "*/<subresource>". Each rule found is then matched in full. From the
// roles whose rules allow, the bindings in scope are found through the
// bindings each role has: its ClusterRoleBindings and its RoleBindings by
// namespace.
type index struct {
	cluster    ruleIndex
	namespaces map[string]*ruleIndex
}

// ruleIndex holds the rules of some roles by (verb, resource) for resource
// rules and by verb for non-resource rules.
type ruleIndex struct {
	resource    map[ruleBucket][]ruleRef
	nonResource map[string][]ruleRef
}

type ruleBucket struct{ verb, resource string }

// ruleRef is rule i of a role's effective rules.
type ruleRef struct {
	role *Role
	rule int
}

// roleBindings are the bindings of one role.
type roleBindings struct {
	// cluster are the ClusterRoleBindings, in order.
	cluster []*Binding
	// namespaced are the RoleBindings by namespace, in order.
	namespaced map[string][]*Binding
}

func buildIndex(m *Model) *index {
	ix := &index{namespaces: map[string]*ruleIndex{}}
	for i, r := range m.roles {
		r.seq = i
		if r.Kind == KindClusterRole {
			ix.cluster.add(r)
			continue
		}
		ri := ix.namespaces[r.Namespace]
		if ri == nil {
			ri = &ruleIndex{}
			ix.namespaces[r.Namespace] = ri
		}
		ri.add(r)
	}
	for _, b := range m.bindings {
		r := b.role
		if r == nil {
			continue
		}
		if b.Namespace == "" {
			r.bound.cluster = append(r.bound.cluster, b)
			continue
		}
		if r.bound.namespaced == nil {
			r.bound.namespaced = map[string][]*Binding{}
		}
		r.bound.namespaced[b.Namespace] = append(r.bound.namespaced[b.Namespace], b)
	}
	return ix
}

func (ri *ruleIndex) add(r *Role) {
	if ri.resource == nil {
		ri.resource = map[ruleBucket][]ruleRef{}
		ri.nonResource = map[string][]ruleRef{}
	}
	for i := range r.Rules {
		rule := &r.Rules[i].Rule
		ref := ruleRef{r, i}
		for vi, v := range rule.Verbs {
			if contains(rule.Verbs[:vi], v) {
				continue
			}
			for ri2, res := range rule.Resources {
				if contains(rule.Resources[:ri2], res) {
					continue
				}
				k := ruleBucket{v, res}
				ri.resource[k] = append(ri.resource[k], ref)
			}
			if len(rule.NonResourceURLs) > 0 {
				ri.nonResource[v] = append(ri.nonResource[v], ref)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// candidates appends the rules of the index that allow the request.
func (ri *ruleIndex) candidates(r Request, out []ruleRef) []ruleRef {
	if ri == nil || ri.resource == nil {
		return out
	}
	verbs := [2]string{r.Verb, rbacv1.VerbAll}
	nv := 2
	if r.Verb == rbacv1.VerbAll {
		nv = 1
	}
	if r.IsNonResource() {
		for _, v := range verbs[:nv] {
			for _, ref := range ri.nonResource[v] {
				if RuleAllows(ref.role.Rules[ref.rule].Rule, r) {
					out = append(out, ref)
				}
			}
		}
		return out
	}
	var resources [3]string
	nr := 0
	resources[nr] = rbacv1.ResourceAll
	nr++
	combined := r.Resource
	if r.Subresource != "" {
		combined = r.Resource + "/" + r.Subresource
	}
	if combined != rbacv1.ResourceAll {
		resources[nr] = combined
		nr++
	}
	if r.Subresource != "" {
		if star := "*/" + r.Subresource; star != combined {
			resources[nr] = star
			nr++
		}
	}
	for _, v := range verbs[:nv] {
		for _, res := range resources[:nr] {
			for _, ref := range ri.resource[ruleBucket{v, res}] {
				if RuleAllows(ref.role.Rules[ref.rule].Rule, r) {
					out = append(out, ref)
				}
			}
		}
	}
	return out
}

// allowingRules returns every rule in scope of the request that allows
// it (rules of ClusterRoles, and of the Roles of the request's namespace
// for a resource request in one), each once, by role and rule.
func (m *Model) allowingRules(r Request) []ruleRef {
	refs := m.idx.cluster.candidates(r, nil)
	if !r.IsNonResource() && r.Namespace != "" {
		refs = m.idx.namespaces[r.Namespace].candidates(r, refs)
	}
	if len(refs) > 1 {
		sort.Slice(refs, func(i, j int) bool {
			if refs[i].role.seq != refs[j].role.seq {
				return refs[i].role.seq < refs[j].role.seq
			}
			return refs[i].rule < refs[j].rule
		})
		n := 1
		for i := 1; i < len(refs); i++ {
			if refs[i] != refs[n-1] {
				refs[n] = refs[i]
				n++
			}
		}
		refs = refs[:n]
	}
	return refs
}

// bindingRule is rule i of a binding's rules.
type bindingRule struct {
	b *Binding
	i int
}

// allowingBindings returns every (binding, rule) in scope of the request
// whose rule allows it, in binding and rule order.
func (m *Model) allowingBindings(r Request) []bindingRule {
	var out []bindingRule
	ns := ""
	if !r.IsNonResource() {
		ns = r.Namespace
	}
	for _, ref := range m.allowingRules(r) {
		for _, b := range ref.role.bound.cluster {
			out = append(out, bindingRule{b, ref.rule})
		}
		if ns != "" {
			for _, b := range ref.role.bound.namespaced[ns] {
				out = append(out, bindingRule{b, ref.rule})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].b.order != out[j].b.order {
			return out[i].b.order < out[j].b.order
		}
		return out[i].i < out[j].i
	})
	return out
}

// allowingRoleBindings is allowingBindings without the ClusterRoleBindings:
// what RoleBindings of the request's namespace add to what holds in every
// namespace.
func (m *Model) allowingRoleBindings(r Request) []bindingRule {
	if r.IsNonResource() || r.Namespace == "" {
		return nil
	}
	var out []bindingRule
	for _, ref := range m.allowingRules(r) {
		for _, b := range ref.role.bound.namespaced[r.Namespace] {
			out = append(out, bindingRule{b, ref.rule})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].b.order != out[j].b.order {
			return out[i].b.order < out[j].b.order
		}
		return out[i].i < out[j].i
	})
	return out
}

func (m *Model) allowedIndexed(s Subject, r Request) (Grant, bool) {
	var best bindingRule
	found := false
	ns := ""
	if !r.IsNonResource() {
		ns = r.Namespace
	}
	try := func(b *Binding, i int) {
		if found && (b.order > best.b.order || b.order == best.b.order && i >= best.i) {
			return
		}
		if _, ok := appliesTo(s, b.Subjects, b.Namespace); ok {
			best, found = bindingRule{b, i}, true
		}
	}
	for _, ref := range m.allowingRules(r) {
		for _, b := range ref.role.bound.cluster {
			try(b, ref.rule)
		}
		if ns != "" {
			for _, b := range ref.role.bound.namespaced[ns] {
				try(b, ref.rule)
			}
		}
	}
	if !found {
		return Grant{}, false
	}
	si, _ := appliesTo(s, best.b.Subjects, best.b.Namespace)
	return best.b.grant(si, best.i), true
}

func (m *Model) whoCanIndexed(r Request) []Holder {
	hs := holderSet{}
	for _, br := range m.allowingBindings(r) {
		hs.add(br.b, br.i)
	}
	return hs.sorted()
}
