package netpol_test

import (
	"net/netip"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-sec/palisade/internal/checks/checktest"
	"github.com/palisade-sec/palisade/internal/netpol"
)

// Manifests shared by the semantic cases.
const (
	nsShop = `apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
`
	nsOps = `apiVersion: v1
kind: Namespace
metadata: {name: ops, labels: {team: ops}}
`
)

func deploy(ns, name, labels, ports string) string {
	s := `apiVersion: apps/v1
kind: Deployment
metadata: {name: ` + name + `, namespace: ` + ns + `}
spec:
  template:
    metadata: {labels: ` + labels + `}
    spec:
      containers:
      - name: c
        image: c:1
`
	if ports != "" {
		s += "        ports: " + ports + "\n"
	}
	return s
}

func policy(ns, name, spec string) string {
	return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: " + name + ", namespace: " + ns + "}\nspec:\n" + spec
}

func docs(parts ...string) string { return strings.Join(parts, "---\n") }

// endpoint resolves "ns/name" to the workload's pod, or an address.
func endpoint(t *testing.T, eng *netpol.Engine, s string) netpol.Endpoint {
	t.Helper()
	if a, err := netip.ParseAddr(s); err == nil {
		if p := eng.PodByIP(a); p != nil {
			return netpol.PodEndpoint(p)
		}
		return netpol.Endpoint{Addr: a, Node: eng.NodeOf(a)}
	}
	pods := eng.Lookup(s)
	if len(pods) != 1 {
		t.Fatalf("%s: %d workloads", s, len(pods))
	}
	return netpol.PodEndpoint(pods[0])
}

// TestSemantics checks each semantic corner of NetworkPolicy on a small
// cluster; each case cites the documented rule it checks (the "Network
// Policies" concept page, or the NetworkPolicy API reference).
func TestSemantics(t *testing.T) {
	web := deploy("shop", "web", "{app: web}", "")
	db := deploy("shop", "db", "{app: db}", "[{name: pg, containerPort: 5432}]")
	opsTool := deploy("ops", "tool", "{app: tool, role: client}", "")
	denyIngress := policy("shop", "deny-in", "  podSelector: {}\n  policyTypes: [Ingress]\n")
	denyEgress := policy("shop", "deny-out", "  podSelector: {}\n  policyTypes: [Egress]\n")

	cases := []struct {
		name     string
		rule     string // the documented rule
		yaml     string
		src, dst string
		proto    corev1.Protocol
		port     int32
		want     bool
		explain  string // a line of the explanation must contain it
	}{
		{
			name: "no policy", rule: "concept page: by default, a pod is non-isolated; all connections are allowed",
			yaml: docs(nsShop, web, db), src: "shop/web", dst: "shop/db", port: 5432, want: true,
			explain: "not isolated for ingress: no NetworkPolicy selects it",
		},
		{
			name: "default deny ingress", rule: "concept page: a pod is isolated for ingress if any NetworkPolicy selects it with Ingress in policyTypes",
			yaml: docs(nsShop, web, db, denyIngress), src: "shop/web", dst: "shop/db", port: 5432, want: false,
			explain: "isolated by NetworkPolicy shop/deny-in, and no rule of shop/deny-in allows it",
		},
		{
			name: "default deny ingress leaves egress alone", rule: "concept page: this policy does not affect isolation for egress from any pod",
			yaml: docs(nsShop, web, denyIngress), src: "shop/web", dst: "8.8.8.8", port: 443, want: true,
			explain: "select it for ingress only",
		},
		{
			name: "policyTypes absent with an egress section", rule: "API reference: policies that contain an egress section are assumed to affect egress, and all policies are assumed to affect ingress",
			yaml: docs(nsShop, web, db, policy("shop", "egress-only", "  podSelector: {matchLabels: {app: db}}\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/8}}]\n")),
			src:  "shop/web", dst: "shop/db", port: 5432, want: false,
			explain: "isolated by NetworkPolicy shop/egress-only",
		},
		{
			name: "policyTypes absent without an egress section", rule: "API reference: a policy with no egress section defaults to policyTypes [Ingress]",
			yaml: docs(nsShop, web, policy("shop", "ingress-only", "  podSelector: {}\n  ingress: []\n")),
			src:  "shop/web", dst: "169.254.169.254", port: 80, want: true,
		},
		{
			name: "policyTypes Egress only ignores ingress rules", rule: "API reference: policyTypes lists the rule types the policy relates to",
			yaml: docs(nsShop, web, db, policy("shop", "egress-typed", "  podSelector: {}\n  policyTypes: [Egress]\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: nobody}}}]\n  egress:\n  - {}\n")),
			src:  "shop/web", dst: "shop/db", port: 5432, want: true,
		},
		{
			name: "egress and ingress both needed", rule: "concept page: both the egress policy on the source pod and the ingress policy on the destination pod need to allow the connection",
			yaml: docs(nsShop, web, db, denyEgress, policy("shop", "db-in", "  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]\n")),
			src:  "shop/web", dst: "shop/db", port: 5432, want: false,
			explain: "egress of deployment.apps/web -n shop denies",
		},
		{
			name: "rule with no from", rule: "API reference: if from is empty or missing, this rule matches all sources",
			yaml: docs(nsShop, nsOps, db, opsTool, policy("shop", "db-in", "  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - ports: [{port: 5432}]\n")),
			src:  "ops/tool", dst: "shop/db", port: 5432, want: true,
			explain: "no from (every peer) matches, and ports[0] TCP/5432 matches TCP/5432",
		},
		{
			name: "rule with no ports", rule: "API reference: if ports is empty or missing, this rule matches all ports",
			yaml: docs(nsShop, web, db, policy("shop", "db-in", "  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]\n")),
			src:  "shop/web", dst: "shop/db", proto: corev1.ProtocolUDP, port: 9999, want: true,
			explain: "the rule has no ports (every port)",
		},
		{
			name: "podSelector peer is the policy's namespace only", rule: "concept page: podSelector selects Pods in the same namespace as the NetworkPolicy",
			yaml: docs(nsShop, nsOps, db, opsTool, policy("shop", "db-in", "  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {role: client}}}]\n")),
			src:  "ops/tool", dst: "shop/db", port: 5432, want: false,
			explain: "is not among its peers (from[0] podSelector role=client in namespace shop)",
		},
		{
			name: "namespaceSelector and podSelector in one peer", rule: "concept page: a single from entry with both selects particular Pods within particular namespaces",
			yaml: docs(nsShop, nsOps, db, opsTool, deploy("ops", "other", "{app: other}", ""), policy("shop", "db-in", "  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {team: ops}}\n      podSelector: {matchLabels: {role: client}}\n")),
			src:  "ops/other", dst: "shop/db", port: 5432, want: false,
		},
		{
			name: "namespaceSelector and podSelector in one peer, matching pod", rule: "concept page: a single from entry with both selects particular Pods within particular namespaces",
			yaml: docs(nsShop, nsOps, db, opsTool, policy("shop", "db-in", "  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {team: ops}}\n      podSelector: {matchLabels: {role: client}}\n")),
			src:  "ops/tool", dst: "shop/db", port: 5432, want: true,
			explain: "from[0] namespaceSelector team=ops and podSelector role=client matches",
		},
		{
			name: "two peers are OR", rule: "concept page: two elements in the from array allow Pods in the local Namespace with the label, or any Pod in the selected namespaces",
			yaml: docs(nsShop, nsOps, db, deploy("ops", "other", "{app: other}", ""), policy("shop", "db-in", "  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {team: ops}}\n    - podSelector: {matchLabels: {role: client}}\n")),
			src:  "ops/other", dst: "shop/db", port: 5432, want: true,
		},
		{
			name: "empty namespaceSelector is every namespace", rule: "API reference: namespaceSelector, if present but empty, selects all namespaces",
			yaml: docs(nsShop, db, deploy("elsewhere", "x", "{app: x}", ""), policy("shop", "db-in", "  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from: [{namespaceSelector: {}}]\n")),
			src:  "elsewhere/x", dst: "shop/db", port: 5432, want: true,
		},
		{
			name: "namespace by its name label, no Namespace object", rule: "concept page: the control plane sets kubernetes.io/metadata.name on all namespaces",
			yaml: docs(db, deploy("monitoring", "prom", "{app: prom}", ""), policy("shop", "db-in", "  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]\n")),
			src:  "monitoring/prom", dst: "shop/db", port: 5432, want: true,
		},
		{
			name: "ipBlock with except, inside", rule: "concept page example: 172.17.0.0/16 except 172.17.1.0/24",
			yaml: docs(db, policy("shop", "db-in", "  podSelector: {}\n  ingress:\n  - from: [{ipBlock: {cidr: 172.17.0.0/16, except: [172.17.1.0/24]}}]\n")),
			src:  "172.17.2.9", dst: "shop/db", port: 5432, want: true,
		},
		{
			name: "ipBlock with except, excepted", rule: "concept page example: 172.17.0.0/16 except 172.17.1.0/24",
			yaml: docs(db, policy("shop", "db-in", "  podSelector: {}\n  ingress:\n  - from: [{ipBlock: {cidr: 172.17.0.0/16, except: [172.17.1.0/24]}}]\n")),
			src:  "172.17.1.9", dst: "shop/db", port: 5432, want: false,
		},
		{
			name: "named port resolved on the destination", rule: "API reference: port can be a named port on a pod",
			yaml: docs(db, deploy("shop", "api", "{app: api}", ""), policy("shop", "db-in", "  podSelector: {}\n  ingress:\n  - ports: [{port: pg}]\n")),
			src:  "shop/api", dst: "shop/db", port: 5432, want: true,
			explain: "ports[0] TCP/pg matches TCP/5432",
		},
		{
			name: "named port resolves per pod", rule: "API reference: port can be a named port on a pod (each pod's own container port)",
			yaml: docs(db, deploy("shop", "api", "{app: api}", "[{name: pg, containerPort: 6432}]"), policy("shop", "all-in", "  podSelector: {}\n  ingress:\n  - ports: [{port: pg}]\n")),
			src:  "shop/db", dst: "shop/api", port: 5432, want: false,
			explain: "TCP/pg = 6432",
		},
		{
			name: "named port needs the protocol", rule: "API reference: only traffic on the specified protocol AND port will be matched",
			yaml: docs(db, deploy("shop", "api", "{app: api}", ""), policy("shop", "db-in", "  podSelector: {}\n  ingress:\n  - ports: [{port: pg, protocol: UDP}]\n")),
			src:  "shop/api", dst: "shop/db", proto: corev1.ProtocolUDP, port: 5432, want: false,
		},
		{
			name: "named port never matches an address", rule: "API reference: a named port is a port on a pod",
			yaml: docs(web, policy("shop", "web-out", "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{port: http}]\n")),
			src:  "shop/web", dst: "8.8.8.8", port: 80, want: false,
			explain: "a named port matches only pod-network pods",
		},
		{
			name: "endPort range", rule: "concept page: the target port is between port and endPort",
			yaml: docs(web, policy("shop", "web-out", "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/24}}]\n    ports: [{protocol: TCP, port: 32000, endPort: 32768}]\n")),
			src:  "shop/web", dst: "10.0.0.7", port: 32768, want: true,
		},
		{
			name: "endPort range, above", rule: "concept page: the target port is between port and endPort",
			yaml: docs(web, policy("shop", "web-out", "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/24}}]\n    ports: [{protocol: TCP, port: 32000, endPort: 32768}]\n")),
			src:  "shop/web", dst: "10.0.0.7", port: 32769, want: false,
		},
		{
			name: "port without protocol is TCP", rule: "API reference: protocol, if not specified, defaults to TCP",
			yaml: docs(web, policy("shop", "web-out", "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{port: 53}]\n")),
			src:  "shop/web", dst: "10.0.0.10", proto: corev1.ProtocolUDP, port: 53, want: false,
		},
		{
			name: "SCTP", rule: "API reference: protocol is TCP, UDP, or SCTP",
			yaml: docs(web, policy("shop", "web-out", "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{port: 3868, protocol: SCTP}]\n")),
			src:  "shop/web", dst: "10.0.0.10", proto: corev1.ProtocolSCTP, port: 3868, want: true,
		},
		{
			name: "policies are additive", rule: "concept page: network policies do not conflict; they are additive",
			yaml: docs(web, db, denyIngress, policy("shop", "db-in", "  podSelector: {matchLabels: {app: db}}\n  ingress:\n  - from: [{podSelector: {matchLabels: {app: web}}}]\n")),
			src:  "shop/web", dst: "shop/db", port: 5432, want: true,
			explain: "isolated by NetworkPolicies shop/deny-in, shop/db-in; allowed by shop/db-in spec.ingress[0]",
		},
		{
			name: "hostNetwork pod is not isolated", rule: "concept page: the plugin ignores hostNetwork pods when matching podSelector (the most common implementation)",
			yaml: docs(web, deploy("shop", "agent", "{app: agent}", "")+"      hostNetwork: true\n", denyIngress),
			src:  "shop/web", dst: "shop/agent", port: 9100, want: true,
			explain: "uses the host network",
		},
		{
			name: "hostNetwork pod is not matched by podSelector", rule: "concept page: hostNetwork pods are ignored when matching podSelector and namespaceSelector in rules",
			yaml: docs(db, deploy("shop", "agent", "{app: agent}", "")+"      hostNetwork: true\n", policy("shop", "db-in", "  podSelector: {}\n  ingress:\n  - from: [{podSelector: {}}]\n")),
			src:  "shop/agent", dst: "shop/db", port: 5432, want: false,
		},
		{
			name: "hostNetwork pod matched by its node's ipBlock", rule: "concept page: you can allow traffic from a hostNetwork Pod using an ipBlock rule",
			yaml: docs(db, `apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: shop}
spec: {hostNetwork: true, nodeName: n2, containers: [{name: c, image: c:1}]}
status: {podIP: 192.168.0.2, podIPs: [{ip: 192.168.0.2}]}
`, policy("shop", "db-in", "  podSelector: {}\n  ingress:\n  - from: [{ipBlock: {cidr: 192.168.0.0/24}}]\n")),
			src: "shop/agent", dst: "shop/db", port: 5432, want: true,
		},
		{
			name: "traffic from the pod's own node", rule: "concept page: the only allowed connections into an isolated pod are those from the pod's node and those the rules allow",
			yaml: docs(`apiVersion: v1
kind: Node
metadata: {name: n1}
status: {addresses: [{type: InternalIP, address: 192.168.0.1}]}
`, `apiVersion: v1
kind: Pod
metadata: {name: db-0, namespace: shop}
spec: {nodeName: n1, containers: [{name: c, image: c:1}]}
status: {podIP: 10.0.0.5}
`, denyIngress),
			src: "192.168.0.1", dst: "shop/db-0", port: 5432, want: true,
			explain: "traffic from a pod's own node (n1) is always admitted",
		},
		{
			name: "traffic from another node", rule: "concept page: other nodes' traffic needs a rule",
			yaml: docs(`apiVersion: v1
kind: Node
metadata: {name: n2}
status: {addresses: [{type: InternalIP, address: 192.168.0.2}]}
`, `apiVersion: v1
kind: Pod
metadata: {name: db-0, namespace: shop}
spec: {nodeName: n1, containers: [{name: c, image: c:1}]}
status: {podIP: 10.0.0.5}
`, denyIngress),
			src: "192.168.0.2", dst: "shop/db-0", port: 5432, want: false,
		},
		{
			name: "a pod reaches itself", rule: "concept page: a pod cannot block access to itself",
			yaml: docs(`apiVersion: v1
kind: Pod
metadata: {name: solo, namespace: shop}
spec: {containers: [{name: c, image: c:1}]}
`, denyIngress, denyEgress),
			src: "shop/solo", dst: "shop/solo", port: 8080, want: true,
			explain: "a pod cannot block connections to itself",
		},
		{
			name: "replicas of a workload do not", rule: "concept page: isolation applies between distinct pods",
			yaml: docs(web, denyIngress), src: "shop/web", dst: "shop/web", port: 8080, want: false,
		},
		{
			name: "ipBlock over a pod's address is not counted", rule: "concept page: ipBlocks should be cluster-external IPs (implementation-defined for pod IPs)",
			yaml: docs(`apiVersion: v1
kind: Pod
metadata: {name: db-0, namespace: shop, labels: {app: db}}
spec: {containers: [{name: c, image: c:1}]}
status: {podIP: 10.0.0.5}
`, web, policy("shop", "web-out", "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/8}}]\n")),
			src: "shop/web", dst: "10.0.0.5", port: 5432, want: false,
			explain: "covers the address of pod/db-0 -n shop",
		},
		{
			name: "metadata endpoint excepted", rule: "concept page: except entries are not included in the ipBlock",
			yaml: docs(web, policy("shop", "web-out", "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}}]\n")),
			src:  "shop/web", dst: "169.254.169.254", port: 80, want: false,
		},
		{
			name: "no namespace is default", rule: "kubectl apply places an object without a namespace in the context's namespace, default",
			yaml: docs(deploy("default", "web", "{app: web}", ""), "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny}\nspec: {podSelector: {}}\n"),
			src:  "8.8.8.8", dst: "default/web", port: 80, want: false,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eng := netpol.New(checktest.Snapshot(t, tc.yaml))
			src, dst := endpoint(t, eng, tc.src), endpoint(t, eng, tc.dst)
			v := eng.Allowed(src, dst, tc.proto, tc.port)
			lines := v.Explain()
			if v.Allowed != tc.want {
				t.Fatalf("%s\nallowed = %v, want %v\n%s", tc.rule, v.Allowed, tc.want, strings.Join(lines, "\n"))
			}
			if tc.explain != "" && !strings.Contains(strings.Join(lines, "\n"), tc.explain) {
				t.Errorf("explanation lacks %q:\n%s", tc.explain, strings.Join(lines, "\n"))
			}
		})
	}
}

// TestCIDR checks answers about ranges of addresses: which parts of them a
// pod's policies allow.
func TestCIDR(t *testing.T) {
	y := docs(deploy("shop", "web", "{app: web}", "[{name: http, containerPort: 8080}]"),
		policy("shop", "web", "  podSelector: {}\n  policyTypes: [Ingress, Egress]\n"+
			"  ingress:\n  - from: [{ipBlock: {cidr: 172.17.0.0/16, except: [172.17.1.0/24]}}]\n    ports: [{port: http}]\n"+
			"  egress:\n  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 169.254.169.254/32]}}]\n    ports: [{port: 443}]\n"))
	eng := netpol.New(checktest.Snapshot(t, y))
	web := eng.Lookup("shop/web")[0]
	cases := []struct {
		prefix   string
		d        netpol.Direction
		port     int32
		coverage string
		allowed  string
		denied   string
	}{
		{"0.0.0.0/0", netpol.Egress, 443, "some", "0.0.0.0/5, 8.0.0.0/7, 11.0.0.0/8", "10.0.0.0/8, 169.254.169.254/32"},
		{"8.8.8.0/24", netpol.Egress, 443, "all", "8.8.8.0/24", "none"},
		{"8.8.8.0/24", netpol.Egress, 80, "none", "none", "8.8.8.0/24"},
		{"10.0.0.0/8", netpol.Egress, 0, "none", "none", "10.0.0.0/8"},
		{"172.17.0.0/16", netpol.Ingress, 8080, "some", "172.17.0.0/24, 172.17.2.0/23", "172.17.1.0/24"},
		{"172.16.0.0/12", netpol.Ingress, 0, "some", "172.17.0.0/24", "172.16.0.0/16, 172.17.1.0/24"},
	}
	for _, tc := range cases {
		v := eng.AllowedCIDR(web, netip.MustParsePrefix(tc.prefix), tc.d, "", tc.port)
		lines := strings.Join(v.Explain(), "\n")
		if v.Coverage != tc.coverage || !strings.HasPrefix(prefixes(v.Allowed), tc.allowed) || !strings.HasPrefix(prefixes(v.Denied), tc.denied) {
			t.Errorf("%s %s %d: coverage %s, allowed %s, denied %s; want %s, %s..., %s...\n%s", tc.d, tc.prefix, tc.port, v.Coverage,
				prefixes(v.Allowed), prefixes(v.Denied), tc.coverage, tc.allowed, tc.denied, lines)
		}
	}
}

func prefixes(ps []netip.Prefix) string {
	if len(ps) == 0 {
		return "none"
	}
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}
