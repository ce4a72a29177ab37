package attackpath

import (
	"github.com/palisade-sec/palisade/internal/netpol"
	"github.com/palisade-sec/palisade/internal/rbac"
)

// FromInternet is where a search starts by default: the internet node.
const FromInternet = "internet"

// WorkloadStart returns the key of a workload's node, for Options.From:
// a search from it assumes the workload compromised and asks where it
// leads. The node is added when the graph holds none (a workload with no
// edge of its own still reaches others over the network).
func (g *Graph) WorkloadStart(p *netpol.Pod) string {
	return g.Nodes[g.b.workload(p)].Key
}

// PrincipalStart returns the key of a principal's node, for Options.From:
// a search from it assumes its credentials stolen. The node and its edges
// are added when the graph holds none (an account no path leads to).
func (g *Graph) PrincipalStart(p rbac.Principal) string {
	i := g.b.principal(p)
	g.b.drain()
	return g.Nodes[i].Key
}

// startReach says which pivot columns a start workload that is not a
// source of the lateral index (neither exposed nor a pivot) may connect
// to, from a one-row matrix computed for the search.
func (g *Graph) startReach(start int) map[int]bool {
	lat := g.lat
	p := g.Nodes[start].pod
	if lat == nil || p == nil || p.HostNetwork {
		return nil
	}
	if _, ok := lat.row[start]; ok {
		return nil
	}
	m := g.eng.MatrixFrom(func(q *netpol.Pod) bool { return q == p }, lat.isPivot)
	idx := map[*netpol.Pod]int{}
	for i, q := range m.Pods {
		idx[q] = i
	}
	out := map[int]bool{}
	for _, c := range lat.classes {
		d := g.Nodes[lat.pivots[c][0]].pod
		if !m.Ports(idx[p], idx[d]).IsEmpty() {
			out[c] = true
		}
	}
	return out
}
