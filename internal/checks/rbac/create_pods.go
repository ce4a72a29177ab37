package rbac

import "github.com/palisade-sec/palisade/internal/check"

// runPods reads every non-built-in binding and the rules of its role.
// Allowed: no rule letting the subjects create, update or patch Pods or a
// workload controller (Deployments, ReplicaSets, StatefulSets,
// DaemonSets, ReplicationControllers, Jobs, CronJobs). Flagged: such a
// rule; high in every namespace, medium in one.
var runPods = risk{
	verbs: []string{"create", "update", "patch"},
	targets: []target{
		{resource: "pods"},
		{resource: "replicationcontrollers"},
		{group: "apps", resource: "deployments"},
		{group: "apps", resource: "replicasets"},
		{group: "apps", resource: "statefulsets"},
		{group: "apps", resource: "daemonsets"},
		{group: "batch", resource: "jobs"},
		{group: "batch", resource: "cronjobs"},
	},
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "rbac/create-pods",
			Title: "Subject can run pods",
			Description: "Reads every RoleBinding and ClusterRoleBinding and the rules of the role it binds. Flagged: a rule " +
				"allowing create, update or patch on pods or on a workload controller (deployments, replicasets, statefulsets, " +
				"daemonsets, replicationcontrollers, jobs, cronjobs). Whoever can run a pod can run it as any service account " +
				"of the namespace and, unless Pod Security admission stops it, privileged or with the node's filesystem mounted: " +
				"the permissions of every service account there, and often the node. High in every namespace, medium in one.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"5.1.4"},
				NSA:   []string{"Authentication and authorization"},
				MITRE: []string{"T1610"},
			},
			Remediation: "Let people and CI deploy through one controller identity instead of holding create on pods; keep " +
				"Pod Security admission at restricted in the namespaces they can write to, and give each workload its own " +
				"service account with the least permissions.",
		},
		Cluster: scoped(runPods, "run pods", check.SeverityHigh),
	})
}
