package netpol

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// Direction is the direction of traffic a policy rule governs, seen from
// the pod the policy selects.
type Direction int

// The two directions.
const (
	Ingress Direction = iota
	Egress
)

func (d Direction) String() string {
	if d == Egress {
		return "egress"
	}
	return "ingress"
}

// peers is the name of a rule's peer list: "from" or "to".
func (d Direction) peers() string {
	if d == Egress {
		return "to"
	}
	return "from"
}

// Policy is a parsed networking.k8s.io/v1 NetworkPolicy.
type Policy struct {
	Object *cluster.Object
	Spec   *networkingv1.NetworkPolicySpec
	// Namespace is the policy's namespace ("default" when unset).
	Namespace string
	// Types are the effective policyTypes: Types[Ingress] and
	// Types[Egress]. Absent policyTypes default to Ingress, plus Egress when
	// the policy has an egress section.
	Types [2]bool
	// Rules are the ingress and egress rules, by Direction.
	Rules [2][]*Rule

	index    int
	selector *selector
	selected []int32 // the classes spec.podSelector selects
}

// Name is "namespace/name".
func (p *Policy) Name() string { return p.Namespace + "/" + p.Object.ID.Name }

// Selector is spec.podSelector as kubectl prints it ("{}" for every pod).
func (p *Policy) Selector() string { return p.selector.text }

// SelectsEveryPod reports whether spec.podSelector is empty, so the policy
// applies to every pod of its namespace, present and future.
func (p *Policy) SelectsEveryPod() bool { return p.selector.everything }

// SelectorError is why spec.podSelector is invalid, if it is.
func (p *Policy) SelectorError() error { return p.selector.err }

// Rule is one ingress or egress rule of a policy.
type Rule struct {
	Policy    *Policy
	Direction Direction
	// Index is the rule's index in spec.ingress or spec.egress.
	Index int
	// AllPeers is set when from/to is empty or missing: every source or
	// destination, pods and addresses alike.
	AllPeers bool
	Peers    []*Peer
	// AllPorts is set when ports is empty or missing.
	AllPorts bool
	Ports    []*PortRule

	id    int
	named bool    // some port is a named port
	fixed PortSet // what the numeric ports match
}

// Field is the rule's path: "spec.ingress[0]".
func (r *Rule) Field() string {
	return "spec." + r.Direction.String() + "[" + strconv.Itoa(r.Index) + "]"
}

// AllowsEverything reports whether the rule is `{}`: every peer, every port.
func (r *Rule) AllowsEverything() bool { return r.AllPeers && r.AllPorts }

// Ref names the rule for explanations: "shop/web-policy spec.ingress[0]".
func (r *Rule) Ref() string { return r.Policy.Name() + " " + r.Field() }

// PeerKind says what a peer selects.
type PeerKind int

// The kinds of peer.
const (
	// PeerPods selects pods by podSelector and/or namespaceSelector.
	PeerPods PeerKind = iota
	// PeerIPBlock selects addresses.
	PeerIPBlock
	// PeerInvalid is a peer the API server would reject; it selects nothing.
	PeerInvalid
)

// Peer is one element of a rule's from/to list.
type Peer struct {
	Rule  *Rule
	Index int
	Kind  PeerKind
	// Namespaces is the namespaceSelector; nil means the policy's own
	// namespace.
	Namespaces *selector
	// Pods is the podSelector; nil means every pod (of the namespaces).
	Pods *selector
	// Block is the ipBlock of a PeerIPBlock.
	Block ipBlock
	// Invalid says why a PeerInvalid peer is invalid.
	Invalid string

	key string // identifies the pod set the peer selects, for sharing
}

// Field is the peer's path: "spec.ingress[0].from[1]".
func (p *Peer) Field() string {
	return p.Rule.Field() + "." + p.Rule.Direction.peers() + "[" + strconv.Itoa(p.Index) + "]"
}

// String describes the peer: "namespaceSelector team=a, podSelector
// role=client", "podSelector app=web (namespace shop)", "ipBlock
// 10.0.0.0/8".
func (p *Peer) String() string {
	switch p.Kind {
	case PeerIPBlock:
		return "ipBlock " + p.Block.String()
	case PeerInvalid:
		return "invalid peer (" + p.Invalid + ")"
	}
	var parts []string
	if p.Namespaces != nil {
		parts = append(parts, "namespaceSelector "+p.Namespaces.text)
	}
	if p.Pods != nil {
		s := "podSelector " + p.Pods.text
		if p.Namespaces == nil {
			s += " in namespace " + p.Rule.Policy.Namespace
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " and ")
}

// NamespaceSelector is the peer's namespaceSelector as kubectl prints it,
// "" when absent.
func (p *Peer) NamespaceSelector() string {
	if p.Namespaces == nil {
		return ""
	}
	return p.Namespaces.text
}

// PortRule is one element of a rule's ports list.
type PortRule struct {
	Rule     *Rule
	Index    int
	Protocol corev1.Protocol
	// Any is set when port is missing: every port of Protocol.
	Any bool
	// Lo..Hi is the numeric port or endPort range.
	Lo, Hi int32
	// Name is a named port, resolved against the destination pod.
	Name string
	// Invalid says why the API server would reject the port; it matches
	// nothing.
	Invalid string
}

// Field is the port's path: "spec.ingress[0].ports[1]".
func (p *PortRule) Field() string {
	return p.Rule.Field() + ".ports[" + strconv.Itoa(p.Index) + "]"
}

// String is "TCP/5432", "TCP/32000-32768", "TCP/http", "every UDP port".
func (p *PortRule) String() string {
	switch {
	case p.Invalid != "":
		return "invalid port (" + p.Invalid + ")"
	case p.Any:
		return "every " + string(p.Protocol) + " port"
	case p.Name != "":
		return string(p.Protocol) + "/" + p.Name
	case p.Lo == p.Hi:
		return string(p.Protocol) + "/" + strconv.Itoa(int(p.Lo))
	}
	return string(p.Protocol) + "/" + strconv.Itoa(int(p.Lo)) + "-" + strconv.Itoa(int(p.Hi))
}

// ports is what the port matches on a destination with the given named
// ports (nil for an address outside the pod network).
func (p *PortRule) ports(named []NamedPort) PortSet {
	switch {
	case p.Invalid != "":
		return PortSet{}
	case p.Any:
		return ProtocolPorts(p.Protocol)
	case p.Name != "":
		var s PortSet
		for _, np := range named {
			if np.Name == p.Name && np.Protocol == p.Protocol {
				s = s.Union(PortRangeSet(p.Protocol, np.Port, np.Port))
			}
		}
		return s
	}
	return PortRangeSet(p.Protocol, p.Lo, p.Hi)
}

// parsePolicy parses a NetworkPolicy object. Parsing never fails: what the
// API server would reject selects or matches nothing and says why.
func parsePolicy(o *cluster.Object, np *networkingv1.NetworkPolicy) *Policy {
	p := &Policy{Object: o, Spec: &np.Spec, Namespace: namespaceOf(o.ID.Namespace)}
	p.selector = compileSelector(&np.Spec.PodSelector)
	if len(np.Spec.PolicyTypes) == 0 {
		p.Types[Ingress] = true
		p.Types[Egress] = len(np.Spec.Egress) > 0
	} else {
		for _, t := range np.Spec.PolicyTypes {
			switch t {
			case networkingv1.PolicyTypeIngress:
				p.Types[Ingress] = true
			case networkingv1.PolicyTypeEgress:
				p.Types[Egress] = true
			}
		}
	}
	for i := range np.Spec.Ingress {
		in := &np.Spec.Ingress[i]
		p.Rules[Ingress] = append(p.Rules[Ingress], parseRule(p, Ingress, i, in.From, in.Ports))
	}
	for i := range np.Spec.Egress {
		eg := &np.Spec.Egress[i]
		p.Rules[Egress] = append(p.Rules[Egress], parseRule(p, Egress, i, eg.To, eg.Ports))
	}
	return p
}

func parseRule(p *Policy, dir Direction, index int, peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort) *Rule {
	r := &Rule{Policy: p, Direction: dir, Index: index, AllPeers: len(peers) == 0, AllPorts: len(ports) == 0}
	for i := range peers {
		r.Peers = append(r.Peers, parsePeer(r, i, &peers[i]))
	}
	for i := range ports {
		pr := parsePort(r, i, &ports[i])
		r.named = r.named || (pr.Name != "" && pr.Invalid == "")
		r.Ports = append(r.Ports, pr)
	}
	if r.AllPorts {
		r.fixed = AllPorts()
	}
	for _, pr := range r.Ports {
		if pr.Name == "" {
			r.fixed = r.fixed.Union(pr.ports(nil))
		}
	}
	return r
}

func parsePeer(r *Rule, index int, np *networkingv1.NetworkPolicyPeer) *Peer {
	p := &Peer{Rule: r, Index: index}
	switch {
	case np.IPBlock != nil && (np.PodSelector != nil || np.NamespaceSelector != nil):
		p.Kind, p.Invalid = PeerInvalid, "ipBlock cannot be combined with podSelector or namespaceSelector"
	case np.IPBlock != nil:
		b, err := parseIPBlock(np.IPBlock)
		if err != nil {
			p.Kind, p.Invalid = PeerInvalid, err.Error()
			break
		}
		p.Kind, p.Block = PeerIPBlock, b
	case np.PodSelector == nil && np.NamespaceSelector == nil:
		p.Kind, p.Invalid = PeerInvalid, "sets none of podSelector, namespaceSelector and ipBlock"
	default:
		p.Kind = PeerPods
		if np.NamespaceSelector != nil {
			p.Namespaces = compileSelector(np.NamespaceSelector)
		}
		if np.PodSelector != nil {
			p.Pods = compileSelector(np.PodSelector)
		}
		for _, s := range []*selector{p.Namespaces, p.Pods} {
			if s != nil && s.err != nil {
				p.Kind, p.Invalid = PeerInvalid, s.err.Error()
			}
		}
		ns, pods := "=ns:"+r.Policy.Namespace, "*"
		if p.Namespaces != nil {
			ns = p.Namespaces.key
		}
		if p.Pods != nil {
			pods = p.Pods.key
		}
		p.key = ns + "\x00" + pods
	}
	return p
}

func parsePort(r *Rule, index int, np *networkingv1.NetworkPolicyPort) *PortRule {
	p := &PortRule{Rule: r, Index: index, Protocol: corev1.ProtocolTCP}
	if np.Protocol != nil {
		p.Protocol = *np.Protocol
	}
	if protoIndex(p.Protocol) < 0 {
		p.Invalid = fmt.Sprintf("protocol %q is not TCP, UDP or SCTP", p.Protocol)
		return p
	}
	switch {
	case np.Port == nil:
		p.Any = true
		if np.EndPort != nil {
			p.Invalid = "endPort without port"
		}
	case np.Port.Type == intstr.String:
		p.Name = np.Port.StrVal
		if np.EndPort != nil {
			p.Invalid = fmt.Sprintf("endPort with the named port %q", p.Name)
		}
	default:
		p.Lo, p.Hi = np.Port.IntVal, np.Port.IntVal
		if np.EndPort != nil {
			p.Hi = *np.EndPort
		}
		switch {
		case p.Lo < 1 || p.Lo > maxPort:
			p.Invalid = fmt.Sprintf("port %d is not in 1-65535", p.Lo)
		case p.Hi < p.Lo || p.Hi > maxPort:
			p.Invalid = fmt.Sprintf("endPort %d is below port %d or above 65535", p.Hi, p.Lo)
		}
	}
	return p
}

// portsAt is what the rule's ports match on a destination with these named
// ports (nil for an address).
func (r *Rule) portsAt(named []NamedPort) PortSet {
	s := r.fixed
	if !r.named {
		return s
	}
	for _, p := range r.Ports {
		if p.Name != "" {
			s = s.Union(p.ports(named))
		}
	}
	return s
}

// namespaceOf is the namespace an object is in, "default" when unset (as
// kubectl apply places it).
func namespaceOf(ns string) string {
	if ns == "" {
		return "default"
	}
	return ns
}

// CoversInternetV4 reports whether an ipBlock peer holds every public IPv4
// address (0.0.0.0/0, perhaps with private ranges excepted).
func (p *Peer) CoversInternetV4() bool { return p.Kind == PeerIPBlock && p.Block.coversInternetV4() }

// AdmitsInternet reports whether an ipBlock peer holds some public address.
func (p *Peer) AdmitsInternet() bool { return p.Kind == PeerIPBlock && p.Block.admitsInternet() }

// ContainsAddr reports whether an ipBlock peer matches an address.
func (p *Peer) ContainsAddr(a netip.Addr) bool { return p.Kind == PeerIPBlock && p.Block.Contains(a) }

// PortsText lists the rule's ports: "every port" or "TCP/8080, UDP/53".
func (r *Rule) PortsText() string {
	if r.AllPorts {
		return "every port"
	}
	return describePorts(r)
}

// OnlyPorts reports whether the rule names ports and every one of them is
// in the set.
func (r *Rule) OnlyPorts(s PortSet) bool {
	if r.AllPorts || r.named {
		return false
	}
	return r.fixed.Intersect(s).Equal(r.fixed) && !r.fixed.IsEmpty()
}
