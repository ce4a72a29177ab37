package network

import (
	"fmt"
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/netpol"
)

// withoutDefaultDeny is the shared body of the two default-deny checks: for
// every namespace outside kube-system, kube-public and kube-node-lease
// that runs pod-network workloads, it reads the NetworkPolicies of the
// namespace. Allowed: one policy with an empty spec.podSelector whose
// effective policyTypes include the direction, and no such policy with a
// rule `{}` that allows every peer on every port. Forbidden: no such
// policy (the finding is on the Namespace object, or the first workload
// when none was read), or one undone by an allow-everything rule (the
// finding is on that rule).
func withoutDefaultDeny(ctx *check.Context, d netpol.Direction) []check.Violation {
	eng := netpol.For(ctx.Snapshot)
	names, pods := namespacesWithPods(eng)
	var out []check.Violation
	for _, ns := range names {
		ps := pods[ns]
		pols := policiesIn(eng, ns)
		var deny []*netpol.Policy
		for _, p := range pols {
			if p.SelectsEveryPod() && p.Types[d] {
				deny = append(deny, p)
			}
		}
		if len(deny) > 0 {
			out = append(out, undoneDefaultDeny(eng, ns, deny, d)...)
			continue
		}
		obj, field := namespaceObject(ctx.Snapshot, ns, ps)
		var open []*netpol.Pod
		for _, p := range ps {
			if !eng.Isolated(p, d) {
				open = append(open, p)
			}
		}
		var msg string
		switch {
		case len(pols) == 0:
			msg = fmt.Sprintf("namespace %q has no NetworkPolicy: the pods of its %s (%s) %s",
				ns, countPods(len(ps)), describePods(ps), consequence(d, true))
		case len(open) == 0:
			msg = fmt.Sprintf("namespace %q has no NetworkPolicy with an empty podSelector for %s: its %s are isolated today by %s, but the pods of a workload added with other labels %s",
				ns, d, countPods(len(ps)), policyNameList(pols), consequence(d, false))
		case len(open) == len(ps):
			msg = fmt.Sprintf("namespace %q has no NetworkPolicy with an empty podSelector for %s, and none of its policies selects its %s (%s) for %s: their pods %s",
				ns, d, countPods(len(ps)), describePods(open), d, consequence(d, true))
		default:
			msg = fmt.Sprintf("namespace %q has no NetworkPolicy with an empty podSelector for %s, and none of its policies selects %d of its %s (%s) for %s: their pods %s",
				ns, d, len(open), countPods(len(ps)), describePods(open), d, consequence(d, true))
		}
		out = append(out, check.Violation{Object: obj, Field: field, Message: msg})
	}
	return out
}

// consequence says what an unisolated pod may do.
func consequence(d netpol.Direction, plural bool) string {
	switch {
	case d == netpol.Ingress && plural:
		return "accept connections from every pod of the cluster and from outside it"
	case d == netpol.Ingress:
		return "would accept connections from everywhere"
	case plural:
		return "may connect anywhere: other namespaces, the cloud metadata endpoint, the internet"
	}
	return "could connect anywhere"
}

// undoneDefaultDeny flags the allow-everything rules of the namespace-wide
// policies.
func undoneDefaultDeny(eng *netpol.Engine, ns string, deny []*netpol.Policy, d netpol.Direction) []check.Violation {
	var out []check.Violation
	for _, p := range deny {
		for _, r := range p.Rules[d] {
			if !r.AllowsEverything() {
				continue
			}
			out = append(out, check.Violation{
				Object: p.Object,
				Field:  r.Field(),
				Message: fmt.Sprintf("NetworkPolicy %q selects every pod of namespace %q, but its rule %s is {}: it allows every %s on every port, so nothing in the namespace is denied %s by default",
					p.Object.ID.Name, ns, r.Field(), peerWord(d), d),
			})
		}
	}
	return out
}

func peerWord(d netpol.Direction) string {
	if d == netpol.Ingress {
		return "source"
	}
	return "destination"
}

func policyNameList(ps []*netpol.Policy) string {
	names := make([]string, 0, maxNamed)
	for _, p := range ps[:min(len(ps), maxNamed)] {
		names = append(names, p.Object.ID.Name)
	}
	s := strings.Join(names, ", ")
	if len(ps) > maxNamed {
		s += fmt.Sprintf(" and %d more", len(ps)-maxNamed)
	}
	return s
}
