package exposure_test

import (
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/checks/checktest"
)

const saToken = `apiVersion: v1
kind: Secret
metadata:
  name: ci-deployer-token
  namespace: ci
  annotations:
    kubernetes.io/service-account.name: ci-deployer
type: kubernetes.io/service-account-token
data:
  token: ZXlKaGJHY2lPaUpTVXpJMU5pSXNJbXRwWkNJNkluTmxZM0psZENKOS5zZWNyZXQ=
  namespace: Y2k=
`

func TestLegacyServiceAccountToken(t *testing.T) {
	run(t, "exposure/legacy-service-account-token", []testCase{
		{
			name: "long-lived token secrets",
			yaml: saToken + `---
apiVersion: v1
kind: Secret
metadata:
  name: orphan-token
  namespace: ci
type: kubernetes.io/service-account-token
`,
			wants: []want{
				{"Secret/ci-deployer-token", "type", []string{`Secret "ci-deployer-token"`, "kubernetes.io/service-account-token", `ServiceAccount "ci-deployer"`, "never expires"}},
				{"Secret/orphan-token", "type", []string{"no kubernetes.io/service-account.name annotation"}},
			},
		},
		{
			name: "other secrets and invalidated tokens",
			yaml: `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
type: Opaque
stringData:
  password: hunter2
---
apiVersion: v1
kind: Secret
metadata:
  name: old-token
  namespace: ci
  labels:
    kubernetes.io/legacy-token-invalid-since: "2025-11-02"
  annotations:
    kubernetes.io/service-account.name: ci-deployer
type: kubernetes.io/service-account-token
`,
		},
	})
	for _, f := range checktest.Run(t, "exposure/legacy-service-account-token", nil, saToken) {
		for _, secret := range []string{"ZXlKaGJH", "eyJhbGci", "Y2k="} {
			if strings.Contains(f.Message, secret) || strings.Contains(f.Remediation, secret) {
				t.Errorf("finding prints secret data: %s", f.Message)
			}
		}
	}
}
