package exposure

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/palisade-sec/palisade/internal/check"
)

// dashboardExposed reads the dashboard workloads (see dashboard.go), every
// Service's spec.type, spec.externalIPs and spec.selector, and every
// networking.k8s.io/v1 Ingress's backends. Allowed: the dashboard reached
// only through ClusterIP Services that no Ingress routes to (kubectl proxy
// or port-forward). Forbidden: a Service of type LoadBalancer or NodePort,
// or with externalIPs, whose selector matches a dashboard pod template in
// its namespace (finding on the Service), and an Ingress backend naming a
// Service that selects one (finding on the Ingress backend).
func dashboardExposed(ctx *check.Context) []check.Violation {
	dash := dashboards(ctx.Snapshot)
	if len(dash) == 0 {
		return nil
	}
	svcs := services(ctx.Snapshot)
	var out []check.Violation
	for _, s := range svcs {
		how, field := externalAccess(s.svc)
		if how == "" {
			continue
		}
		for _, d := range dash {
			if !selects(s, d.pod) {
				continue
			}
			out = append(out, check.Violation{
				Object: s.obj,
				Field:  field,
				Message: fmt.Sprintf("Service %q %s selects %s: the dashboard is reachable from outside the cluster on %s%s",
					s.svc.Name, how, d, portList(s.svc), loginNote(d)),
			})
		}
	}
	for _, o := range ctx.Snapshot.OfKind("Ingress") {
		ing, ok := o.Typed.(*networkingv1.Ingress)
		if !ok {
			continue
		}
		seen := map[string]bool{}
		for _, b := range ingressBackends(ing) {
			if seen[b.service] {
				continue
			}
			for _, s := range svcs {
				if s.obj.ID.Namespace != o.ID.Namespace || s.svc.Name != b.service {
					continue
				}
				for _, d := range dash {
					if !selects(s, d.pod) {
						continue
					}
					seen[b.service] = true
					out = append(out, check.Violation{
						Object: o,
						Field:  b.field,
						Message: fmt.Sprintf("Ingress %q routes %s to Service %q, which selects %s: the dashboard is reachable through the ingress controller%s",
							ing.Name, b.route, b.service, d, loginNote(d)),
					})
				}
			}
		}
	}
	return out
}

// externalAccess says how a Service is reachable from outside the cluster
// and which field makes it so, or "" when it is not.
func externalAccess(svc *corev1.Service) (how, field string) {
	switch {
	case svc.Spec.Type == corev1.ServiceTypeLoadBalancer || svc.Spec.Type == corev1.ServiceTypeNodePort:
		return "of type " + string(svc.Spec.Type), "spec.type"
	case len(svc.Spec.ExternalIPs) > 0:
		return "with externalIPs " + quoteList(svc.Spec.ExternalIPs), "spec.externalIPs"
	}
	return "", ""
}

func loginNote(d dashboard) string {
	if d.skipLogin() {
		return ", and --enable-skip-login lets anyone in without a token"
	}
	return ""
}

// backend is one Service an Ingress routes to.
type backend struct {
	service string
	// route names the traffic: `host "dash.example.com" path "/"`.
	route string
	// field is the path of the backend's service name.
	field string
}

// ingressBackends lists the Service backends of an Ingress: the default
// backend, then each rule's paths.
func ingressBackends(ing *networkingv1.Ingress) []backend {
	var out []backend
	if b := ing.Spec.DefaultBackend; b != nil && b.Service != nil {
		out = append(out, backend{service: b.Service.Name, route: "its default backend", field: "spec.defaultBackend.service.name"})
	}
	for i, r := range ing.Spec.Rules {
		if r.HTTP == nil {
			continue
		}
		host := "every host"
		if r.Host != "" {
			host = fmt.Sprintf("host %q", r.Host)
		}
		for j, p := range r.HTTP.Paths {
			if p.Backend.Service == nil {
				continue
			}
			path := p.Path
			if path == "" {
				path = "/"
			}
			out = append(out, backend{
				service: p.Backend.Service.Name,
				route:   fmt.Sprintf("%s path %q", host, path),
				field:   fmt.Sprintf("spec.rules[%d].http.paths[%d].backend.service.name", i, j),
			})
		}
	}
	return out
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "exposure/dashboard-exposed",
			Title: "Kubernetes dashboard reachable from outside the cluster",
			Description: "Finds the Kubernetes dashboard by image (kubernetesui/dashboard, kubernetes-dashboard, " +
				"k8s.gcr.io/kubernetes-dashboard-amd64, ...), by label (k8s-app or app.kubernetes.io/name: kubernetes-dashboard), " +
				"by workload name or by its --enable-skip-login/--disable-settings-authorizer flags, then reads the spec.type, " +
				"spec.externalIPs and spec.selector of every Service in its namespace and the backends of every networking.k8s.io/v1 Ingress. " +
				"Allowed: only ClusterIP Services without externalIPs, reached through kubectl proxy or port-forward. " +
				"Flagged: a LoadBalancer, NodePort or externalIPs Service selecting the dashboard pods, and an Ingress routing to a " +
				"Service that does. An exposed dashboard is a web console for the cluster: in 2018 attackers found Tesla's, open " +
				"without a password and holding cloud credentials, and ran cryptominers on it.",
			Severity: check.SeverityCritical,
			Vector:   check.VectorAPIExposure,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				NSA:   []string{"Network separation and hardening: Control plane hardening"},
				MITRE: []string{"T1133"},
			},
			Remediation: "Make the dashboard's Service a ClusterIP, remove Ingress routes to it, and reach it with " +
				"kubectl proxy or port-forward; if it must be shared, put it behind an authenticating proxy (OIDC) with source restrictions.",
		},
		Cluster: dashboardExposed,
	})
}
