package rbac

import (
	"fmt"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/palisade-sec/palisade/internal/check"
	authz "github.com/palisade-sec/palisade/internal/rbac"
)

// defaultServiceAccount reads the subjects of every non-built-in
// RoleBinding and ClusterRoleBinding and the rules of the role bound.
// Allowed: no binding names a ServiceAccount called default. Flagged: a
// binding of a role with rules to a namespace's default service account,
// which every pod that names no service account runs as.
func defaultServiceAccount(ctx *check.Context) []check.Violation {
	var out []check.Violation
	for _, b := range authz.For(ctx.Snapshot).Bindings() {
		if builtIn(b) || len(b.Rules) == 0 {
			continue
		}
		for i, s := range b.Subjects {
			if s.Kind != rbacv1.ServiceAccountKind || s.Name != "default" {
				continue
			}
			p := authz.PrincipalOf(s, b.Namespace)
			out = append(out, check.Violation{
				Object: b.Object,
				Field:  fmt.Sprintf("subjects[%d]", i),
				Message: fmt.Sprintf("%s %q gives the default service account of namespace %q %s of %s %q, e.g. %s: every pod there that names no service account holds them",
					b.Object.ID.Kind, b.Object.ID.Name, p.Namespace, plural(len(b.Rules), "rule"), b.RoleRef.Kind, b.RoleRef.Name, ruleSummary(b.Rules[0].Rule)),
				Fix: []check.PatchOp{{Op: "remove", Path: fmt.Sprintf("/subjects/%d", i)}},
			})
		}
	}
	return out
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "rbac/default-service-account",
			Title: "Default service account holds permissions",
			Description: "Reads the subjects of every RoleBinding and ClusterRoleBinding. Flagged: a binding of a role with rules " +
				"to a ServiceAccount named default. Every pod of the namespace that names no service account runs as default " +
				"and, unless automounting is off, carries its token, so the permissions reach workloads nobody meant to give them to.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"5.1.5"},
				NSA:   []string{"Authentication and authorization"},
				MITRE: []string{"T1078.001"},
			},
			Remediation: "Create a service account for the workload that needs the permissions, bind the role to it and set " +
				"spec.serviceAccountName; leave default without bindings.",
		},
		Cluster: defaultServiceAccount,
	})
}
