package network

import (
	"fmt"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/netpol"
)

// unrestrictedEgress reads the spec.podSelector, policyTypes and
// spec.egress of every NetworkPolicy. Allowed: egress rules limited by
// port, or to destinations that leave out some of the public IPv4
// internet. Forbidden: an egress rule without ports whose to is missing,
// or holds an ipBlock covering every public IPv4 address (0.0.0.0/0, with
// or without private ranges excepted), in a policy that selects
// workloads. A rule `{}` among other rules is left to
// network/hidden-allow-all-rule.
func unrestrictedEgress(ctx *check.Context, obj *cluster.Object) []check.Violation {
	eng, p := policyFor(ctx.Snapshot, obj)
	if p == nil || !p.Types[netpol.Egress] {
		return nil
	}
	var out []check.Violation
	var targets []*netpol.Pod
	for _, r := range p.Rules[netpol.Egress] {
		if !r.AllPorts || hiddenAllowAll(p, r) {
			continue
		}
		field, what := "", ""
		if r.AllPeers {
			field, what = r.Field(), "has no to and no ports"
		} else {
			for _, peer := range r.Peers {
				if peer.CoversInternetV4() {
					field, what = peer.Field(), "is "+peer.String()+" with no ports"
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
			Message: fmt.Sprintf("NetworkPolicy %q: %s %s, so %s (%s) may connect to every internet address on every port: nothing limits where data can be sent",
				obj.ID.Name, field, what, countPods(len(targets)), describePods(targets)),
		})
	}
	return out
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "network/unrestricted-egress",
			Title: "Unrestricted egress to the internet",
			Description: "Reads the spec.podSelector, policyTypes and egress rules of every networking.k8s.io/v1 NetworkPolicy " +
				"that selects workloads. Allowed: egress rules limited to some ports, or to destinations that leave out part of " +
				"the public IPv4 internet. Flagged: an egress rule without ports whose to is missing or holds an ipBlock covering " +
				"every public IPv4 address (0.0.0.0/0, with or without private ranges excepted). The egress policy is then a " +
				"formality: a compromised pod can send data anywhere, reach a command-and-control server and download tools. " +
				"Namespaces with no egress policy at all are reported by network/namespace-without-default-deny-egress.",
			Severity: check.SeverityLow,
			Vector:   check.VectorNetworkAttack,
			Strategy: check.StrategyNetworkPolicy,
			References: check.References{
				NSA:   []string{"Network separation and hardening: Network policies"},
				MITRE: []string{"T1041", "T1105"},
			},
			Remediation: "Allow only the ports (usually TCP 443) and, where known, the address ranges of the services the " +
				"workload calls; route other internet traffic through an egress proxy or gateway.",
		},
		Kinds:  []string{"NetworkPolicy"},
		Object: unrestrictedEgress,
	})
}
