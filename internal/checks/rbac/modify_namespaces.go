package rbac

import "github.com/palisade-sec/palisade/internal/check"

// modifyNamespaces reads every non-built-in ClusterRoleBinding (Namespaces
// are cluster-scoped) and the rules of its role. Allowed: no rule granting
// update or patch on namespaces. Flagged: such a rule.
var modifyNamespaces = risk{
	verbs:   []string{"update", "patch"},
	targets: []target{{resource: "namespaces", clusterScoped: true}},
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "rbac/modify-namespaces",
			Title: "Subject can change Namespaces",
			Description: "Reads every ClusterRoleBinding and the rules of the role it binds. Flagged: update or patch on namespaces. " +
				"A namespace's pod-security.kubernetes.io labels decide what Pod Security admission lets run there; whoever " +
				"can change them can lift enforce to privileged and then run privileged pods.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				NSA:   []string{"Authentication and authorization"},
				MITRE: []string{"T1562.001"},
			},
			Remediation: "Keep update and patch on namespaces with the cluster administrators; manage namespace labels from Git.",
		},
		Cluster: scoped(modifyNamespaces, "change Namespaces and their Pod Security labels", check.SeverityMedium),
	})
}
