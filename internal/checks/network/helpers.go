package network

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/netpol"
)

// systemNamespaces are managed by Kubernetes itself; the namespace checks
// leave them to the control-plane checks.
var systemNamespaces = map[string]bool{
	"kube-system":     true,
	"kube-public":     true,
	"kube-node-lease": true,
}

// maxNamed bounds how many workloads a message names.
const maxNamed = 3

// describePods names up to maxNamed workloads, without their namespace
// when they share it: "deployment.apps/web, statefulset.apps/db and 3
// more".
func describePods(pods []*netpol.Pod) string {
	sameNS := true
	for _, p := range pods {
		sameNS = sameNS && p.Namespace == pods[0].Namespace
	}
	names := make([]string, 0, maxNamed)
	for _, p := range pods[:min(len(pods), maxNamed)] {
		id := p.Object().ID
		if sameNS {
			id.Namespace = ""
		} else {
			id.Namespace = p.Namespace
		}
		names = append(names, id.String())
	}
	list := strings.Join(names, ", ")
	if len(pods) > maxNamed {
		list += fmt.Sprintf(" and %d more", len(pods)-maxNamed)
	}
	return list
}

// countPods is "1 workload" or "3 workloads".
func countPods(n int) string {
	if n == 1 {
		return "1 workload"
	}
	return fmt.Sprintf("%d workloads", n)
}

// podNetwork drops hostNetwork pods, which no policy selects.
func podNetwork(pods []*netpol.Pod) []*netpol.Pod {
	var out []*netpol.Pod
	for _, p := range pods {
		if !p.HostNetwork {
			out = append(out, p)
		}
	}
	return out
}

// policyIndex maps NetworkPolicy objects to the engine's policies; built
// once per engine.
type policyIndexKey struct{}

func policyFor(snap *cluster.Snapshot, obj *cluster.Object) (*netpol.Engine, *netpol.Policy) {
	eng := netpol.For(snap)
	idx := snap.Derived(policyIndexKey{}, func(*cluster.Snapshot) any {
		m := map[*cluster.Object]*netpol.Policy{}
		for _, p := range eng.Policies() {
			m[p.Object] = p
		}
		return m
	}).(map[*cluster.Object]*netpol.Policy)
	return eng, idx[obj]
}

// namespaceObject is where a finding about a namespace goes: its Namespace
// object when one was read, else its first workload.
func namespaceObject(snap *cluster.Snapshot, ns string, pods []*netpol.Pod) (*cluster.Object, string) {
	for _, o := range snap.OfKind("Namespace") {
		if n, ok := o.Typed.(*corev1.Namespace); ok && n.Name == ns {
			return o, "metadata.name"
		}
	}
	return pods[0].Object(), "metadata.namespace"
}

// namespacesWithPods lists each namespace outside the system ones that
// runs pod-network workloads, with them.
func namespacesWithPods(eng *netpol.Engine) (names []string, pods map[string][]*netpol.Pod) {
	pods = map[string][]*netpol.Pod{}
	for _, ns := range eng.Namespaces() {
		if systemNamespaces[ns] {
			continue
		}
		if ps := podNetwork(eng.PodsIn(ns)); len(ps) > 0 {
			names = append(names, ns)
			pods[ns] = ps
		}
	}
	return names, pods
}

// policiesIn lists the policies of a namespace.
func policiesIn(eng *netpol.Engine, ns string) []*netpol.Policy {
	var out []*netpol.Policy
	for _, p := range eng.Policies() {
		if p.Namespace == ns {
			out = append(out, p)
		}
	}
	return out
}

// hiddenAllowAll reports whether a rule is `{}` (every peer, every port)
// among other rules of the same list, which it makes moot.
func hiddenAllowAll(p *netpol.Policy, r *netpol.Rule) bool {
	return r.AllowsEverything() && len(p.Rules[r.Direction]) > 1
}

// severity returns a pointer for Violation.Severity when s differs from
// the check's.
func severity(s, base check.Severity) *check.Severity {
	if s == base {
		return nil
	}
	return &s
}
