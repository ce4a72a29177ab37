package controlplane

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

// auditRequest is a request an audit policy is asked about.
type auditRequest struct {
	user        string
	groups      []string
	verb        string
	group       string // API group, "" for core
	resource    string
	subresource string
	namespace   string
	name        string
}

// auditLevel decides the level of a request as the API server does: the
// first rule that matches wins (users, user groups, verbs, then resources
// and namespaces, or non-resource URLs), and no match means None. It
// returns the rule's index, or -1.
func auditLevel(p *auditv1.Policy, r auditRequest) (auditv1.Level, int) {
	for i := range p.Rules {
		if auditRuleMatches(&p.Rules[i], r) {
			return p.Rules[i].Level, i
		}
	}
	return auditv1.LevelNone, -1
}

func auditRuleMatches(rule *auditv1.PolicyRule, r auditRequest) bool {
	if len(rule.Users) > 0 && !slices.Contains(rule.Users, r.user) {
		return false
	}
	if len(rule.UserGroups) > 0 && !slices.ContainsFunc(r.groups, func(g string) bool { return slices.Contains(rule.UserGroups, g) }) {
		return false
	}
	if len(rule.Verbs) > 0 && !slices.Contains(rule.Verbs, r.verb) {
		return false
	}
	if len(rule.Namespaces) > 0 || len(rule.Resources) > 0 {
		if len(rule.Namespaces) > 0 && !slices.Contains(rule.Namespaces, r.namespace) {
			return false
		}
		if len(rule.Resources) == 0 {
			return true
		}
		combined := r.resource
		if r.subresource != "" {
			combined += "/" + r.subresource
		}
		for _, gr := range rule.Resources {
			if gr.Group != r.group && gr.Group != "*" {
				continue
			}
			if len(gr.Resources) == 0 {
				return true
			}
			if len(gr.ResourceNames) > 0 && !slices.Contains(gr.ResourceNames, r.name) {
				continue
			}
			for _, res := range gr.Resources {
				switch {
				case res == combined || res == "*":
					return true
				case r.subresource != "" && strings.HasPrefix(res, "*/") && r.subresource == res[2:]:
					return true
				case strings.HasSuffix(res, "/*") && r.resource == strings.TrimSuffix(res, "/*"):
					return true
				}
			}
		}
		return false
	}
	// A rule limited to non-resource URLs never matches a resource request.
	return len(rule.NonResourceURLs) == 0
}

// isCatchAll reports whether a rule matches every resource request of
// every user: no user, group, verb, namespace or URL limit, and no
// resource limit or a "*" one.
func isCatchAll(rule *auditv1.PolicyRule) bool {
	if len(rule.Users)+len(rule.UserGroups)+len(rule.Verbs)+len(rule.Namespaces)+len(rule.NonResourceURLs) > 0 {
		return false
	}
	if len(rule.Resources) == 0 {
		return true
	}
	for _, gr := range rule.Resources {
		if gr.Group == "*" && len(gr.ResourceNames) == 0 && (len(gr.Resources) == 0 || slices.Contains(gr.Resources, "*")) {
			return true
		}
	}
	return false
}

var auditLevels = map[auditv1.Level]int{auditv1.LevelNone: 0, auditv1.LevelMetadata: 1, auditv1.LevelRequest: 2, auditv1.LevelRequestResponse: 3}

// auditIdentity is who the policy is asked about: an ordinary
// authenticated user, and a service account (what a stolen token is).
type auditIdentity struct {
	desc   string
	user   string
	groups []string
}

var auditIdentities = []auditIdentity{
	{"a user", "jane@example.com", []string{"system:authenticated"}},
	{"a service account", "system:serviceaccount:default:app", []string{"system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"}},
}

// auditProbe is a kind of request the policy must log at a level.
type auditProbe struct {
	verbs                        []string
	group, resource, subresource string
	namespaced                   bool
	min, max                     auditv1.Level
	leaks                        bool // a level above max writes secret values into the log
	concern, cis                 string
}

var auditProbes = []auditProbe{
	{verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}, resource: "secrets", namespaced: true, min: auditv1.LevelMetadata, max: auditv1.LevelMetadata, leaks: true, concern: "secrets"},
	{verbs: []string{"get", "list", "watch", "create", "update", "patch", "delete"}, resource: "configmaps", namespaced: true, min: auditv1.LevelMetadata, max: auditv1.LevelMetadata, concern: "configmaps"},
	{verbs: []string{"create"}, group: "authentication.k8s.io", resource: "tokenreviews", min: auditv1.LevelMetadata, max: auditv1.LevelMetadata, leaks: true, concern: "tokenreviews"},
	{verbs: []string{"create", "get"}, resource: "pods", subresource: "exec", namespaced: true, min: auditv1.LevelMetadata, max: auditv1.LevelRequestResponse, concern: "pods/exec"},
	{verbs: []string{"create", "get"}, resource: "pods", subresource: "attach", namespaced: true, min: auditv1.LevelMetadata, max: auditv1.LevelRequestResponse, concern: "pods/attach"},
	{verbs: []string{"create", "get"}, resource: "pods", subresource: "portforward", namespaced: true, min: auditv1.LevelMetadata, max: auditv1.LevelRequestResponse, concern: "pods/portforward"},
	{verbs: []string{"create", "update", "patch", "delete"}, group: "rbac.authorization.k8s.io", resource: "roles", namespaced: true, min: auditv1.LevelRequestResponse, max: auditv1.LevelRequestResponse, concern: "RBAC changes"},
	{verbs: []string{"create", "update", "patch", "delete"}, group: "rbac.authorization.k8s.io", resource: "rolebindings", namespaced: true, min: auditv1.LevelRequestResponse, max: auditv1.LevelRequestResponse, concern: "RBAC changes"},
	{verbs: []string{"create", "update", "patch", "delete"}, group: "rbac.authorization.k8s.io", resource: "clusterroles", min: auditv1.LevelRequestResponse, max: auditv1.LevelRequestResponse, concern: "RBAC changes"},
	{verbs: []string{"create", "update", "patch", "delete"}, group: "rbac.authorization.k8s.io", resource: "clusterrolebindings", min: auditv1.LevelRequestResponse, max: auditv1.LevelRequestResponse, concern: "RBAC changes"},
}

// auditGap is a set of requests one rule (or no rule) decides wrongly.
type auditGap struct {
	rule     int // -1: no rule matched
	level    auditv1.Level
	tooHigh  bool
	leaks    bool
	requests []string // "get secrets"
	who      map[string]bool
	concerns []string
}

// judgeAuditPolicy asks the policy how it audits the requests that
// matter and reports, per deciding rule, those below their level (or
// above it, for secrets and tokens). Violations are about obj, the
// policy's object.
func judgeAuditPolicy(obj *cluster.Object, p *auditv1.Policy) []check.Violation {
	var gaps []*auditGap
	find := func(rule int, level auditv1.Level, tooHigh bool) *auditGap {
		for _, g := range gaps {
			if g.rule == rule && g.level == level && g.tooHigh == tooHigh {
				return g
			}
		}
		g := &auditGap{rule: rule, level: level, tooHigh: tooHigh, who: map[string]bool{}}
		gaps = append(gaps, g)
		return g
	}
	for _, probe := range auditProbes {
		for _, id := range auditIdentities {
			for _, verb := range probe.verbs {
				r := auditRequest{user: id.user, groups: id.groups, verb: verb, group: probe.group, resource: probe.resource, subresource: probe.subresource, name: "probe"}
				if probe.namespaced {
					r.namespace = "default"
				}
				if verb == "list" || verb == "watch" || verb == "create" {
					r.name = ""
				}
				level, rule := auditLevel(p, r)
				l := auditLevels[level]
				var g *auditGap
				switch {
				case l < auditLevels[probe.min]:
					g = find(rule, level, false)
				case l > auditLevels[probe.max]:
					g = find(rule, level, true)
					g.leaks = g.leaks || probe.leaks
				default:
					continue
				}
				what := verb + " " + probe.resource
				if probe.subresource != "" {
					what += "/" + probe.subresource
				}
				if !slices.Contains(g.requests, what) {
					g.requests = append(g.requests, what)
				}
				if !slices.Contains(g.concerns, probe.concern) {
					g.concerns = append(g.concerns, probe.concern)
				}
				g.who[id.desc] = true
			}
		}
	}
	var out []check.Violation
	for _, g := range gaps {
		out = append(out, auditGapViolation(obj, p, g))
	}
	return out
}

func auditGapViolation(obj *cluster.Object, p *auditv1.Policy, g *auditGap) check.Violation {
	requests := summarize(g.requests)
	if len(g.who) < len(auditIdentities) {
		for who := range g.who {
			requests += " by " + who
		}
	}
	field, by := "rules", "no rule matches them, so they are not audited (level None)"
	if g.rule >= 0 {
		field = "rules[" + strconv.Itoa(g.rule) + "]"
		by = fmt.Sprintf("rule %d sets level %s", g.rule+1, g.level)
	}
	v := check.Violation{Object: obj, Field: field}
	switch {
	case g.tooHigh && g.leaks:
		v.Message = fmt.Sprintf("%s: %s, which writes secret values and tokens into the audit log; log %s at Metadata only (CIS 3.2.2)",
			requests, by, strings.Join(g.concerns, ", "))
		return graded(v, check.SeverityHigh)
	case g.tooHigh:
		v.Message = fmt.Sprintf("%s: %s, which copies their data into the audit log; log %s at Metadata (CIS 3.2.2)", requests, by, strings.Join(g.concerns, ", "))
	case g.rule >= 0 && g.level == auditv1.LevelNone && isCatchAll(&p.Rules[g.rule]):
		v.Message = fmt.Sprintf("rule %d is a catch-all at level None placed before the rules for %s: none of them is ever audited (CIS 3.2.2)",
			g.rule+1, joinAnd(g.concerns))
	default:
		v.Message = fmt.Sprintf("%s: %s; %s should be audited at %s or above (CIS 3.2.2)", requests, by, strings.Join(g.concerns, ", "), minLevelOf(g.concerns))
	}
	return v
}

// minLevelOf is the level the concerns need: RequestResponse for RBAC
// changes, Metadata for the rest.
func minLevelOf(concerns []string) auditv1.Level {
	if slices.Contains(concerns, "RBAC changes") {
		return auditv1.LevelRequestResponse
	}
	return auditv1.LevelMetadata
}

// joinAnd joins "a", "b" and "c" as "a, b and c".
func joinAnd(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// summarize groups requests by resource: "get, list secrets; create
// pods/exec", or "every probed verb on secrets" when all of them fail.
func summarize(requests []string) string {
	var order []string
	verbs := map[string][]string{}
	for _, r := range requests {
		verb, res, _ := strings.Cut(r, " ")
		if _, seen := verbs[res]; !seen {
			order = append(order, res)
		}
		verbs[res] = append(verbs[res], verb)
	}
	parts := make([]string, len(order))
	for i, res := range order {
		parts[i] = strings.Join(verbs[res], ", ") + " " + res
		for _, probe := range auditProbes {
			name := probe.resource
			if probe.subresource != "" {
				name += "/" + probe.subresource
			}
			if name == res && len(probe.verbs) == len(verbs[res]) && len(probe.verbs) > 2 {
				parts[i] = "any access to " + res
			}
		}
	}
	return strings.Join(parts, "; ")
}
