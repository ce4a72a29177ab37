package rbac

import (
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	authz "github.com/palisade-sec/palisade/internal/rbac"
)

// bootstrapLabel marks every object of the API server's bootstrap RBAC
// policy.
const bootstrapLabel = "kubernetes.io/bootstrapping"

// everyoneGroups are the groups that hold every caller, or every
// unauthenticated one.
var everyoneGroups = map[string]bool{
	"system:authenticated":   true,
	"system:unauthenticated": true,
}

// publicBootstrap are the bootstrap bindings that give everyone, signed in
// or not, the discovery and health endpoints: the only built-in grants to
// system:anonymous, system:unauthenticated and system:authenticated.
var publicBootstrap = map[string]bool{
	"system:discovery":          true,
	"system:basic-user":         true,
	"system:public-info-viewer": true,
}

// builtIn reports whether a binding is one every cluster has: the API
// server's bootstrap policy (labelled kubernetes.io/bootstrapping:
// rbac-defaults, e.g. cluster-admin for the group system:masters) and
// kubeadm's defaults (kubeadm:* bindings for bootstrap tokens, nodes and
// the kubeadm:cluster-admins group). Besides its name or label, a built-in
// binding names only system identities: users and groups named system:* or
// kubeadm:*, service accounts of kube-system. Grants to everyone
// (system:authenticated, system:unauthenticated, system:anonymous) are
// built-in only in the three public bootstrap bindings. A built-in binding
// that someone extended with another subject is no longer built-in and is
// reported like any other.
func builtIn(b *authz.Binding) bool {
	o := b.Object
	name := o.ID.Name
	if o.Labels()[bootstrapLabel] != "rbac-defaults" && !strings.HasPrefix(name, "kubeadm:") {
		return false
	}
	for _, s := range b.Subjects {
		if !systemSubject(s, b.Namespace) {
			return false
		}
		if s.Kind != rbacv1.ServiceAccountKind && (everyoneGroups[s.Name] || s.Name == "system:anonymous") && !publicBootstrap[name] {
			return false
		}
	}
	return true
}

// systemSubject reports whether a binding subject is an identity the
// control plane itself uses.
func systemSubject(s rbacv1.Subject, bindingNS string) bool {
	if s.Kind == rbacv1.ServiceAccountKind {
		ns := s.Namespace
		if ns == "" {
			ns = bindingNS
		}
		return ns == "kube-system"
	}
	return strings.HasPrefix(s.Name, "system:") || strings.HasPrefix(s.Name, "kubeadm:")
}
