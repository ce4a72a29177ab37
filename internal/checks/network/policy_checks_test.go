package network_test

import (
	"testing"

	"github.com/palisade-sec/palisade/internal/check"
)

func TestReachableFromAllNamespaces(t *testing.T) {
	const id = "network/reachable-from-all-namespaces"
	run(t, id, []testCase{
		{
			name: "namespaceSelector {} and a rule with no from",
			yaml: join(deployment("shop", "web", ""), deployment("shop", "api", ""),
				policy("shop", "web-in", "  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: api}}}, {namespaceSelector: {}}]\n    ports: [{port: 8080}]\n"),
				policy("shop", "api-in", "  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - ports: [{port: http}]\n"),
				policy("shop", "api-any", "  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - from: [{namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: Exists}]}, podSelector: {}}]\n")),
			wants: []want{
				{"NetworkPolicy/web-in", "spec.ingress[0].from[1]", check.SeverityMedium, []string{"namespaceSelector {}", "every pod of every namespace", "on TCP/8080", "1 workload (deployment.apps/web)"}},
				{"NetworkPolicy/api-in", "spec.ingress[0]", check.SeverityMedium, []string{"has no from", "every address", "on TCP/http"}},
				{"NetworkPolicy/api-any", "spec.ingress[0].from[0]", check.SeverityMedium, []string{"namespaceSelector kubernetes.io/metadata.name (every namespace, present and future)", "on every port"}},
			},
		},
		{
			name: "named namespaces, pod selectors, DNS, nothing selected, egress-only, all namespaces read but not new ones",
			yaml: join(deployment("shop", "web", ""), deployment("kube-system", "coredns", ""), namespace("shop", "{team: a}"), namespace("kube-system", "{team: a}"),
				policy("shop", "teams", "  podSelector: {}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {team: a}}}]\n"),
				policy("shop", "web-in", "  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: edge}}}, {namespaceSelector: {}, podSelector: {matchLabels: {role: prom}}}]\n"),
				policy("kube-system", "dns-in", "  podSelector: {matchLabels: {app: coredns}}\n  ingress:\n  - from: [{namespaceSelector: {}}]\n    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]\n"),
				policy("shop", "ghost", "  podSelector: {matchLabels: {app: ghost}}\n  ingress:\n  - from: [{namespaceSelector: {}}]\n"),
				policy("shop", "out", "  podSelector: {}\n  policyTypes: [Egress]\n  ingress:\n  - {}\n")),
		},
	})
}

func TestUnrestrictedEgress(t *testing.T) {
	const id = "network/unrestricted-egress"
	run(t, id, []testCase{
		{
			name: "0.0.0.0/0 with private excepts, and a rule with no to",
			yaml: join(deployment("shop", "web", ""), deployment("shop", "api", ""),
				policy("shop", "web-out", "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{podSelector: {}}, {ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 169.254.169.254/32]}}]\n"),
				policy("shop", "api-out", "  podSelector: {matchLabels: {app: api}}\n  egress:\n  - {}\n")),
			wants: []want{
				{"NetworkPolicy/web-out", "spec.egress[0].to[1]", check.SeverityLow, []string{"ipBlock 0.0.0.0/0 except 10.0.0.0/8, 169.254.169.254/32 with no ports", "deployment.apps/web", "every internet address on every port"}},
				{"NetworkPolicy/api-out", "spec.egress[0]", check.SeverityLow, []string{"has no to and no ports", "deployment.apps/api"}},
			},
		},
		{
			name: "ports, partial internet, hidden allow-all, nothing selected",
			yaml: join(deployment("shop", "web", ""),
				policy("shop", "https", "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 0.0.0.0/0}}]\n    ports: [{port: 443}]\n"),
				policy("shop", "partner", "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 0.0.0.0/1}}]\n"),
				policy("shop", "hidden", "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{podSelector: {}}]\n  - {}\n"),
				policy("shop", "ghost", "  podSelector: {matchLabels: {app: ghost}}\n  policyTypes: [Egress]\n  egress: [{}]\n")),
		},
	})
}

func TestPolicySelectsNothing(t *testing.T) {
	const id = "network/policy-selects-nothing"
	run(t, id, []testCase{
		{
			name: "a typo in the label, an invalid selector",
			yaml: join(deployment("shop", "web", ""), deployment("shop", "db", ""),
				policy("shop", "db-in", "  podSelector: {matchLabels: {app: dbb}}\n"),
				policy("shop", "bad", "  podSelector: {matchExpressions: [{key: app, operator: Equals, values: [web]}]}\n")),
			wants: []want{
				{"NetworkPolicy/db-in", "spec.podSelector", check.SeverityLow, []string{"selects no pod", "app=dbb", `none of the 2 workloads in namespace "shop" (deployment.apps/web, deployment.apps/db)`}},
				{"NetworkPolicy/bad", "spec.podSelector", check.SeverityLow, []string{"invalid spec.podSelector", "not a valid label selector operator"}},
			},
		},
		{
			name: "matches, empty selector, namespace without workloads",
			yaml: join(deployment("shop", "web", ""),
				policy("shop", "web-in", "  podSelector: {matchExpressions: [{key: app, operator: In, values: [web, api]}]}\n"),
				policy("shop", "deny", "  podSelector: {}\n"),
				policy("elsewhere", "x", "  podSelector: {matchLabels: {app: x}}\n")),
		},
	})
}

func TestHiddenAllowAllRule(t *testing.T) {
	const id = "network/hidden-allow-all-rule"
	run(t, id, []testCase{
		{
			name: "a dash too many",
			yaml: join(deployment("shop", "db", ""),
				policy("shop", "db-in", "  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: api}}}]\n    ports: [{port: 5432}]\n  - {}\n"),
				policy("shop", "db-out", "  podSelector: {matchLabels: {app: db}}\n  policyTypes: [Ingress]\n  egress:\n  - {}\n  - to: [{podSelector: {}}]\n")),
			wants: []want{
				{"NetworkPolicy/db-in", "spec.ingress[1]", check.SeverityMedium, []string{"rule spec.ingress[1] is {}", "every source on every port", "spec.ingress[0] beside it restrict nothing"}},
				{"NetworkPolicy/db-out", "spec.egress[0]", check.SeverityMedium, []string{"every destination", "leave out Egress"}},
			},
		},
		{
			name: "an explicit allow-all policy and ordinary rules",
			yaml: join(deployment("shop", "db", ""),
				policy("shop", "allow-all", "  podSelector: {}\n  ingress:\n  - {}\n"),
				policy("shop", "db-in", "  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from: [{podSelector: {}}]\n  - ports: [{port: 5432}]\n")),
		},
	})
}

func TestNamedPortUnresolved(t *testing.T) {
	const id = "network/named-port-unresolved"
	run(t, id, []testCase{
		{
			name: "unknown name, wrong protocol, ipBlock peers",
			yaml: join(deployment("shop", "web", ""), deployment("shop", "api", ""),
				policy("shop", "web-in", "  podSelector: {matchLabels: {app: web}}\n  ingress:\n  - ports: [{port: http}, {port: https}]\n  - ports: [{port: http, protocol: UDP}]\n"),
				policy("shop", "out", "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/8}}]\n    ports: [{port: http}]\n  - to: [{podSelector: {matchLabels: {app: api}}}]\n    ports: [{port: grpc}]\n")),
			wants: []want{
				{"NetworkPolicy/web-in", "spec.ingress[0].ports[1].port", check.SeverityLow, []string{"spec.ingress[0].ports[1] names port TCP/https", "1 workload (deployment.apps/web)"}},
				{"NetworkPolicy/web-in", "spec.ingress[1].ports[0].port", check.SeverityLow, []string{"TCP, not UDP"}},
				{"NetworkPolicy/out", "spec.egress[0].ports[0].port", check.SeverityLow, []string{"peers are all ipBlocks"}},
				{"NetworkPolicy/out", "spec.egress[1].ports[0].port", check.SeverityLow, []string{"TCP/grpc", "deployment.apps/api"}},
			},
		},
		{
			name: "resolved on some pod, no pod in the input",
			yaml: join(deployment("shop", "web", ""), deployment("shop", "api", ""),
				policy("shop", "in", "  podSelector: {}\n  ingress:\n  - ports: [{port: http}]\n"),
				policy("shop", "out", "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{port: http}]\n  - to: [{namespaceSelector: {matchLabels: {team: x}}}]\n    ports: [{port: grpc}]\n"),
				policy("shop", "ghost", "  podSelector: {matchLabels: {app: ghost}}\n  ingress:\n  - ports: [{port: nope}]\n")),
		},
	})
}
