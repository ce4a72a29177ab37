package rbac

import (
	"testing"

	"github.com/palisade-sec/palisade/internal/checks/checktest"
)

const adminSA = `apiVersion: v1
kind: ServiceAccount
metadata: {name: backup, namespace: ops}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: backup-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: backup, namespace: ops}]
---
`

func TestEscalationToClusterAdmin(t *testing.T) {
	tests := []struct {
		name, manifests string
		want            []string
	}{
		{"create pods where an admin account lives",
			adminSA + role("Role", "ops", "deployer", `{apiGroups: [apps], resources: [deployments], verbs: [create]}`) +
				binding("ops", "ci-deployer", "Role", "deployer", "{kind: ServiceAccount, name: ci, namespace: build}"),
			[]string{`critical: ServiceAccount build/ci can become cluster-admin in 2 steps: (1) ServiceAccount build/ci can create a pod or workload in namespace "ops" that runs as it, becoming ServiceAccount ops/backup`}},
		{"request a token for the admin account",
			adminSA + role("Role", "ops", "tokens", `{apiGroups: [""], resources: [serviceaccounts/token], verbs: [create], resourceNames: [backup]}`) +
				binding("ops", "tokens", "Role", "tokens", devs),
			[]string{"critical: Group devs can become cluster-admin in 2 steps: (1) Group devs can request a token for it (TokenRequest), becoming ServiceAccount ops/backup"}},
		{"impersonate system:masters",
			role("ClusterRole", "", "imp", `{apiGroups: [""], resources: [groups], verbs: [impersonate]}`) +
				binding("", "imp", "ClusterRole", "imp", alice) +
				binding("", "masters", "ClusterRole", "view", "{kind: Group, name: system:masters, apiGroup: rbac.authorization.k8s.io}"),
			[]string{"critical: User alice can become cluster-admin in 2 steps: (1) User alice can impersonate it, becoming Group system:masters"}},
		{"three steps: exec into a pod that runs as an account that can make tokens for the admin",
			adminSA + `apiVersion: apps/v1
kind: Deployment
metadata: {name: agent, namespace: tools}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      serviceAccountName: agent
      containers: [{name: agent, image: agent:1}]
---
` + role("Role", "tools", "exec", `{apiGroups: [""], resources: [pods/exec], verbs: [create]}`) +
				binding("tools", "support-exec", "Role", "exec", alice) +
				role("ClusterRole", "", "tokens", `{apiGroups: [""], resources: [serviceaccounts/token], verbs: [create]}`) +
				binding("", "agent-tokens", "ClusterRole", "tokens", "{kind: ServiceAccount, name: agent, namespace: tools}"),
			[]string{
				"critical: User alice can become cluster-admin in 3 steps: (1) User alice can exec into a pod of deployment.apps/agent -n tools, which mounts its token",
				"critical: ServiceAccount tools/agent can become cluster-admin in 2 steps",
			}},
		{"no token mounted, no exec path",
			adminSA + `apiVersion: apps/v1
kind: Deployment
metadata: {name: agent, namespace: tools}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      serviceAccountName: agent
      automountServiceAccountToken: false
      containers: [{name: agent, image: agent:1}]
---
` + role("Role", "tools", "exec", `{apiGroups: [""], resources: [pods/exec], verbs: [create]}`) +
				binding("tools", "support-exec", "Role", "exec", alice) +
				role("ClusterRole", "", "tokens", `{apiGroups: [""], resources: [serviceaccounts/token], verbs: [create], resourceNames: [other]}`) +
				binding("", "agent-tokens", "ClusterRole", "tokens", "{kind: ServiceAccount, name: agent, namespace: tools}"),
			nil},
		{"create pods in a namespace without powerful accounts",
			adminSA + role("Role", "shop", "deployer", `{apiGroups: [""], resources: [pods], verbs: [create]}`) +
				binding("shop", "d", "Role", "deployer", devs),
			nil},
		{"bind cluster-admin and create bindings",
			role("ClusterRole", "", "binder",
				`{apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind], resourceNames: [cluster-admin]}`,
				`{apiGroups: [rbac.authorization.k8s.io], resources: [clusterrolebindings], verbs: [create]}`) +
				binding("", "binder", "ClusterRole", "binder", saWeb) +
				binding("", "dev-binder", "ClusterRole", "view", saWeb),
			nil}, // one step: reported by rbac/escalate-or-bind, not as a chain
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checktest.Expect(t, checktest.Run(t, "rbac/escalation-to-cluster-admin", nil, tt.manifests), tt.want)
		})
	}
}
