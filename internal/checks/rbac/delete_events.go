package rbac

import "github.com/palisade-sec/palisade/internal/check"

// deleteEvents reads every non-built-in binding and the rules of its role.
// Allowed: no rule granting delete or deletecollection on events (core or
// events.k8s.io). Flagged: such a rule; medium in every namespace, low in
// one.
var deleteEvents = risk{
	verbs: []string{"delete", "deletecollection"},
	targets: []target{
		{resource: "events"},
		{group: "events.k8s.io", resource: "events"},
	},
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "rbac/delete-events",
			Title: "Subject can delete Events",
			Description: "Reads every RoleBinding and ClusterRoleBinding and the rules of the role it binds. Flagged: delete or " +
				"deletecollection on events. Events record what happened to pods and nodes; deleting them removes the evidence " +
				"of an intrusion from everyone who does not keep audit logs. Medium in every namespace, low in one.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuditLogging,
			References: check.References{
				NSA:   []string{"Audit logging and threat detection"},
				MITRE: []string{"T1070"},
			},
			Remediation: "Remove delete and deletecollection on events; the API server expires them on its own.",
		},
		Cluster: scoped(deleteEvents, "delete Events (evidence)", check.SeverityMedium),
	})
}
