package rbac

import "github.com/palisade-sec/palisade/internal/check"

// execIntoPods reads every non-built-in binding and the rules of its role.
// Allowed: no rule granting create or get on pods/exec, pods/attach or
// pods/portforward, nor get or create on nodes/proxy (the kubelet's API,
// which runs commands in any pod of a node). Flagged: such a rule; high in
// every namespace, medium in one.
var execIntoPods = risk{
	verbs: []string{"create", "get"},
	targets: []target{
		{resource: "pods", subresource: "exec"},
		{resource: "pods", subresource: "attach"},
		{resource: "pods", subresource: "portforward"},
		{resource: "nodes", subresource: "proxy", clusterScoped: true},
	},
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "rbac/pod-exec",
			Title: "Subject can run commands in pods",
			Description: "Reads every RoleBinding and ClusterRoleBinding and the rules of the role it binds. Flagged: create or get " +
				"on pods/exec, pods/attach or pods/portforward, or on nodes/proxy, the kubelet's API that runs commands in every " +
				"pod of a node. A shell in a pod is that pod's service account token, its Secrets and its network position. " +
				"High in every namespace, medium in one.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				NSA:   []string{"Authentication and authorization"},
				MITRE: []string{"T1609"},
			},
			Remediation: "Remove exec, attach, portforward and nodes/proxy from everyday roles; grant them for a time to the " +
				"people on call through a separate role, and audit their use.",
		},
		Cluster: scoped(execIntoPods, "run commands in pods", check.SeverityHigh),
	})
}
