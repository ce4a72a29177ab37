package netpol

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// EntryKind is how traffic from outside the cluster gets in.
type EntryKind string

// The ways in.
const (
	// EntryLoadBalancer is a Service of type LoadBalancer.
	EntryLoadBalancer EntryKind = "LoadBalancer"
	// EntryNodePort is a Service of type NodePort: a port on every node.
	EntryNodePort EntryKind = "NodePort"
	// EntryExternalIP is a Service with spec.externalIPs.
	EntryExternalIP EntryKind = "ExternalIP"
	// EntryIngress is a networking.k8s.io/v1 Ingress backend.
	EntryIngress EntryKind = "Ingress"
	// EntryRoute is a Gateway API route (HTTPRoute, GRPCRoute, TLSRoute,
	// TCPRoute, UDPRoute) backend.
	EntryRoute EntryKind = "GatewayRoute"
	// EntryHostNetwork is a pod on its node's network: whatever it listens
	// on is on the node's addresses.
	EntryHostNetwork EntryKind = "HostNetwork"
	// EntryHostPort is a container port published on the node's addresses
	// with hostPort.
	EntryHostPort EntryKind = "HostPort"
)

// EntryPoint is one way from outside the cluster to a workload's pods: the
// entry set of attack paths.
type EntryPoint struct {
	Kind EntryKind
	// Object is what opens the way in (the Service, Ingress, route, or the
	// workload itself for hostNetwork and hostPort) and Field the field that
	// does.
	Object *cluster.Object
	Field  string
	// From says who can use the way in: "any address (no
	// loadBalancerSourceRanges)", "203.0.113.0/24", "the ingress controller".
	From string
	// SourceRanges are a LoadBalancer's source ranges, if any.
	SourceRanges []string
	// Hops are the objects between outside and the pods, in order.
	Hops []Hop
	// Target is the workload reached.
	Target *Pod
	// Ports are the target's ports reached.
	Ports []TargetPort
	// Policy says whether NetworkPolicy lets internet addresses in to those
	// ports.
	Policy Admission
}

// Hop is one object on the way in.
type Hop struct {
	Object cluster.ObjectID `json:"object"`
	// Field is the field of Object that leads on.
	Field string `json:"field,omitempty"`
	// Detail says how: "LoadBalancer port 443/TCP", "host shop.example.com path /".
	Detail string `json:"detail"`
}

// TargetPort is a port of the target pod reached from outside.
type TargetPort struct {
	Protocol corev1.Protocol `json:"protocol"`
	// Port is the number; 0 when Name resolves to no container port.
	Port int32 `json:"port"`
	// Name is a named targetPort, if the Service used one.
	Name string `json:"name,omitempty"`
	// Exposed is the port outsiders connect to (the Service, node or host
	// port).
	Exposed int32 `json:"exposed,omitempty"`
}

func (p TargetPort) String() string {
	switch {
	case p.Port == 0 && p.Name != "":
		return string(p.Protocol) + "/" + p.Name + " (no such container port)"
	case p.Port == 0:
		return "every " + string(p.Protocol) + " port"
	case p.Name != "":
		return fmt.Sprintf("%s/%d (%s)", p.Protocol, p.Port, p.Name)
	}
	return fmt.Sprintf("%s/%d", p.Protocol, p.Port)
}

// Admission is what NetworkPolicy says about traffic through an entry
// point to its target.
type Admission struct {
	// Isolated: some policy applies to the target for ingress.
	Isolated bool `json:"isolated"`
	// Internet: an internet address may connect to one of the ports, as far
	// as NetworkPolicy is concerned (not isolated, a rule with no from, or
	// an ipBlock holding public addresses).
	Internet bool `json:"internet"`
	// Open: traffic through this way in reaches the target, as far as
	// NetworkPolicy is concerned. For a Service, a hostPort or the host
	// network it is Internet. For an Ingress or a Gateway route the
	// traffic comes from the controller's pods: when they are in the input
	// (recognized by name), whether one of them may connect; otherwise
	// whether a rule admits every source or pods of other namespaces.
	Open bool `json:"open"`
	// OpenReason says why Open is what it is.
	OpenReason string `json:"openReason"`
	// Rules are the rules that admit internet addresses.
	Rules []*Rule `json:"-"`
	// Reason says why, in one sentence.
	Reason string `json:"reason"`
	// Note is a caveat about the addresses policies see on this way in.
	Note string `json:"note,omitempty"`
}

// Path is the way in as one line: "internet -> service/web -n shop
// (LoadBalancer 443/TCP) -> deployment.apps/web -n shop TCP/8080".
func (e EntryPoint) Path() string {
	parts := []string{e.From}
	target := e.Target.String()
	for _, h := range e.Hops {
		if h.Object == e.Target.Object().ID {
			target += " (" + h.Detail + ")"
			continue
		}
		parts = append(parts, strings.TrimSuffix(kindName(h.Object)+" ("+h.Detail+")", " ()"))
	}
	ports := make([]string, len(e.Ports))
	for i, p := range e.Ports {
		ports[i] = p.String()
	}
	if len(ports) > 0 {
		target += " " + strings.Join(ports, ", ")
	}
	return strings.Join(append(parts, target), " -> ")
}

func kindName(id cluster.ObjectID) string {
	s := strings.ToLower(id.Kind) + "/" + id.Name
	if id.Namespace != "" {
		s += " -n " + id.Namespace
	}
	return s
}

type exposureKey struct{}

// Exposure lists every way from outside the cluster to a workload of the
// snapshot, computed once per snapshot: LoadBalancer and NodePort Services
// and externalIPs, Ingress and Gateway API route backends through their
// Services, hostNetwork pods and hostPorts. Each entry says whether
// NetworkPolicy admits internet addresses to the ports reached.
func Exposure(snap *cluster.Snapshot) []EntryPoint {
	return snap.Derived(exposureKey{}, func(s *cluster.Snapshot) any { return For(s).exposure() }).([]EntryPoint)
}

// Exposed returns the set of workloads some entry point reaches.
func Exposed(snap *cluster.Snapshot) map[*Pod][]EntryPoint {
	out := map[*Pod][]EntryPoint{}
	for _, ep := range Exposure(snap) {
		out[ep.Target] = append(out[ep.Target], ep)
	}
	return out
}

type serviceRef struct {
	obj *cluster.Object
	svc *corev1.Service
}

func (e *Engine) exposure() []EntryPoint {
	svcs := map[string]serviceRef{}
	var ordered []serviceRef
	for _, o := range e.snap.OfKind("Service") {
		if svc, ok := o.Typed.(*corev1.Service); ok {
			ref := serviceRef{o, svc}
			svcs[namespaceOf(o.ID.Namespace)+"/"+svc.Name] = ref
			ordered = append(ordered, ref)
		}
	}
	var out []EntryPoint
	for _, s := range ordered {
		out = append(out, e.serviceEntries(s)...)
	}
	ctrls := e.controllers()
	for _, o := range e.snap.OfKind("Ingress") {
		if ing, ok := o.Typed.(*networkingv1.Ingress); ok {
			out = append(out, e.ingressEntries(o, ing, svcs, ctrls)...)
		}
	}
	for _, o := range e.snap.Objects() {
		if u, ok := o.Typed.(*unstructured.Unstructured); ok && isGatewayRoute(o.ID) {
			out = append(out, e.routeEntries(o, u, svcs, ctrls)...)
		}
	}
	for _, p := range e.pods {
		out = append(out, e.hostEntries(p)...)
	}
	slices.SortStableFunc(out, func(a, b EntryPoint) int {
		if c := comparePods(a.Target, b.Target); c != 0 {
			return c
		}
		return strings.Compare(string(a.Kind), string(b.Kind))
	})
	return out
}

// backends are the pods a Service selects in its namespace; a Service
// without a selector (hand-made Endpoints) selects none.
func (e *Engine) backends(s serviceRef) []*Pod {
	if len(s.svc.Spec.Selector) == 0 {
		return nil
	}
	sel := labels.SelectorFromSet(s.svc.Spec.Selector)
	var out []*Pod
	for _, p := range e.byNamespace(namespaceOf(s.obj.ID.Namespace)) {
		if sel.Matches(labels.Set(p.Labels)) {
			out = append(out, p)
		}
	}
	return out
}

func (e *Engine) byNamespace(ns string) []*Pod { return e.inNS[ns] }

// targetPort resolves a Service port to a pod's port.
func targetPort(sp corev1.ServicePort, p *Pod, exposed int32) TargetPort {
	proto := sp.Protocol
	if proto == "" {
		proto = corev1.ProtocolTCP
	}
	tp := TargetPort{Protocol: proto, Port: sp.Port, Exposed: exposed}
	switch {
	case sp.TargetPort.Type == intstr.String && sp.TargetPort.StrVal != "":
		tp.Name, tp.Port = sp.TargetPort.StrVal, 0
		if nums := p.ResolvePort(tp.Name, proto); len(nums) > 0 {
			tp.Port = nums[0]
		}
	case sp.TargetPort.Type == intstr.Int && sp.TargetPort.IntVal != 0:
		tp.Port = sp.TargetPort.IntVal
	}
	return tp
}

func portList(svc *corev1.Service, nodePorts bool) string {
	parts := make([]string, len(svc.Spec.Ports))
	for i, p := range svc.Spec.Ports {
		proto := p.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		parts[i] = fmt.Sprintf("%d/%s", p.Port, proto)
		if nodePorts {
			np := "auto"
			if p.NodePort != 0 {
				np = strconv.Itoa(int(p.NodePort))
			}
			parts[i] = fmt.Sprintf("node port %s/%s", np, proto)
		}
	}
	return strings.Join(parts, ", ")
}

// sourceRanges are a LoadBalancer's source ranges: the field, else the
// legacy annotation.
func sourceRanges(svc *corev1.Service) ([]string, string) {
	if len(svc.Spec.LoadBalancerSourceRanges) > 0 {
		return svc.Spec.LoadBalancerSourceRanges, "spec.loadBalancerSourceRanges"
	}
	if ann := strings.TrimSpace(svc.Annotations[corev1.AnnotationLoadBalancerSourceRangesKey]); ann != "" {
		var out []string
		for _, r := range strings.Split(ann, ",") {
			if r = strings.TrimSpace(r); r != "" {
				out = append(out, r)
			}
		}
		return out, fmt.Sprintf("metadata.annotations[%q]", corev1.AnnotationLoadBalancerSourceRangesKey)
	}
	return nil, ""
}

func (e *Engine) serviceEntries(s serviceRef) []EntryPoint {
	svc := s.svc
	type way struct {
		kind   EntryKind
		field  string
		from   string
		detail string
		ranges []string
		node   bool // node ports: the exposed port is the node port
	}
	var ways []way
	switch svc.Spec.Type {
	case corev1.ServiceTypeLoadBalancer:
		ranges, _ := sourceRanges(svc)
		from := "any address (no loadBalancerSourceRanges)"
		if len(ranges) > 0 {
			from = strings.Join(ranges, ", ")
		}
		ways = append(ways, way{EntryLoadBalancer, "spec.type", from, "LoadBalancer " + portList(svc, false), ranges, false})
	case corev1.ServiceTypeNodePort:
		ways = append(ways, way{EntryNodePort, "spec.type", "any address that reaches a node", "NodePort " + portList(svc, true), nil, true})
	}
	if len(svc.Spec.ExternalIPs) > 0 {
		ways = append(ways, way{EntryExternalIP, "spec.externalIPs", "addresses routed to " + strings.Join(svc.Spec.ExternalIPs, ", "), "externalIPs " + portList(svc, false), nil, false})
	}
	if len(ways) == 0 {
		return nil
	}
	var out []EntryPoint
	for _, p := range e.backends(s) {
		for _, w := range ways {
			ep := EntryPoint{Kind: w.kind, Object: s.obj, Field: w.field, From: w.from, SourceRanges: w.ranges,
				Hops: []Hop{{Object: s.obj.ID, Field: w.field, Detail: w.detail}}, Target: p}
			for _, sp := range svc.Spec.Ports {
				exposed := sp.Port
				if w.node {
					exposed = sp.NodePort
				}
				ep.Ports = append(ep.Ports, targetPort(sp, p, exposed))
			}
			ep.Policy = e.admission(p, ep.Ports)
			if w.kind != EntryExternalIP && svc.Spec.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyLocal {
				ep.Policy.Note = "with externalTrafficPolicy Cluster the source address is rewritten to a node's, so the pod's policies see node addresses, not the client's"
			}
			out = append(out, ep)
		}
	}
	return out
}

// servicePorts picks the Service ports a backend reference names: by
// number, by name, or all of them.
func servicePorts(svc *corev1.Service, number int32, name string) []corev1.ServicePort {
	var out []corev1.ServicePort
	for _, sp := range svc.Spec.Ports {
		if (number != 0 && sp.Port == number) || (name != "" && sp.Name == name) || (number == 0 && name == "") {
			out = append(out, sp)
		}
	}
	return out
}

func (e *Engine) ingressEntries(o *cluster.Object, ing *networkingv1.Ingress, svcs map[string]serviceRef, ctrls []*Pod) []EntryPoint {
	from := "the ingress controller"
	if c := ing.Spec.IngressClassName; c != nil && *c != "" {
		from = "the ingress controller of class " + *c
	}
	type backend struct {
		svc    *networkingv1.IngressServiceBackend
		field  string
		detail string
	}
	var bs []backend
	if b := ing.Spec.DefaultBackend; b != nil && b.Service != nil {
		bs = append(bs, backend{b.Service, "spec.defaultBackend", "default backend"})
	}
	for i, r := range ing.Spec.Rules {
		if r.HTTP == nil {
			continue
		}
		host := "every host"
		if r.Host != "" {
			host = "host " + r.Host
		}
		for j, p := range r.HTTP.Paths {
			if p.Backend.Service == nil {
				continue
			}
			path := p.Path
			if path == "" {
				path = "/"
			}
			bs = append(bs, backend{p.Backend.Service, fmt.Sprintf("spec.rules[%d].http.paths[%d].backend", i, j), host + " path " + path})
		}
	}
	var out []EntryPoint
	ns := namespaceOf(o.ID.Namespace)
	for _, b := range bs {
		s, ok := svcs[ns+"/"+b.svc.Name]
		if !ok {
			continue
		}
		sps := servicePorts(s.svc, b.svc.Port.Number, b.svc.Port.Name)
		for _, p := range e.backends(s) {
			ep := EntryPoint{Kind: EntryIngress, Object: o, Field: b.field, From: from, Target: p,
				Hops: []Hop{{Object: o.ID, Field: b.field, Detail: b.detail}, {Object: s.obj.ID, Detail: "ports " + portList(s.svc, false)}}}
			for _, sp := range sps {
				ep.Ports = append(ep.Ports, targetPort(sp, p, sp.Port))
			}
			ep.Policy = e.openThrough(e.admission(p, ep.Ports), p, ep.Ports, ctrls, "the ingress controller")
			ep.Policy.Note = "traffic reaches the pods from the ingress controller's pods, which the pods' policies must admit"
			out = append(out, ep)
		}
	}
	return mergeEntries(out)
}

// mergeEntries keeps one entry per object, target and ports, joining the
// details of the ways that lead there.
func mergeEntries(eps []EntryPoint) []EntryPoint {
	var out []EntryPoint
	index := map[string]int{}
	for _, ep := range eps {
		k := ep.Target.Ref() + "\x00" + ep.Target.Kind() + "\x00" + fmt.Sprint(ep.Ports)
		if i, ok := index[k]; ok {
			if d := ep.Hops[0].Detail; !strings.Contains(out[i].Hops[0].Detail, d) {
				out[i].Hops[0].Detail += "; " + d
			}
			continue
		}
		index[k] = len(out)
		out = append(out, ep)
	}
	return out
}

// Gateway API route kinds, in group gateway.networking.k8s.io.
var routeKinds = map[string]bool{"HTTPRoute": true, "GRPCRoute": true, "TLSRoute": true, "TCPRoute": true, "UDPRoute": true}

func isGatewayRoute(id cluster.ObjectID) bool {
	return id.Group() == "gateway.networking.k8s.io" && routeKinds[id.Kind]
}

// routeEntries reads a Gateway API route as unstructured data:
// spec.parentRefs, spec.hostnames and spec.rules[].backendRefs (kind
// Service by default). A backend in another namespace needs a
// ReferenceGrant there, which is not checked.
func (e *Engine) routeEntries(o *cluster.Object, u *unstructured.Unstructured, svcs map[string]serviceRef, ctrls []*Pod) []EntryPoint {
	ns := namespaceOf(o.ID.Namespace)
	var gateways []string
	parents, _, _ := unstructured.NestedSlice(u.Object, "spec", "parentRefs")
	for _, p := range parents {
		m, _ := p.(map[string]any)
		name, _ := m["name"].(string)
		pns, _ := m["namespace"].(string)
		if pns == "" {
			pns = ns
		}
		if name != "" {
			gateways = append(gateways, pns+"/"+name)
		}
	}
	from := "the Gateway"
	if len(gateways) > 0 {
		from = "Gateway " + strings.Join(gateways, ", ")
	}
	hosts, _, _ := unstructured.NestedStringSlice(u.Object, "spec", "hostnames")
	detail := "every host"
	if len(hosts) > 0 {
		detail = "hosts " + strings.Join(hosts, ", ")
	}
	rules, _, _ := unstructured.NestedSlice(u.Object, "spec", "rules")
	var out []EntryPoint
	for i, r := range rules {
		rm, _ := r.(map[string]any)
		refs, _, _ := unstructured.NestedSlice(rm, "backendRefs")
		for j, ref := range refs {
			m, _ := ref.(map[string]any)
			kind, _ := m["kind"].(string)
			group, _ := m["group"].(string)
			if (kind != "" && kind != "Service") || group != "" {
				continue
			}
			name, _ := m["name"].(string)
			bns, _ := m["namespace"].(string)
			if bns == "" {
				bns = ns
			}
			s, ok := svcs[bns+"/"+name]
			if !ok {
				continue
			}
			var number int32
			if v, ok := m["port"].(int64); ok {
				number = int32(v)
			} else if v, ok := m["port"].(float64); ok {
				number = int32(v)
			}
			field := fmt.Sprintf("spec.rules[%d].backendRefs[%d]", i, j)
			for _, p := range e.backends(s) {
				ep := EntryPoint{Kind: EntryRoute, Object: o, Field: field, From: from, Target: p,
					Hops: []Hop{{Object: o.ID, Field: field, Detail: detail}, {Object: s.obj.ID, Detail: "ports " + portList(s.svc, false)}}}
				for _, sp := range servicePorts(s.svc, number, "") {
					ep.Ports = append(ep.Ports, targetPort(sp, p, sp.Port))
				}
				ep.Policy = e.openThrough(e.admission(p, ep.Ports), p, ep.Ports, ctrls, "the Gateway's data plane")
				ep.Policy.Note = "traffic reaches the pods from the Gateway's data plane, which the pods' policies must admit"
				out = append(out, ep)
			}
		}
	}
	return mergeEntries(out)
}

func (e *Engine) hostEntries(p *Pod) []EntryPoint {
	var out []EntryPoint
	if p.HostNetwork {
		ep := EntryPoint{Kind: EntryHostNetwork, Object: p.Object(), Field: p.Template.Field("hostNetwork"),
			From: "any address that reaches its node", Target: p,
			Hops: []Hop{{Object: p.Object().ID, Field: p.Template.Field("hostNetwork"), Detail: "hostNetwork: true"}}}
		for _, c := range p.Template.Containers() {
			for _, cp := range c.Container.Ports {
				ep.Ports = append(ep.Ports, TargetPort{Protocol: protoOrTCP(cp.Protocol), Port: cp.ContainerPort, Name: cp.Name, Exposed: cp.ContainerPort})
			}
		}
		reason := "hostNetwork pod: NetworkPolicies do not apply to it; only the node's firewall stands in the way"
		ep.Policy = Admission{Internet: true, Reason: reason, Open: true, OpenReason: reason}
		return append(out, ep)
	}
	for _, c := range p.Template.Containers() {
		for i, cp := range c.Container.Ports {
			if cp.HostPort == 0 {
				continue
			}
			field := c.Field(fmt.Sprintf("ports[%d].hostPort", i))
			tp := TargetPort{Protocol: protoOrTCP(cp.Protocol), Port: cp.ContainerPort, Name: cp.Name, Exposed: cp.HostPort}
			ep := EntryPoint{Kind: EntryHostPort, Object: p.Object(), Field: field,
				From: "any address that reaches its node", Target: p, Ports: []TargetPort{tp},
				Hops: []Hop{{Object: p.Object().ID, Field: field, Detail: fmt.Sprintf("hostPort %d/%s", cp.HostPort, tp.Protocol)}}}
			ep.Policy = e.admission(p, ep.Ports)
			out = append(out, ep)
		}
	}
	return out
}

func protoOrTCP(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// admission decides whether the pod's ingress policies admit some internet
// address on one of the ports.
func (e *Engine) admission(p *Pod, ports []TargetPort) Admission {
	if p.HostNetwork {
		reason := "hostNetwork pod: NetworkPolicies do not apply to it"
		return Admission{Internet: true, Reason: reason, Open: true, OpenReason: reason}
	}
	var want PortSet
	for _, tp := range ports {
		if tp.Port != 0 {
			want = want.Union(PortRangeSet(tp.Protocol, tp.Port, tp.Port))
		}
	}
	c := p.class
	if !c.isolated(Ingress) {
		reason := "not isolated for ingress: no NetworkPolicy selects it, so every source is admitted"
		return Admission{Internet: true, Reason: reason, Open: true, OpenReason: reason}
	}
	a := Admission{Isolated: true}
	var why []string
	for _, r := range c.rules[Ingress] {
		var peer string
		switch {
		case r.AllPeers:
			peer = "no from (every source)"
		default:
			for _, pe := range r.Peers {
				if pe.Kind == PeerIPBlock && pe.Block.admitsInternet() {
					peer = fmt.Sprintf("from[%d] ipBlock %s", pe.Index, pe.Block)
					break
				}
			}
		}
		if peer == "" {
			continue
		}
		if open := r.portsAt(p.NamedPorts).Intersect(want); !open.IsEmpty() {
			a.Rules = append(a.Rules, r)
			why = append(why, fmt.Sprintf("%s (%s, %s)", r.Ref(), peer, open))
		}
	}
	a.Internet = len(a.Rules) > 0
	if a.Internet {
		a.Reason = "internet addresses admitted by " + strings.Join(why, "; ")
	} else {
		a.Reason = fmt.Sprintf("isolated by %s; no rule admits internet addresses on the ports reached", policyNames(c.policies[Ingress]))
	}
	a.Open, a.OpenReason = a.Internet, a.Reason
	return a
}

// controllerNames are the names (label values, namespaces) of common
// ingress controllers and Gateway implementations, by which their pods are
// recognized.
var controllerNames = []string{
	"ingress-nginx", "nginx-ingress", "nginx-gateway", "traefik", "haproxy-ingress", "kubernetes-ingress",
	"contour", "envoy", "envoy-gateway", "istio-ingressgateway", "istio-gateway", "kong", "kong-gateway",
	"ambassador", "emissary-ingress", "gloo", "skipper", "cilium-envoy", "aws-load-balancer-controller",
}

// controllerLabels are the labels whose value names a controller.
var controllerLabels = []string{"app.kubernetes.io/name", "app.kubernetes.io/instance", "app", "k8s-app", "istio"}

// controllers are the pods of the input that look like ingress
// controllers or Gateway data planes.
func (e *Engine) controllers() []*Pod {
	var out []*Pod
	for _, p := range e.pods {
		match := slices.Contains(controllerNames, p.Namespace)
		for _, k := range controllerLabels {
			match = match || slices.Contains(controllerNames, p.Labels[k])
		}
		if match {
			out = append(out, p)
		}
	}
	return out
}

// openThrough decides Open for an Ingress or route entry: whether the
// controller's pods may connect to the target on one of the ports.
func (e *Engine) openThrough(a Admission, p *Pod, ports []TargetPort, ctrls []*Pod, what string) Admission {
	if p.HostNetwork || !a.Isolated {
		a.Open, a.OpenReason = true, a.Reason
		return a
	}
	if len(ctrls) > 0 {
		for _, c := range ctrls {
			for _, tp := range ports {
				if tp.Port == 0 {
					continue
				}
				if v := e.Allowed(PodEndpoint(c), PodEndpoint(p), tp.Protocol, tp.Port); v.Allowed {
					var by []string
					for _, rr := range v.Ingress.Rules {
						if rr.Allowed {
							by = append(by, rr.Rule.Ref())
						}
					}
					a.Open = true
					a.OpenReason = fmt.Sprintf("%s %s may connect on %s/%d (%s)", what, c, tp.Protocol, tp.Port, strings.Join(by, ", "))
					return a
				}
			}
		}
		a.OpenReason = fmt.Sprintf("no rule of %s admits %s %s on the ports reached", nameList(p.class.policies[Ingress]), what, ctrls[0])
		return a
	}
	var want PortSet
	for _, tp := range ports {
		if tp.Port != 0 {
			want = want.Union(PortRangeSet(tp.Protocol, tp.Port, tp.Port))
		}
	}
	for _, r := range p.class.rules[Ingress] {
		if r.portsAt(p.NamedPorts).Intersect(want).IsEmpty() {
			continue
		}
		if r.AllPeers {
			a.Open, a.OpenReason = true, r.Ref()+" admits every source"
			return a
		}
		for _, pe := range r.Peers {
			if pe.Kind == PeerPods && pe.Namespaces != nil {
				a.Open = true
				a.OpenReason = fmt.Sprintf("%s %s admits pods of other namespaces, where %s usually runs (it is not in the input)", r.Ref(), pe.Field(), what)
				return a
			}
		}
	}
	a.OpenReason = fmt.Sprintf("isolated by %s, which admit no pod of another namespace on the ports reached: %s (not in the input) cannot connect unless it runs in namespace %s",
		policyNames(p.class.policies[Ingress]), what, p.Namespace)
	return a
}
