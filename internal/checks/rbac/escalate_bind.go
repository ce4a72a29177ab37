package rbac

import "github.com/palisade-sec/palisade/internal/check"

// escalateOrBind reads every non-built-in binding and the rules of its
// role. Allowed: no rule granting escalate or bind on roles or
// clusterroles. Flagged: such a rule; critical in every namespace, high in
// one. escalate lets a subject write a role with permissions it does not
// hold; bind lets it bind a role it does not hold, cluster-admin included.
var escalateOrBind = risk{
	verbs: []string{"escalate", "bind"},
	targets: []target{
		{group: "rbac.authorization.k8s.io", resource: "roles"},
		{group: "rbac.authorization.k8s.io", resource: "clusterroles"},
	},
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "rbac/escalate-or-bind",
			Title: "Subject can escalate or bind roles",
			Description: "Reads every RoleBinding and ClusterRoleBinding and the rules of the role it binds. Flagged: escalate or " +
				"bind on roles or clusterroles. RBAC normally forbids granting a permission one does not hold; escalate lifts " +
				"that for writing roles and bind lifts it for binding them, so the subject can give itself cluster-admin. " +
				"Critical in every namespace, high in one.",
			Severity: check.SeverityCritical,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				NSA:   []string{"Authentication and authorization"},
				MITRE: []string{"T1098.006"},
			},
			Remediation: "Remove escalate and bind from every role but the one of the cluster administrators; where a controller " +
				"must bind a role, name that role in resourceNames.",
		},
		Cluster: scoped(escalateOrBind, "escalate or bind roles", check.SeverityCritical),
	})
}
