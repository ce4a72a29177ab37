package network

import (
	"fmt"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

// policySelectsNothing reads the spec.podSelector of every NetworkPolicy
// and the pod template labels of the workloads in its namespace. Allowed:
// an empty podSelector (a namespace-wide policy, for present and future
// pods), a selector that matches some workload, and a namespace with no
// workload in the input. Forbidden: a selector the API server would reject,
// or one that matches none of the namespace's workloads (a typo in a label,
// a renamed app): the policy isolates and allows nothing.
func policySelectsNothing(ctx *check.Context, obj *cluster.Object) []check.Violation {
	eng, p := policyFor(ctx.Snapshot, obj)
	if p == nil || p.SelectsEveryPod() {
		return nil
	}
	if err := p.SelectorError(); err != nil {
		return []check.Violation{{
			Field:   "spec.podSelector",
			Message: fmt.Sprintf("NetworkPolicy %q has an invalid spec.podSelector (%v): it selects no pod and the API server would reject it", obj.ID.Name, err),
		}}
	}
	pods := eng.PodsIn(p.Namespace)
	if len(pods) == 0 || len(eng.Selected(p)) > 0 {
		return nil
	}
	return []check.Violation{{
		Field: "spec.podSelector",
		Message: fmt.Sprintf("NetworkPolicy %q selects no pod: its podSelector %s matches none of the %s in namespace %q (%s), so whatever it means to isolate or allow does not apply",
			obj.ID.Name, p.Selector(), countPods(len(pods)), p.Namespace, describePods(pods)),
	}}
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "network/policy-selects-nothing",
			Title: "NetworkPolicy selects no workload",
			Description: "Reads the spec.podSelector of every networking.k8s.io/v1 NetworkPolicy and the pod template labels of the " +
				"workloads in its namespace. Allowed: an empty podSelector, a selector matching at least one workload, and " +
				"namespaces without workloads in the input. Flagged: a selector that matches no workload of the namespace, or " +
				"one the API server would reject. Such a policy is usually a typo in a label or a leftover after a rename: the " +
				"workload it was written for runs without the isolation everyone believes it has.",
			Severity: check.SeverityLow,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyNetworkPolicy,
			References: check.References{
				NSA: []string{"Network separation and hardening: Network policies"},
			},
			Remediation: "Fix spec.podSelector to match the labels of the workload's pod template (kubectl get pods " +
				"--show-labels), or delete the policy if its workload is gone.",
		},
		Kinds:  []string{"NetworkPolicy"},
		Object: policySelectsNothing,
	})
}
