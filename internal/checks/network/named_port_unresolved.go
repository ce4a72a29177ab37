package network

import (
	"fmt"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/netpol"
)

// namedPortUnresolved reads the named ports (ports[].port given as a name)
// of every NetworkPolicy rule and the container ports (name and protocol)
// of the pods each one can apply to: for an ingress rule the pods the
// policy selects, for an egress rule the pods its peers select (every pod
// when it has no to). Allowed: a name that some of those pods declare with
// the same protocol, and rules whose pods are not in the input. Forbidden:
// a name none of them declares, and a named port in an egress rule whose
// peers are all ipBlocks (a named port matches only pods): the entry
// matches nothing.
func namedPortUnresolved(ctx *check.Context, obj *cluster.Object) []check.Violation {
	eng, p := policyFor(ctx.Snapshot, obj)
	if p == nil {
		return nil
	}
	var out []check.Violation
	for _, d := range []netpol.Direction{netpol.Ingress, netpol.Egress} {
		for _, r := range p.Rules[d] {
			var named []*netpol.PortRule
			for _, pr := range r.Ports {
				if pr.Name != "" && pr.Invalid == "" {
					named = append(named, pr)
				}
			}
			if len(named) == 0 {
				continue
			}
			dests, onlyBlocks := destinations(eng, p, r)
			for _, pr := range named {
				field := pr.Field() + ".port"
				if onlyBlocks {
					out = append(out, check.Violation{Field: field, Message: fmt.Sprintf(
						"NetworkPolicy %q: %s names port %q, but the rule's peers are all ipBlocks and a named port matches only pods: the entry matches nothing",
						obj.ID.Name, pr.Field(), pr.Name)})
					continue
				}
				if len(dests) == 0 || resolvesOn(dests, pr) {
					continue
				}
				hint := ""
				for _, pod := range dests {
					for _, np := range pod.NamedPorts {
						if np.Name == pr.Name && hint == "" {
							hint = fmt.Sprintf(" (%s declares it for %s, not %s)", pod, np.Protocol, pr.Protocol)
						}
					}
				}
				out = append(out, check.Violation{Field: field, Message: fmt.Sprintf(
					"NetworkPolicy %q: %s names port %s, which no container of the pods it applies to declares%s — %s (%s): the entry matches nothing",
					obj.ID.Name, pr.Field(), pr, hint, countPods(len(dests)), describePods(dests))})
			}
		}
	}
	return out
}

// destinations are the pod-network pods a rule's ports are resolved on;
// onlyBlocks is set for an egress rule whose peers are all ipBlocks.
func destinations(eng *netpol.Engine, p *netpol.Policy, r *netpol.Rule) (dests []*netpol.Pod, onlyBlocks bool) {
	if r.Direction == netpol.Ingress {
		return podNetwork(eng.Selected(p)), false
	}
	if r.AllPeers {
		return podNetwork(eng.PeerPods(r, nil)), false
	}
	onlyBlocks = true
	seen := map[*netpol.Pod]bool{}
	for _, peer := range r.Peers {
		if peer.Kind != netpol.PeerIPBlock {
			onlyBlocks = false
		}
		for _, pod := range eng.PeerPods(r, peer) {
			if !seen[pod] {
				seen[pod] = true
				dests = append(dests, pod)
			}
		}
	}
	return dests, onlyBlocks
}

func resolvesOn(pods []*netpol.Pod, pr *netpol.PortRule) bool {
	for _, pod := range pods {
		if len(pod.ResolvePort(pr.Name, pr.Protocol)) > 0 {
			return true
		}
	}
	return false
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "network/named-port-unresolved",
			Title: "NetworkPolicy names a port no pod declares",
			Description: "Reads the named ports of every networking.k8s.io/v1 NetworkPolicy rule (ports[].port given as a name) and " +
				"the container ports of the pods the rule can apply to: the pods the policy selects for an ingress rule, the pods " +
				"its peers select for an egress rule. Allowed: a name some of those pods declare with the same protocol. Flagged: " +
				"a name none of them declares, and a named port in an egress rule whose peers are all ipBlocks (named ports match " +
				"only pods). The entry silently matches nothing: the traffic it was meant to allow is dropped, and the usual " +
				"\"fix\" under pressure is a wider rule.",
			Severity: check.SeverityLow,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyNetworkPolicy,
			References: check.References{
				NSA: []string{"Network separation and hardening: Network policies"},
			},
			Remediation: "Name the port as the containers declare it (spec.containers[].ports[].name, with the same protocol), or " +
				"use the port number.",
		},
		Kinds:  []string{"NetworkPolicy"},
		Object: namedPortUnresolved,
	})
}
