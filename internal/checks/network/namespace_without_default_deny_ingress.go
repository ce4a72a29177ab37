package network

import (
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/netpol"
)

// namespaceWithoutDefaultDenyIngress reads, for every namespace outside
// kube-system, kube-public and kube-node-lease that runs pod-network
// workloads, the spec.podSelector, effective policyTypes and ingress rules
// of its NetworkPolicies. Allowed: a policy with podSelector {} and Ingress
// among its policyTypes (absent policyTypes count as Ingress), with no
// ingress rule `{}`. Forbidden: no such policy, or such a policy whose
// ingress rule `{}` admits everything.
func namespaceWithoutDefaultDenyIngress(ctx *check.Context) []check.Violation {
	return withoutDefaultDeny(ctx, netpol.Ingress)
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "network/namespace-without-default-deny-ingress",
			Title: "Namespace without a default-deny ingress NetworkPolicy",
			Description: "Reads, for every namespace that runs pod-network workloads (kube-system, kube-public and kube-node-lease " +
				"excepted), the spec.podSelector, policyTypes and ingress rules of its networking.k8s.io/v1 NetworkPolicies. " +
				"Allowed: a policy with an empty podSelector ({}, every pod of the namespace, present and future) whose effective " +
				"policyTypes include Ingress (absent policyTypes always do). Flagged: no such policy — including a namespace " +
				"with no NetworkPolicy at all —, and such a policy with an ingress rule {} that admits every source on every " +
				"port. A pod no policy selects for ingress accepts connections from every pod of the cluster, so one " +
				"compromised pod can probe and attack it (lateral movement); a default deny makes every allowed connection explicit.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyNetworkPolicy,
			References: check.References{
				CIS:   []string{"5.3.2"},
				NSA:   []string{"Network separation and hardening: Network policies"},
				MITRE: []string{"T1210", "T1046"},
			},
			Remediation: "Add a NetworkPolicy with podSelector: {} and policyTypes: [Ingress] and no ingress rules to the namespace, " +
				"then one policy per workload that admits the sources it needs (`palisade netpol matrix` shows what is reachable today).",
		},
		Cluster: namespaceWithoutDefaultDenyIngress,
	})
}
