package network

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/netpol"
)

// dnsPorts are the ports a DNS server must accept from every namespace.
var dnsPorts = netpol.PortRangeSet(corev1.ProtocolUDP, 53, 53).Union(netpol.PortRangeSet(corev1.ProtocolTCP, 53, 53))

// reachableFromAllNamespaces reads the spec.podSelector, policyTypes and
// spec.ingress of every NetworkPolicy, and the labels of every namespace.
// Allowed: ingress rules whose peers are limited to some namespaces or
// pods, and rules that open only port 53 (DNS must answer every
// namespace). Forbidden: an ingress rule with no from, or a peer whose
// namespaceSelector matches every namespace ({}, or one such as
// kubernetes.io/metadata.name Exists that matches all namespaces read and
// any new one) and whose podSelector is absent or empty, in a policy that
// selects workloads: every pod of every namespace may connect to them. A rule `{}` among other rules is left to
// network/hidden-allow-all-rule.
func reachableFromAllNamespaces(ctx *check.Context, obj *cluster.Object) []check.Violation {
	eng, p := policyFor(ctx.Snapshot, obj)
	if p == nil || !p.Types[netpol.Ingress] {
		return nil
	}
	var out []check.Violation
	var targets []*netpol.Pod
	for _, r := range p.Rules[netpol.Ingress] {
		if hiddenAllowAll(p, r) || r.OnlyPorts(dnsPorts) {
			continue
		}
		field, why := "", ""
		if r.AllPeers {
			field, why = r.Field(), "has no from, so it admits every source — every pod of every namespace and every address"
		} else {
			for _, peer := range r.Peers {
				if eng.SelectsEveryNamespace(peer) {
					field, why = peer.Field(), "has namespaceSelector "+peerNamespaces(peer)+", so it admits every pod of every namespace"
					break
				}
			}
		}
		if field == "" {
			continue
		}
		if targets == nil {
			targets = podNetwork(eng.Selected(p))
			if len(targets) == 0 {
				return nil
			}
		}
		out = append(out, check.Violation{
			Field: field,
			Message: fmt.Sprintf("NetworkPolicy %q: %s %s, on %s, to %s (%s)",
				obj.ID.Name, field, why, r.PortsText(), countPods(len(targets)), describePods(targets)),
		})
	}
	return out
}

// peerNamespaces is the peer's namespaceSelector as written: "{}", or the
// selector and that it matches every namespace.
func peerNamespaces(p *netpol.Peer) string {
	if s := p.NamespaceSelector(); s != "{}" {
		return s + " (every namespace, present and future)"
	}
	return "{}"
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "network/reachable-from-all-namespaces",
			Title: "Workloads reachable from every namespace",
			Description: "Reads the spec.podSelector, policyTypes and ingress rules of every networking.k8s.io/v1 NetworkPolicy " +
				"that selects workloads. Allowed: ingress rules whose from names particular namespaces or pods, and rules that " +
				"open only port 53 (a DNS server answers every namespace). Flagged: an ingress rule with no from (every source), " +
				"or a from entry whose namespaceSelector matches every namespace ({}, or an expression every namespace read and any new " +
				"one satisfies) with no or an empty podSelector (every pod of every namespace). The " +
				"policy looks like isolation, but any pod of any tenant — the first one an attacker compromises — can connect.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorNetworkAttack,
			Strategy: check.StrategyNetworkPolicy,
			References: check.References{
				NSA:   []string{"Network separation and hardening: Network policies"},
				MITRE: []string{"T1210"},
			},
			Remediation: "Replace namespaceSelector: {} with a selector of the namespaces that need access (their " +
				"kubernetes.io/metadata.name label) and add a podSelector for the client workloads.",
		},
		Kinds:  []string{"NetworkPolicy"},
		Object: reachableFromAllNamespaces,
	})
}
