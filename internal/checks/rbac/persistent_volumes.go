package rbac

import "github.com/palisade-sec/palisade/internal/check"

// createPersistentVolumes reads every non-built-in ClusterRoleBinding
// (PersistentVolumes are cluster-scoped) and the rules of its role.
// Allowed: no rule granting create on persistentvolumes. Flagged: such a
// rule.
var createPersistentVolumes = risk{
	verbs:   []string{"create"},
	targets: []target{{resource: "persistentvolumes", clusterScoped: true}},
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "rbac/create-persistentvolumes",
			Title: "Subject can create PersistentVolumes",
			Description: "Reads every ClusterRoleBinding and the rules of the role it binds. Flagged: create on persistentvolumes. " +
				"A PersistentVolume may be a hostPath of any node folder, / included; a claim on it mounts the node's " +
				"filesystem into a pod even where Pod Security forbids hostPath volumes.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				NSA:   []string{"Authentication and authorization"},
				MITRE: []string{"T1611"},
			},
			Remediation: "Let StorageClasses provision volumes dynamically and keep create on persistentvolumes with the " +
				"storage administrators.",
		},
		Cluster: scoped(createPersistentVolumes, "create PersistentVolumes (hostPath included)", check.SeverityHigh),
	})
}
