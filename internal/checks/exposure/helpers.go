package exposure

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// services returns the typed core/v1 Services of the snapshot with their
// objects.
func services(snap *cluster.Snapshot) []serviceObj {
	var out []serviceObj
	for _, o := range snap.OfKind("Service") {
		if svc, ok := o.Typed.(*corev1.Service); ok {
			out = append(out, serviceObj{o, svc})
		}
	}
	return out
}

type serviceObj struct {
	obj *cluster.Object
	svc *corev1.Service
}

// selects reports whether a Service routes to the pods of a template: same
// namespace and a non-empty selector that the template's labels satisfy.
// A Service without a selector (hand-made Endpoints) selects no template.
func selects(s serviceObj, pod *cluster.PodTemplate) bool {
	if s.obj.ID.Namespace != pod.Namespace() || len(s.svc.Spec.Selector) == 0 {
		return false
	}
	return labels.SelectorFromSet(s.svc.Spec.Selector).Matches(labels.Set(pod.Meta.Labels))
}

// ports names a Service's ports with the right noun: "port 443/TCP",
// "ports 443/TCP, 53/UDP".
func ports(svc *corev1.Service) string {
	return plural(len(svc.Spec.Ports), "port") + " " + portList(svc)
}

// plural returns noun, with an "s" unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}

// portList names a Service's ports: "443/TCP, 80/TCP".
func portList(svc *corev1.Service) string {
	if len(svc.Spec.Ports) == 0 {
		return "no ports"
	}
	parts := make([]string, len(svc.Spec.Ports))
	for i, p := range svc.Spec.Ports {
		parts[i] = fmt.Sprintf("%d/%s", p.Port, protocol(p.Protocol))
	}
	return strings.Join(parts, ", ")
}

// protocol is the port's protocol, TCP when unset as the API server
// defaults it.
func protocol(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

// quoteList quotes and joins strings: `"a", "b"`.
func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}
