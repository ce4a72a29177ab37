package exposure

import (
	"fmt"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

// loadBalancerOpen reads spec.type, spec.loadBalancerSourceRanges and, when
// that list is empty, the legacy annotation
// service.beta.kubernetes.io/load-balancer-source-ranges of every Service.
// Allowed: a type other than LoadBalancer, or source ranges none of which
// is a /0 prefix. Forbidden: a LoadBalancer with no source ranges, or with
// a range such as 0.0.0.0/0 or ::/0 that admits every address.
func loadBalancerOpen(_ *check.Context, obj *cluster.Object) []check.Violation {
	svc, ok := obj.Typed.(*corev1.Service)
	if !ok || svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
		return nil
	}
	reach := ports(svc)
	if len(svc.Spec.LoadBalancerSourceRanges) > 0 {
		return openRanges(svc.Spec.LoadBalancerSourceRanges, func(i int) string {
			return fmt.Sprintf("spec.loadBalancerSourceRanges[%d]", i)
		}, svc.Name, reach)
	}
	if ann := strings.TrimSpace(svc.Annotations[corev1.AnnotationLoadBalancerSourceRangesKey]); ann != "" {
		field := fmt.Sprintf("metadata.annotations[%q]", corev1.AnnotationLoadBalancerSourceRangesKey)
		return openRanges(strings.Split(ann, ","), func(int) string { return field }, svc.Name, reach)
	}
	return []check.Violation{{
		Field: "spec.loadBalancerSourceRanges",
		Message: fmt.Sprintf("Service %q of type LoadBalancer sets no spec.loadBalancerSourceRanges: any address that can reach the load balancer can connect to %s",
			svc.Name, reach),
	}}
}

// openRanges flags each range that is a /0 prefix.
func openRanges(ranges []string, field func(i int) string, name, ports string) []check.Violation {
	var out []check.Violation
	for i, r := range ranges {
		p, err := netip.ParsePrefix(strings.TrimSpace(r))
		if err != nil || p.Bits() != 0 {
			continue
		}
		family := "IPv4"
		if p.Addr().Is6() {
			family = "IPv6"
		}
		out = append(out, check.Violation{
			Field: field(i),
			Message: fmt.Sprintf("Service %q of type LoadBalancer allows source range %q, every %s address, to connect to %s",
				name, strings.TrimSpace(r), family, ports),
		})
	}
	return out
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "exposure/loadbalancer-open",
			Title: "LoadBalancer Service open to any address",
			Description: "Reads spec.type and spec.loadBalancerSourceRanges of every Service (and the legacy annotation " +
				"service.beta.kubernetes.io/load-balancer-source-ranges when the field is empty). " +
				"Allowed: types other than LoadBalancer; a LoadBalancer whose source ranges are all narrower than /0. " +
				"Flagged: a LoadBalancer with no source ranges, or with 0.0.0.0/0 or ::/0 among them. " +
				"A cloud load balancer with no source ranges usually gets a public address: the workload is one " +
				"internet scan away from anyone probing it for weak authentication or a known exploit.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorNetworkAttack,
			Strategy: check.StrategyNetworkPolicy,
			References: check.References{
				NSA:   []string{"Network separation and hardening: Network policies"},
				MITRE: []string{"T1133", "T1190"},
			},
			Remediation: "Set spec.loadBalancerSourceRanges to the networks that must reach the service (office, VPN, " +
				"partner CIDRs), use an internal load balancer, or expose the workload through an authenticating Ingress instead.",
		},
		Kinds:  []string{"Service"},
		Object: loadBalancerOpen,
	})
}
