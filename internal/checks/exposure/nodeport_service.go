package exposure

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

// nodePortService reads spec.type and spec.ports[*].nodePort of every
// Service. Allowed: any type but NodePort. Forbidden: NodePort, which opens
// each port on every node. The message lists the node ports, "auto" for
// those the API server allocates.
func nodePortService(_ *check.Context, obj *cluster.Object) []check.Violation {
	svc, ok := obj.Typed.(*corev1.Service)
	if !ok || svc.Spec.Type != corev1.ServiceTypeNodePort {
		return nil
	}
	fix := []check.PatchOp{{Op: "replace", Path: "/spec/type", Value: string(corev1.ServiceTypeClusterIP)}}
	ports := make([]string, len(svc.Spec.Ports))
	for i, p := range svc.Spec.Ports {
		node := "auto"
		if p.NodePort != 0 {
			node = fmt.Sprint(p.NodePort)
			fix = append(fix, check.PatchOp{Op: "remove", Path: fmt.Sprintf("/spec/ports/%d/nodePort", i)})
		}
		ports[i] = fmt.Sprintf("%s/%s (to port %d)", node, protocol(p.Protocol), p.Port)
	}
	if svc.Spec.ExternalTrafficPolicy != "" {
		fix = append(fix, check.PatchOp{Op: "remove", Path: "/spec/externalTrafficPolicy"})
	}
	opened := plural(len(ports), "node port") + " " + strings.Join(ports, ", ") + " are"
	if len(ports) == 1 {
		opened = "node port " + ports[0] + " is"
	}
	return []check.Violation{{
		Field: "spec.type",
		Message: fmt.Sprintf("Service %q is of type NodePort: %s open on every node's addresses, around any load balancer or ingress",
			svc.Name, opened),
		Fix: fix,
	}}
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "exposure/nodeport-service",
			Title: "NodePort Service",
			Description: "Reads spec.type and spec.ports[*].nodePort of every Service. Allowed: ClusterIP, LoadBalancer, " +
				"ExternalName. Flagged: NodePort. A node port listens on every node (by default on all of its addresses), " +
				"so anyone who can reach any node reaches the workload, around the ingress and load balancer where " +
				"TLS, authentication and source ranges are enforced; node addresses are often left reachable by mistake.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorNetworkAttack,
			Strategy: check.StrategyNetworkPolicy,
			References: check.References{
				NSA:   []string{"Network separation and hardening: Network policies"},
				MITRE: []string{"T1133"},
			},
			Remediation: "Make the Service a ClusterIP and expose it through an Ingress or a LoadBalancer with source ranges; " +
				"if node ports are needed, firewall the nodes so only the load balancer reaches them.",
		},
		Kinds:  []string{"Service"},
		Object: nodePortService,
	})
}
