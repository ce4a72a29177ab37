package rbac

import (
	"fmt"
	"slices"

	"github.com/palisade-sec/palisade/internal/check"
	authz "github.com/palisade-sec/palisade/internal/rbac"
)

// isAdminRule reports whether a rule grants every verb on every resource
// of every API group: what the ClusterRole cluster-admin grants.
func isAdminRule(r authz.SourcedRule) bool {
	return slices.Contains(r.Rule.Verbs, "*") && slices.Contains(r.Rule.APIGroups, "*") && slices.Contains(r.Rule.Resources, "*")
}

// clusterAdminBinding reads every non-built-in RoleBinding and
// ClusterRoleBinding and the effective rules of the role it binds.
// Allowed: no rule with "*" in verbs, apiGroups and resources together.
// Flagged: such a rule — the ClusterRole cluster-admin or an equivalent;
// critical through a ClusterRoleBinding (the whole cluster), high through
// a RoleBinding (everything in that namespace: its Secrets, its pods, its
// RoleBindings).
func clusterAdminBinding(ctx *check.Context) []check.Violation {
	var out []check.Violation
	for _, b := range authz.For(ctx.Snapshot).Bindings() {
		if builtIn(b) || len(b.Subjects) == 0 {
			continue
		}
		for _, sr := range b.Rules {
			if !isAdminRule(sr) {
				continue
			}
			g := grant{binding: b}
			what := "do anything in the whole cluster, as cluster-admin"
			var sev *check.Severity
			if !g.clusterWide() {
				what = fmt.Sprintf("do anything in namespace %q", b.Namespace)
				sev = lower(check.SeverityCritical)
			}
			out = append(out, check.Violation{
				Object: b.Object,
				Field:  "roleRef",
				Message: fmt.Sprintf("%s %q lets %s %s (%s)", b.Object.ID.Kind, b.Object.ID.Name,
					subjectList(b.Subjects, b.Namespace), what, ruleRef(sr)),
				Severity: sev,
			})
			break
		}
	}
	return out
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "rbac/cluster-admin",
			Title: "Subject holds cluster-admin or an equivalent",
			Description: "Reads every RoleBinding and ClusterRoleBinding and the rules of the role it binds, aggregated rules " +
				"and the built-in ClusterRoles included. Flagged: a rule with \"*\" in verbs, apiGroups and resources, as in the " +
				"ClusterRole cluster-admin. Through a ClusterRoleBinding that is the whole cluster: every Secret, every node " +
				"through a privileged pod, and every other identity; through a RoleBinding it is everything in the namespace. " +
				"The API server's own bootstrap bindings (system:masters) are not reported.",
			Severity: check.SeverityCritical,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"5.1.1"},
				NSA:   []string{"Authentication and authorization"},
				MITRE: []string{"T1078", "T1098.006"},
			},
			Remediation: "Bind cluster-admin only to a break-glass group; give people and workloads roles that list what they " +
				"need (admin, edit or view in their own namespaces, or roles of your own).",
		},
		Cluster: clusterAdminBinding,
	})
}
