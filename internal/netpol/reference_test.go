package netpol_test

import (
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The reference evaluator decides one connection at a time, pod by pod and
// rule by rule, straight from the Kubernetes documentation ("Network
// Policies" concept page and the networking.k8s.io/v1 API reference). It
// shares no code with the engine: it reads the typed API objects and uses
// only apimachinery's own label selector semantics. The property tests
// assert that the engine's class-based answers agree with it.

// refWorld is a cluster as the reference sees it.
type refWorld struct {
	// nsLabels are each namespace's labels, kubernetes.io/metadata.name
	// included (the control plane sets it on every namespace).
	nsLabels map[string]map[string]string
	pods     []*refPod
	policies []*networkingv1.NetworkPolicy
}

type refPod struct {
	ns     string
	name   string
	labels map[string]string
	// host is spec.hostNetwork.
	host bool
	// ips are the pod's addresses (a hostNetwork pod's are its node's).
	ips  []netip.Addr
	node string
	// ports are the container ports of every container.
	ports []corev1.ContainerPort
	// isPod is set for a bare Pod (one pod, so loopback applies).
	isPod bool
}

// refEnd is one end of a connection: a pod, or an address.
type refEnd struct {
	pod  *refPod
	addr netip.Addr
	node string // the node an address belongs to
}

// refAllowed decides a connection. withPlacement applies the two rules
// that depend on where pods run (a pod's own node; loopback).
func (w *refWorld) refAllowed(src, dst refEnd, proto corev1.Protocol, port int32, withPlacement bool) bool {
	// "a pod cannot block access to itself"
	if withPlacement && src.pod != nil && src.pod == dst.pod && src.pod.isPod {
		return true
	}
	// "For a connection from a source pod to a destination pod to be
	// allowed, both the egress policy on the source pod and the ingress
	// policy on the destination pod need to allow the connection."
	return w.sideAllows(true, src, dst, dst, proto, port, withPlacement) &&
		w.sideAllows(false, dst, src, dst, proto, port, withPlacement)
}

// sideAllows applies the policies of subject, for egress (subject is the
// source) or ingress (subject is the destination).
func (w *refWorld) sideAllows(egress bool, subject, peer, dst refEnd, proto corev1.Protocol, port int32, withPlacement bool) bool {
	if subject.pod == nil {
		return true // not a pod: NetworkPolicy does not apply
	}
	if subject.pod.host {
		// "it ignores hostNetwork pods when matching podSelector" (the most
		// common implementation): a hostNetwork pod is never selected.
		return true
	}
	// "A pod is isolated for egress if there is any NetworkPolicy that
	// both selects the pod and has Egress in its policyTypes" (likewise
	// ingress).
	var applying []*networkingv1.NetworkPolicy
	for _, np := range w.policies {
		if refNS(np.Namespace) != subject.pod.ns {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		if err != nil || !sel.Matches(labels.Set(subject.pod.labels)) {
			continue
		}
		if refAffects(np, egress) {
			applying = append(applying, np)
		}
	}
	if len(applying) == 0 {
		return true // "By default, a pod is non-isolated ... all connections are allowed."
	}
	// "When a pod is isolated for ingress, the only allowed connections
	// into the pod are those from the pod's node and those allowed by the
	// ingress list of some NetworkPolicy that applies to the pod."
	if withPlacement && !egress && subject.pod.node != "" && refNode(peer) == subject.pod.node {
		return true
	}
	for _, np := range applying {
		if egress {
			for _, r := range np.Spec.Egress {
				if w.ruleAllows(np, r.To, r.Ports, peer, dst, proto, port) {
					return true
				}
			}
		} else {
			for _, r := range np.Spec.Ingress {
				if w.ruleAllows(np, r.From, r.Ports, peer, dst, proto, port) {
					return true
				}
			}
		}
	}
	return false
}

// refAffects: "If no policyTypes are specified on a NetworkPolicy then by
// default Ingress will always be set and Egress will be set if the
// NetworkPolicy has any egress rules."
func refAffects(np *networkingv1.NetworkPolicy, egress bool) bool {
	if len(np.Spec.PolicyTypes) == 0 {
		if egress {
			return len(np.Spec.Egress) > 0
		}
		return true
	}
	want := networkingv1.PolicyTypeIngress
	if egress {
		want = networkingv1.PolicyTypeEgress
	}
	for _, t := range np.Spec.PolicyTypes {
		if t == want {
			return true
		}
	}
	return false
}

// ruleAllows: "Each rule allows traffic which matches both the from and
// ports sections." An empty from/to matches all peers, empty ports all
// ports.
func (w *refWorld) ruleAllows(np *networkingv1.NetworkPolicy, peers []networkingv1.NetworkPolicyPeer, ports []networkingv1.NetworkPolicyPort, peer, dst refEnd, proto corev1.Protocol, port int32) bool {
	peerOK := len(peers) == 0
	for _, p := range peers {
		if w.peerMatches(np, p, peer) {
			peerOK = true
			break
		}
	}
	if !peerOK {
		return false
	}
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		if refPortMatches(p, dst, proto, port) {
			return true
		}
	}
	return false
}

func (w *refWorld) peerMatches(np *networkingv1.NetworkPolicy, p networkingv1.NetworkPolicyPeer, ep refEnd) bool {
	if p.IPBlock != nil {
		if p.PodSelector != nil || p.NamespaceSelector != nil {
			return false // rejected by the API server
		}
		// ipBlocks "should be cluster-external IPs": they match addresses,
		// and a hostNetwork pod's traffic is its node's address.
		var addrs []netip.Addr
		switch {
		case ep.pod == nil:
			addrs = []netip.Addr{ep.addr}
		case ep.pod.host:
			addrs = ep.pod.ips
		}
		cidr, err := netip.ParsePrefix(p.IPBlock.CIDR)
		if err != nil {
			return false
		}
	next:
		for _, a := range addrs {
			if !cidr.Masked().Contains(a) {
				continue
			}
			for _, ex := range p.IPBlock.Except {
				if e, err := netip.ParsePrefix(ex); err == nil && e.Masked().Contains(a) {
					continue next
				}
			}
			return true
		}
		return false
	}
	if p.PodSelector == nil && p.NamespaceSelector == nil {
		return false
	}
	// Selectors match pods only, and not hostNetwork pods.
	if ep.pod == nil || ep.pod.host {
		return false
	}
	// "podSelector: ... Pods in the same namespace as the NetworkPolicy";
	// "namespaceSelector: ... namespaces for which all Pods should be
	// allowed"; both: "particular Pods within particular namespaces".
	if p.NamespaceSelector != nil {
		sel, err := metav1.LabelSelectorAsSelector(p.NamespaceSelector)
		if err != nil || !sel.Matches(labels.Set(w.nsLabels[ep.pod.ns])) {
			return false
		}
	} else if ep.pod.ns != refNS(np.Namespace) {
		return false
	}
	if p.PodSelector != nil {
		sel, err := metav1.LabelSelectorAsSelector(p.PodSelector)
		if err != nil || !sel.Matches(labels.Set(ep.pod.labels)) {
			return false
		}
	}
	return true
}

// refPortMatches: the protocol defaults to TCP; a missing port matches
// every port; endPort makes a range; a named port is a container port of
// the destination pod with that name and protocol.
func refPortMatches(p networkingv1.NetworkPolicyPort, dst refEnd, proto corev1.Protocol, port int32) bool {
	want := corev1.ProtocolTCP
	if p.Protocol != nil {
		want = *p.Protocol
	}
	if want != proto {
		return false
	}
	if p.Port == nil {
		return true
	}
	if p.Port.Type == intstr.Int {
		hi := p.Port.IntVal
		if p.EndPort != nil {
			hi = *p.EndPort
		}
		return port >= p.Port.IntVal && port <= hi
	}
	if dst.pod == nil || dst.pod.host {
		return false
	}
	for _, cp := range dst.pod.ports {
		cpProto := cp.Protocol
		if cpProto == "" {
			cpProto = corev1.ProtocolTCP
		}
		if cp.Name == p.Port.StrVal && cpProto == proto && cp.ContainerPort == port {
			return true
		}
	}
	return false
}

func refNode(e refEnd) string {
	if e.pod != nil {
		if e.pod.host {
			return e.pod.node
		}
		return ""
	}
	return e.node
}

func refNS(ns string) string {
	if ns == "" {
		return "default"
	}
	return ns
}
