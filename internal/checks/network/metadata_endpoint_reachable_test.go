package network_test

import (
	"testing"

	"github.com/palisade-sec/palisade/internal/check"
)

func TestMetadataEndpointReachable(t *testing.T) {
	const id = "network/metadata-endpoint-reachable"
	lb := `apiVersion: v1
kind: Service
metadata: {name: waf, namespace: edge}
spec:
  type: LoadBalancer
  selector: {app: waf}
  ports: [{port: 443, targetPort: http}]
`
	role := `apiVersion: v1
kind: ServiceAccount
metadata:
  name: waf
  namespace: edge
  annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::111122223333:role/waf"}
`
	waf := deployment("edge", "waf", "      serviceAccountName: waf\n")
	run(t, id, []testCase{
		{
			name: "the Capital One case: exposed, with a cloud identity, no egress policy",
			yaml: join(waf, lb, role),
			wants: []want{{"Deployment/waf", "spec.template.spec", check.SeverityCritical, []string{
				"deployment.apps/waf -n edge can reach the cloud instance metadata endpoint 169.254.169.254:80 and [fd00:ec2::254]:80",
				"no NetworkPolicy restricts its egress",
				"reachable from outside the cluster (any address (no loadBalancerSourceRanges) -> service/waf -n edge (LoadBalancer 443/TCP) -> deployment.apps/waf -n edge TCP/8080 (http))",
				`its ServiceAccount "waf" carries eks.amazonaws.com/role-arn=arn:aws:iam::111122223333:role/waf (an AWS IAM role)`,
				"Capital One"}}},
		},
		{
			name: "exposed only, identity only, neither",
			yaml: join(waf, lb,
				deployment("jobs", "etl", "      serviceAccountName: etl\n"),
				`apiVersion: v1
kind: ServiceAccount
metadata: {name: etl, namespace: jobs, annotations: {iam.gke.io/gcp-service-account: etl@proj.iam.gserviceaccount.com}}
`,
				deployment("jobs", "report", "")),
			wants: []want{
				{"Deployment/waf", "spec.template.spec", check.SeverityHigh, []string{"reachable from outside the cluster"}},
				{"Deployment/etl", "spec.template.spec", check.SeverityHigh, []string{"iam.gke.io/gcp-service-account=etl@proj.iam.gserviceaccount.com (a Google Cloud service account)"}},
				{"Deployment/report", "spec.template.spec", check.SeverityMedium, []string{"no NetworkPolicy restricts its egress"}},
			},
		},
		{
			name: "an Ingress whose controller the policies keep out does not count",
			yaml: join(deployment("shop", "web", ""),
				"apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {selector: {app: web}, ports: [{port: 80, targetPort: http}]}\n",
				"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: shop}\nspec: {defaultBackend: {service: {name: web, port: {number: 80}}}}\n",
				policy("shop", "web-in", "  podSelector: {}\n  ingress:\n  - from: [{podSelector: {}}]\n")),
			wants: []want{{"Deployment/web", "spec.template.spec", check.SeverityMedium, []string{"no NetworkPolicy restricts its egress"}}},
		},
		{
			name: "allowed by an internet rule that does not except it",
			yaml: join(deployment("shop", "web", ""),
				policy("shop", "web-out", "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]\n"),
				deployment("nodes", "agent", "      hostNetwork: true\n")),
			wants: []want{
				{"Deployment/web", "spec.template.spec", check.SeverityMedium, []string{"169.254.169.254:80:", "egress is allowed by shop/web-out spec.egress[0]"}},
			},
		},
		{
			name: "excepted, denied by default, allowed on other ports only, finished, the host network",
			yaml: join(deployment("shop", "web", ""), deployment("shop", "api", ""),
				policy("shop", "out", "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}}, {ipBlock: {cidr: \"::/0\", except: [\"fd00:ec2::254/128\"]}}]\n"),
				policy("shop", "api-out", "  podSelector: {matchLabels: {app: api}}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{port: 443}, {port: 53, protocol: UDP}]\n"),
				`apiVersion: v1
kind: Pod
metadata: {name: done, namespace: shop}
spec: {containers: [{name: c, image: c:1}]}
status: {phase: Succeeded}
`, deployment("nodes", "agent", "      hostNetwork: true\n")),
		},
	})
}
