package rbac

import "github.com/palisade-sec/palisade/internal/check"

// impersonate reads every non-built-in binding and the rules of its role.
// Allowed: no rule granting impersonate on users, groups or
// serviceaccounts (core group), or on uids and userextras
// (authentication.k8s.io). Flagged: such a rule; critical in every
// namespace, high in one (a RoleBinding can only impersonate the service
// accounts of its namespace).
var impersonate = risk{
	verbs: []string{"impersonate"},
	targets: []target{
		{resource: "users", clusterScoped: true},
		{resource: "groups", clusterScoped: true},
		{resource: "serviceaccounts"},
		{group: "authentication.k8s.io", resource: "uids", clusterScoped: true},
		{group: "authentication.k8s.io", resource: "userextras", clusterScoped: true},
	},
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "rbac/impersonate",
			Title: "Subject can impersonate others",
			Description: "Reads every RoleBinding and ClusterRoleBinding and the rules of the role it binds. Flagged: impersonate on " +
				"users, groups or serviceaccounts, or on uids and userextras. Impersonating the group system:masters, or any " +
				"user or service account that holds more, is holding what they hold. Critical in every namespace, high in one.",
			Severity: check.SeverityCritical,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				NSA:   []string{"Authentication and authorization"},
				MITRE: []string{"T1078"},
			},
			Remediation: "Remove impersonate from the role, or narrow it with resourceNames to the exact users, groups or service " +
				"accounts the subject must act as, never system:masters.",
		},
		Cluster: scoped(impersonate, "impersonate users, groups or service accounts", check.SeverityCritical),
	})
}
