package netpol

import (
	"fmt"
	"math/bits"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// CIDRVerdict answers "may the pod connect to these addresses?" (Egress)
// or "may these addresses connect to the pod?" (Ingress) for a whole range:
// which parts of it the pod's policies allow, and by which rules. A range
// is outside the pod network: a named port matches only on the pod's own
// side (ingress), and the rule that depends on placement (a pod's own
// node) is not applied.
type CIDRVerdict struct {
	Pod       *Pod
	Prefix    netip.Prefix
	Direction Direction
	// AnyPort is set for a question about every port: a part of the range
	// counts as allowed when some port is.
	AnyPort  bool
	Protocol corev1.Protocol
	Port     int32
	// Coverage is "all", "some" or "none" of the range.
	Coverage string
	// Allowed and Denied split the range, as CIDRs.
	Allowed, Denied []netip.Prefix
	// Side is the pod's policies: their rules that allow part of the range
	// are the Allowed ones of Side.Rules.
	Side Side
}

// AllowedCIDR answers for a range of addresses outside the pod network:
// egress from the pod to it, or ingress from it to the pod, on a port (an
// empty protocol means TCP) or, with port 0, on any port.
func (e *Engine) AllowedCIDR(p *Pod, prefix netip.Prefix, d Direction, proto corev1.Protocol, port int32) CIDRVerdict {
	if proto == "" {
		proto = corev1.ProtocolTCP
	}
	prefix = prefix.Masked()
	v := CIDRVerdict{Pod: p, Prefix: prefix, Direction: d, AnyPort: port == 0, Protocol: proto, Port: port}
	if v.AnyPort {
		v.Protocol = ""
	}
	whole := []addrRange{prefixRange(prefix)}
	s := Side{Direction: d, Subject: PodEndpoint(p)}
	var allowed []addrRange
	switch {
	case p.HostNetwork:
		s.Allowed, s.Reason, allowed = true, p.String()+" uses the host network: NetworkPolicies do not select hostNetwork pods", whole
	case !p.class.isolated(d):
		s.Allowed, s.Reason, allowed = true, notIsolatedReason(e, p, d), whole
	default:
		s.Isolated, s.Policies = true, p.class.policies[d]
		// Named ports resolve on the pod when it is the destination.
		var named []NamedPort
		dst := Endpoint{}
		if d == Ingress {
			named, dst = p.NamedPorts, PodEndpoint(p)
		}
		for _, r := range p.class.rules[d] {
			ports := r.portsAt(named)
			rr := RuleResult{Rule: r, Ports: ports}
			open := !ports.IsEmpty()
			if !v.AnyPort {
				open = ports.Has(proto, port)
			}
			var part []addrRange
			if r.AllPeers {
				rr.PeerMatched, part = true, whole
			} else {
				for _, peer := range r.Peers {
					if peer.Kind != PeerIPBlock {
						continue
					}
					if hit := intersectAddrRanges(peer.Block.ranges(), whole); len(hit) > 0 {
						if rr.Peer == nil {
							rr.Peer = peer
						}
						rr.PeerMatched = true
						part = append(part, hit...)
					}
				}
			}
			switch {
			case !rr.PeerMatched:
				rr.Reason = fmt.Sprintf("%s: no peer holds an address of %s (%s)", r.Ref(), prefix, describePeers(r))
			case !open && v.AnyPort:
				rr.Reason = fmt.Sprintf("%s: its ports (%s) match no port of %s", r.Ref(), describePortsAt(r, dst), prefix)
			case !open:
				rr.Reason = fmt.Sprintf("%s: holds part of %s, but %s/%d is not among its ports (%s)", r.Ref(), prefix, proto, port, describePortsAt(r, dst))
			default:
				rr.Allowed = true
				allowed = append(allowed, part...)
				rr.Reason = fmt.Sprintf("%s: allows %s on %s", r.Ref(), prefixList(rangesToPrefixes(mergeRanges(part)), 8), ports)
			}
			s.Rules = append(s.Rules, rr)
		}
	}
	allowed = mergeRanges(allowed)
	denied := whole
	for _, r := range allowed {
		denied = subtractRange(denied, r)
	}
	v.Allowed, v.Denied = rangesToPrefixes(allowed), rangesToPrefixes(denied)
	switch {
	case len(v.Denied) == 0:
		v.Coverage = "all"
	case len(v.Allowed) == 0:
		v.Coverage = "none"
	default:
		v.Coverage = "some"
	}
	s.Allowed = len(v.Allowed) > 0
	if s.Isolated {
		if s.Allowed {
			s.Reason = fmt.Sprintf("isolated by %s; %s of %s allowed", policyNames(s.Policies), v.Coverage, prefix)
		} else {
			s.Reason = fmt.Sprintf("isolated by %s, and no rule of %s allows any of %s", policyNames(s.Policies), nameList(s.Policies), prefix)
		}
	}
	v.Side = s
	return v
}

// Explain is the verdict as lines of text.
func (v CIDRVerdict) Explain() []string {
	port := fmt.Sprintf("on %s/%d", v.Protocol, v.Port)
	if v.AnyPort {
		port = "on some port"
	}
	from, to := v.Pod.String(), v.Prefix.String()
	if v.Direction == Ingress {
		from, to = to, from
	}
	head := map[string]string{"all": "ALLOWED", "some": "PARTLY ALLOWED", "none": "DENIED"}[v.Coverage]
	lines := []string{fmt.Sprintf("%s: %s -> %s %s", head, from, to, port)}
	if v.Coverage == "some" {
		lines = append(lines, "allowed: "+prefixList(v.Allowed, 16), "denied:  "+prefixList(v.Denied, 16))
	}
	lines = append(lines, fmt.Sprintf("%s of %s: %s", v.Direction, v.Pod, v.Side.Reason))
	for _, rr := range v.Side.Rules {
		mark := "  - "
		if rr.Allowed {
			mark = "  + "
		}
		lines = append(lines, mark+rr.Reason)
	}
	for _, p := range v.Side.Policies {
		if len(p.Rules[v.Direction]) == 0 {
			lines = append(lines, fmt.Sprintf("  - %s has no %s rules: it only isolates", p.Name(), v.Direction))
		}
	}
	if v.Direction == Ingress && v.Side.Isolated {
		lines = append(lines, "note: traffic from the pod's own node is always admitted, whatever its address")
	}
	return lines
}

// prefixList joins up to max prefixes: "10.0.0.0/8, 172.16.0.0/12 and 3 more".
func prefixList(ps []netip.Prefix, max int) string {
	if len(ps) == 0 {
		return "none"
	}
	parts := make([]string, 0, min(len(ps), max))
	for _, p := range ps[:min(len(ps), max)] {
		parts = append(parts, p.String())
	}
	s := strings.Join(parts, ", ")
	if len(ps) > max {
		s += fmt.Sprintf(" and %d more", len(ps)-max)
	}
	return s
}

// mergeRanges sorts ranges and joins those that overlap or touch.
func mergeRanges(rs []addrRange) []addrRange {
	if len(rs) < 2 {
		return rs
	}
	sorted := append([]addrRange(nil), rs...)
	for i := 1; i < len(sorted); i++ {
		for j := i; j > 0 && less(sorted[j], sorted[j-1]); j-- {
			sorted[j], sorted[j-1] = sorted[j-1], sorted[j]
		}
	}
	out := sorted[:1]
	for _, r := range sorted[1:] {
		last := &out[len(out)-1]
		if last.lo.BitLen() == r.lo.BitLen() && (!last.hi.Less(r.lo) || last.hi.Next() == r.lo) {
			if last.hi.Less(r.hi) {
				last.hi = r.hi
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

func less(a, b addrRange) bool {
	if a.lo.BitLen() != b.lo.BitLen() {
		return a.lo.BitLen() < b.lo.BitLen()
	}
	return a.lo.Less(b.lo)
}

// rangesToPrefixes covers each range with the fewest CIDRs.
func rangesToPrefixes(rs []addrRange) []netip.Prefix {
	var out []netip.Prefix
	for _, r := range rs {
		lo := r.lo
		for {
			// The largest prefix starting at lo that stays within r.
			size := lo.BitLen() - trailingZeros(lo)
			for ; size < lo.BitLen(); size++ {
				p := netip.PrefixFrom(lo, size)
				if !r.hi.Less(prefixRange(p).hi) {
					break
				}
			}
			p := netip.PrefixFrom(lo, size)
			out = append(out, p)
			end := prefixRange(p).hi
			if end == r.hi || !end.Next().IsValid() {
				break
			}
			lo = end.Next()
		}
	}
	return out
}

// trailingZeros counts the zero bits at the end of an address.
func trailingZeros(a netip.Addr) int {
	b := a.AsSlice()
	n := 0
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] != 0 {
			return n + bits.TrailingZeros8(b[i])
		}
		n += 8
	}
	return n
}
