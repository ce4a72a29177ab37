package netpol_test

import (
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/checks/checktest"
	"github.com/palisade-sec/palisade/internal/netpol"
)

func TestExposure(t *testing.T) {
	y := docs(
		deploy("shop", "web", "{app: web}", "[{name: http, containerPort: 8080}]"),
		deploy("shop", "api", "{app: api}", "[{name: http, containerPort: 9000}]"),
		deploy("shop", "admin", "{app: admin}", "[{containerPort: 3000}]"),
		deploy("shop", "grpc", "{app: grpc}", "[{containerPort: 50051}]"),
		deploy("shop", "internal", "{app: internal}", "[{containerPort: 80}]"),
		deploy("nodes", "agent", "{app: agent}", "[{name: metrics, containerPort: 9100}]")+"      hostNetwork: true\n",
		deploy("nodes", "proxy", "{app: proxy}", "[{containerPort: 80, hostPort: 8080}]"),
		`apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: LoadBalancer
  loadBalancerSourceRanges: [203.0.113.0/24]
  externalTrafficPolicy: Local
  selector: {app: web}
  ports: [{port: 443, targetPort: http}]
`, `apiVersion: v1
kind: Service
metadata: {name: admin, namespace: shop}
spec:
  type: NodePort
  selector: {app: admin}
  ports: [{port: 3000, nodePort: 30300}]
`, `apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  externalIPs: [198.51.100.10]
  selector: {app: api}
  ports: [{name: http, port: 80, targetPort: http}]
`, `apiVersion: v1
kind: Service
metadata: {name: grpc, namespace: shop}
spec:
  selector: {app: grpc}
  ports: [{name: grpc, port: 50051}]
`, `apiVersion: v1
kind: Service
metadata: {name: internal, namespace: shop}
spec:
  selector: {app: internal}
  ports: [{port: 80}]
`, `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: shop}
spec:
  ingressClassName: nginx
  rules:
  - host: api.example.com
    http:
      paths:
      - {path: /v1, pathType: Prefix, backend: {service: {name: api, port: {name: http}}}}
      - {path: /v2, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
`, `apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: grpc, namespace: shop}
spec:
  parentRefs: [{name: public, namespace: gateways}]
  hostnames: [grpc.example.com]
  rules:
  - backendRefs: [{name: grpc, port: 50051}]
`,
		policy("shop", "api-in", "  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - from: [{ipBlock: {cidr: 10.0.0.0/8}}]\n"),
		policy("shop", "web-in", "  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - from: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]\n    ports: [{port: http}]\n  - from: [{ipBlock: {cidr: 0.0.0.0/0}}]\n    ports: [{port: 22}]\n"),
	)
	snap := checktest.Snapshot(t, y)
	eps := netpol.Exposure(snap)
	want := []struct {
		kind     netpol.EntryKind
		path     string
		internet bool
		reason   string
	}{
		{netpol.EntryNodePort, "any address that reaches a node -> service/admin -n shop (NodePort node port 30300/TCP) -> deployment.apps/admin -n shop TCP/3000", true, "not isolated for ingress"},
		{netpol.EntryExternalIP, "addresses routed to 198.51.100.10 -> service/api -n shop (externalIPs 80/TCP) -> deployment.apps/api -n shop TCP/9000 (http)", false, "no rule admits internet addresses"},
		{netpol.EntryIngress, "the ingress controller of class nginx -> ingress/shop -n shop (host api.example.com path /v1; host api.example.com path /v2) -> service/api -n shop (ports 80/TCP) -> deployment.apps/api -n shop TCP/9000 (http)", false, ""},
		{netpol.EntryRoute, "Gateway gateways/public -> grpcroute/grpc -n shop (hosts grpc.example.com) -> service/grpc -n shop (ports 50051/TCP) -> deployment.apps/grpc -n shop TCP/50051", true, ""},
		{netpol.EntryLoadBalancer, "203.0.113.0/24 -> service/web -n shop (LoadBalancer 443/TCP) -> deployment.apps/web -n shop TCP/8080 (http)", true, "shop/web-in spec.ingress[0] (from[0] ipBlock 0.0.0.0/0 except 10.0.0.0/8, TCP/8080)"},
		{netpol.EntryHostNetwork, "any address that reaches its node -> deployment.apps/agent -n nodes (hostNetwork: true) TCP/9100 (metrics)", true, "hostNetwork pod"},
		{netpol.EntryHostPort, "any address that reaches its node -> deployment.apps/proxy -n nodes (hostPort 8080/TCP) TCP/80", true, ""},
	}
	got := map[string]netpol.EntryPoint{}
	for _, ep := range eps {
		got[ep.Path()] = ep
	}
	if len(eps) != len(want) {
		for _, ep := range eps {
			t.Logf("%s: %s", ep.Kind, ep.Path())
		}
		t.Fatalf("%d entry points, want %d", len(eps), len(want))
	}
	for _, w := range want {
		ep, ok := got[w.path]
		if !ok {
			t.Errorf("no entry point %s", w.path)
			for p := range got {
				t.Logf("  have %s", p)
			}
			continue
		}
		if ep.Kind != w.kind || ep.Policy.Internet != w.internet || !strings.Contains(ep.Policy.Reason, w.reason) {
			t.Errorf("%s: kind %s internet %v reason %q; want %s %v %q", w.path, ep.Kind, ep.Policy.Internet, ep.Policy.Reason, w.kind, w.internet, w.reason)
		}
	}
	lb := got[want[4].path]
	if len(lb.SourceRanges) != 1 || lb.Policy.Note != "" || len(lb.Policy.Rules) != 1 {
		t.Errorf("LoadBalancer entry = %+v", lb)
	}
	if np := got[want[0].path]; !strings.Contains(np.Policy.Note, "externalTrafficPolicy Cluster") {
		t.Errorf("NodePort note = %q", np.Policy.Note)
	}
	if ing := got[want[2].path]; ing.Policy.Open || !strings.Contains(ing.Policy.OpenReason, "admit no pod of another namespace") {
		t.Errorf("Ingress entry: open %v, %q", ing.Policy.Open, ing.Policy.OpenReason)
	}
	if route := got[want[3].path]; !route.Policy.Open {
		t.Errorf("route entry: open %v, %q", route.Policy.Open, route.Policy.OpenReason)
	}
	exposed := netpol.Exposed(snap)
	for _, p := range netpol.For(snap).Pods() {
		if (p.Template.Object.ID.Name == "internal") != (len(exposed[p]) == 0) {
			t.Errorf("%s exposed by %d entry points", p, len(exposed[p]))
		}
	}
}

// TestExposureThroughController checks that an Ingress is open when the
// ingress controller's pods may connect, and not when no rule admits them.
func TestExposureThroughController(t *testing.T) {
	base := docs(
		deploy("ingress-nginx", "ingress-nginx-controller", "{app.kubernetes.io/name: ingress-nginx}", ""),
		deploy("shop", "web", "{app: web}", "[{name: http, containerPort: 8080}]"),
		deploy("shop", "api", "{app: api}", "[{name: http, containerPort: 8080}]"),
		"apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {selector: {app: web}, ports: [{port: 80, targetPort: http}]}\n",
		"apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: shop}\nspec: {selector: {app: api}, ports: [{port: 80, targetPort: http}]}\n",
		`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: shop}
spec:
  rules:
  - http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
`,
		policy("shop", "web-in", "  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}]\n    ports: [{port: http}]\n"),
		policy("shop", "api-in", "  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]\n"),
	)
	open := map[string]netpol.Admission{}
	for _, ep := range netpol.Exposure(checktest.Snapshot(t, base)) {
		open[ep.Target.Ref()] = ep.Policy
	}
	if a := open["shop/web"]; !a.Open || a.Internet || !strings.Contains(a.OpenReason, "the ingress controller deployment.apps/ingress-nginx-controller -n ingress-nginx may connect on TCP/8080 (shop/web-in spec.ingress[0])") {
		t.Errorf("web: %+v", a)
	}
	if a := open["shop/api"]; a.Open || !strings.Contains(a.OpenReason, "no rule of shop/api-in admits the ingress controller") {
		t.Errorf("api: %+v", a)
	}
}
