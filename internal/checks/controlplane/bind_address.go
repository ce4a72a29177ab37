package controlplane

import (
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source/node"
)

/*
The controller manager and the scheduler must serve only on loopback.

**Flags read (kube-controller-manager, kube-scheduler):** --bind-address
(default 0.0.0.0, every interface), --secure-port (0 turns serving off).

**Allowed values:** a loopback address: 127.0.0.1, ::1 or localhost
(CIS 1.3.7, 1.4.2); anything when --secure-port=0.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "bind-address",
			Title: "Controller manager or scheduler serves on every interface",
			Description: "Reads --bind-address of kube-controller-manager (CIS 1.3.7) and kube-scheduler (CIS 1.4.2), which defaults to " +
				"0.0.0.0. Allowed: a loopback address, or --secure-port=0. On other addresses their health, metrics and (with " +
				"profiling) debug endpoints are reachable from the network, an attack surface nothing outside the node needs.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorAPIExposure,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"1.3.7", "1.4.2"},
				NSA:   []string{nsaControlPlane},
				MITRE: []string{"T1133"},
			},
			Remediation: "Set --bind-address=127.0.0.1 on kube-controller-manager and kube-scheduler (kubeadm does).",
		},
		Pod: onComponents([]string{node.ControllerManager, node.Scheduler}, bindAddress),
	})
}

var bindAddressCIS = map[string]string{node.ControllerManager: "1.3.7", node.Scheduler: "1.4.2"}

func bindAddress(_ *check.Context, c *node.Component) []check.Violation {
	if f, ok := c.Flags.Last("secure-port"); ok && f.Value == "0" {
		return nil
	}
	addr, text, _ := stringFlag(c, "bind-address", "0.0.0.0")
	if isLoopback(addr) {
		return nil
	}
	return []check.Violation{at(c, "bind-address", "%s: %s (CIS %s): its health, metrics and debug endpoints are reachable from the network",
		c.Name, text, bindAddressCIS[c.Name])}
}
