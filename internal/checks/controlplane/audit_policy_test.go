package controlplane

import (
	"github.com/palisade-sec/palisade/internal/checks/checktest"
	"strings"
	"testing"

	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
	"sigs.k8s.io/yaml"

	"github.com/palisade-sec/palisade/internal/check"
)

// goodPolicy logs what matters at the right level.
const goodPolicy = `
rules:
- level: None
  nonResourceURLs: ["/healthz*", "/readyz*"]
- level: None
  users: ["system:kube-proxy"]
  verbs: ["watch"]
  resources: [{group: "", resources: ["endpoints", "services"]}]
- level: Metadata
  resources:
  - {group: "", resources: ["secrets", "configmaps"]}
  - {group: authentication.k8s.io, resources: ["tokenreviews"]}
- level: Metadata
  resources: [{group: "", resources: ["pods/exec", "pods/attach", "pods/portforward"]}]
- level: RequestResponse
  verbs: ["create", "update", "patch", "delete"]
  resources: [{group: rbac.authorization.k8s.io, resources: ["*"]}]
- level: Metadata
`

func TestJudgeAuditPolicy(t *testing.T) {
	tests := []struct {
		name, policy string
		want         []string // "severity field: words"
	}{
		{"good policy", goodPolicy, nil},
		{"group wildcard and resource/* forms", `
rules:
- level: Metadata
  resources: [{group: "", resources: ["secrets", "configmaps", "pods/*"]}, {group: authentication.k8s.io}]
- level: RequestResponse
  resources: [{group: "*", resources: ["roles", "rolebindings", "clusterroles", "clusterrolebindings"]}]
`, nil},
		{"catch-all None first", `
rules:
- level: None
` + goodPolicy[len("\nrules:\n"):], []string{"medium rules[0]: rule 1 is a catch-all at level None placed before the rules for secrets, configmaps, tokenreviews, pods/exec, pods/attach, pods/portforward and RBAC changes"}},
		{"RequestResponse on secrets", `
rules:
- level: RequestResponse
  resources: [{group: "", resources: ["secrets"]}]
- level: Metadata
  resources: [{group: "", resources: ["configmaps"]}]
- level: RequestResponse
`, []string{
			"high rules[0]: any access to secrets: rule 1 sets level RequestResponse, which writes secret values and tokens into the audit log",
			"high rules[2]: create tokenreviews: rule 3 sets level RequestResponse",
		}},
		{"exec not logged", `
rules:
- level: None
  resources: [{group: "", resources: ["pods/exec", "pods/attach"]}]
- level: Metadata
  resources: [{group: "", resources: ["secrets", "configmaps"]}, {group: authentication.k8s.io}]
- level: RequestResponse
  resources: [{group: rbac.authorization.k8s.io}]
- level: Metadata
`, []string{"medium rules[0]: create, get pods/exec; create, get pods/attach: rule 1 sets level None; pods/exec, pods/attach should be audited at Metadata or above"}},
		{"RBAC changes at Metadata, nothing else matched", `
rules:
- level: Metadata
  resources: [{group: "", resources: ["secrets", "configmaps", "pods/exec", "pods/attach", "pods/portforward"]}, {group: authentication.k8s.io}]
- level: Metadata
  resources: [{group: rbac.authorization.k8s.io}]
`, []string{"medium rules[1]: rule 2 sets level Metadata; RBAC changes should be audited at RequestResponse or above"}},
		{"only some users unlogged", `
rules:
- level: None
  userGroups: ["system:serviceaccounts"]
` + goodPolicy[len("\nrules:\n"):], []string{"medium rules[0]: by a service account: rule 1 sets level None"}},
		{"no rule matches", `
rules:
- level: Metadata
  nonResourceURLs: ["*"]
`, []string{"medium rules: no rule matches them, so they are not audited"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p auditv1.Policy
			if err := yaml.Unmarshal([]byte(tt.policy), &p); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, v := range judgeAuditPolicy(nil, &p) {
				sev := check.SeverityMedium
				if v.Severity != nil {
					sev = *v.Severity
				}
				got = append(got, sev.String()+" "+v.Field+": "+v.Message)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d violations, want %d:\n%s", len(got), len(tt.want), strings.Join(got, "\n"))
			}
			for _, w := range tt.want {
				prefix, words, _ := strings.Cut(w, ": ")
				found := false
				for _, g := range got {
					if strings.HasPrefix(g, prefix+":") && strings.Contains(g, words) {
						found = true
					}
				}
				if !found {
					t.Errorf("missing %q in:\n%s", w, strings.Join(got, "\n"))
				}
			}
		})
	}
}

func TestAuditLevelFirstMatchWins(t *testing.T) {
	var p auditv1.Policy
	if err := yaml.Unmarshal([]byte(`
rules:
- level: Request
  users: ["alice"]
  namespaces: ["prod"]
- level: None
  resources: [{group: "", resources: ["secrets"], resourceNames: ["public"]}]
- level: RequestResponse
  verbs: ["delete"]
- level: Metadata
`), &p); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		req   auditRequest
		level auditv1.Level
		rule  int
	}{
		{auditRequest{user: "alice", verb: "get", resource: "pods", namespace: "prod"}, auditv1.LevelRequest, 0},
		{auditRequest{user: "alice", verb: "get", resource: "pods", namespace: "dev"}, auditv1.LevelMetadata, 3},
		{auditRequest{user: "bob", verb: "get", resource: "secrets", name: "public"}, auditv1.LevelNone, 1},
		{auditRequest{user: "bob", verb: "get", resource: "secrets", name: "db"}, auditv1.LevelMetadata, 3},
		{auditRequest{user: "bob", verb: "delete", resource: "secrets", name: "db"}, auditv1.LevelRequestResponse, 2},
	} {
		if level, rule := auditLevel(&p, tt.req); level != tt.level || rule != tt.rule {
			t.Errorf("%+v: level %s by rule %d, want %s by rule %d", tt.req, level, rule, tt.level, tt.rule)
		}
	}
}

const auditingAPIServer = `apiVersion: v1
kind: Pod
metadata: {name: kube-apiserver, namespace: kube-system}
spec:
  containers:
  - name: kube-apiserver
    image: registry.k8s.io/kube-apiserver:v1.37.2
    command: [kube-apiserver, --audit-policy-file=/etc/kubernetes/audit/policy.yaml, --audit-log-path=/var/log/audit.log]
    volumeMounts:
    - {name: k8s, mountPath: /etc/kubernetes}
  volumes:
  - {name: k8s, hostPath: {path: /etc/kubernetes}}
`

func TestAuditPolicy(t *testing.T) {
	const id = Prefix + "audit-policy"
	runCases(t, id, []testCase{
		{"no policy", apiserver("--audit-log-path=/var/log/audit.log"), []want{"high: --audit-policy-file is not set (CIS 3.2.1): the API server audits nothing"}},
		{"no backend", apiserver("--audit-policy-file=/etc/kubernetes/audit/policy.yaml"), []want{"high: neither --audit-log-path nor --audit-webhook-config-file is (CIS 3.2.1)"}},
		{"manifest scan", auditingAPIServer, []want{"info: not assessed: --audit-policy-file=/etc/kubernetes/audit/policy.yaml names /etc/kubernetes/audit/policy.yaml on the control-plane node"}},
	})
	t.Run("node: missing under the root", func(t *testing.T) {
		checktest.Expect(t, runOnNode(t, id, map[string]string{"etc/kubernetes/manifests/kube-apiserver.yaml": auditingAPIServer}),
			[]want{"info: not assessed: --audit-policy-file=/etc/kubernetes/audit/policy.yaml names /etc/kubernetes/audit/policy.yaml, which is missing under --root"})
	})
	t.Run("node: good policy", func(t *testing.T) {
		checktest.Expect(t, runOnNode(t, id, map[string]string{
			"etc/kubernetes/manifests/kube-apiserver.yaml": auditingAPIServer,
			"etc/kubernetes/audit/policy.yaml":             "apiVersion: audit.k8s.io/v1\nkind: Policy" + goodPolicy,
		}), nil)
	})
	t.Run("node: catch-all first, on the policy's own line", func(t *testing.T) {
		got := runOnNode(t, id, map[string]string{
			"etc/kubernetes/manifests/kube-apiserver.yaml": auditingAPIServer,
			"etc/kubernetes/audit/policy.yaml":             "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n" + goodPolicy[len("\nrules:\n"):],
		})
		checktest.Expect(t, got, []want{"medium: rule 1 is a catch-all at level None"})
		if len(got) == 1 && got[0].Position.Line != 4 {
			t.Errorf("reported at line %d, want 4", got[0].Position.Line)
		}
	})
}
