package rbac

import (
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/checks/checktest"
)

// exposedWeb is a Deployment behind a LoadBalancer, running as shop/web;
// automount is its pod's automountServiceAccountToken ("" leaves it unset).
func exposedWeb(automount string) string {
	pod := "      serviceAccountName: web\n"
	if automount != "" {
		pod += "      automountServiceAccountToken: " + automount + "\n"
	}
	return `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
` + pod + `      containers: [{name: web, image: web:1, ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{port: 443, targetPort: 8080}]
---
`
}

func TestExposedWorkloadToken(t *testing.T) {
	readSecretsRole := role("Role", "shop", "reader", `{apiGroups: [""], resources: [configmaps], verbs: [get]}`) +
		binding("shop", "web-reader", "Role", "reader", saWeb)
	tests := []struct {
		name, manifests string
		want            []string
	}{
		{"an exposed workload with a bound token", exposedWeb("") + readSecretsRole,
			[]string{`high: deployment.apps/web -n shop is reachable from outside`}},
		{"the token can climb to cluster-admin", exposedWeb("") +
			binding("ops", "web-edit", "ClusterRole", "edit", saWeb) + adminSA,
			[]string{"critical: ServiceAccount shop/web can become cluster-admin"}},
		{"no token mounted", exposedWeb("false") + readSecretsRole, nil},
		{"an account nobody bound", exposedWeb(""), nil},
		{"not exposed", strings.Split(exposedWeb(""), "---\napiVersion: v1\nkind: Service")[0] + readSecretsRole, nil},
		{"a NetworkPolicy keeps the internet out", exposedWeb("") + readSecretsRole + `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-frontend, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{podSelector: {matchLabels: {app: frontend}}}]}]
`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checktest.Expect(t, checktest.Run(t, "rbac/exposed-workload-token", nil, tt.manifests), tt.want)
		})
	}
}
