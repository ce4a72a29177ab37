package rbac

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// aggregate fills the effective rules of every ClusterRole with an
// aggregationRule as the clusterrole-aggregation controller does: for each
// selector in order, every other ClusterRole it matches, by name, each of
// their rules once (rules equal as the API server compares them count
// once). A matched role's rules are its effective ones, so chains of
// aggregated roles resolve; the rules are recomputed until nothing changes.
//
// The rules the object itself lists are kept too (after the aggregated
// ones, without repeats): a live cluster stores the controller's result
// there, and a manifest may list rules the controller would add. An
// aggregationRule with a selector that does not parse aggregates nothing,
// as the controller then never updates the role.
//
// clusterRoles must be sorted by name.
func aggregate(clusterRoles []*Role) {
	type aggregator struct {
		role    *Role
		matched []*Role
	}
	var aggs []aggregator
	for _, r := range clusterRoles {
		if r.Aggregation == nil {
			continue
		}
		a := aggregator{role: r}
		sels := make([]labels.Selector, 0, len(r.Aggregation.ClusterRoleSelectors))
		ok := true
		for i := range r.Aggregation.ClusterRoleSelectors {
			sel, err := metav1.LabelSelectorAsSelector(&r.Aggregation.ClusterRoleSelectors[i])
			if err != nil {
				ok = false
				break
			}
			sels = append(sels, sel)
		}
		if !ok {
			continue
		}
		for _, sel := range sels {
			for _, other := range clusterRoles {
				if other != r && other.Name != r.Name && sel.Matches(labels.Set(other.Object.Labels())) {
					a.matched = append(a.matched, other)
				}
			}
		}
		seen := map[*Role]bool{}
		for _, m := range a.matched {
			if !seen[m] {
				seen[m] = true
				r.AggregatedFrom = append(r.AggregatedFrom, m)
			}
		}
		aggs = append(aggs, a)
	}
	if len(aggs) == 0 {
		return
	}
	// The keys of the rules that take part; a role's Rules share the
	// array of its own rules until aggregation replaces them.
	withKeys := func(r *Role) {
		for i := range r.own {
			if r.own[i].key == "" {
				r.own[i].key = ruleKey(r.own[i].Rule)
			}
		}
	}
	for _, a := range aggs {
		withKeys(a.role)
		for _, m := range a.matched {
			withKeys(m)
		}
	}
	// Each pass only adds rules or moves a rule's source deeper down a
	// chain; len(aggs)+1 passes reach the fixed point of any chain.
	for pass := 0; pass <= len(aggs)+1; pass++ {
		changed := false
		for _, a := range aggs {
			seen := make(map[string]bool, len(a.role.Rules))
			rules := make([]SourcedRule, 0, len(a.role.Rules))
			for _, m := range a.matched {
				for _, sr := range m.Rules {
					k := sr.key
					if !seen[k] {
						seen[k] = true
						rules = append(rules, sr)
					}
				}
			}
			for _, sr := range a.role.own {
				k := sr.key
				if !seen[k] {
					seen[k] = true
					rules = append(rules, sr)
				}
			}
			if !sameRules(rules, a.role.Rules) {
				changed = true
				a.role.Rules = rules
			}
		}
		if !changed {
			break
		}
	}
}

func sameRules(a, b []SourcedRule) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Source != b[i].Source || a[i].Index != b[i].Index {
			return false
		}
	}
	return true
}
