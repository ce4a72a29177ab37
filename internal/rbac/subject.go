package rbac

import (
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// The user names and groups the authenticators give.
const (
	saUserPrefix         = "system:serviceaccount:"
	groupAuthenticated   = "system:authenticated"
	groupUnauthenticated = "system:unauthenticated"
	groupServiceAccount  = "system:serviceaccounts"
	userAnonymous        = "system:anonymous"
)

// ServiceAccount is the subject a ServiceAccount's token authenticates as:
// user system:serviceaccount:<ns>:<name>, in the groups
// system:serviceaccounts, system:serviceaccounts:<ns> and
// system:authenticated.
func ServiceAccount(namespace, name string) Subject {
	return Subject{
		User:   saUserPrefix + namespace + ":" + name,
		Groups: []string{groupServiceAccount, groupServiceAccount + ":" + namespace, groupAuthenticated},
	}
}

// User is an authenticated user in the given groups; system:authenticated
// is added.
func User(name string, groups ...string) Subject {
	g := make([]string, 0, len(groups)+1)
	for _, x := range groups {
		if !slices.Contains(g, x) {
			g = append(g, x)
		}
	}
	if !slices.Contains(g, groupAuthenticated) && !slices.Contains(g, groupUnauthenticated) {
		g = append(g, groupAuthenticated)
	}
	return Subject{User: name, Groups: g}
}

// Anonymous is an unauthenticated request: user system:anonymous in the
// group system:unauthenticated.
func Anonymous() Subject {
	return Subject{User: userAnonymous, Groups: []string{groupUnauthenticated}}
}

// Group is any member of the group: no user name, the group and
// system:authenticated (system:unauthenticated alone for that group).
func Group(name string) Subject {
	if name == groupUnauthenticated {
		return Subject{Groups: []string{groupUnauthenticated}}
	}
	if name == groupAuthenticated {
		return Subject{Groups: []string{groupAuthenticated}}
	}
	return Subject{Groups: []string{name, groupAuthenticated}}
}

// ParseSubject reads a subject as a user types it:
//
//	system:serviceaccount:NS:NAME, serviceaccount:NS:NAME, sa:NS/NAME,
//	sa:NS:NAME   a ServiceAccount
//	system:anonymous                                 an anonymous request
//	group:NAME                                       any member of the group
//	user:NAME, NAME                                  a user (authenticated)
func ParseSubject(s string) (Subject, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Subject{}, fmt.Errorf("empty subject")
	}
	kind, rest, hasKind := strings.Cut(s, ":")
	switch {
	case strings.HasPrefix(s, saUserPrefix):
		return parseSA(s, strings.TrimPrefix(s, saUserPrefix), ":")
	case s == userAnonymous:
		return Anonymous(), nil
	case hasKind && (kind == "serviceaccount" || kind == "sa"):
		if strings.Contains(rest, "/") {
			return parseSA(s, rest, "/")
		}
		return parseSA(s, rest, ":")
	case hasKind && kind == "group":
		if rest == "" {
			return Subject{}, fmt.Errorf("subject %q: no group name", s)
		}
		return Group(rest), nil
	case hasKind && kind == "user":
		if rest == "" {
			return Subject{}, fmt.Errorf("subject %q: no user name", s)
		}
		if rest == userAnonymous {
			return Anonymous(), nil
		}
		if strings.HasPrefix(rest, saUserPrefix) {
			return parseSA(s, strings.TrimPrefix(rest, saUserPrefix), ":")
		}
		return User(rest), nil
	}
	return User(s), nil
}

func parseSA(orig, nsName, sep string) (Subject, error) {
	ns, name, ok := strings.Cut(nsName, sep)
	if !ok || ns == "" || name == "" || strings.ContainsAny(name, ":/") || strings.ContainsAny(ns, ":/") {
		return Subject{}, fmt.Errorf("subject %q: a service account is NAMESPACE%sNAME", orig, sep)
	}
	return ServiceAccount(ns, name), nil
}

// IsServiceAccount returns the namespace and name of a ServiceAccount
// subject.
func (s Subject) IsServiceAccount() (namespace, name string, ok bool) {
	rest, found := strings.CutPrefix(s.User, saUserPrefix)
	if !found {
		return "", "", false
	}
	namespace, name, ok = strings.Cut(rest, ":")
	return namespace, name, ok && namespace != "" && name != "" && !strings.Contains(name, ":")
}

// String names the subject the way ParseSubject reads it back, with the
// groups beyond the implicit ones: "system:serviceaccount:shop:web",
// "system:anonymous", "group:devs", "user:alice", "user:bob groups=[devs]".
func (s Subject) String() string {
	switch {
	case s.User == "":
		var explicit []string
		for _, g := range s.Groups {
			if g != groupAuthenticated {
				explicit = append(explicit, g)
			}
		}
		switch len(explicit) {
		case 0:
			return "group:" + strings.Join(s.Groups, ",")
		case 1:
			return "group:" + explicit[0]
		}
		return "groups=[" + strings.Join(explicit, " ") + "]"
	case s.User == userAnonymous && slices.Equal(s.Groups, Anonymous().Groups):
		return userAnonymous
	}
	if ns, name, ok := s.IsServiceAccount(); ok && slices.Equal(s.Groups, ServiceAccount(ns, name).Groups) {
		return s.User
	}
	var extra []string
	for _, g := range s.Groups {
		if g != groupAuthenticated {
			extra = append(extra, g)
		}
	}
	out := "user:" + s.User
	if len(extra) > 0 {
		out += " groups=[" + strings.Join(extra, " ") + "]"
	}
	return out
}

// InGroup reports whether the subject carries the group.
func (s Subject) InGroup(group string) bool { return slices.Contains(s.Groups, group) }

// appliesTo returns the index of the first binding subject that the
// request's subject is, as the authorizer decides it; namespace is the
// RoleBinding's namespace ("" for a ClusterRoleBinding), which a
// ServiceAccount subject without a namespace defaults to.
func appliesTo(s Subject, subjects []rbacv1.Subject, namespace string) (int, bool) {
	for i := range subjects {
		if subjectApplies(s, &subjects[i], namespace) {
			return i, true
		}
	}
	return 0, false
}

// subjectApplies is the authorizer's test of one binding subject: a User
// by name, a Group by membership, a ServiceAccount by the
// system:serviceaccount:<ns>:<name> user name. Any other kind applies to
// nobody; the subject's apiGroup is not looked at.
func subjectApplies(s Subject, sub *rbacv1.Subject, namespace string) bool {
	switch sub.Kind {
	case rbacv1.UserKind:
		return s.User == sub.Name
	case rbacv1.GroupKind:
		return slices.Contains(s.Groups, sub.Name)
	case rbacv1.ServiceAccountKind:
		ns := namespace
		if sub.Namespace != "" {
			ns = sub.Namespace
		}
		if ns == "" {
			return false
		}
		return len(s.User) == len(saUserPrefix)+len(ns)+1+len(sub.Name) &&
			strings.HasPrefix(s.User, saUserPrefix) &&
			s.User[len(saUserPrefix):len(saUserPrefix)+len(ns)] == ns &&
			s.User[len(saUserPrefix)+len(ns)] == ':' &&
			strings.HasSuffix(s.User, sub.Name)
	}
	return false
}

// effectiveSubject is the binding subject as the authorizer reads it: a
// ServiceAccount without a namespace in a RoleBinding takes the binding's
// namespace. ok is false for a subject that applies to nobody (an unknown
// kind, a namespace-less ServiceAccount in a ClusterRoleBinding).
func effectiveSubject(sub rbacv1.Subject, namespace string) (rbacv1.Subject, bool) {
	switch sub.Kind {
	case rbacv1.UserKind, rbacv1.GroupKind:
		return sub, true
	case rbacv1.ServiceAccountKind:
		if sub.Namespace == "" {
			if namespace == "" {
				return sub, false
			}
			sub.Namespace = namespace
		}
		return sub, true
	}
	return sub, false
}

// SubjectOf is the request subject a binding subject stands for: the
// ServiceAccount's or user's own identity with its implicit groups, or,
// for a Group, any member of it. ok is false for a kind that applies to
// nobody. A ServiceAccount subject without a namespace gives none; pass
// it through the binding's namespace first (Holder subjects already are).
func SubjectOf(sub rbacv1.Subject) (Subject, bool) {
	switch sub.Kind {
	case rbacv1.UserKind:
		if sub.Name == userAnonymous {
			return Anonymous(), true
		}
		return User(sub.Name), true
	case rbacv1.GroupKind:
		return Group(sub.Name), true
	case rbacv1.ServiceAccountKind:
		if sub.Namespace == "" {
			return Subject{}, false
		}
		return ServiceAccount(sub.Namespace, sub.Name), true
	}
	return Subject{}, false
}
