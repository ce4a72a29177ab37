package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

const rbacManifests = `apiVersion: v1
kind: ServiceAccount
metadata: {name: backup, namespace: ops}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: backup-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: backup, namespace: ops}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: deployer, namespace: ops}
rules:
- {apiGroups: [""], resources: [pods], verbs: [create]}
- {apiGroups: [""], resources: [pods/exec], verbs: [create]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ci, namespace: ops}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: deployer}
subjects: [{kind: ServiceAccount, name: ci, namespace: build}]
`

func TestRBACWhoCan(t *testing.T) {
	dir := writeFiles(t, map[string]string{"rbac.yaml": rbacManifests})
	code, out, errOut := run(t, "", "rbac", "who-can", "create", "pods/exec", "-n", "ops", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"2 subject(s) may create pods/exec in namespace ops", "ServiceAccount build/ci", "RoleBinding/ops/ci", "ServiceAccount ops/backup", "ClusterRoleBinding/backup-admin"} {
		if !strings.Contains(out, want) {
			t.Errorf("who-can output lacks %q:\n%s", want, out)
		}
	}
	// Cluster scope: the RoleBinding does not answer.
	_, out, _ = run(t, "", "rbac", "who-can", "create", "pods", dir, "-o", "json")
	var ans whoCanJSON
	if err := json.Unmarshal([]byte(out), &ans); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	if len(ans.Holders) != 1 || ans.Holders[0].Subject.Name != "backup" || ans.Holders[0].Grants[0].Binding.Name != "backup-admin" {
		t.Errorf("cluster-scoped who-can create pods = %+v, want only ops/backup through backup-admin", ans.Holders)
	}
}

func TestRBACWhoCanResolvesResources(t *testing.T) {
	dir := writeFiles(t, map[string]string{"rbac.yaml": rbacManifests})
	tests := []struct {
		resource, want string
		code           int
	}{
		{"deployments", "may create deployments.apps cluster-wide", 0},
		{"deployments.apps", "may create deployments.apps cluster-wide", 0},
		{"events", "may create events cluster-wide", 0}, // core wins over events.k8s.io, as in kubectl
		{"deployment", `"deployment" is not a resource`, 2},
		{"/metrics", "may create /metrics", 0},
	}
	for _, tt := range tests {
		code, out, errOut := run(t, "", "rbac", "who-can", "create", tt.resource, dir)
		if code != tt.code || !strings.Contains(out+errOut, tt.want) {
			t.Errorf("who-can create %s: exit %d, output %q %q; want exit %d and %q", tt.resource, code, out, errOut, tt.code, tt.want)
		}
	}
}

func TestRBACCan(t *testing.T) {
	dir := writeFiles(t, map[string]string{"rbac.yaml": rbacManifests})
	code, out, errOut := run(t, "", "rbac", "can", "system:serviceaccount:build:ci", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"system:serviceaccounts:build", "Namespace ops", "[pods/exec]", "[create]", "RoleBinding/ops/ci → Role/ops/deployer"} {
		if !strings.Contains(out, want) {
			t.Errorf("can output lacks %q:\n%s", want, out)
		}
	}
	if code, _, errOut := run(t, "", "rbac", "can", "sa:onlyns", dir); code != 2 || !strings.Contains(errOut, "NAMESPACE") {
		t.Errorf("a malformed subject: exit %d, %q; want 2 and a message", code, errOut)
	}
}

func TestRBACPathsAndRisky(t *testing.T) {
	dir := writeFiles(t, map[string]string{"rbac.yaml": rbacManifests})
	code, out, errOut := run(t, "", "rbac", "paths", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"ServiceAccount build/ci — 2 step(s)", `create a pod or workload in namespace "ops" that runs as it, becoming ServiceAccount ops/backup`, "ServiceAccount ops/backup holds every verb"} {
		if !strings.Contains(out, want) {
			t.Errorf("paths output lacks %q:\n%s", want, out)
		}
	}
	_, out, _ = run(t, "", "rbac", "paths", dir, "--from", "sa:ops/backup", "-o", "json")
	var ans pathsJSON
	if err := json.Unmarshal([]byte(out), &ans); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	if len(ans.Chains) != 1 || len(ans.Chains[0].Steps) != 1 || ans.Chains[0].From != "ServiceAccount ops/backup" {
		t.Errorf("--from sa:ops/backup = %+v, want its one-step chain", ans.Chains)
	}

	code, out, _ = run(t, "", "rbac", "risky", dir, "--fail-on", "critical", "-o", "json")
	if code != 1 {
		t.Errorf("risky --fail-on critical: exit %d, want 1 (backup holds cluster-admin)", code)
	}
	var rep struct {
		Findings []struct {
			CheckID string `json:"checkID"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("json: %v", err)
	}
	seen := map[string]bool{}
	for _, f := range rep.Findings {
		if !strings.HasPrefix(f.CheckID, "rbac/") {
			t.Errorf("risky reported %s, which is not an rbac check", f.CheckID)
		}
		seen[f.CheckID] = true
	}
	for _, id := range []string{"rbac/cluster-admin", "rbac/create-pods", "rbac/pod-exec", "rbac/escalation-to-cluster-admin"} {
		if !seen[id] {
			t.Errorf("risky did not report %s", id)
		}
	}
}

func TestRBACUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"rbac", "who-can", "get", "pods"},
		{"rbac", "who-can", "get", "pods", "x.yaml", "--cluster"},
		{"rbac", "can", "sa:a/b", "x.yaml", "-o", "yaml"},
		{"rbac", "paths", "--to", "sa:x", "x.yaml"},
	} {
		if code, _, errOut := run(t, "", args...); code != 2 || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q; want 2 with a message", args, code, errOut)
		}
	}
}
