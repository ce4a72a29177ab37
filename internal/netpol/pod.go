package netpol

import (
	"net/netip"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// NamedPort is a named container port of a pod.
type NamedPort struct {
	Name     string
	Protocol corev1.Protocol
	Port     int32
}

// Pod is one pod the engine reasons about: a live Pod, or the pods a
// workload's template makes (all its replicas alike).
type Pod struct {
	// Template is the pod template of the workload (for a Pod, the Pod).
	Template *cluster.PodTemplate
	// Namespace is the pod's namespace ("default" when unset).
	Namespace string
	Labels    map[string]string
	// HostNetwork pods use their node's network: no policy selects or
	// matches them (see the package doc).
	HostNetwork bool
	// IPs are a live Pod's status.podIPs; empty in manifest mode.
	IPs []netip.Addr
	// Node is a live Pod's spec.nodeName, when scheduled.
	Node string
	// NamedPorts are the named ports of its containers and init containers,
	// which named ports in policies resolve against.
	NamedPorts []NamedPort

	class *class
}

// Class is the index of the pod's class: pods of one class are alike to
// every policy, so any answer about one holds for all.
func (p *Pod) Class() int { return p.class.index }

// Object is the workload (or Pod) object.
func (p *Pod) Object() *cluster.Object { return p.Template.Object }

// Ref is "namespace/name", the name `palisade netpol can` takes.
func (p *Pod) Ref() string { return p.Namespace + "/" + p.Template.Object.ID.Name }

// String names the workload like kubectl: "deployment.apps/web -n shop".
func (p *Pod) String() string {
	id := p.Template.Object.ID
	id.Namespace = p.Namespace
	return id.String()
}

// Kind is the workload's kind ("Deployment", "Pod", ...).
func (p *Pod) Kind() string { return p.Template.Object.ID.Kind }

// IsPod reports whether this is one Pod object (not a workload's
// template), so connections to itself are loopback.
func (p *Pod) IsPod() bool { return p.Kind() == "Pod" }

// ServiceAccount is the service account its pods run as.
func (p *Pod) ServiceAccount() string { return p.Template.ServiceAccount() }

// ResolvePort returns the numbers of the container ports with that name
// and protocol.
func (p *Pod) ResolvePort(name string, proto corev1.Protocol) []int32 {
	var out []int32
	for _, np := range p.NamedPorts {
		if np.Name == name && np.Protocol == proto {
			out = append(out, np.Port)
		}
	}
	return out
}

// newPod makes the Pod of a pod template, or nil for a live Pod that has
// finished.
func newPod(pt *cluster.PodTemplate) *Pod {
	p := &Pod{
		Template:    pt,
		Namespace:   namespaceOf(pt.Namespace()),
		Labels:      pt.Meta.Labels,
		HostNetwork: pt.Spec.HostNetwork,
	}
	if live, ok := pt.Object.Typed.(*corev1.Pod); ok {
		if live.Status.Phase == corev1.PodSucceeded || live.Status.Phase == corev1.PodFailed {
			return nil
		}
		p.Node = live.Spec.NodeName
		seen := map[netip.Addr]bool{}
		add := func(s string) {
			if a, err := netip.ParseAddr(s); err == nil && !seen[a.Unmap()] {
				seen[a.Unmap()] = true
				p.IPs = append(p.IPs, a.Unmap())
			}
		}
		for _, ip := range live.Status.PodIPs {
			add(ip.IP)
		}
		add(live.Status.PodIP)
	}
	s := pt.Spec
	for _, list := range [][]corev1.Container{s.InitContainers, s.Containers} {
		for _, c := range list {
			for _, cp := range c.Ports {
				if cp.Name == "" {
					continue
				}
				proto := cp.Protocol
				if proto == "" {
					proto = corev1.ProtocolTCP
				}
				p.NamedPorts = append(p.NamedPorts, NamedPort{Name: cp.Name, Protocol: proto, Port: cp.ContainerPort})
			}
		}
	}
	slices.SortFunc(p.NamedPorts, func(a, b NamedPort) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		if c := strings.Compare(string(a.Protocol), string(b.Protocol)); c != 0 {
			return c
		}
		return int(a.Port - b.Port)
	})
	p.NamedPorts = slices.Compact(p.NamedPorts)
	return p
}

// Endpoint is one end of a connection: a pod, or an address outside the
// pod network (the internet, a node, the cloud metadata endpoint).
type Endpoint struct {
	// Pod is set for a pod.
	Pod *Pod
	// Addr is the address of an endpoint that is not a pod.
	Addr netip.Addr
	// Node names the node an address belongs to, when known: traffic from
	// a pod's own node is always admitted.
	Node string
}

// PodEndpoint is a pod as an endpoint.
func PodEndpoint(p *Pod) Endpoint { return Endpoint{Pod: p} }

// AddrEndpoint is an address as an endpoint.
func AddrEndpoint(a netip.Addr) Endpoint { return Endpoint{Addr: a.Unmap()} }

// String names the endpoint: "deployment.apps/web -n shop",
// "169.254.169.254", "10.0.0.4 (node worker-1)".
func (e Endpoint) String() string {
	switch {
	case e.Pod != nil:
		return e.Pod.String()
	case e.Node != "":
		return e.Addr.String() + " (node " + e.Node + ")"
	}
	return e.Addr.String()
}

// node is the node the endpoint's traffic comes from, when known: a node
// address, or a hostNetwork pod's node.
func (e Endpoint) node() string {
	if e.Pod != nil {
		if e.Pod.HostNetwork {
			return e.Pod.Node
		}
		return ""
	}
	return e.Node
}

// addrs are the addresses an ipBlock is matched against: the address, or a
// hostNetwork pod's (its node's) addresses. A pod-network pod has none
// (see the package doc).
func (e Endpoint) addrs() []netip.Addr {
	switch {
	case e.Pod == nil:
		return []netip.Addr{e.Addr}
	case e.Pod.HostNetwork:
		return e.Pod.IPs
	}
	return nil
}
