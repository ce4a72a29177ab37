package network_test

import (
	"testing"

	"github.com/palisade-sec/palisade/internal/check"
)

func TestNamespaceWithoutDefaultDenyIngress(t *testing.T) {
	const id = "network/namespace-without-default-deny-ingress"
	denyAll := policy("secure", "default-deny", "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n")
	run(t, id, []testCase{
		{
			name: "no policy at all, with and without a Namespace object",
			yaml: join(namespace("shop", ""), deployment("shop", "web", ""), deployment("shop", "db", ""),
				deployment("billing", "ledger", ""),
				deployment("kube-system", "coredns", ""),
				namespace("empty", "")),
			wants: []want{
				{"Namespace/shop", "metadata.name", check.SeverityMedium, []string{`namespace "shop" has no NetworkPolicy`, "the pods of its 2 workloads (deployment.apps/web, deployment.apps/db) accept connections from every pod"}},
				{"Deployment/ledger", "metadata.namespace", check.SeverityMedium, []string{`namespace "billing" has no NetworkPolicy`, "1 workload"}},
			},
		},
		{
			name: "policies that select some workloads only",
			yaml: join(namespace("shop", ""), deployment("shop", "web", ""), deployment("shop", "db", ""),
				policy("shop", "db-in", "  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]\n")),
			wants: []want{{"Namespace/shop", "metadata.name", check.SeverityMedium, []string{"no NetworkPolicy with an empty podSelector for ingress", "none of its policies selects 1 of its 2 workloads (deployment.apps/web) for ingress: their pods accept"}}},
		},
		{
			name: "every workload isolated, but not future ones",
			yaml: join(namespace("shop", ""), deployment("shop", "web", ""),
				policy("shop", "web-in", "  podSelector: {matchLabels: {app: web}}\n")),
			wants: []want{{"Namespace/shop", "metadata.name", check.SeverityMedium, []string{"isolated today by web-in", "a workload added with other labels"}}},
		},
		{
			name: "default deny undone by an allow-everything rule",
			yaml: join(namespace("shop", ""), deployment("shop", "web", ""),
				policy("shop", "allow-all", "  podSelector: {}\n  ingress:\n  - {}\n")),
			wants: []want{{"NetworkPolicy/allow-all", "spec.ingress[0]", check.SeverityMedium, []string{"selects every pod of namespace \"shop\"", "nothing in the namespace is denied ingress by default"}}},
		},
		{
			name: "default deny, egress-only default deny does not count, hostNetwork-only namespace",
			yaml: join(namespace("secure", ""), denyAll, deployment("secure", "vault", ""),
				deployment("nodes", "agent", "      hostNetwork: true\n"),
				// absent policyTypes: Ingress
				policy("other", "deny", "  podSelector: {}\n"), deployment("other", "x", "")),
		},
		{
			name:  "an egress-only default deny is not an ingress one",
			yaml:  join(namespace("shop", ""), deployment("shop", "web", ""), policy("shop", "deny-out", "  podSelector: {}\n  policyTypes: [Egress]\n")),
			wants: []want{{"Namespace/shop", "metadata.name", check.SeverityMedium, []string{"none of its policies selects its 1 workload (deployment.apps/web) for ingress"}}},
		},
	})
}

func TestNamespaceWithoutDefaultDenyEgress(t *testing.T) {
	const id = "network/namespace-without-default-deny-egress"
	run(t, id, []testCase{
		{
			name: "ingress-only policies leave egress open",
			yaml: join(namespace("shop", ""), deployment("shop", "web", ""),
				policy("shop", "deny-in", "  podSelector: {}\n  policyTypes: [Ingress]\n")),
			wants: []want{{"Namespace/shop", "metadata.name", check.SeverityLow, []string{"no NetworkPolicy with an empty podSelector for egress", "may connect anywhere", "cloud metadata endpoint"}}},
		},
		{
			name: "egress defaulted from an egress section counts",
			yaml: join(namespace("shop", ""), deployment("shop", "web", ""),
				policy("shop", "dns-only", "  podSelector: {}\n  egress:\n  - ports: [{port: 53, protocol: UDP}]\n")),
		},
		{
			name: "egress allow-all undoes it",
			yaml: join(namespace("shop", ""), deployment("shop", "web", ""),
				policy("shop", "open", "  podSelector: {}\n  policyTypes: [Egress]\n  egress: [{}]\n")),
			wants: []want{{"NetworkPolicy/open", "spec.egress[0]", check.SeverityLow, []string{"allows every destination on every port"}}},
		},
	})
}
