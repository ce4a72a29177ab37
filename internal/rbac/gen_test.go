package rbac_test

import (
	"fmt"
	"math/rand/v2"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/rbac"
)

// genResources are the resources the generator draws from, by group.
var genResources = map[string][]string{
	"":                          {"pods", "pods/log", "pods/exec", "services", "configmaps", "secrets", "serviceaccounts", "serviceaccounts/token", "persistentvolumeclaims", "events", "nodes", "namespaces"},
	"apps":                      {"deployments", "deployments/scale", "statefulsets", "statefulsets/scale", "daemonsets", "replicasets"},
	"batch":                     {"jobs", "cronjobs", "jobs/status"},
	"networking.k8s.io":         {"ingresses", "networkpolicies"},
	"rbac.authorization.k8s.io": {"roles", "rolebindings", "clusterroles", "clusterrolebindings"},
}

var (
	genGroups = []string{"", "", "", "apps", "apps", "batch", "networking.k8s.io", "rbac.authorization.k8s.io"}
	genVerbs  = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "impersonate", "bind", "escalate"}
	genPaths  = []string{"/healthz", "/metrics", "/logs/*", "/api/*", "/debug/pprof/*", "/version", "/readyz*"}
)

// genCluster makes a cluster of nRoles roles and nBindings bindings, as a
// large multi-tenant cluster has them: most roles are Roles of one of many
// namespaces with a few rules each, a tenth are ClusterRoles (some
// aggregated, a few with non-resource URLs); rules sometimes use "*" for
// verbs, groups or resources, name resources, or grant a subresource or
// "*/scale". Most bindings are RoleBindings (to a Role of their namespace
// or to a ClusterRole), a tenth ClusterRoleBindings, with one to three
// ServiceAccount, User or Group subjects.
func genCluster(rng *rand.Rand, nRoles, nBindings int) []*cluster.Object {
	nNS := max(1, nRoles/30)
	ns := func(i int) string { return fmt.Sprintf("ns-%d", i) }
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	var objs []*cluster.Object
	add := func(kind string, obj metav1.Object, typed interface {
		metav1.Object
	}) {
		o := &cluster.Object{
			ID:   cluster.ObjectID{APIVersion: "rbac.authorization.k8s.io/v1", Kind: kind, Namespace: obj.GetNamespace(), Name: obj.GetName()},
			Meta: obj,
		}
		switch t := typed.(type) {
		case *rbacv1.Role:
			o.Typed = t
		case *rbacv1.ClusterRole:
			o.Typed = t
		case *rbacv1.RoleBinding:
			o.Typed = t
		case *rbacv1.ClusterRoleBinding:
			o.Typed = t
		}
		objs = append(objs, o)
	}
	genRule := func(cluster bool) rbacv1.PolicyRule {
		if cluster && rng.IntN(20) == 0 {
			return rbacv1.PolicyRule{Verbs: []string{pick([]string{"get", "*", "post"})}, NonResourceURLs: []string{pick(genPaths), pick(genPaths)}}
		}
		var r rbacv1.PolicyRule
		switch n := rng.IntN(100); {
		case n < 5:
			r.Verbs = []string{"*"}
		case n < 50:
			r.Verbs = []string{"get", "list", "watch"}
		default:
			for range 1 + rng.IntN(3) {
				r.Verbs = append(r.Verbs, pick(genVerbs))
			}
		}
		g := pick(genGroups)
		if rng.IntN(40) == 0 {
			r.APIGroups = []string{"*"}
		} else {
			r.APIGroups = []string{g}
		}
		switch n := rng.IntN(100); {
		case n < 3:
			r.Resources = []string{"*"}
		case n < 6:
			r.Resources = []string{"*/scale"}
		default:
			for range 1 + rng.IntN(3) {
				r.Resources = append(r.Resources, pick(genResources[g]))
			}
		}
		if rng.IntN(10) == 0 {
			r.ResourceNames = []string{fmt.Sprintf("obj-%d", rng.IntN(5))}
		}
		return r
	}
	nCluster := max(1, nRoles/10)
	for i := range nCluster {
		cr := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("cr-%d", i),
			Labels: map[string]string{"tier": fmt.Sprintf("t%d", rng.IntN(10))}}}
		if rng.IntN(100) == 0 {
			cr.AggregationRule = &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{
				{MatchLabels: map[string]string{"tier": fmt.Sprintf("t%d", rng.IntN(10))}}}}
		} else {
			for range 1 + rng.IntN(4) {
				cr.Rules = append(cr.Rules, genRule(true))
			}
		}
		add(rbac.KindClusterRole, cr, cr)
	}
	for i := range nRoles - nCluster {
		r := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("role-%d", i/nNS), Namespace: ns(i % nNS)}}
		for range 1 + rng.IntN(4) {
			r.Rules = append(r.Rules, genRule(false))
		}
		add(rbac.KindRole, r, r)
	}
	subjects := func(namespace string) []rbacv1.Subject {
		var out []rbacv1.Subject
		for range 1 + rng.IntN(3) {
			switch n := rng.IntN(100); {
			case n < 60:
				s := rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: fmt.Sprintf("sa-%d", rng.IntN(20)), Namespace: namespace}
				if namespace == "" || rng.IntN(4) == 0 {
					s.Namespace = ns(rng.IntN(nNS))
				}
				out = append(out, s)
			case n < 85:
				out = append(out, rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: fmt.Sprintf("user-%d", rng.IntN(200))})
			default:
				out = append(out, rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: fmt.Sprintf("group-%d", rng.IntN(30))})
			}
		}
		return out
	}
	nCRB := max(1, nBindings/10)
	for i := range nCRB {
		b := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("crb-%d", i)},
			RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: rbac.KindClusterRole, Name: fmt.Sprintf("cr-%d", rng.IntN(nCluster))},
			Subjects: subjects("")}
		add(rbac.KindClusterRoleBinding, b, b)
	}
	perNS := max(1, (nRoles-nCluster)/nNS)
	for i := range nBindings - nCRB {
		namespace := ns(i % nNS)
		b := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("rb-%d", i/nNS), Namespace: namespace},
			Subjects: subjects(namespace)}
		if rng.IntN(10) < 7 {
			b.RoleRef = rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: rbac.KindRole, Name: fmt.Sprintf("role-%d", rng.IntN(perNS+1))}
		} else {
			b.RoleRef = rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: rbac.KindClusterRole, Name: fmt.Sprintf("cr-%d", rng.IntN(nCluster))}
		}
		add(rbac.KindRoleBinding, b, b)
	}
	return objs
}

// genRequest draws a request the generated roles may or may not allow.
func genRequest(rng *rand.Rand, nNS int) rbac.Request {
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	if rng.IntN(15) == 0 {
		return rbac.Request{Verb: pick([]string{"get", "post", "put"}), Path: pick([]string{"/healthz", "/metrics", "/logs/kubelet", "/api/v1", "/debug/pprof/heap", "/version", "/readyz/etcd", "/livez"})}
	}
	g := pick(genGroups)
	res := pick(genResources[g])
	r := rbac.Request{Verb: pick(genVerbs), APIGroup: g}
	r.Resource, r.Subresource, _ = cut(res)
	if rng.IntN(5) > 0 {
		r.Namespace = fmt.Sprintf("ns-%d", rng.IntN(nNS))
	}
	if rng.IntN(2) == 0 {
		r.Name = fmt.Sprintf("obj-%d", rng.IntN(6))
	}
	return r
}

// genSubject draws a subject the generated bindings may name.
func genSubject(rng *rand.Rand, nNS int) rbac.Subject {
	switch rng.IntN(4) {
	case 0, 1:
		return rbac.ServiceAccount(fmt.Sprintf("ns-%d", rng.IntN(nNS)), fmt.Sprintf("sa-%d", rng.IntN(20)))
	case 2:
		return rbac.User(fmt.Sprintf("user-%d", rng.IntN(200)), fmt.Sprintf("group-%d", rng.IntN(30)))
	}
	return rbac.Group(fmt.Sprintf("group-%d", rng.IntN(30)))
}

func cut(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
