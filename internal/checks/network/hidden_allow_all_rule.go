package network

import (
	"fmt"
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/netpol"
)

// hiddenAllowAllRule reads spec.ingress and spec.egress of every
// NetworkPolicy. Allowed: rules that name peers or ports, and a policy
// whose only rule in a direction is `{}` (an explicit allow-all policy).
// Forbidden: a rule `{}` — no from/to, no ports — next to other rules of
// the same list: it allows every peer on every port, so the rules beside
// it restrict nothing.
func hiddenAllowAllRule(ctx *check.Context, obj *cluster.Object) []check.Violation {
	_, p := policyFor(ctx.Snapshot, obj)
	if p == nil {
		return nil
	}
	var out []check.Violation
	for _, d := range []netpol.Direction{netpol.Ingress, netpol.Egress} {
		rules := p.Rules[d]
		for _, r := range rules {
			if !hiddenAllowAll(p, r) {
				continue
			}
			var others []string
			for _, o := range rules {
				if o != r {
					others = append(others, o.Field())
				}
			}
			what := fmt.Sprintf("every %s on every port", peerWord(d))
			msg := fmt.Sprintf("NetworkPolicy %q: rule %s is {} and allows %s, so %s beside it restrict nothing",
				obj.ID.Name, r.Field(), what, strings.Join(others, ", "))
			if !p.Types[d] {
				msg += fmt.Sprintf(" (the policy's policyTypes leave out %s, so none of these rules applies today; adding %s would open everything)", titleDir(d), titleDir(d))
			}
			out = append(out, check.Violation{Field: r.Field(), Message: msg})
		}
	}
	return out
}

func titleDir(d netpol.Direction) string {
	if d == netpol.Ingress {
		return "Ingress"
	}
	return "Egress"
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "network/hidden-allow-all-rule",
			Title: "Allow-everything rule hidden in a NetworkPolicy",
			Description: "Reads the ingress and egress rules of every networking.k8s.io/v1 NetworkPolicy. Allowed: rules that name " +
				"peers or ports, and a policy whose only rule in a direction is {} (an explicit allow-all). Flagged: a rule " +
				"`- {}` (no from/to, no ports) among other rules of the same list. Rules combine with OR, so that one rule " +
				"admits every source (or destination) on every port and the careful rules beside it are dead text: the policy " +
				"reads as strict and isolates nothing. It usually comes from a YAML slip (a dash too many) or a debugging edit left behind.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyNetworkPolicy,
			References: check.References{
				NSA:   []string{"Network separation and hardening: Network policies"},
				MITRE: []string{"T1210"},
			},
			Remediation: "Delete the `- {}` rule, or move its intent into the rule it belongs to (a from/to or ports entry, " +
				"indented under the same dash).",
		},
		Kinds:  []string{"NetworkPolicy"},
		Object: hiddenAllowAllRule,
	})
}
