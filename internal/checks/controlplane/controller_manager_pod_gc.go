package controlplane

import (
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source/node"
)

/*
The controller manager must garbage-collect terminated pods at a threshold
chosen for the cluster.

**Flags read (kube-controller-manager):** --terminated-pod-gc-threshold
(default 12500).

**Allowed values:** set, to a value above 0 (CIS 1.3.1). The default keeps
12500 terminated pods, with their objects and logs, before any is
collected.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "controller-manager-terminated-pod-gc",
			Title: "Terminated pod garbage collection threshold not set",
			Description: "Reads kube-controller-manager's --terminated-pod-gc-threshold, which defaults to 12500. Flagged: not set, or 0 or " +
				"less (which turns collection off). Terminated pods accumulate in etcd and on nodes until the threshold is reached; a " +
				"threshold sized for the cluster keeps etcd and the API server from filling with dead pods (CIS 1.3.1).",
			Severity: check.SeverityLow,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyPodSecurity,
			References: check.References{
				CIS:   []string{"1.3.1"},
				NSA:   []string{nsaControlPlane},
				MITRE: []string{"T1499"},
			},
			Remediation: "Set --terminated-pod-gc-threshold on kube-controller-manager to a value that fits the cluster, e.g. 10 per node.",
		},
		Pod: onComponent(node.ControllerManager, controllerManagerPodGC),
	})
}

func controllerManagerPodGC(_ *check.Context, c *node.Component) []check.Violation {
	f, ok := c.Flags.Last("terminated-pod-gc-threshold")
	if !ok {
		return []check.Violation{at(c, "terminated-pod-gc-threshold", "--terminated-pod-gc-threshold is not set (CIS 1.3.1): "+
			"kube-controller-manager keeps up to 12500 terminated pods before collecting any")}
	}
	if v := f.Value; v == "0" || len(v) > 0 && v[0] == '-' {
		return []check.Violation{at(c, "terminated-pod-gc-threshold", "%s (CIS 1.3.1): terminated pods are never collected", f)}
	}
	return nil
}
