package rbac

import (
	"fmt"
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
	authz "github.com/palisade-sec/palisade/internal/rbac"
)

// escalationToClusterAdmin asks the escalation graph of the RBAC engine
// for every principal that can reach cluster-admin in two or more steps
// (running a pod as, exec into, reading the token of, requesting a token
// for or impersonating another principal, or binding, escalating and
// certificate approval). Allowed: no such chain. Flagged: each principal
// with a chain whose first step is not granted by a built-in binding; the
// finding is on the binding that grants the first step. Principals that
// hold cluster-admin directly are rbac/cluster-admin's.
func escalationToClusterAdmin(ctx *check.Context) []check.Violation {
	m := authz.For(ctx.Snapshot)
	builtInBinding := map[string]bool{}
	for _, b := range m.Bindings() {
		if builtIn(b) {
			builtInBinding[b.Object.ID.String()] = true
		}
	}
	var out []check.Violation
	for _, c := range authz.EscalationOf(ctx.Snapshot).Chains() {
		first := c.Steps[0]
		if len(c.Steps) < 2 || len(first.Grants) == 0 || first.Grants[0].Binding == nil {
			continue
		}
		binding := first.Grants[0].Binding
		if builtInBinding[binding.ID.String()] {
			continue
		}
		steps := make([]string, len(c.Steps))
		for i, s := range c.Steps {
			steps[i] = fmt.Sprintf("(%d) %s", i+1, s)
		}
		out = append(out, check.Violation{
			Object:  binding,
			Field:   "roleRef",
			Message: fmt.Sprintf("%s can become cluster-admin in %d steps: %s", c.From, len(c.Steps), strings.Join(steps, " ")),
		})
	}
	return out
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "rbac/escalation-to-cluster-admin",
			Title: "Subject can climb to cluster-admin",
			Description: "Builds the graph of who can obtain whose permissions — by creating a pod or workload that runs as a " +
				"service account, exec into a pod that mounts its token (or nodes/proxy), reading its token Secret, requesting " +
				"a token (serviceaccounts/token), impersonating it, binding cluster-admin, escalating ClusterRoles, or approving " +
				"its own client certificate for system:masters — and reports every subject with a chain of two or more steps " +
				"to cluster-admin, the shortest chain spelled out with the rule and binding of each step. The finding sits on " +
				"the binding that grants the first step.",
			Severity: check.SeverityCritical,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				NSA:   []string{"Authentication and authorization"},
				MITRE: []string{"T1078", "T1098.006", "T1528"},
			},
			Remediation: "Cut the chain at its cheapest step: usually the first permission (create pods, exec, secrets) in the " +
				"namespace of a powerful service account, or that account's own cluster-wide binding. `palisade rbac paths` " +
				"prints every chain.",
		},
		Cluster: escalationToClusterAdmin,
	})
}
