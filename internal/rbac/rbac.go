// Package rbac is Palisade's model of Kubernetes RBAC authorization. It
// answers, from a cluster.Snapshot, the questions the API server's RBAC
// authorizer answers (may this subject do this?), the ones kubectl answers
// (what may this subject do? who may do this?) with the rule and binding
// that decide each answer, and the one neither answers: who can climb to
// cluster-admin, and how.
package rbac

import (
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// Subject is who makes a request, as the authenticator presents it: a
// user name and the groups the user is in, the implicit groups included.
// Build one with ServiceAccount, User, Anonymous or ParseSubject.
type Subject struct {
	// User is the user name: "alice", "system:serviceaccount:shop:web",
	// "system:anonymous". Empty for "any member of Groups".
	User string
	// Groups are every group the request carries, implicit ones included
	// (system:authenticated, system:serviceaccounts,
	// system:serviceaccounts:<ns>, system:unauthenticated).
	Groups []string
}

// Request is one authorization question, as a SubjectAccessReview asks it.
type Request struct {
	// Verb is the API verb: get, list, watch, create, update, patch,
	// delete, deletecollection, or a special verb (impersonate, bind,
	// escalate, approve, use). For a non-resource request it is the
	// lower-case HTTP verb (get, post, ...).
	Verb string
	// APIGroup is the resource's API group, "" for the core group.
	APIGroup string
	// Resource is the plural resource name: "pods".
	Resource string
	// Subresource is the subresource, "exec" for pods/exec; "" for none.
	Subresource string
	// Namespace is the request's namespace; "" for a cluster-scoped
	// resource or a request across every namespace.
	Namespace string
	// Name is the object's name; "" for list, create or a collection.
	Name string
	// Path, when set, makes this a non-resource request ("/healthz",
	// "/metrics"); then only Verb and Path are read.
	Path string
}

// Grant is the evidence for an allowed request: which subject of which
// binding matched, and which rule of which role allowed it.
type Grant struct {
	// Binding is the RoleBinding or ClusterRoleBinding.
	Binding *cluster.Object
	// SubjectIndex is the index of the matching subject in the binding's
	// subjects.
	SubjectIndex int
	// Role is the bound Role or ClusterRole.
	Role *cluster.Object
	// Rule is the rule that allowed the request.
	Rule rbacv1.PolicyRule
	// RuleSource is the role the rule is written in: Role itself, or, for
	// an aggregated ClusterRole, the ClusterRole whose rule was aggregated.
	RuleSource *cluster.Object
	// RuleIndex is the index of Rule in RuleSource's rules.
	RuleIndex int
}

// SourcedRule is one effective rule of a role with the role it is written
// in (the role itself, or an aggregated ClusterRole) and its index there.
type SourcedRule struct {
	Rule   rbacv1.PolicyRule
	Source *cluster.Object
	Index  int

	// key is ruleKey(Rule), computed once for the rules aggregation
	// compares; "" until then.
	key string
}

// Binding is one RoleBinding or ClusterRoleBinding resolved against the
// roles of the snapshot.
type Binding struct {
	// Object is the binding.
	Object *cluster.Object
	// Namespace is the binding's namespace, "" for a ClusterRoleBinding:
	// the scope its rules apply in.
	Namespace string
	RoleRef   rbacv1.RoleRef
	// Role is the bound role; nil when the snapshot does not hold it (the
	// binding then grants nothing, as in the API server).
	Role     *cluster.Object
	Subjects []rbacv1.Subject
	// Rules are the role's effective rules, aggregation included.
	Rules []SourcedRule

	// role is the bound role, nil when missing.
	role *Role
	// order is the binding's place in Model.Bindings.
	order int
}

// Holder is one subject of a binding (a User, Group or ServiceAccount, as
// written in the binding) that holds a permission, with every grant that
// gives it.
type Holder struct {
	Subject rbacv1.Subject
	Grants  []Grant
}

// Permission is one row of what a subject may do, as
// `kubectl auth can-i --list` prints it, with the scope and the grant.
type Permission struct {
	// Namespace is where the permission holds; "" for every namespace
	// and cluster-scoped resources (a ClusterRoleBinding).
	Namespace string
	// Resources are "resource.group/subresource" names as kubectl prints
	// them: "pods", "deployments.apps", "pods/exec", "*.*".
	Resources       []string
	NonResourceURLs []string
	ResourceNames   []string
	Verbs           []string
	Grant           Grant
}

// modelKey is the key of the Model in cluster.Snapshot.Derived.
type modelKey struct{}

// For returns the model of the snapshot, built on the first call and shared
// by every later caller (every RBAC check asks the same one).
func For(snap *cluster.Snapshot) *Model {
	return snap.Derived(modelKey{}, func(s *cluster.Snapshot) any { return Build(s) }).(*Model)
}
