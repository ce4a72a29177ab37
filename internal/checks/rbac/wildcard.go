package rbac

import (
	"fmt"
	"slices"

	"github.com/palisade-sec/palisade/internal/check"
	authz "github.com/palisade-sec/palisade/internal/rbac"
)

// wildcardRules reads every non-built-in binding and the rules of its
// role. Allowed: rules that list their verbs and resources. Flagged: "*"
// in verbs or in resources (rules with "*" in both and in apiGroups are
// rbac/cluster-admin's); high in every namespace, medium in one.
func wildcardRules(ctx *check.Context) []check.Violation {
	var out []check.Violation
	for _, b := range authz.For(ctx.Snapshot).Bindings() {
		if builtIn(b) || len(b.Subjects) == 0 || slices.ContainsFunc(b.Rules, isAdminRule) {
			continue // cluster-admin and its equivalents are rbac/cluster-admin's
		}
		for _, sr := range b.Rules {
			r := sr.Rule
			verbs, resources := slices.Contains(r.Verbs, "*"), slices.Contains(r.Resources, "*")
			if (!verbs && !resources) || isAdminRule(sr) {
				continue
			}
			g := grant{binding: b}
			var what string
			switch {
			case verbs && resources:
				what = "do anything to every resource of API groups " + bracket(r.APIGroups)
			case verbs:
				what = fmt.Sprintf("do anything, future verbs included, to %s", bracket(r.Resources))
			default:
				what = fmt.Sprintf("%s every resource of API groups %s, future ones included", bracket(r.Verbs), bracket(r.APIGroups))
			}
			var sev *check.Severity
			if !g.clusterWide() {
				sev = lower(check.SeverityHigh)
			}
			out = append(out, check.Violation{
				Object: b.Object,
				Field:  "roleRef",
				Message: fmt.Sprintf("%s %q lets %s %s %s (%s)", b.Object.ID.Kind, b.Object.ID.Name,
					subjectList(b.Subjects, b.Namespace), what, g.scope(), ruleRef(sr)),
				Severity: sev,
			})
		}
	}
	return out
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "rbac/wildcard-rule",
			Title: "Subject holds a wildcard rule",
			Description: "Reads every RoleBinding and ClusterRoleBinding and the rules of the role it binds. Flagged: \"*\" in a " +
				"rule's verbs or resources. A wildcard grants verbs and resources that do not exist yet, and it is how escalate, " +
				"bind, impersonate and pods/exec slip into roles unnoticed. High in every namespace, medium in one.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"5.1.3"},
				NSA:   []string{"Authentication and authorization"},
				MITRE: []string{"T1098.006"},
			},
			Remediation: "List the verbs and resources the subject needs; `palisade rbac can SUBJECT` shows what the wildcard grants today.",
		},
		Cluster: wildcardRules,
	})
}
