package network

import (
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/netpol"
)

// namespaceWithoutDefaultDenyEgress reads, for every namespace outside
// kube-system, kube-public and kube-node-lease that runs pod-network
// workloads, the spec.podSelector, effective policyTypes and egress rules
// of its NetworkPolicies. Allowed: a policy with podSelector {} and Egress
// among its policyTypes (explicit, or defaulted from an egress section),
// with no egress rule `{}`. Forbidden: no such policy, or such a policy
// whose egress rule `{}` allows everything.
func namespaceWithoutDefaultDenyEgress(ctx *check.Context) []check.Violation {
	return withoutDefaultDeny(ctx, netpol.Egress)
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "network/namespace-without-default-deny-egress",
			Title: "Namespace without a default-deny egress NetworkPolicy",
			Description: "Reads, for every namespace that runs pod-network workloads (kube-system, kube-public and kube-node-lease " +
				"excepted), the spec.podSelector, policyTypes and egress rules of its networking.k8s.io/v1 NetworkPolicies. " +
				"Allowed: a policy with an empty podSelector whose effective policyTypes include Egress (written, or defaulted " +
				"because the policy has an egress section). Flagged: no such policy, and such a policy with an egress rule {} " +
				"that allows every destination on every port. Without egress isolation a compromised pod can reach every other " +
				"pod, the cloud instance metadata endpoint and its credentials, and any server on the internet to exfiltrate data " +
				"or fetch tools.",
			Severity: check.SeverityLow,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyNetworkPolicy,
			References: check.References{
				CIS:   []string{"5.3.2"},
				NSA:   []string{"Network separation and hardening: Network policies"},
				MITRE: []string{"T1041", "T1552.005"},
			},
			Remediation: "Add a NetworkPolicy with podSelector: {} and policyTypes: [Egress] to the namespace, then allow DNS " +
				"(UDP and TCP 53 to kube-dns) and the destinations each workload needs; except 169.254.169.254/32 from any " +
				"ipBlock that opens the internet.",
		},
		Cluster: namespaceWithoutDefaultDenyEgress,
	})
}
