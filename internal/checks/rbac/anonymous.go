package rbac

import (
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/palisade-sec/palisade/internal/check"
	authz "github.com/palisade-sec/palisade/internal/rbac"
)

// everyone describes the subjects that stand for every caller, with the
// severity of granting them anything.
var everyone = map[string]struct {
	who      string
	severity check.Severity
}{
	"system:anonymous":       {"anyone who reaches the API server, without credentials", check.SeverityCritical},
	"system:unauthenticated": {"anyone who reaches the API server, without credentials", check.SeverityCritical},
	"system:authenticated":   {"every signed-in user and every service account of every pod", check.SeverityHigh},
}

// anonymousAccess reads the subjects of every RoleBinding and
// ClusterRoleBinding and the rules of the role bound. Allowed: no binding
// to the user system:anonymous or the groups system:unauthenticated and
// system:authenticated, except the three public bootstrap bindings
// (system:discovery, system:basic-user, system:public-info-viewer).
// Flagged: any other binding of a role with rules to them; critical for
// the unauthenticated ones, high for system:authenticated.
func anonymousAccess(ctx *check.Context) []check.Violation {
	var out []check.Violation
	for _, b := range authz.For(ctx.Snapshot).Bindings() {
		if builtIn(b) || len(b.Rules) == 0 {
			continue
		}
		for i, s := range b.Subjects {
			e, ok := everyone[s.Name]
			if !ok || s.Kind == rbacv1.ServiceAccountKind {
				continue
			}
			sev := e.severity
			scope := "in the whole cluster"
			if b.Namespace != "" {
				scope = fmt.Sprintf("in namespace %q", b.Namespace)
			}
			out = append(out, check.Violation{
				Object: b.Object,
				Field:  fmt.Sprintf("subjects[%d]", i),
				Message: fmt.Sprintf("%s %q gives %s %s — %s — %s of %s %q %s, e.g. %s", b.Object.ID.Kind, b.Object.ID.Name,
					s.Kind, s.Name, e.who, plural(len(b.Rules), "rule"), b.RoleRef.Kind, b.RoleRef.Name, scope, ruleSummary(b.Rules[0].Rule)),
				Fix:      []check.PatchOp{{Op: "remove", Path: fmt.Sprintf("/subjects/%d", i)}},
				Severity: &sev,
			})
		}
	}
	return out
}

// ruleSummary says what a rule grants: "verbs [get list] on [secrets]".
func ruleSummary(r rbacv1.PolicyRule) string {
	if len(r.NonResourceURLs) > 0 {
		return fmt.Sprintf("verbs %s on URLs %s", bracket(r.Verbs), bracket(r.NonResourceURLs))
	}
	return fmt.Sprintf("verbs %s on %s", bracket(r.Verbs), bracket(r.Resources))
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "rbac/anonymous-access",
			Title: "Permissions granted to everyone",
			Description: "Reads the subjects of every RoleBinding and ClusterRoleBinding. Flagged: a binding of a role with rules to " +
				"the user system:anonymous or the group system:unauthenticated (anyone who can reach the API server, no " +
				"credentials needed: critical), or to the group system:authenticated (every user and every pod's service " +
				"account: high). Allowed: the API server's public bootstrap bindings system:discovery, system:basic-user and " +
				"system:public-info-viewer. An unauthenticated API is how clusters are found and taken by scanners within hours.",
			Severity: check.SeverityCritical,
			Vector:   check.VectorAPIExposure,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"5.1.1"},
				NSA:   []string{"Authentication and authorization"},
				MITRE: []string{"T1078.001", "T1133"},
			},
			Remediation: "Remove the subject from the binding; bind the role to the users, groups or service accounts that need it.",
		},
		Cluster: anonymousAccess,
	})
}
