package rbac

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	authz "github.com/palisade-sec/palisade/internal/rbac"
)

// target is one resource a risk is about: "pods/exec" in the core group.
type target struct {
	group, resource, subresource string
	// clusterScoped resources are only granted by ClusterRoleBindings: a
	// RoleBinding can name them in a rule, but no request in a namespace
	// reaches them.
	clusterScoped bool
}

func (t target) String() string {
	s := t.resource
	if t.group != "" {
		s += "." + t.group
	}
	if t.subresource != "" {
		s += "/" + t.subresource
	}
	return s
}

// risk is a set of verbs on a set of resources that, held together, give
// an attacker something: reading secrets, running pods, binding roles.
type risk struct {
	verbs   []string
	targets []target
}

// grant is what one binding gives of a risk: the verbs and targets its
// rules allow, and those rules.
type grant struct {
	binding *authz.Binding
	rules   []authz.SourcedRule
	verbs   []string
	targets []target
}

// grantsOf returns, binding by binding, what the binding's rules allow of
// the risk's verbs on its targets in the binding's scope, asked of the
// engine's own rule matcher with requests that name no object, so a rule
// narrowed by resourceNames does not count. Built-in bindings are left
// out, and so are bindings of cluster-admin or an equivalent: holding
// everything, they are rbac/cluster-admin's finding, not one per risk.
func grantsOf(m *authz.Model, r risk) []grant {
	var out []grant
	for _, b := range m.Bindings() {
		if builtIn(b) || len(b.Subjects) == 0 {
			continue
		}
		g := grant{binding: b}
		if slices.ContainsFunc(b.Rules, isAdminRule) {
			continue // rbac/cluster-admin says it all
		}
		for _, sr := range b.Rules {
			matched := false
			for _, t := range r.targets {
				if t.clusterScoped && b.Namespace != "" {
					continue
				}
				for _, v := range r.verbs {
					req := authz.Request{Verb: v, APIGroup: t.group, Resource: t.resource, Subresource: t.subresource, Namespace: b.Namespace}
					if authz.RuleAllows(sr.Rule, req) {
						g.verbs = appendNew(g.verbs, v)
						g.targets = appendNew(g.targets, t)
						matched = true
					}
				}
			}
			if matched {
				g.rules = append(g.rules, sr)
			}
		}
		if len(g.rules) > 0 {
			g.verbs = inOrder(g.verbs, r.verbs)
			g.targets = inOrder(g.targets, r.targets)
			out = append(out, g)
		}
	}
	return out
}

// inOrder sorts the found items in the order the risk lists them.
func inOrder[T comparable](found, order []T) []T {
	out := make([]T, 0, len(found))
	for _, o := range order {
		if slices.Contains(found, o) {
			out = append(out, o)
		}
	}
	return out
}

func appendNew[T comparable](list []T, v T) []T {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// clusterWide reports whether the grant holds in every namespace.
func (g grant) clusterWide() bool { return g.binding.Namespace == "" }

// scope says where the grant holds, for messages.
func (g grant) scope() string {
	if g.clusterWide() {
		return "in every namespace"
	}
	return fmt.Sprintf("in namespace %q", g.binding.Namespace)
}

// violation turns a grant into a finding on the binding's roleRef: the
// binding is what gives the subjects the rule. what names the permission
// ("read secrets"); severity, when not nil, replaces the check's.
func (g grant) violation(what string, severity *check.Severity) check.Violation {
	var names []string
	for _, t := range g.targets {
		names = append(names, t.String())
	}
	return check.Violation{
		Object: g.binding.Object,
		Field:  "roleRef",
		Message: fmt.Sprintf("%s %q lets %s %s %s: verbs %s on %s (%s)",
			g.binding.Object.ID.Kind, g.binding.Object.ID.Name, subjectList(g.binding.Subjects, g.binding.Namespace), what, g.scope(),
			bracket(g.verbs), strings.Join(names, ", "), ruleRefs(g.rules)),
		Severity: severity,
	}
}

// ruleRefs names rules by role and index: `ClusterRole "edit" rules[3],
// rules[5]; ClusterRole "system:aggregate-to-edit" rules[2]`.
func ruleRefs(rules []authz.SourcedRule) string {
	var parts []string
	var last *cluster.Object
	for i, r := range rules {
		if i > 0 && r.Source == last {
			parts[len(parts)-1] += fmt.Sprintf(", rules[%d]", r.Index)
			continue
		}
		parts = append(parts, ruleRef(r))
		last = r.Source
	}
	return strings.Join(parts, "; ")
}

// ruleRef names a rule by its role and index: `ClusterRole "edit" rules[3]`.
func ruleRef(r authz.SourcedRule) string {
	if r.Source == nil {
		return fmt.Sprintf("rules[%d]", r.Index)
	}
	return fmt.Sprintf("%s %q rules[%d]", r.Source.ID.Kind, r.Source.ID.Name, r.Index)
}

// subjectList names the subjects of a binding: "ServiceAccount shop/web,
// Group devs". bindingNS is "" for a ClusterRoleBinding.
func subjectList(subjects []rbacv1.Subject, bindingNS string) string {
	names := make([]string, 0, len(subjects))
	for _, s := range subjects {
		names = append(names, authz.PrincipalOf(s, bindingNS).String())
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func bracket(words []string) string { return "[" + strings.Join(words, " ") + "]" }

// lower returns a severity one step below s, for a grant that holds in one
// namespace rather than all.
func lower(s check.Severity) *check.Severity {
	if s > check.SeverityInfo {
		s--
	}
	return &s
}

// scoped runs a risk and reports each grant, at the check's severity when
// it holds cluster-wide and one step lower when it holds in one namespace.
func scoped(r risk, what string, sev check.Severity) func(ctx *check.Context) []check.Violation {
	return func(ctx *check.Context) []check.Violation {
		var out []check.Violation
		for _, g := range grantsOf(authz.For(ctx.Snapshot), r) {
			var s *check.Severity
			if !g.clusterWide() {
				s = lower(sev)
			}
			out = append(out, g.violation(what, s))
		}
		return out
	}
}
