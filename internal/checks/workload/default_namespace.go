package workload

import (
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

/*
Workloads must run in a namespace of their own, not in default.

**Fields read:**

metadata.namespace of the workload object (Pod, Deployment, CronJob, ...)

**Allowed values:** any namespace but "default". Unset is reported too: the
object lands in the namespace of whoever applies it, which is usually
default.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "default-namespace",
			Title: "Workload in the default namespace",
			Description: "Reads metadata.namespace of every workload. Allowed: a namespace other than default; an unset namespace is reported " +
				"because kubectl then uses the namespace of the current context, usually default. Namespaces are the boundary that RBAC " +
				"bindings, NetworkPolicies, ResourceQuotas and Pod Security Admission levels are scoped to; default is the namespace every " +
				"forgotten experiment, broad RoleBinding and unlabelled pod ends up in, so a workload there shares its service account, " +
				"its Secrets' readers and its network with all of them. Strategy authn-authz: the first thing a namespace bounds is who " +
				"may read and change what is in it. Helm and Kustomize output often leaves the namespace to install time: waive the check " +
				"for those sources, or set the namespace in the chart.",
			Severity: check.SeverityLow,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS: []string{"5.7.1", "5.7.4"},
				NSA: []string{nsaNetworkSeparation, nsaNamespaces},
			},
			Remediation: "Create a namespace per application or team, with its own RBAC, NetworkPolicies, quota and Pod Security level, " +
				"and set metadata.namespace on every object of the application.",
		},
		Pod: defaultNamespace,
	})
}

func defaultNamespace(_ *check.Context, pod *cluster.PodTemplate) []check.Violation {
	switch pod.Namespace() {
	case "":
		return []check.Violation{{
			Field:   "metadata.namespace",
			Message: "no namespace set: it will be created in the namespace of the kubectl context, usually default",
		}}
	case "default":
		return []check.Violation{{
			Field:   "metadata.namespace",
			Message: `runs in the "default" namespace`,
		}}
	}
	return nil
}
