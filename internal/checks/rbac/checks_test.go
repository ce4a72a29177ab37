package rbac

import (
	"fmt"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/checks/checktest"
)

// role writes a ClusterRole (namespace "") or a Role with the rules given
// as YAML flow sequences.
func role(kind, namespace, name string, rules ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: rbac.authorization.k8s.io/v1\nkind: %s\nmetadata: {name: %s", kind, name)
	if namespace != "" {
		fmt.Fprintf(&b, ", namespace: %s", namespace)
	}
	b.WriteString("}\nrules:\n")
	for _, r := range rules {
		fmt.Fprintf(&b, "- %s\n", r)
	}
	return b.String() + "---\n"
}

// binding writes a ClusterRoleBinding (namespace "") or a RoleBinding of
// roleKind/roleName to the subjects, given as YAML flow mappings.
func binding(namespace, name, roleKind, roleName string, subjects ...string) string {
	kind, meta := "ClusterRoleBinding", fmt.Sprintf("{name: %s}", name)
	if namespace != "" {
		kind, meta = "RoleBinding", fmt.Sprintf("{name: %s, namespace: %s}", name, namespace)
	}
	return fmt.Sprintf("apiVersion: rbac.authorization.k8s.io/v1\nkind: %s\nmetadata: %s\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: %s, name: %s}\nsubjects: [%s]\n---\n",
		kind, meta, roleKind, roleName, strings.Join(subjects, ", "))
}

const (
	saWeb  = "{kind: ServiceAccount, name: web, namespace: shop}"
	devs   = "{kind: Group, name: devs, apiGroup: rbac.authorization.k8s.io}"
	alice  = "{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}"
	anyone = "{kind: Group, name: system:unauthenticated, apiGroup: rbac.authorization.k8s.io}"
	authed = "{kind: Group, name: system:authenticated, apiGroup: rbac.authorization.k8s.io}"
)

func TestRiskChecks(t *testing.T) {
	tests := []struct {
		name, check, manifests string
		want                   []string
	}{
		// rbac/cluster-admin
		{"cluster-admin bound cluster-wide", "rbac/cluster-admin",
			binding("", "web-admin", "ClusterRole", "cluster-admin", saWeb),
			[]string{"critical: lets ServiceAccount shop/web do anything in the whole cluster"}},
		{"an equivalent role bound in one namespace", "rbac/cluster-admin",
			role("Role", "shop", "all", `{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}`) + binding("shop", "all", "Role", "all", devs),
			[]string{`high: lets Group devs do anything in namespace "shop"`}},
		{"the bootstrap system:masters binding is not reported", "rbac/cluster-admin",
			"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: cluster-admin, labels: {kubernetes.io/bootstrapping: rbac-defaults}}\n" +
				"roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: Group, name: system:masters, apiGroup: rbac.authorization.k8s.io}]\n",
			nil},
		{"a bootstrap binding someone added a user to is reported", "rbac/cluster-admin",
			"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: cluster-admin, labels: {kubernetes.io/bootstrapping: rbac-defaults}}\n" +
				"roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: Group, name: system:masters, apiGroup: rbac.authorization.k8s.io}, " + alice + "]\n",
			[]string{"critical: Group system:masters, User alice do anything"}},
		{"view is not admin", "rbac/cluster-admin", binding("", "devs-view", "ClusterRole", "view", devs), nil},

		// rbac/wildcard-rule
		{"wildcard verbs", "rbac/wildcard-rule",
			role("ClusterRole", "", "pods-all", `{apiGroups: [""], resources: [pods], verbs: ["*"]}`) + binding("", "b", "ClusterRole", "pods-all", devs),
			[]string{"high: do anything, future verbs included, to [pods] in every namespace"}},
		{"wildcard resources in a namespace", "rbac/wildcard-rule",
			role("Role", "shop", "read-all", `{apiGroups: [""], resources: ["*"], verbs: [get]}`) + binding("shop", "b", "Role", "read-all", devs),
			[]string{`medium: [get] every resource of API groups [], future ones included in namespace "shop"`}},
		{"listed verbs and resources", "rbac/wildcard-rule",
			role("ClusterRole", "", "r", `{apiGroups: [""], resources: [pods], verbs: [get, list]}`) + binding("", "b", "ClusterRole", "r", devs), nil},
		{"a wildcard role nobody is bound to", "rbac/wildcard-rule",
			role("ClusterRole", "", "pods-all", `{apiGroups: [""], resources: [pods], verbs: ["*"]}`), nil},

		// rbac/read-secrets
		{"list secrets cluster-wide", "rbac/read-secrets",
			role("ClusterRole", "", "r", `{apiGroups: [""], resources: [secrets], verbs: [list]}`) + binding("", "b", "ClusterRole", "r", saWeb),
			[]string{"high: read Secrets in every namespace: verbs [list] on secrets"}},
		{"a ClusterRole bound in one namespace", "rbac/read-secrets",
			role("ClusterRole", "", "r", `{apiGroups: [""], resources: [secrets], verbs: [get, watch]}`) + binding("shop", "b", "ClusterRole", "r", saWeb),
			[]string{`medium: read Secrets in namespace "shop": verbs [get watch]`}},
		{"get on named secrets only", "rbac/read-secrets",
			role("Role", "shop", "r", `{apiGroups: [""], resources: [secrets], verbs: [get], resourceNames: [db-password]}`) + binding("shop", "b", "Role", "r", saWeb), nil},
		{"secrets in another API group are not Secrets", "rbac/read-secrets",
			role("ClusterRole", "", "r", `{apiGroups: [vault.example.com], resources: [secrets], verbs: [get]}`) + binding("", "b", "ClusterRole", "r", saWeb), nil},

		// rbac/create-pods
		{"create deployments", "rbac/create-pods",
			role("Role", "shop", "r", `{apiGroups: [apps], resources: [deployments], verbs: [create, patch]}`) + binding("shop", "b", "Role", "r", devs),
			[]string{`medium: run pods in namespace "shop": verbs [create patch] on deployments.apps`}},
		{"edit bound cluster-wide (a bootstrap role)", "rbac/create-pods",
			binding("", "devs-edit", "ClusterRole", "edit", devs),
			[]string{"high: Group devs run pods in every namespace"}},
		{"read-only pods", "rbac/create-pods",
			role("ClusterRole", "", "r", `{apiGroups: [""], resources: [pods], verbs: [get, list, watch]}`) + binding("", "b", "ClusterRole", "r", devs), nil},

		// rbac/pod-exec
		{"pods/exec", "rbac/pod-exec",
			role("Role", "shop", "r", `{apiGroups: [""], resources: [pods/exec], verbs: [create]}`) + binding("shop", "b", "Role", "r", alice),
			[]string{`medium: User alice run commands in pods in namespace "shop": verbs [create] on pods/exec`}},
		{"nodes/proxy", "rbac/pod-exec",
			role("ClusterRole", "", "r", `{apiGroups: [""], resources: [nodes/proxy], verbs: [get]}`) + binding("", "b", "ClusterRole", "r", saWeb),
			[]string{"high: verbs [get] on nodes/proxy"}},
		{"pods/log is not exec", "rbac/pod-exec",
			role("ClusterRole", "", "r", `{apiGroups: [""], resources: [pods/log], verbs: [get]}`) + binding("", "b", "ClusterRole", "r", saWeb), nil},

		// rbac/escalate-or-bind
		{"bind clusterroles", "rbac/escalate-or-bind",
			role("ClusterRole", "", "r", `{apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind]}`) + binding("", "b", "ClusterRole", "r", saWeb),
			[]string{"critical: escalate or bind roles in every namespace: verbs [bind] on clusterroles.rbac.authorization.k8s.io"}},
		{"escalate roles in a namespace", "rbac/escalate-or-bind",
			role("Role", "shop", "r", `{apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [escalate]}`) + binding("shop", "b", "Role", "r", saWeb),
			[]string{"high: verbs [escalate] on roles.rbac.authorization.k8s.io"}},
		{"bind one named role", "rbac/escalate-or-bind",
			role("ClusterRole", "", "r", `{apiGroups: [rbac.authorization.k8s.io], resources: [clusterroles], verbs: [bind], resourceNames: [view]}`) + binding("", "b", "ClusterRole", "r", saWeb), nil},

		// rbac/impersonate
		{"impersonate users and groups", "rbac/impersonate",
			role("ClusterRole", "", "r", `{apiGroups: [""], resources: [users, groups], verbs: [impersonate]}`) + binding("", "b", "ClusterRole", "r", saWeb),
			[]string{"critical: verbs [impersonate] on users, groups"}},
		{"a RoleBinding cannot impersonate users", "rbac/impersonate",
			role("ClusterRole", "", "r", `{apiGroups: [""], resources: [users], verbs: [impersonate]}`) + binding("shop", "b", "ClusterRole", "r", saWeb), nil},

		// rbac/create-serviceaccount-token
		{"TokenRequest", "rbac/create-serviceaccount-token",
			role("Role", "shop", "r", `{apiGroups: [""], resources: [serviceaccounts/token], verbs: [create]}`) + binding("shop", "b", "Role", "r", devs),
			[]string{`medium: request tokens for service accounts in namespace "shop"`}},
		{"get serviceaccounts is no token", "rbac/create-serviceaccount-token",
			role("Role", "shop", "r", `{apiGroups: [""], resources: [serviceaccounts], verbs: [get, create]}`) + binding("shop", "b", "Role", "r", devs), nil},

		// rbac/write-admission-control
		{"patch webhook configurations", "rbac/write-admission-control",
			role("ClusterRole", "", "r", `{apiGroups: [admissionregistration.k8s.io], resources: [mutatingwebhookconfigurations], verbs: [patch]}`) + binding("", "b", "ClusterRole", "r", saWeb),
			[]string{"high: change admission control in every namespace: verbs [patch] on mutatingwebhookconfigurations.admissionregistration.k8s.io"}},
		{"read webhook configurations", "rbac/write-admission-control",
			role("ClusterRole", "", "r", `{apiGroups: [admissionregistration.k8s.io], resources: ["*"], verbs: [get, list]}`) + binding("", "b", "ClusterRole", "r", saWeb), nil},

		// rbac/create-persistentvolumes
		{"create PVs", "rbac/create-persistentvolumes",
			role("ClusterRole", "", "r", `{apiGroups: [""], resources: [persistentvolumes], verbs: [create]}`) + binding("", "b", "ClusterRole", "r", saWeb),
			[]string{"high: create PersistentVolumes (hostPath included)"}},
		{"claims are not volumes", "rbac/create-persistentvolumes",
			role("ClusterRole", "", "r", `{apiGroups: [""], resources: [persistentvolumeclaims], verbs: [create]}`) + binding("", "b", "ClusterRole", "r", saWeb), nil},

		// rbac/modify-namespaces
		{"patch namespaces", "rbac/modify-namespaces",
			role("ClusterRole", "", "r", `{apiGroups: [""], resources: [namespaces], verbs: [patch]}`) + binding("", "b", "ClusterRole", "r", devs),
			[]string{"medium: change Namespaces and their Pod Security labels"}},
		{"create namespaces only", "rbac/modify-namespaces",
			role("ClusterRole", "", "r", `{apiGroups: [""], resources: [namespaces], verbs: [create, get]}`) + binding("", "b", "ClusterRole", "r", devs), nil},

		// rbac/delete-events
		{"delete events in a namespace", "rbac/delete-events",
			role("Role", "shop", "r", `{apiGroups: [events.k8s.io], resources: [events], verbs: [deletecollection]}`) + binding("shop", "b", "Role", "r", devs),
			[]string{`low: delete Events (evidence) in namespace "shop"`}},
		{"create events", "rbac/delete-events",
			role("Role", "shop", "r", `{apiGroups: [""], resources: [events], verbs: [create, patch]}`) + binding("shop", "b", "Role", "r", devs), nil},

		// rbac/anonymous-access
		{"a role bound to unauthenticated callers", "rbac/anonymous-access",
			role("ClusterRole", "", "r", `{apiGroups: [""], resources: [pods], verbs: [list]}`) + binding("", "b", "ClusterRole", "r", anyone),
			[]string{"critical: gives Group system:unauthenticated — anyone who reaches the API server, without credentials — 1 rule"}},
		{"a role bound to every signed-in user", "rbac/anonymous-access",
			role("Role", "shop", "r", `{apiGroups: [""], resources: [configmaps], verbs: [get]}`) + binding("shop", "b", "Role", "r", authed),
			[]string{`high: Group system:authenticated — every signed-in user and every service account of every pod — 1 rule of Role "r" in namespace "shop"`}},
		{"the public bootstrap binding", "rbac/anonymous-access",
			"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: system:public-info-viewer, labels: {kubernetes.io/bootstrapping: rbac-defaults}}\n" +
				"roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:public-info-viewer}\nsubjects: [" + authed + ", " + anyone + "]\n",
			nil},
		{"a look-alike of a bootstrap binding", "rbac/anonymous-access",
			"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: system:monitoring, labels: {kubernetes.io/bootstrapping: rbac-defaults}}\n" +
				"roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects: [" + anyone + "]\n",
			[]string{"critical: gives Group system:unauthenticated"}},

		// rbac/default-service-account
		{"default bound to edit", "rbac/default-service-account",
			binding("shop", "b", "ClusterRole", "edit", "{kind: ServiceAccount, name: default, namespace: shop}"),
			[]string{`medium: gives the default service account of namespace "shop"`}},
		{"a dedicated account", "rbac/default-service-account",
			binding("shop", "b", "ClusterRole", "edit", saWeb), nil},

		// rbac/approve-csr
		{"approval and the client signer", "rbac/approve-csr",
			role("ClusterRole", "", "r",
				`{apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval], verbs: [update]}`,
				`{apiGroups: [certificates.k8s.io], resources: [signers], verbs: [approve], resourceNames: ["kubernetes.io/kube-apiserver-client"]}`) +
				binding("", "b", "ClusterRole", "r", saWeb),
			[]string{"high: it can mint a client certificate for the group system:masters"}},
		{"approval for a custom signer only", "rbac/approve-csr",
			role("ClusterRole", "", "r",
				`{apiGroups: [certificates.k8s.io], resources: [certificatesigningrequests/approval], verbs: [update]}`,
				`{apiGroups: [certificates.k8s.io], resources: [signers], verbs: [approve], resourceNames: ["example.com/serving"]}`) +
				binding("", "b", "ClusterRole", "r", saWeb), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checktest.Expect(t, checktest.Run(t, tt.check, nil, tt.manifests), tt.want)
		})
	}
}
