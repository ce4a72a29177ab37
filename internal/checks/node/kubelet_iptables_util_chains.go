package node

import (
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/palisade-sec/palisade/internal/check"
)

/*
The kubelet must manage its iptables utility chains.

**Settings read:** --make-iptables-util-chains or makeIPTablesUtilChains
(default true).

**Allowed values:** true (CIS 4.2.6).
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "kubelet-iptables-util-chains",
			Title: "Kubelet does not manage its iptables chains",
			Description: "Reads the kubelet's --make-iptables-util-chains flag or makeIPTablesUtilChains in its config file (default true). " +
				"Allowed: true. When the kubelet keeps its iptables chains, the node's packet filtering stays in step with the pods' " +
				"networking; turned off, the rules are left to hand edits that drift from it (CIS 4.2.6).",
			Severity: check.SeverityLow,
			Vector:   check.VectorNetworkAttack,
			Strategy: check.StrategyNetworkPolicy,
			References: check.References{
				CIS: []string{"4.2.6"},
				NSA: []string{nsaNetwork},
			},
			Remediation: "Remove makeIPTablesUtilChains: false (and --make-iptables-util-chains=false) so the default, true, applies.",
		},
		Cluster: onKubelets(kubeletIPTablesUtilChains),
	})
}

func kubeletIPTablesUtilChains(k *kubelet) []check.Violation {
	s, na := k.decide("make-iptables-util-chains", "makeIPTablesUtilChains", func(c *kubeletv1beta1.KubeletConfiguration) (string, bool) {
		return boolPtr(c.MakeIPTablesUtilChains)
	}, "true", "true")
	if na != nil {
		return []check.Violation{*na}
	}
	if s.value != "false" {
		return nil
	}
	return []check.Violation{s.violation("%s (CIS 4.2.6): the kubelet leaves the node's iptables chains to hand edits", s.text)}
}
