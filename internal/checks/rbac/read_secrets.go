package rbac

import "github.com/palisade-sec/palisade/internal/check"

// readSecrets reads every non-built-in RoleBinding and ClusterRoleBinding
// and the effective rules of the role it binds (aggregation included).
// Allowed: no rule that lets the subjects get, list or watch secrets
// without naming them (rules narrowed by resourceNames pass). Flagged: a
// rule allowing get, list or watch on secrets; high in every namespace
// (a ClusterRoleBinding), medium in one namespace.
var readSecrets = risk{
	verbs:   []string{"get", "list", "watch"},
	targets: []target{{resource: "secrets"}},
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "rbac/read-secrets",
			Title: "Subject can read Secrets",
			Description: "Reads every RoleBinding and ClusterRoleBinding and the rules of the role it binds. Flagged: a rule " +
				"allowing get, list or watch on secrets that is not narrowed by resourceNames. Whoever holds it reads every " +
				"password, API key and TLS key of the namespace, and the service account tokens kept in Secrets, which turn " +
				"one compromised identity into many. High when it holds in every namespace, medium in one.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"5.1.2"},
				NSA:   []string{"Authentication and authorization"},
				MITRE: []string{"T1552.007"},
			},
			Remediation: "Grant get on the named Secrets the workload needs (resourceNames) instead of all Secrets, and never list " +
				"or watch: list and watch return every Secret's value. Prefer mounting Secrets into pods over reading them through the API.",
		},
		Cluster: scoped(readSecrets, "read Secrets", check.SeverityHigh),
	})
}
