package rbac

import "github.com/palisade-sec/palisade/internal/check"

// requestToken reads every non-built-in binding and the rules of its role.
// Allowed: no rule granting create on serviceaccounts/token without
// resourceNames. Flagged: such a rule; high in every namespace, medium in
// one.
var requestToken = risk{
	verbs:   []string{"create"},
	targets: []target{{resource: "serviceaccounts", subresource: "token"}},
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "rbac/create-serviceaccount-token",
			Title: "Subject can request service account tokens",
			Description: "Reads every RoleBinding and ClusterRoleBinding and the rules of the role it binds. Flagged: create on " +
				"serviceaccounts/token, the TokenRequest API, not narrowed by resourceNames. Whoever holds it mints a token for " +
				"any service account in scope and acts with its permissions, without running a pod or reading a Secret. " +
				"High in every namespace, medium in one.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				NSA:   []string{"Authentication and authorization"},
				MITRE: []string{"T1528"},
			},
			Remediation: "Narrow the rule with resourceNames to the service accounts the subject must mint tokens for, or remove it.",
		},
		Cluster: scoped(requestToken, "request tokens for service accounts", check.SeverityHigh),
	})
}
