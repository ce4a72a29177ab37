// Package netpol is Palisade's NetworkPolicy reachability engine: which pod
// may open a connection to which, on which ports, what the outside world
// can reach, and why — every answer comes with the policies and rules that
// decided it.
//
// # Semantics
//
// The engine follows the networking.k8s.io/v1 NetworkPolicy API reference
// and the "Network Policies" concept page of the Kubernetes documentation:
//
//   - A pod is isolated for ingress (egress) when some NetworkPolicy in its
//     namespace selects it with spec.podSelector and has Ingress (Egress) in
//     its effective policyTypes. Absent policyTypes default to Ingress, plus
//     Egress when the policy has an egress section. A pod that is not
//     isolated in a direction allows everything in that direction.
//   - A connection from pod A to pod B needs both A's egress and B's ingress
//     to allow it. Rules of all the policies that apply combine additively.
//   - A rule allows traffic matching one of its peers and one of its ports.
//     An empty or missing from/to matches every source/destination, an
//     empty or missing ports list every port of every protocol.
//   - A peer with only podSelector matches pods of the policy's namespace; a
//     peer with only namespaceSelector matches every pod of the selected
//     namespaces; both in one peer match the selected pods of the selected
//     namespaces (AND). An empty selector selects everything, an absent one
//     does not constrain. Namespace labels include kubernetes.io/metadata.name.
//   - A port with no protocol is TCP; a port with no number matches every
//     port of its protocol; endPort makes an inclusive range; a named port is
//     resolved against the destination pod's container ports (name and
//     protocol), per pod, so it never matches traffic to an address outside
//     the pod network.
//   - ipBlock matches addresses outside the pod network: the documentation
//     says ipBlocks "should be cluster-external IPs, since Pod IPs are
//     ephemeral and unpredictable", and whether a plugin applies them to pod
//     IPs is implementation-defined (Calico does, Cilium does not). Palisade
//     never counts an ipBlock as matching a pod of the pod network; when a
//     known pod IP falls inside one, the explanation says so. In manifest
//     mode pods have no IPs at all.
//   - hostNetwork pods are treated as the documentation's "most common
//     implementation": no policy selects them and no podSelector or
//     namespaceSelector matches them; their traffic is the node's, which an
//     ipBlock may match when the node's address is known.
//   - Traffic from a pod's own node is always admitted, and a pod cannot block
//     connections to itself. Both depend on placement, which only a live
//     bare Pod knows (spec.nodeName); Allowed applies them when it can and
//     says so otherwise. The class matrix leaves both out.
//
// # Questions
//
//   - Allowed(src, dst, protocol, port) and Reach(src, dst) answer for a pod
//     or an address on each side, with a Verdict that names the policies
//     isolating each side and the rule (policy, spec.ingress[i] or
//     spec.egress[i], peer and port entry) that allowed the connection, or
//     why each rule did not.
//   - AllowedCIDR answers for a range of addresses and a pod: which parts
//     of the range its policies allow, in either direction.
//   - Matrix and ClassMatrix answer for every pair at once; EgressToAddr is
//     the explanation-free fast path checks use.
//   - Exposure lists the ways in from outside the cluster (Services,
//     Ingresses, Gateway routes, host networking) with whether policies
//     admit internet addresses: the entry points of attack paths.
//
// For and Exposure build once per snapshot (cluster.Snapshot.Derived), so
// every check and command shares one engine.
//
// # Pods
//
// Each pod template of the snapshot (cluster.Snapshot.PodTemplates) is one
// Pod: a live Pod, or a workload's template in manifest mode (and for live
// workloads, whose replica Pods the live source folds into the controller).
// Live Pods that finished (phase Succeeded or Failed) take no traffic and
// are left out. Objects without a namespace are in "default", as kubectl
// apply would place them.
//
// # Scale
//
// Pods with the same namespace, labels, named container ports and network
// (pod network, or the node's with its addresses) are indistinguishable to
// every policy, so the engine groups them into classes and answers the
// matrix class by class: its cost follows the number of distinct classes,
// not the square of the number of pods.
package netpol
