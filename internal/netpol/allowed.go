package netpol

import (
	"fmt"
	"net/netip"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Verdict answers "may From open a connection to To?", on one port or on
// any, with the reasons.
type Verdict struct {
	From, To Endpoint
	// AnyPort is set for a question about every port (Reach); Protocol and
	// Port are the port asked about otherwise.
	AnyPort  bool
	Protocol corev1.Protocol
	Port     int32
	// Allowed is the answer: for AnyPort, whether some port is allowed.
	Allowed bool
	// Ports are the ports both sides allow.
	Ports PortSet
	// Egress is the source's side, Ingress the destination's.
	Egress, Ingress Side
	// Notes are caveats the answer depends on: a pod's own node, a pod
	// connecting to itself, an ipBlock covering a pod's address.
	Notes []string
}

// Side is what the policies of one end decide.
type Side struct {
	Direction Direction
	// Subject is the end whose policies decide: the source for egress, the
	// destination for ingress.
	Subject Endpoint
	// Isolated is set when some policy applies to Subject in Direction.
	Isolated bool
	// Policies are those that apply.
	Policies []*Policy
	// Allowed: this side lets the connection through.
	Allowed bool
	// Ports are the ports this side allows to the other end.
	Ports PortSet
	// Reason says why, in one sentence.
	Reason string
	// Rules has one result per rule of Policies in Direction.
	Rules []RuleResult
}

// RuleResult is how one rule judged the connection.
type RuleResult struct {
	Rule *Rule
	// Allowed: the rule allows the connection (for AnyPort, some port).
	Allowed bool
	// Peer is the first peer that matched the other end; nil when the rule
	// has no from/to (it matches every peer) or no peer matched.
	Peer *Peer
	// PeerMatched: the other end is among the rule's peers.
	PeerMatched bool
	// Port is the first port entry that matched; nil when the rule has no
	// ports or none matched.
	Port *PortRule
	// Ports are the ports the rule opens to the destination.
	Ports PortSet
	// Reason says how the rule matched or why it did not.
	Reason string
}

type query struct {
	any   bool
	proto corev1.Protocol
	port  int32
}

// Allowed answers whether src may open a connection to dst on a port of a
// protocol (an empty protocol means TCP).
func (e *Engine) Allowed(src, dst Endpoint, proto corev1.Protocol, port int32) Verdict {
	if proto == "" {
		proto = corev1.ProtocolTCP
	}
	return e.evaluate(src, dst, query{proto: proto, port: port})
}

// Reach answers on which ports, if any, src may open connections to dst.
func (e *Engine) Reach(src, dst Endpoint) Verdict {
	return e.evaluate(src, dst, query{any: true})
}

func (e *Engine) evaluate(src, dst Endpoint, q query) Verdict {
	v := Verdict{From: src, To: dst, AnyPort: q.any, Protocol: q.proto, Port: q.port}
	v.Egress = e.side(Egress, src, dst, dst, q)
	v.Ingress = e.side(Ingress, dst, src, dst, q)
	v.Ports = v.Egress.Ports.Intersect(v.Ingress.Ports)
	v.Allowed = v.Egress.Allowed && v.Ingress.Allowed
	if q.any {
		v.Allowed = !v.Ports.IsEmpty()
	}
	if src.Pod != nil && src.Pod == dst.Pod && src.Pod.IsPod() {
		v.Allowed, v.Ports = true, AllPorts()
		v.Notes = append(v.Notes, "a pod cannot block connections to itself: "+src.String()+" reaches itself whatever its policies say")
	}
	v.Notes = append(v.Notes, e.nodeNotes(src, dst, v)...)
	v.Notes = append(v.Notes, e.ipBlockNotes(v.Egress, dst)...)
	v.Notes = append(v.Notes, e.ipBlockNotes(v.Ingress, src)...)
	return v
}

// side evaluates the policies of subject in direction d for a connection
// with other; dst is the destination, whose named ports count.
func (e *Engine) side(d Direction, subject, other, dst Endpoint, q query) Side {
	s := Side{Direction: d, Subject: subject}
	open := func(reason string) Side {
		s.Allowed, s.Ports, s.Reason = true, AllPorts(), reason
		return s
	}
	switch {
	case subject.Pod == nil:
		return open(subject.String() + " is not a pod: no NetworkPolicy applies to it")
	case subject.Pod.HostNetwork:
		return open(subject.String() + " uses the host network: NetworkPolicies do not select hostNetwork pods, whose traffic is their node's")
	}
	c := subject.Pod.class
	s.Policies = c.policies[d]
	if len(s.Policies) == 0 {
		return open(notIsolatedReason(e, subject.Pod, d))
	}
	s.Isolated = true
	s.Rules = e.judgeRules(c, d, other, dst, q)
	if d == Ingress && subject.Pod.Node != "" && other.node() == subject.Pod.Node {
		return open("traffic from a pod's own node (" + subject.Pod.Node + ") is always admitted")
	}
	var by []string
	for _, rr := range s.Rules {
		s.Ports = s.Ports.Union(rr.Ports)
		if rr.Allowed {
			s.Allowed = true
			by = append(by, rr.Rule.Ref())
		}
	}
	if q.any {
		s.Allowed = !s.Ports.IsEmpty()
	}
	names := policyNames(s.Policies)
	switch {
	case s.Allowed && q.any:
		s.Reason = fmt.Sprintf("isolated by %s; %s allowed by %s", names, s.Ports, strings.Join(by, ", "))
	case s.Allowed:
		s.Reason = fmt.Sprintf("isolated by %s; allowed by %s", names, strings.Join(by, ", "))
	default:
		s.Reason = fmt.Sprintf("isolated by %s, and no rule of %s allows it", names, nameList(s.Policies))
	}
	return s
}

func notIsolatedReason(e *Engine, p *Pod, d Direction) string {
	other := Ingress
	if d == Ingress {
		other = Egress
	}
	if ps := p.class.policies[other]; len(ps) > 0 {
		return fmt.Sprintf("not isolated for %s: %s select it for %s only", d, policyNames(ps), other)
	}
	return fmt.Sprintf("not isolated for %s: no NetworkPolicy selects it", d)
}

// judgeRules judges each rule of the class's policies in a direction.
func (e *Engine) judgeRules(c *class, d Direction, other, dst Endpoint, q query) []RuleResult {
	out := make([]RuleResult, 0, len(c.rules[d]))
	for _, r := range c.rules[d] {
		out = append(out, e.judgeRule(r, other, dst, q))
	}
	return out
}

func (e *Engine) judgeRule(r *Rule, other, dst Endpoint, q query) RuleResult {
	rr := RuleResult{Rule: r}
	var peerText string
	if r.AllPeers {
		rr.PeerMatched = true
		peerText = "no " + r.Direction.peers() + " (every peer)"
	} else {
		for _, p := range r.Peers {
			if e.peerMatches(p, other) {
				rr.Peer, rr.PeerMatched = p, true
				peerText = r.Direction.peers() + fmt.Sprintf("[%d] %s", p.Index, p)
				break
			}
		}
	}
	if !rr.PeerMatched {
		rr.Reason = fmt.Sprintf("%s: %s is not among its peers (%s)", r.Ref(), other, describePeers(r))
		return rr
	}
	var named []NamedPort
	if dst.Pod != nil && !dst.Pod.HostNetwork {
		named = dst.Pod.NamedPorts
	}
	rr.Ports = r.portsAt(named)
	if q.any {
		rr.Allowed = !rr.Ports.IsEmpty()
		if rr.Allowed {
			rr.Reason = fmt.Sprintf("%s: %s matches, on %s", r.Ref(), peerText, rr.Ports)
		} else {
			rr.Reason = fmt.Sprintf("%s: %s matches, but its ports (%s) match no port of %s", r.Ref(), peerText, describePorts(r), dst)
		}
		return rr
	}
	if r.AllPorts {
		rr.Allowed = true
		rr.Reason = fmt.Sprintf("%s: %s matches, and the rule has no ports (every port)", r.Ref(), peerText)
		return rr
	}
	for _, p := range r.Ports {
		if p.ports(named).Has(q.proto, q.port) {
			rr.Port, rr.Allowed = p, true
			rr.Reason = fmt.Sprintf("%s: %s matches, and ports[%d] %s matches %s/%d", r.Ref(), peerText, p.Index, p, q.proto, q.port)
			return rr
		}
	}
	rr.Reason = fmt.Sprintf("%s: %s matches, but %s/%d is not among its ports (%s)", r.Ref(), peerText, q.proto, q.port, describePortsAt(r, dst))
	return rr
}

// peerMatches reports whether an endpoint is among the pods or addresses a
// peer selects.
func (e *Engine) peerMatches(p *Peer, ep Endpoint) bool {
	switch p.Kind {
	case PeerPods:
		if ep.Pod == nil || ep.Pod.HostNetwork {
			return false
		}
		return e.peerSets[p.key].has(ep.Pod.class.index)
	case PeerIPBlock:
		return blockHasAny(p.Block, ep.addrs())
	}
	return false
}

func describePeers(r *Rule) string {
	parts := make([]string, len(r.Peers))
	for i, p := range r.Peers {
		parts[i] = fmt.Sprintf("%s[%d] %s", r.Direction.peers(), i, p)
	}
	return strings.Join(parts, "; ")
}

func describePorts(r *Rule) string {
	parts := make([]string, len(r.Ports))
	for i, p := range r.Ports {
		parts[i] = p.String()
	}
	return strings.Join(parts, ", ")
}

// describePortsAt lists a rule's ports, with what each named port resolves
// to on the destination.
func describePortsAt(r *Rule, dst Endpoint) string {
	parts := make([]string, len(r.Ports))
	for i, p := range r.Ports {
		parts[i] = p.String()
		if p.Name == "" || p.Invalid != "" {
			continue
		}
		switch {
		case dst.Pod == nil || dst.Pod.HostNetwork:
			parts[i] += " (a named port matches only pod-network pods)"
		default:
			if nums := dst.Pod.ResolvePort(p.Name, p.Protocol); len(nums) > 0 {
				parts[i] += fmt.Sprintf(" = %d", nums[0])
			} else {
				parts[i] += " (no container port of " + dst.Pod.Template.Object.ID.Name + " has that name)"
			}
		}
	}
	return strings.Join(parts, ", ")
}

// nodeNotes say when a pod's own node decides the answer and placement is
// not known.
func (e *Engine) nodeNotes(src, dst Endpoint, v Verdict) []string {
	if dst.Pod == nil || dst.Pod.HostNetwork || v.Ingress.Allowed || !v.Ingress.Isolated {
		return nil
	}
	fromNode := src.Pod != nil && src.Pod.HostNetwork || src.Pod == nil && src.Node != ""
	if !fromNode || (dst.Pod.Node != "" && src.node() != "") {
		return nil
	}
	return []string{"traffic from a pod's own node is always admitted: the connection is allowed when " +
		src.String() + " and " + dst.String() + " are on the same node, which the input does not say"}
}

// ipBlockNotes say when an ipBlock of a side covers a pod's known address,
// which Palisade does not count (see the package doc).
func (e *Engine) ipBlockNotes(s Side, other Endpoint) []string {
	if other.Pod == nil || other.Pod.HostNetwork || len(other.Pod.IPs) == 0 {
		return nil
	}
	var out []string
	for _, rr := range s.Rules {
		for _, p := range rr.Rule.Peers {
			if p.Kind == PeerIPBlock && blockHasAny(p.Block, other.Pod.IPs) {
				out = append(out, fmt.Sprintf("%s %s covers the address of %s; ipBlocks are meant for addresses outside the cluster and whether a network plugin applies them to pod IPs varies (Calico does, Cilium does not), so Palisade does not count it",
					p.Rule.Ref(), p.Field(), other))
			}
		}
	}
	return out
}

func policyNames(ps []*Policy) string {
	if len(ps) == 1 {
		return "NetworkPolicy " + ps[0].Name()
	}
	return "NetworkPolicies " + nameList(ps)
}

func nameList(ps []*Policy) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name()
	}
	return strings.Join(names, ", ")
}

// Explain is the verdict as lines of text: the answer, then each side,
// then the rules that decided, then the notes.
func (v Verdict) Explain() []string {
	word := "DENIED"
	if v.Allowed {
		word = "ALLOWED"
	}
	port := fmt.Sprintf("on %s/%d", v.Protocol, v.Port)
	if v.AnyPort {
		port = "on any port"
		if v.Allowed {
			port = "on " + v.Ports.String()
		}
	}
	lines := []string{fmt.Sprintf("%s: %s -> %s %s", word, v.From, v.To, port)}
	for _, s := range []Side{v.Egress, v.Ingress} {
		verb := "denies"
		if s.Allowed {
			verb = "allows"
		}
		who := "egress of " + s.Subject.String()
		if s.Direction == Ingress {
			who = "ingress of " + s.Subject.String()
		}
		lines = append(lines, fmt.Sprintf("%s %s: %s", who, verb, s.Reason))
		for _, rr := range s.Rules {
			mark := "  - "
			if rr.Allowed {
				mark = "  + "
			}
			lines = append(lines, mark+rr.Reason)
		}
		for _, p := range s.Policies {
			if len(p.Rules[s.Direction]) == 0 {
				lines = append(lines, fmt.Sprintf("  - %s has no %s rules: it only isolates", p.Name(), s.Direction))
			}
		}
	}
	for _, n := range v.Notes {
		lines = append(lines, "note: "+n)
	}
	return lines
}

// EgressToAddr answers, without an explanation, whether a pod may connect
// to an address outside the pod network on a port: isolated says whether
// some policy applies to it for egress, by lists the rules that allow the
// connection. It is the fast path for checks that ask about every pod.
func (e *Engine) EgressToAddr(p *Pod, a netip.Addr, proto corev1.Protocol, port int32) (allowed, isolated bool, by []*Rule) {
	if p.HostNetwork || !p.class.isolated(Egress) {
		return true, false, nil
	}
	a = a.Unmap()
	for _, r := range p.class.rules[Egress] {
		match := r.AllPeers
		for _, peer := range r.Peers {
			match = match || peer.ContainsAddr(a)
		}
		if match && r.fixed.Has(proto, port) {
			by = append(by, r)
		}
	}
	return len(by) > 0, true, by
}
