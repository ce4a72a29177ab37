package rbac_test

import (
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/palisade-sec/palisade/internal/rbac"
)

func rule(verbs, groups, resources, names []string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{Verbs: verbs, APIGroups: groups, Resources: resources, ResourceNames: names}
}

func urls(verbs []string, paths ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{Verbs: verbs, NonResourceURLs: paths}
}

func l(s ...string) []string { return s }

func TestRuleAllows(t *testing.T) {
	getPods := rbac.Request{Verb: "get", Resource: "pods", Namespace: "shop", Name: "web"}
	listPods := rbac.Request{Verb: "list", Resource: "pods", Namespace: "shop"}
	exec := rbac.Request{Verb: "create", Resource: "pods", Subresource: "exec", Namespace: "shop", Name: "web"}
	scaleDeploy := rbac.Request{Verb: "update", APIGroup: "apps", Resource: "deployments", Subresource: "scale", Namespace: "shop", Name: "web"}
	healthz := rbac.Request{Verb: "get", Path: "/healthz"}
	for _, tc := range []struct {
		name string
		rule rbacv1.PolicyRule
		req  rbac.Request
		want bool
	}{
		{"exact", rule(l("get"), l(""), l("pods"), nil), getPods, true},
		{"other verb", rule(l("list"), l(""), l("pods"), nil), getPods, false},
		{"verb star", rule(l("*"), l(""), l("pods"), nil), getPods, true},
		{"verb star among others", rule(l("list", "*"), l(""), l("pods"), nil), getPods, true},
		{"no verbs", rule(nil, l(""), l("pods"), nil), getPods, false},
		{"verb case matters", rule(l("GET"), l(""), l("pods"), nil), getPods, false},
		{"other group", rule(l("get"), l("apps"), l("pods"), nil), getPods, false},
		{"group star", rule(l("get"), l("*"), l("pods"), nil), getPods, true},
		{"no groups", rule(l("get"), nil, l("pods"), nil), getPods, false},
		{"core group needs empty string", rule(l("get"), l("v1"), l("pods"), nil), getPods, false},
		{"apps group", rule(l("update"), l("apps"), l("deployments/scale"), nil), scaleDeploy, true},
		{"other resource", rule(l("get"), l(""), l("secrets"), nil), getPods, false},
		{"resource star", rule(l("get"), l(""), l("*"), nil), getPods, true},
		{"resource star covers subresources", rule(l("create"), l(""), l("*"), nil), exec, true},
		{"resource does not cover subresource", rule(l("create"), l(""), l("pods"), nil), exec, false},
		{"subresource exact", rule(l("create"), l(""), l("pods/exec"), nil), exec, true},
		{"other subresource", rule(l("create"), l(""), l("pods/attach"), nil), exec, false},
		{"subresource rule does not cover the resource", rule(l("get"), l(""), l("pods/exec"), nil), getPods, false},
		{"star slash subresource", rule(l("update"), l("apps"), l("*/scale"), nil), scaleDeploy, true},
		{"star slash other subresource", rule(l("update"), l("apps"), l("*/status"), nil), scaleDeploy, false},
		{"star slash does not cover the resource", rule(l("get"), l(""), l("*/exec"), nil), getPods, false},
		{"resource slash star is not a wildcard", rule(l("create"), l(""), l("pods/*"), nil), exec, false},
		{"resource slash star literal", rule(l("create"), l(""), l("pods/*"), nil), rbac.Request{Verb: "create", Resource: "pods", Subresource: "*"}, true},
		{"star slash star is not a wildcard", rule(l("create"), l(""), l("*/*"), nil), exec, false},
		{"star slash needs exact suffix", rule(l("update"), l("*"), l("*/xscale"), nil), scaleDeploy, false},
		{"subresource with slash", rule(l("get"), l(""), l("pods/a/b"), nil), rbac.Request{Verb: "get", Resource: "pods", Subresource: "a/b"}, true},
		{"prefix of combined is no match", rule(l("create"), l(""), l("pods/exe"), nil), exec, false},
		{"names empty any name", rule(l("get"), l(""), l("pods"), nil), getPods, true},
		{"names empty no name", rule(l("list"), l(""), l("pods"), nil), listPods, true},
		{"names match", rule(l("get"), l(""), l("pods"), l("db", "web")), getPods, true},
		{"names other", rule(l("get"), l(""), l("pods"), l("db")), getPods, false},
		{"names need a name", rule(l("list"), l(""), l("pods"), l("web")), listPods, false},
		{"names empty-string name matches unnamed", rule(l("list"), l(""), l("pods"), l("")), listPods, true},
		{"names with subresource", rule(l("create"), l(""), l("pods/exec"), l("web")), exec, true},
		{"resource rule never allows a path", rule(l("get"), l("*"), l("*"), nil), healthz, false},
		{"url exact", urls(l("get"), "/healthz"), healthz, true},
		{"url other", urls(l("get"), "/livez"), healthz, false},
		{"url star", urls(l("get"), "*"), healthz, true},
		{"url verb", urls(l("post"), "/healthz"), healthz, false},
		{"url verb star", urls(l("*"), "/healthz"), healthz, true},
		{"url prefix", urls(l("get"), "/health*"), healthz, true},
		{"url prefix slash", urls(l("get"), "/healthz/*"), healthz, false},
		{"url prefix slash deeper", urls(l("get"), "/healthz/*"), rbac.Request{Verb: "get", Path: "/healthz/etcd"}, true},
		{"url many stars trimmed", urls(l("get"), "/heal**"), healthz, true},
		{"url star in middle is literal", urls(l("get"), "/h*z"), healthz, false},
		{"url no trailing slash", urls(l("get"), "/healthz/"), healthz, false},
		{"url rule never allows a resource", urls(l("*"), "*"), getPods, false},
		{"url prefix star root", urls(l("get"), "/*"), healthz, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := rbac.RuleAllows(tc.rule, tc.req); got != tc.want {
				t.Errorf("RuleAllows(%+v, %+v) = %v, want %v", tc.rule, tc.req, got, tc.want)
			}
		})
	}
}

func TestResourceNames(t *testing.T) {
	for _, tc := range []struct {
		rule rbacv1.PolicyRule
		want []string
	}{
		{rule(l("get"), l(""), l("pods"), nil), l("pods")},
		{rule(l("get"), l("apps"), l("deployments", "deployments/scale"), nil), l("deployments.apps", "deployments.apps/scale")},
		{rule(l("get"), l("*"), l("*"), nil), l("*.*")},
		{rule(l("get"), l("", "apps"), l("*/scale"), nil), l("*/scale", "*.apps/scale")},
		{urls(l("get"), "/healthz"), nil},
	} {
		got := rbac.ResourceNames(tc.rule)
		if len(got) != len(tc.want) {
			t.Errorf("%v: got %q, want %q", tc.rule.Resources, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%v: got %q, want %q", tc.rule.Resources, got, tc.want)
			}
		}
	}
}
