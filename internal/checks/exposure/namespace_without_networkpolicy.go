package exposure

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

// systemNamespaces are managed by Kubernetes itself and left to the
// control-plane checks.
var systemNamespaces = map[string]bool{
	"kube-system":     true,
	"kube-public":     true,
	"kube-node-lease": true,
}

// maxNamed bounds how many workloads a message names.
const maxNamed = 3

// namespaceWithoutNetworkPolicy reads every namespace that holds at least
// one workload (a pod template of any kind) and the namespaces of the
// networking.k8s.io/v1 NetworkPolicies. Allowed: at least one
// NetworkPolicy in the namespace (existence only; what it selects is the
// NetworkPolicy engine's business), and kube-system, kube-public and
// kube-node-lease. Forbidden: a namespace with workloads and no
// NetworkPolicy. The finding is on the Namespace object when one was
// read, else on the namespace's first workload.
func namespaceWithoutNetworkPolicy(ctx *check.Context) []check.Violation {
	snap := ctx.Snapshot
	hasPolicy := map[string]bool{}
	for _, o := range snap.OfKind("NetworkPolicy") {
		if _, ok := o.Typed.(*networkingv1.NetworkPolicy); ok {
			hasPolicy[o.ID.Namespace] = true
		}
	}
	workloads := map[string][]*cluster.Object{}
	for _, pod := range snap.PodTemplates() {
		ns := pod.Namespace()
		workloads[ns] = append(workloads[ns], pod.Object)
	}
	nsObjects := map[string]*cluster.Object{}
	for _, o := range snap.OfKind("Namespace") {
		if _, ok := o.Typed.(*corev1.Namespace); ok {
			nsObjects[o.ID.Name] = o
		}
	}
	var out []check.Violation
	for _, ns := range snap.Namespaces() {
		w := workloads[ns]
		if len(w) == 0 || hasPolicy[ns] || systemNamespaces[ns] {
			continue
		}
		msg := fmt.Sprintf("namespace %q runs %s and has no NetworkPolicy, so every pod in it accepts traffic from everywhere and may connect anywhere",
			ns, describeWorkloads(w))
		if o := nsObjects[ns]; o != nil {
			out = append(out, check.Violation{Object: o, Field: "metadata.name", Message: msg})
		} else {
			out = append(out, check.Violation{Object: w[0], Field: "metadata.namespace", Message: msg})
		}
	}
	return out
}

// describeWorkloads names up to maxNamed workloads: "2 workloads
// (deployment.apps/web, statefulset.apps/db)".
func describeWorkloads(w []*cluster.Object) string {
	names := make([]string, 0, maxNamed)
	for _, o := range w[:min(len(w), maxNamed)] {
		id := o.ID
		id.Namespace = ""
		names = append(names, id.String())
	}
	list := strings.Join(names, ", ")
	if len(w) > maxNamed {
		list += fmt.Sprintf(" and %d more", len(w)-maxNamed)
	}
	if len(w) == 1 {
		return "1 workload (" + list + ")"
	}
	return fmt.Sprintf("%d workloads (%s)", len(w), list)
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "exposure/namespace-without-networkpolicy",
			Title: "Namespace without NetworkPolicy",
			Description: "Reads, for every namespace that holds a workload (Pod, Deployment, StatefulSet, DaemonSet, Job, " +
				"CronJob, ReplicaSet, ReplicationController), whether any networking.k8s.io/v1 NetworkPolicy lives in it. " +
				"Allowed: at least one NetworkPolicy; kube-system, kube-public and kube-node-lease are not assessed. " +
				"Flagged: a namespace with workloads and no NetworkPolicy. Existence only: whether the policies actually " +
				"isolate the pods is the NetworkPolicy engine's question. Without any policy every pod accepts connections " +
				"from every other pod in the cluster, so one compromised pod can probe and attack all of them (lateral movement).",
			Severity: check.SeverityMedium,
			Vector:   check.VectorNetworkAttack,
			Strategy: check.StrategyNetworkPolicy,
			References: check.References{
				CIS:   []string{"5.3.2"},
				NSA:   []string{"Network separation and hardening: Network policies"},
				MITRE: []string{"T1210", "T1046"},
			},
			Remediation: "Add a default-deny NetworkPolicy to the namespace (podSelector: {}, policyTypes: [Ingress, Egress]) " +
				"and then policies that allow the traffic each workload needs, DNS egress included.",
		},
		Cluster: namespaceWithoutNetworkPolicy,
	})
}
