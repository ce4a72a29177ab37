package rbac

import "github.com/palisade-sec/palisade/internal/check"

// writeAdmission reads every ClusterRoleBinding (the kinds are
// cluster-scoped) that is not built-in and the rules of its role. Allowed:
// no rule granting create, update, patch, delete or deletecollection on
// validating or mutating webhook configurations or admission policies and
// their bindings. Flagged: such a rule.
var writeAdmission = risk{
	verbs: []string{"create", "update", "patch", "delete", "deletecollection"},
	targets: []target{
		{group: "admissionregistration.k8s.io", resource: "validatingwebhookconfigurations", clusterScoped: true},
		{group: "admissionregistration.k8s.io", resource: "mutatingwebhookconfigurations", clusterScoped: true},
		{group: "admissionregistration.k8s.io", resource: "validatingadmissionpolicies", clusterScoped: true},
		{group: "admissionregistration.k8s.io", resource: "validatingadmissionpolicybindings", clusterScoped: true},
		{group: "admissionregistration.k8s.io", resource: "mutatingadmissionpolicies", clusterScoped: true},
		{group: "admissionregistration.k8s.io", resource: "mutatingadmissionpolicybindings", clusterScoped: true},
	},
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "rbac/write-admission-control",
			Title: "Subject can change admission control",
			Description: "Reads every ClusterRoleBinding and the rules of the role it binds. Flagged: create, update, patch or " +
				"delete on validating or mutating webhook configurations or admission policies. Whoever holds it switches off " +
				"the policies that guard the cluster, or registers a mutating webhook that sees, and can rewrite, every object " +
				"created, Secrets included.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				NSA:   []string{"Authentication and authorization"},
				MITRE: []string{"T1562.001"},
			},
			Remediation: "Keep write access to admission configuration with the cluster administrators and the one controller " +
				"that manages it, narrowed by resourceNames to the configurations it owns.",
		},
		Cluster: scoped(writeAdmission, "change admission control", check.SeverityHigh),
	})
}
