package audit

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The least-privilege proposer: from what one subject did in the log, the
// Roles, ClusterRoles and bindings that allow exactly that.
//
//   - Requests in a namespace become rules of a Role in that namespace;
//     requests for cluster-scoped resources, across every namespace, and
//     for non-resource URLs become rules of a ClusterRole.
//   - The verbs used on one resource (subresources are their own resource:
//     pods/exec) are merged into one rule, and resources of one API group
//     used with the same verbs share a rule.
//   - resourceNames are kept where they are stable: for the verbs that
//     name an object (get, update, patch, delete, and any verb on a
//     subresource of a named object), when the subject touched at most
//     MaxNames distinct objects of that resource in that scope. Past that,
//     the names are generated or many, and the rule covers every object.
//   - Only requests that were allowed count (the subject needs no more);
//     IncludeDenied adds the refused ones (the subject asked for them).
//   - A subject that impersonated others needs impersonate on them: on
//     users and groups (cluster-wide) and serviceaccounts (in their
//     namespace), with their names. What it did as them is theirs.

// RBACSubject is who to propose roles for.
type RBACSubject struct {
	// User is a user name; or ServiceAccountNamespace and ServiceAccount
	// name a service account.
	User                                    string
	ServiceAccountNamespace, ServiceAccount string
}

// Username is the subject's user name as the API server knows it.
func (s RBACSubject) Username() string {
	if s.ServiceAccount != "" {
		return "system:serviceaccount:" + s.ServiceAccountNamespace + ":" + s.ServiceAccount
	}
	return s.User
}

func (s RBACSubject) subject() rbacv1.Subject {
	if s.ServiceAccount != "" {
		return rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: s.ServiceAccount, Namespace: s.ServiceAccountNamespace}
	}
	return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: s.User}
}

// RBACOptions tune the proposal.
type RBACOptions struct {
	// MaxNames is the most distinct object names kept in resourceNames
	// for one resource in one scope; zero means 5.
	MaxNames int
	// IncludeDenied covers refused requests too.
	IncludeDenied bool
}

// RBACRecorder gathers what one subject did.
type RBACRecorder struct {
	subject  RBACSubject
	username string
	opts     RBACOptions
	scopes   map[string]map[resourceKey]*usage // by namespace; "" is the cluster
	urls     map[string]map[string]bool        // non-resource URL -> verbs
	seen     map[string]bool                   // auditIDs counted
	// Requests counts the subject's requests covered, Refused those
	// refused (covered only with IncludeDenied).
	Requests, Refused int
	First, Last       time.Time
	urlsDropped       int
}

type resourceKey struct{ group, resource string }

type usage struct {
	unnamed  map[string]bool            // verbs used without a name, or on more objects than kept
	named    map[string]map[string]bool // verb -> object names
	names    map[string]bool            // every name seen, up to MaxNames+1
	tooMany  bool
	maxNames int
}

// maxURLs bounds the non-resource URLs remembered.
const maxURLs = 1000

// NewRBACRecorder starts gathering the requests of a subject.
func NewRBACRecorder(s RBACSubject, opts RBACOptions) *RBACRecorder {
	if opts.MaxNames <= 0 {
		opts.MaxNames = 5
	}
	return &RBACRecorder{subject: s, username: s.Username(), opts: opts,
		scopes: map[string]map[resourceKey]*usage{}, urls: map[string]map[string]bool{}, seen: map[string]bool{}}
}

// namedVerbs are the verbs RBAC can limit with resourceNames.
var namedVerbs = map[string]bool{"get": true, "update": true, "patch": true, "delete": true}

// Record notes one event, when it is the subject's.
func (r *RBACRecorder) Record(e *Event) {
	if !e.decisive() || e.Code() == 401 {
		return
	}
	impersonator := e.ImpersonatedUser != nil && e.ImpersonatedUser.Username != "" && e.User.Username == r.username
	if e.Username() != r.username && !impersonator {
		return
	}
	if id := string(e.AuditID); id != "" {
		if r.seen[id] {
			return // another stage of a request already counted
		}
		if len(r.seen) > 100_000 {
			clear(r.seen)
		}
		r.seen[id] = true
	}
	if e.Refused() {
		r.Refused++
		if !r.opts.IncludeDenied {
			return
		}
	}
	r.Requests++
	if t := e.RequestReceivedTimestamp.Time; !t.IsZero() {
		if r.First.IsZero() || t.Before(r.First) {
			r.First = t
		}
		if t.After(r.Last) {
			r.Last = t
		}
	}
	if impersonator {
		u := e.ImpersonatedUser
		if ns, name, ok := ServiceAccount(u.Username); ok {
			r.use(ns, "", "serviceaccounts", "impersonate", name, true)
		} else {
			r.use("", "", "users", "impersonate", u.Username, true)
		}
		for _, g := range u.Groups {
			if g != "system:authenticated" && !strings.HasPrefix(g, "system:serviceaccounts") {
				r.use("", "", "groups", "impersonate", g, true)
			}
		}
		return
	}
	ref := e.ObjectRef
	if ref == nil || ref.Resource == "" {
		p := pathOf(e.RequestURI)
		if p == "" {
			return
		}
		if r.urls[p] == nil {
			if len(r.urls) >= maxURLs {
				r.urlsDropped++
				return
			}
			r.urls[p] = map[string]bool{}
		}
		r.urls[p][e.Verb] = true
		return
	}
	resource := ref.Resource
	if ref.Subresource != "" {
		resource += "/" + ref.Subresource
	}
	canName := ref.Name != "" && (namedVerbs[e.Verb] || ref.Subresource != "")
	r.use(ref.Namespace, ref.APIGroup, resource, e.Verb, ref.Name, canName)
}

func (r *RBACRecorder) use(ns, group, resource, verb, name string, canName bool) {
	scope := r.scopes[ns]
	if scope == nil {
		scope = map[resourceKey]*usage{}
		r.scopes[ns] = scope
	}
	k := resourceKey{group, resource}
	u := scope[k]
	if u == nil {
		u = &usage{unnamed: map[string]bool{}, named: map[string]map[string]bool{}, names: map[string]bool{}, maxNames: r.opts.MaxNames}
		scope[k] = u
	}
	if !canName || u.tooMany {
		u.unnamed[verb] = true
		return
	}
	if !u.names[name] {
		if len(u.names) >= u.maxNames {
			// Too many objects: the names are not stable; cover them all.
			u.tooMany = true
			for v := range u.named {
				u.unnamed[v] = true
			}
			u.named, u.names = map[string]map[string]bool{}, nil
			u.unnamed[verb] = true
			return
		}
		u.names[name] = true
	}
	if u.named[verb] == nil {
		u.named[verb] = map[string]bool{}
	}
	u.named[verb][name] = true
}

// RBACProposal is the roles and bindings proposed.
type RBACProposal struct {
	Roles               []rbacv1.Role
	ClusterRoles        []rbacv1.ClusterRole
	RoleBindings        []rbacv1.RoleBinding
	ClusterRoleBindings []rbacv1.ClusterRoleBinding
}

// Empty reports whether nothing is proposed: the subject did nothing.
func (p *RBACProposal) Empty() bool { return len(p.Roles) == 0 && len(p.ClusterRoles) == 0 }

// Notes say what the proposal leaves out.
func (r *RBACRecorder) Notes() []string {
	var out []string
	if r.Refused > 0 && !r.opts.IncludeDenied {
		out = append(out, fmt.Sprintf("%d refused requests are not covered (--include-denied covers them)", r.Refused))
	}
	if r.urlsDropped > 0 {
		out = append(out, fmt.Sprintf("requests to %d more non-resource URLs beyond %d are not covered", r.urlsDropped, maxURLs))
	}
	return out
}

// Propose makes the roles and bindings, named name.
func (r *RBACRecorder) Propose(name string) *RBACProposal {
	p := &RBACProposal{}
	labels := map[string]string{"app.kubernetes.io/managed-by": "palisade"}
	annotations := map[string]string{"palisade.dev/proposed-from": fmt.Sprintf("%d requests of %s", r.Requests, r.username)}
	subjects := []rbacv1.Subject{r.subject.subject()}
	namespaces := make([]string, 0, len(r.scopes))
	for ns := range r.scopes {
		namespaces = append(namespaces, ns)
	}
	sort.Strings(namespaces)
	for _, ns := range namespaces {
		if ns == "" {
			continue
		}
		rules := rulesOf(r.scopes[ns])
		om := metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels, Annotations: annotations}
		p.Roles = append(p.Roles, rbacv1.Role{TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"}, ObjectMeta: om, Rules: rules})
		p.RoleBindings = append(p.RoleBindings, rbacv1.RoleBinding{
			TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"}, ObjectMeta: om,
			Subjects: subjects, RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: name},
		})
	}
	clusterRules := rulesOf(r.scopes[""])
	urls := make([]string, 0, len(r.urls))
	for u := range r.urls {
		urls = append(urls, u)
	}
	sort.Strings(urls)
	byVerbs := map[string][]string{}
	var verbKeys []string
	for _, u := range urls {
		k := strings.Join(sortedKeys(r.urls[u]), ",")
		if byVerbs[k] == nil {
			verbKeys = append(verbKeys, k)
		}
		byVerbs[k] = append(byVerbs[k], u)
	}
	sort.Strings(verbKeys)
	for _, k := range verbKeys {
		clusterRules = append(clusterRules, rbacv1.PolicyRule{NonResourceURLs: byVerbs[k], Verbs: strings.Split(k, ",")})
	}
	if len(clusterRules) > 0 {
		om := metav1.ObjectMeta{Name: name, Labels: labels, Annotations: annotations}
		p.ClusterRoles = append(p.ClusterRoles, rbacv1.ClusterRole{TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"}, ObjectMeta: om, Rules: clusterRules})
		p.ClusterRoleBindings = append(p.ClusterRoleBindings, rbacv1.ClusterRoleBinding{
			TypeMeta: metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"}, ObjectMeta: om,
			Subjects: subjects, RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name},
		})
	}
	return p
}

// verbOrder sorts verbs the way people list them.
var verbOrder = map[string]int{"get": 0, "list": 1, "watch": 2, "create": 3, "update": 4, "patch": 5, "delete": 6, "deletecollection": 7}

func sortVerbs(verbs []string) []string {
	slices.SortFunc(verbs, func(a, b string) int {
		oa, okA := verbOrder[a]
		ob, okB := verbOrder[b]
		switch {
		case okA && okB:
			return oa - ob
		case okA:
			return -1
		case okB:
			return 1
		}
		return strings.Compare(a, b)
	})
	return verbs
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// rulesOf turns the usage of one scope into rules: one per API group and
// set of verbs (and, for named rules, set of names).
func rulesOf(scope map[resourceKey]*usage) []rbacv1.PolicyRule {
	type ruleKey struct{ group, verbs, names string }
	merged := map[ruleKey][]string{}
	for k, u := range scope {
		if len(u.unnamed) > 0 {
			rk := ruleKey{k.group, strings.Join(sortVerbs(sortedKeys(u.unnamed)), ","), ""}
			merged[rk] = append(merged[rk], k.resource)
		}
		// Named verbs the rule above already covers for every object need
		// no names; the rest are grouped by the names they were used on.
		byNames := map[string][]string{}
		for verb, names := range u.named {
			if u.unnamed[verb] {
				continue
			}
			nk := strings.Join(sortedKeys(names), "\x00")
			byNames[nk] = append(byNames[nk], verb)
		}
		for nk, verbs := range byNames {
			rk := ruleKey{k.group, strings.Join(sortVerbs(verbs), ","), nk}
			merged[rk] = append(merged[rk], k.resource)
		}
	}
	keys := make([]ruleKey, 0, len(merged))
	for k := range merged {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.group != b.group {
			return a.group < b.group
		}
		if a.names != b.names {
			return a.names < b.names
		}
		return a.verbs < b.verbs
	})
	var rules []rbacv1.PolicyRule
	for _, k := range keys {
		resources := merged[k]
		sort.Strings(resources)
		rule := rbacv1.PolicyRule{APIGroups: []string{k.group}, Resources: resources, Verbs: strings.Split(k.verbs, ",")}
		if k.names != "" {
			rule.ResourceNames = strings.Split(k.names, "\x00")
		}
		rules = append(rules, rule)
	}
	return rules
}
