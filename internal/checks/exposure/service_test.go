package exposure_test

import (
	"testing"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/checks/checktest"
)

func service(name, spec string) string {
	return `apiVersion: v1
kind: Service
metadata:
  name: ` + name + `
  namespace: shop
spec:
  selector: {app: ` + name + `}
` + spec
}

func TestLoadBalancerOpen(t *testing.T) {
	run(t, "exposure/loadbalancer-open", []testCase{
		{
			name: "no source ranges",
			yaml: service("web", `  type: LoadBalancer
  ports:
  - {port: 443, targetPort: 8443}
  - {port: 53, protocol: UDP}
`),
			wants: []want{{"Service/web", "spec.loadBalancerSourceRanges", []string{`Service "web"`, "no spec.loadBalancerSourceRanges", "443/TCP, 53/UDP"}}},
		},
		{
			name: "world-open ranges among narrow ones",
			yaml: service("web", `  type: LoadBalancer
  loadBalancerSourceRanges: ["10.0.0.0/8", "0.0.0.0/0", "2001:db8::/32", "::/0"]
  ports:
  - {port: 443}
`),
			wants: []want{
				{"Service/web", "spec.loadBalancerSourceRanges[1]", []string{`"0.0.0.0/0"`, "every IPv4 address", "443/TCP"}},
				{"Service/web", "spec.loadBalancerSourceRanges[3]", []string{`"::/0"`, "every IPv6 address"}},
			},
		},
		{
			name: "legacy annotation open to the world",
			yaml: `apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: shop
  annotations:
    service.beta.kubernetes.io/load-balancer-source-ranges: "192.0.2.0/24, 0.0.0.0/0"
spec:
  type: LoadBalancer
  selector: {app: api}
  ports:
  - {port: 8080}
`,
			wants: []want{{"Service/api", `metadata.annotations["service.beta.kubernetes.io/load-balancer-source-ranges"]`, []string{`"0.0.0.0/0"`, "8080/TCP"}}},
		},
		{
			name: "restricted, annotated or not a load balancer",
			yaml: service("web", `  type: LoadBalancer
  loadBalancerSourceRanges: ["203.0.113.0/24", "2001:db8::/32"]
  ports:
  - {port: 443}
`) + "---\n" + `apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: shop
  annotations:
    service.beta.kubernetes.io/load-balancer-source-ranges: "10.0.0.0/8"
spec:
  type: LoadBalancer
  selector: {app: api}
  ports:
  - {port: 8080}
---
` + service("db", `  ports:
  - {port: 5432}
`),
		},
	})
}

func TestNodePortService(t *testing.T) {
	yaml := service("web", `  type: NodePort
  externalTrafficPolicy: Local
  ports:
  - {name: https, port: 443, targetPort: 8443, nodePort: 30443}
  - {name: dns, port: 53, protocol: UDP}
`)
	run(t, "exposure/nodeport-service", []testCase{
		{
			name:  "node ports listed",
			yaml:  yaml,
			wants: []want{{"Service/web", "spec.type", []string{`Service "web"`, "NodePort", "30443/TCP (to port 443)", "auto/UDP (to port 53)"}}},
		},
		{
			name: "ClusterIP and LoadBalancer pass",
			yaml: service("db", `  ports:
  - {port: 5432}
`) + "---\n" + service("web", `  type: LoadBalancer
  loadBalancerSourceRanges: ["10.0.0.0/8"]
  ports:
  - {port: 443}
`),
		},
	})
	f := only(t, checktest.Run(t, "exposure/nodeport-service", nil, yaml))
	assertFix(t, f.Fix, []check.PatchOp{
		{Op: "replace", Path: "/spec/type", Value: "ClusterIP"},
		{Op: "remove", Path: "/spec/ports/0/nodePort"},
		{Op: "remove", Path: "/spec/externalTrafficPolicy"},
	})
}

func TestIngressWithoutTLS(t *testing.T) {
	run(t, "exposure/ingress-without-tls", []testCase{
		{
			name: "no tls at all",
			yaml: `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: shop
spec:
  ingressClassName: nginx
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
  - host: api.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
`,
			wants: []want{{"Ingress/shop", "spec.tls", []string{`Ingress "shop"`, "no spec.tls", `"shop.example.com", "api.example.com"`, "plain HTTP"}}},
		},
		{
			name: "hosts not covered by any tls entry",
			yaml: `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: shop
spec:
  tls:
  - hosts: [shop.example.com]
    secretName: shop-tls
  - hosts: ["*.example.com"]
    secretName: wildcard-tls
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
  - host: API.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
  - host: admin.internal.example.org
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: admin, port: {number: 80}}}}
  - host: a.b.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
  - http:
      paths:
      - {path: /healthz, pathType: Exact, backend: {service: {name: web, port: {number: 80}}}}
`,
			wants: []want{
				{"Ingress/shop", "spec.rules[2].host", []string{`host "admin.internal.example.org"`, `TLS covers "shop.example.com", "*.example.com"`}},
				{"Ingress/shop", "spec.rules[3].host", []string{`host "a.b.example.com"`}},
				{"Ingress/shop", "spec.rules[4]", []string{"spec.rules[4] matches every host"}},
			},
		},
		{
			name: "every host covered",
			yaml: `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: shop
  namespace: shop
spec:
  tls:
  - hosts: [shop.example.com, "*.api.example.com"]
    secretName: shop-tls
  - secretName: default-tls
  rules:
  - host: shop.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
  - host: v1.api.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
  - host: "*.api.example.com"
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
  - http:
      paths:
      - {path: /healthz, pathType: Exact, backend: {service: {name: web, port: {number: 80}}}}
`,
		},
	})
}
