package audit

import (
	"fmt"
	"strings"
	"testing"

	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
	"sigs.k8s.io/yaml"
)

func TestRBACProposal(t *testing.T) {
	sa := user("system:serviceaccount:shop:web", "system:serviceaccounts", "system:authenticated")
	events := []*auditv1.Event{
		mk("get", "/api/v1/namespaces/shop/configmaps/settings", sa, ref("configmaps", "shop", "settings")),
		mk("get", "/api/v1/namespaces/shop/configmaps/settings", sa, ref("configmaps", "shop", "settings"), stage(auditv1.StageRequestReceived)),
		mk("update", "/api/v1/namespaces/shop/configmaps/settings", sa, ref("configmaps", "shop", "settings")),
		mk("get", "/api/v1/namespaces/shop/secrets/web-tls", sa, ref("secrets", "shop", "web-tls")),
		mk("list", "/api/v1/namespaces/shop/pods", sa, ref("pods", "shop", "")),
		mk("watch", "/api/v1/namespaces/shop/pods", sa, ref("pods", "shop", "")),
		mk("watch", "/api/v1/namespaces/shop/services", sa, ref("services", "shop", "")),
		mk("create", "/api/v1/namespaces/shop/pods/web-0/exec", sa, ref("pods", "shop", "web-0"), sub("exec")),
		mk("get", "/apis/coordination.k8s.io/v1/namespaces/data/leases/x", sa, ref("leases", "data", "x"), apiGroup("coordination.k8s.io")),
		mk("list", "/api/v1/nodes", sa, ref("nodes", "", "")),
		mk("get", "/api/v1/namespaces", sa, ref("namespaces", "", "")),
		mk("get", "/version", sa),
		mk("delete", "/api/v1/namespaces/shop/secrets/x", sa, ref("secrets", "shop", "x"), code(403)),
		mk("get", "/api/v1/namespaces/shop/pods/other", user("bob"), ref("pods", "shop", "other")),
	}
	// Generated names: more than MaxNames objects of one resource.
	for i := 0; i < 7; i++ {
		events = append(events, mk("delete", fmt.Sprintf("/api/v1/namespaces/shop/pods/job-%d", i), sa, ref("pods", "shop", fmt.Sprintf("job-%d", i))))
	}
	rec := NewRBACRecorder(RBACSubject{ServiceAccountNamespace: "shop", ServiceAccount: "web"}, RBACOptions{})
	if _, err := Read("a", strings.NewReader(logOf(t, events...)), Limits{}, func(e *Event) error { rec.Record(e); return nil }); err != nil {
		t.Fatal(err)
	}
	if rec.Requests != 18 || rec.Refused != 1 {
		t.Errorf("requests %d, refused %d", rec.Requests, rec.Refused)
	}
	p := rec.Propose("web-observed")
	got := proposalYAML(t, p)
	for _, line := range []string{
		"Role web-observed -n data: [coordination.k8s.io] [leases] [get] [x]",
		"Role web-observed -n shop: [] [pods] [list watch delete] []",
		"Role web-observed -n shop: [] [services] [watch] []",
		"Role web-observed -n shop: [] [configmaps] [get update] [settings]",
		"Role web-observed -n shop: [] [pods/exec] [create] [web-0]",
		"Role web-observed -n shop: [] [secrets] [get] [web-tls]",
		"ClusterRole web-observed: [] [namespaces] [get] []",
		"ClusterRole web-observed: [] [nodes] [list] []",
		"ClusterRole web-observed: nonResourceURLs [/version] [get]",
		"RoleBinding web-observed -n shop: ServiceAccount shop/web",
		"ClusterRoleBinding web-observed: ServiceAccount shop/web",
	} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("proposal lacks %q:\n%s", line, got)
		}
	}
	if n := strings.Count(got, "\n"); n != 12 {
		t.Errorf("%d lines:\n%s", n, got)
	}
	if notes := rec.Notes(); len(notes) != 1 || !strings.Contains(notes[0], "1 refused requests are not covered") {
		t.Errorf("notes %q", notes)
	}
	if _, err := yaml.Marshal(p.Roles); err != nil {
		t.Fatal(err)
	}
}

func TestRBACProposalImpersonation(t *testing.T) {
	rec := NewRBACRecorder(RBACSubject{User: "alice"}, RBACOptions{IncludeDenied: true})
	log := logOf(t,
		mk("list", "/api/v1/namespaces/shop/pods", ref("pods", "shop", ""), impersonate("bob", "dev", "system:authenticated")),
		mk("list", "/api/v1/namespaces/shop/pods", ref("pods", "shop", ""), impersonate("system:serviceaccount:shop:web")),
		mk("get", "/api/v1/namespaces/shop/secrets/x", ref("secrets", "shop", "x"), code(403)),
	)
	if _, err := Read("a", strings.NewReader(log), Limits{}, func(e *Event) error { rec.Record(e); return nil }); err != nil {
		t.Fatal(err)
	}
	got := proposalYAML(t, rec.Propose("alice"))
	for _, line := range []string{
		"ClusterRole alice: [] [users] [impersonate] [bob]",
		"ClusterRole alice: [] [groups] [impersonate] [dev]",
		"Role alice -n shop: [] [serviceaccounts] [impersonate] [web]",
		"Role alice -n shop: [] [secrets] [get] [x]",
		"ClusterRoleBinding alice: User alice",
	} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("proposal lacks %q:\n%s", line, got)
		}
	}
	if strings.Contains(got, "[pods]") {
		t.Errorf("what alice did as bob is bob's:\n%s", got)
	}
}

// proposalYAML lists a proposal one rule per line.
func proposalYAML(t *testing.T, p *RBACProposal) string {
	t.Helper()
	var b strings.Builder
	for _, r := range p.Roles {
		for _, rule := range r.Rules {
			fmt.Fprintf(&b, "Role %s -n %s: %v %v %v %v\n", r.Name, r.Namespace, rule.APIGroups, rule.Resources, rule.Verbs, rule.ResourceNames)
		}
	}
	for _, r := range p.ClusterRoles {
		for _, rule := range r.Rules {
			if len(rule.NonResourceURLs) > 0 {
				fmt.Fprintf(&b, "ClusterRole %s: nonResourceURLs %v %v\n", r.Name, rule.NonResourceURLs, rule.Verbs)
				continue
			}
			fmt.Fprintf(&b, "ClusterRole %s: %v %v %v %v\n", r.Name, rule.APIGroups, rule.Resources, rule.Verbs, rule.ResourceNames)
		}
	}
	for _, rb := range p.RoleBindings {
		for _, s := range rb.Subjects {
			fmt.Fprintf(&b, "RoleBinding %s -n %s: %s %s/%s\n", rb.Name, rb.Namespace, s.Kind, s.Namespace, s.Name)
		}
	}
	for _, rb := range p.ClusterRoleBindings {
		for _, s := range rb.Subjects {
			name := s.Name
			if s.Namespace != "" {
				name = s.Namespace + "/" + s.Name
			}
			fmt.Fprintf(&b, "ClusterRoleBinding %s: %s %s\n", rb.Name, s.Kind, name)
		}
	}
	return b.String()
}
