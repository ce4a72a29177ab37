package rbac_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/checks/checktest"
	"github.com/palisade-sec/palisade/internal/rbac"
)

const fixture = `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: pod-reader, labels: {agg/view: "true"}}
rules:
- {apiGroups: [""], resources: [pods, pods/log], verbs: [get, list, watch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: deployer, labels: {agg/edit: "true"}}
rules:
- {apiGroups: [""], resources: [configmaps], verbs: [get]}
- {apiGroups: [apps], resources: [deployments], verbs: [get, list]}
- {apiGroups: [apps], resources: [deployments], verbs: [create]}
- {apiGroups: ["*"], resources: ["*/scale"], verbs: [update]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: viewer, labels: {agg/edit: "true", agg/view: "true"}}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {agg/view: "true"}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: editor}
aggregationRule:
  clusterRoleSelectors: [{matchLabels: {agg/edit: "true"}}]
rules:
- {apiGroups: [""], resources: [services], verbs: [delete]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: metrics}
rules:
- {nonResourceURLs: ["/metrics", "/debug/*"], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: secret-web, namespace: shop}
rules:
- {apiGroups: [""], resources: [secrets], resourceNames: [web-tls], verbs: [get]}
- {apiGroups: [""], resources: [pods/exec], verbs: [create]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ci}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: deployer}
subjects:
- {kind: ServiceAccount, name: ci, namespace: build}
- {kind: ServiceAccount, name: nowhere}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: web, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-web}
subjects:
- {kind: ServiceAccount, name: web}
- {kind: User, apiGroup: rbac.authorization.k8s.io, name: alice}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: edit-in-shop, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: editor}
subjects:
- {kind: Group, apiGroup: rbac.authorization.k8s.io, name: shop-devs}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: metrics-in-shop, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: metrics}
subjects:
- {kind: Group, apiGroup: rbac.authorization.k8s.io, name: shop-devs}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: public-metrics}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: metrics}
subjects:
- {kind: Group, apiGroup: rbac.authorization.k8s.io, name: system:unauthenticated}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: all-sa-view}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: viewer}
subjects:
- {kind: Group, apiGroup: rbac.authorization.k8s.io, name: system:serviceaccounts:team}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: dangling}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: does-not-exist}
subjects:
- {kind: User, apiGroup: rbac.authorization.k8s.io, name: bob}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: role-from-crb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-web}
subjects:
- {kind: User, apiGroup: rbac.authorization.k8s.io, name: bob}
- {kind: Robot, name: bob}
`

func TestAllowed(t *testing.T) {
	m := rbac.Build(checktest.Snapshot(t, fixture))
	ci := rbac.ServiceAccount("build", "ci")
	web := rbac.ServiceAccount("shop", "web")
	alice := rbac.User("alice")
	dev := rbac.User("carol", "shop-devs")
	teamSA := rbac.ServiceAccount("team", "runner")
	bob := rbac.User("bob")
	anon := rbac.Anonymous()
	for _, tc := range []struct {
		name  string
		who   rbac.Subject
		req   rbac.Request
		grant string // "" for denied; else a part of Grant.String()
	}{
		{"crb applies in any namespace", ci, rbac.Request{Verb: "create", APIGroup: "apps", Resource: "deployments", Namespace: "x"}, `ClusterRoleBinding "ci" (subjects[0]) → ClusterRole "deployer" rules[2]: verbs [create] on deployments.apps`},
		{"crb applies cluster-wide", ci, rbac.Request{Verb: "list", APIGroup: "apps", Resource: "deployments"}, `ClusterRole "deployer" rules[1]`},
		{"crb star slash scale", ci, rbac.Request{Verb: "update", APIGroup: "apps", Resource: "statefulsets", Subresource: "scale", Namespace: "x", Name: "db"}, `rules[3]: verbs [update] on *.*/scale`},
		{"crb not the resource itself", ci, rbac.Request{Verb: "update", APIGroup: "apps", Resource: "statefulsets", Namespace: "x"}, ""},
		{"crb other verb", ci, rbac.Request{Verb: "delete", APIGroup: "apps", Resource: "deployments", Namespace: "x"}, ""},
		{"crb sa without namespace applies to nobody", rbac.ServiceAccount("default", "nowhere"), rbac.Request{Verb: "get", Resource: "configmaps", Namespace: "default"}, ""},
		{"other sa", rbac.ServiceAccount("build", "other"), rbac.Request{Verb: "get", Resource: "configmaps", Namespace: "build"}, ""},
		{"rb sa defaults to binding namespace", web, rbac.Request{Verb: "get", Resource: "secrets", Namespace: "shop", Name: "web-tls"}, `RoleBinding "shop/web" (subjects[0]) → Role "shop/secret-web" rules[0]: verbs [get] on secrets named [web-tls]`},
		{"rb sa of another namespace", rbac.ServiceAccount("other", "web"), rbac.Request{Verb: "get", Resource: "secrets", Namespace: "shop", Name: "web-tls"}, ""},
		{"resourceNames other name", web, rbac.Request{Verb: "get", Resource: "secrets", Namespace: "shop", Name: "db"}, ""},
		{"resourceNames list", web, rbac.Request{Verb: "list", Resource: "secrets", Namespace: "shop"}, ""},
		{"rb user", alice, rbac.Request{Verb: "create", Resource: "pods", Subresource: "exec", Namespace: "shop", Name: "x"}, `RoleBinding "shop/web" (subjects[1]) → Role "shop/secret-web" rules[1]`},
		{"rb only in its namespace", alice, rbac.Request{Verb: "create", Resource: "pods", Subresource: "exec", Namespace: "prod", Name: "x"}, ""},
		{"rb not cluster-wide", alice, rbac.Request{Verb: "create", Resource: "pods", Subresource: "exec", Name: "x"}, ""},
		{"rb to clusterrole in its namespace", dev, rbac.Request{Verb: "delete", Resource: "services", Namespace: "shop", Name: "x"}, `RoleBinding "shop/edit-in-shop" (subjects[0]) → ClusterRole "editor" rules[0]: verbs [delete] on services`},
		{"rb to clusterrole not elsewhere", dev, rbac.Request{Verb: "delete", Resource: "services", Namespace: "prod", Name: "x"}, ""},
		{"rb to clusterrole not cluster-wide", dev, rbac.Request{Verb: "delete", Resource: "services", Name: "x"}, ""},
		{"aggregated rule names its source", dev, rbac.Request{Verb: "create", APIGroup: "apps", Resource: "deployments", Namespace: "shop"}, `ClusterRole "editor" (aggregated from ClusterRole "deployer" rules[2]): verbs [create] on deployments.apps`},
		{"aggregation chain", dev, rbac.Request{Verb: "get", Resource: "pods", Subresource: "log", Namespace: "shop", Name: "p"}, `ClusterRole "editor" (aggregated from ClusterRole "pod-reader" rules[0])`},
		{"aggregated into viewer", teamSA, rbac.Request{Verb: "watch", Resource: "pods", Namespace: "any"}, `ClusterRoleBinding "all-sa-view" (subjects[0]) → ClusterRole "viewer" (aggregated from ClusterRole "pod-reader" rules[0])`},
		{"viewer does not aggregate itself or edit", teamSA, rbac.Request{Verb: "get", Resource: "configmaps", Namespace: "any"}, ""},
		{"implicit sa namespace group", teamSA, rbac.Request{Verb: "get", Resource: "pods", Name: "p"}, `all-sa-view`},
		{"group of other namespace", ci, rbac.Request{Verb: "get", Resource: "pods", Namespace: "x", Name: "p"}, ""},
		{"non-resource through crb", anon, rbac.Request{Verb: "get", Path: "/debug/pprof/heap"}, `ClusterRoleBinding "public-metrics" (subjects[0]) → ClusterRole "metrics" rules[0]: verbs [get] on /metrics, /debug/*`},
		{"non-resource exact", anon, rbac.Request{Verb: "get", Path: "/metrics"}, `public-metrics`},
		{"non-resource prefix needs the slash", anon, rbac.Request{Verb: "get", Path: "/debug"}, ""},
		{"non-resource verb", anon, rbac.Request{Verb: "post", Path: "/metrics"}, ""},
		{"non-resource not through a rolebinding", dev, rbac.Request{Verb: "get", Path: "/metrics", Namespace: "shop"}, ""},
		{"authenticated user is not unauthenticated", alice, rbac.Request{Verb: "get", Path: "/metrics"}, ""},
		{"missing role grants nothing", bob, rbac.Request{Verb: "get", Resource: "secrets", Namespace: "shop", Name: "web-tls"}, ""},
		{"anonymous gets no resources", anon, rbac.Request{Verb: "get", Resource: "pods", Namespace: "shop", Name: "x"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, ok := m.Allowed(tc.who, tc.req)
			sg, sok := rbac.AllowedScan(m, tc.who, tc.req)
			if ok != sok || g.String() != sg.String() {
				t.Errorf("index and scan differ: %v %q / %v %q", ok, g, sok, sg)
			}
			switch {
			case tc.grant == "" && ok:
				t.Errorf("%s may %+v by %s; want denied", tc.who, tc.req, g)
			case tc.grant != "" && !ok:
				t.Errorf("%s may not %+v; want allowed by %s", tc.who, tc.req, tc.grant)
			case ok && !strings.Contains(g.String(), tc.grant):
				t.Errorf("grant %q, want one with %q", g, tc.grant)
			}
		})
	}
}

func TestAggregation(t *testing.T) {
	m := rbac.Build(checktest.Snapshot(t, fixture+`
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: a, labels: {ring: "true"}}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {ring: "true"}}]}
rules: [{apiGroups: [""], resources: [a], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: b, labels: {ring: "true"}}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {ring: "true"}}]}
rules: [{apiGroups: [""], resources: [b], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: everything}
aggregationRule: {clusterRoleSelectors: [{}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: bad-selector}
aggregationRule: {clusterRoleSelectors: [{matchExpressions: [{key: x, operator: Nope}]}]}
rules: [{apiGroups: [""], resources: [kept], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: none-matched}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {nobody: "true"}}]}
`))
	rules := func(name string) string {
		r := m.Role("", name)
		if r == nil {
			t.Fatalf("no ClusterRole %s", name)
		}
		var out []string
		for _, sr := range r.Rules {
			out = append(out, fmt.Sprintf("%s[%d]%v%v", sr.Source.ID.Name, sr.Index, sr.Rule.Resources, sr.Rule.Verbs))
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct{ role, want string }{
		// By selector, then by name; the role's own rules last.
		{"viewer", "pod-reader[0][pods pods/log][get list watch]"},
		{"editor", "deployer[0][configmaps][get] deployer[1][deployments][get list] deployer[2][deployments][create] deployer[3][*/scale][update] pod-reader[0][pods pods/log][get list watch] editor[0][services][delete]"},
		{"a", "b[0][b][get] a[0][a][get]"},
		{"b", "b[0][b][get] a[0][a][get]"},
		{"bad-selector", "bad-selector[0][kept][get]"},
		{"none-matched", ""},
	} {
		if got := rules(tc.role); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.role, got, tc.want)
		}
	}
	// An empty selector selects every other ClusterRole — the manifests'
	// and the bootstrap ones Build adds — each distinct rule once.
	everything := rules("everything")
	for _, want := range []string{"deployer[3][*/scale][update]", "pod-reader[0][pods pods/log][get list watch]", "cluster-admin[0][*][*]"} {
		if !strings.Contains(everything, want) {
			t.Errorf("everything lacks %s: %s", want, everything)
		}
	}
	seenRule := map[string]bool{}
	for _, sr := range m.Role("", "everything").Rules {
		key := fmt.Sprintf("%v", sr.Rule)
		if seenRule[key] {
			t.Errorf("everything holds %s twice", key)
		}
		seenRule[key] = true
	}
	var from []string
	for _, r := range m.Role("", "editor").AggregatedFrom {
		from = append(from, r.Name)
	}
	if strings.Join(from, " ") != "deployer viewer" {
		t.Errorf("editor aggregates %v", from)
	}
}

func TestWhoCan(t *testing.T) {
	m := rbac.Build(checktest.Snapshot(t, fixture+`
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: also-web, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: secret-web}
subjects:
- {kind: ServiceAccount, name: web, namespace: shop}
`))
	describe := func(hs []rbac.Holder) string {
		var out []string
		for _, h := range hs {
			s := h.Subject.Kind + ":" + h.Subject.Namespace + "/" + h.Subject.Name
			for _, g := range h.Grants {
				s += fmt.Sprintf(" %s[%d]>%s[%d]", g.Binding.ID.Name, g.SubjectIndex, g.RuleSource.ID.Name, g.RuleIndex)
			}
			out = append(out, s)
		}
		return strings.Join(out, "; ")
	}
	for _, tc := range []struct {
		req  rbac.Request
		want string
	}{
		{rbac.Request{Verb: "get", Resource: "secrets", Namespace: "shop", Name: "web-tls"},
			"ServiceAccount:shop/web also-web[0]>secret-web[0] web[0]>secret-web[0]; User:/alice web[1]>secret-web[0]"},
		{rbac.Request{Verb: "get", Resource: "secrets", Namespace: "prod", Name: "web-tls"}, ""},
		{rbac.Request{Verb: "get", Resource: "pods", Namespace: "shop", Name: "x"},
			"Group:/shop-devs edit-in-shop[0]>pod-reader[0]; Group:/system:serviceaccounts:team all-sa-view[0]>pod-reader[0]"},
		{rbac.Request{Verb: "get", Resource: "pods"}, "Group:/system:serviceaccounts:team all-sa-view[0]>pod-reader[0]"},
		{rbac.Request{Verb: "update", APIGroup: "apps", Resource: "deployments", Subresource: "scale", Namespace: "shop", Name: "x"},
			"Group:/shop-devs edit-in-shop[0]>deployer[3]; ServiceAccount:build/ci ci[0]>deployer[3]"},
		{rbac.Request{Verb: "get", Path: "/metrics", Namespace: "shop"}, "Group:/system:unauthenticated public-metrics[0]>metrics[0]"},
	} {
		got := describe(m.WhoCan(tc.req))
		if got != tc.want {
			t.Errorf("WhoCan(%+v):\n got %s\nwant %s", tc.req, got, tc.want)
		}
		if scan := describe(rbac.WhoCanScan(m, tc.req)); scan != got {
			t.Errorf("WhoCan(%+v): index and scan differ:\n%s\n%s", tc.req, got, scan)
		}
	}
}

func TestPermissionsOf(t *testing.T) {
	m := rbac.Build(checktest.Snapshot(t, fixture))
	var rows []string
	for _, p := range m.PermissionsOf(rbac.User("alice", "shop-devs")) {
		rows = append(rows, fmt.Sprintf("%s|%v|%v|%v|%v", p.Namespace, p.Resources, p.NonResourceURLs, p.ResourceNames, p.Verbs))
	}
	want := []string{
		"shop|[]|[/metrics /debug/*]|[]|[get]",
		"shop|[*.*/scale]|[]|[]|[update]",
		"shop|[configmaps]|[]|[]|[get]",
		"shop|[deployments.apps]|[]|[]|[create]",
		"shop|[deployments.apps]|[]|[]|[get list]",
		"shop|[pods pods/log]|[]|[]|[get list watch]",
		"shop|[pods/exec]|[]|[]|[create]",
		"shop|[secrets]|[]|[web-tls]|[get]",
		"shop|[services]|[]|[]|[delete]",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("PermissionsOf:\n got %s\nwant %s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
	if ps := m.PermissionsOf(rbac.Anonymous()); len(ps) != 1 || ps[0].Namespace != "" || ps[0].Grant.Binding.ID.Name != "public-metrics" {
		t.Errorf("anonymous: %+v", ps)
	}
}
