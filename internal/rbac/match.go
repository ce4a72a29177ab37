package rbac

import (
	"strconv"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// IsNonResource reports whether the request is for a non-resource URL
// (Path set) rather than for a resource.
func (r Request) IsNonResource() bool { return r.Path != "" }

// RuleAllows reports whether one rule allows the request, with the API
// server's RBAC authorizer's matching to the letter:
//
//   - a verb matches itself and "*";
//   - an API group matches itself and "*";
//   - a resource matches "*", its own name ("pods"), its combined name
//     with the subresource ("pods/exec"), and, for a subresource, "*/exec";
//     a rule for "pods" does not cover "pods/exec";
//   - an empty resourceNames list matches any name (and no name); a
//     non-empty one matches only a request that names one of them, so it
//     never matches list, watch, create or deletecollection of a collection;
//   - a non-resource URL matches itself, "*", and a rule URL ending in "*"
//     that the URL starts with (the rule's trailing stars removed).
func RuleAllows(rule rbacv1.PolicyRule, r Request) bool {
	if !verbMatches(rule.Verbs, r.Verb) {
		return false
	}
	if r.IsNonResource() {
		return nonResourceURLMatches(rule.NonResourceURLs, r.Path)
	}
	return apiGroupMatches(rule.APIGroups, r.APIGroup) &&
		resourceMatches(rule.Resources, r.Resource, r.Subresource) &&
		resourceNameMatches(rule.ResourceNames, r.Name)
}

func verbMatches(verbs []string, verb string) bool {
	for _, v := range verbs {
		if v == rbacv1.VerbAll || v == verb {
			return true
		}
	}
	return false
}

func apiGroupMatches(groups []string, group string) bool {
	for _, g := range groups {
		if g == rbacv1.APIGroupAll || g == group {
			return true
		}
	}
	return false
}

// resourceMatches matches the rule's resources against the request's
// resource and subresource.
func resourceMatches(resources []string, resource, subresource string) bool {
	for _, res := range resources {
		if res == rbacv1.ResourceAll {
			return true
		}
		if subresource == "" {
			if res == resource {
				return true
			}
			continue
		}
		// "pods/exec" as one string, without building it.
		if len(res) == len(resource)+1+len(subresource) &&
			strings.HasPrefix(res, resource) && res[len(resource)] == '/' && strings.HasSuffix(res, subresource) {
			return true
		}
		if len(res) == len(subresource)+2 && strings.HasPrefix(res, "*/") && strings.HasSuffix(res, subresource) {
			return true
		}
	}
	return false
}

func resourceNameMatches(names []string, name string) bool {
	if len(names) == 0 {
		return true
	}
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

func nonResourceURLMatches(urls []string, path string) bool {
	for _, u := range urls {
		if u == rbacv1.NonResourceAll || u == path {
			return true
		}
		if strings.HasSuffix(u, "*") && strings.HasPrefix(path, strings.TrimRight(u, "*")) {
			return true
		}
	}
	return false
}

// ResourceNames renders a rule's resources as kubectl auth can-i --list
// prints them: "resource.group/subresource" for every resource and group
// of the rule ("pods", "deployments.apps", "pods/exec", "*.*"). A rule
// without resources renders as none.
func ResourceNames(rule rbacv1.PolicyRule) []string {
	if len(rule.Resources) == 0 {
		return nil
	}
	groups := rule.APIGroups
	if len(groups) == 0 {
		groups = []string{""}
	}
	out := make([]string, 0, len(rule.Resources)*len(groups))
	for _, g := range groups {
		for _, res := range rule.Resources {
			out = append(out, combineResourceGroup(res, g))
		}
	}
	return out
}

// combineResourceGroup renders one resource of one group like kubectl:
// "deployments.apps/scale".
func combineResourceGroup(resource, group string) string {
	name, sub, hasSub := strings.Cut(resource, "/")
	s := name
	if group != "" {
		s += "." + group
	}
	if hasSub {
		s += "/" + sub
	}
	return s
}

// ruleKey is a key equal for rules the API server's semantic equality
// holds equal (a nil list equals an empty one).
func ruleKey(r rbacv1.PolicyRule) string {
	var b strings.Builder
	for _, list := range [][]string{r.Verbs, r.APIGroups, r.Resources, r.ResourceNames, r.NonResourceURLs} {
		b.WriteString(strconv.Itoa(len(list)))
		b.WriteByte(':')
		for _, s := range list {
			b.WriteString(strconv.Itoa(len(s)))
			b.WriteByte(':')
			b.WriteString(s)
		}
	}
	return b.String()
}
