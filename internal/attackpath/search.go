package attackpath

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/bits"
	"slices"
	"sort"
	"strings"
)

// Options bound the search.
type Options struct {
	// To are the target classes; none means every one.
	To []Target
	// From is the key of the node paths start from: FromInternet (also
	// ""), or a node that WorkloadStart or PrincipalStart returned — a
	// workload or an account assumed compromised.
	From string
	// MaxLength is the most edges a path may have (default 8).
	MaxLength int
	// MaxPaths is the most paths returned (default 1000), the shortest
	// kept.
	MaxPaths int
}

// DefaultMaxLength and DefaultMaxPaths bound the search by default.
const (
	DefaultMaxLength = 8
	DefaultMaxPaths  = 1000
)

// Path is one way from the entry to a target.
type Path struct {
	// ID is stable across runs: a hash of the nodes it passes.
	ID       string `json:"id"`
	Target   Target `json:"target"`
	Severity string `json:"severity"`
	// Nodes and Edges index the graph.
	Nodes []int `json:"-"`
	Edges []int `json:"-"`
	// Fix is the edge of the path whose removal closes most paths, and
	// Closes how many.
	Fix    int `json:"-"`
	Closes int `json:"-"`
	// Impact are the edges out of the path's target to what an attacker
	// holding it already runs (a crypto-miner): drawn and explained after
	// the path, not part of it.
	Impact []int `json:"-"`
}

// Cut is one fix and the paths it closes.
type Cut struct {
	Edge int
	// Paths are the ids of the paths the fix closes (of those still open
	// after the cuts before it).
	Paths []string
}

// Result is what a search found.
type Result struct {
	Graph *Graph
	// From is the node the paths start from.
	From  int
	Paths []Path
	// Cuts are the fixes, greedily: each closes the most paths the ones
	// before it leave open.
	Cuts []Cut
	// Truncated is set when MaxPaths stopped the search.
	Truncated bool
}

var severityRank = map[string]int{"critical": 4, "high": 3, "medium": 2, "low": 1}

// Search finds every path from the internet to a target of the classes
// asked, up to the length bound, each ending at the first target it meets,
// shortest first.
//
// It runs one breadth-first search backwards from the targets (each
// node's distance to the nearest), then enumerates simple paths of length
// 1, 2, ... MaxLength from the entry, following only edges whose end is
// still within reach of a target in the length left: every branch walked
// ends in a path, so the work follows the number of paths found.
func (g *Graph) Search(o Options) Result {
	if o.MaxLength <= 0 {
		o.MaxLength = DefaultMaxLength
	}
	if o.MaxPaths <= 0 {
		o.MaxPaths = DefaultMaxPaths
	}
	want := map[Target]bool{}
	for _, t := range o.To {
		want[t] = true
	}
	isTarget := func(n int) bool {
		t := g.Nodes[n].Target
		return t != "" && (len(want) == 0 || want[t])
	}
	from := o.From
	if from == "" {
		from = FromInternet
	}
	start, ok := g.index[from]
	res := Result{Graph: g, From: start}
	if !ok {
		res.From = -1
		return res
	}
	fromInternet := g.Nodes[start].Kind == KindInternet
	lat := g.lat
	var startReach map[int]bool
	if lat != nil {
		startReach = g.startReach(start)
	}
	// reaches says whether workload n may connect to the pivots of column
	// c; never when n is not a source.
	reaches := func(n, c int) bool {
		if n == start && startReach != nil {
			return startReach[c]
		}
		r, ok := lat.row[n]
		return ok && lat.reaches(int(r), c)
	}
	// dist: edges to the nearest target, over edges that do not pass
	// through another target, by a breadth-first search backwards from
	// the targets. The reaches edges are implicit (see lateralIndex): when
	// the first pivot of a column is met, every source whose row may
	// connect to that column is one step further. A source is not kept
	// from reaching itself, so dist may be short by the moves that would
	// need it: a lower bound, which only widens the walk.
	const far = 1 << 30
	dist := make([]int, len(g.Nodes))
	rev := make([][]int32, len(g.Nodes))
	for i := range g.Edges {
		e := &g.Edges[i]
		if e.Kind != EdgeReaches {
			rev[e.To] = append(rev[e.To], int32(e.From))
		}
	}
	var queue []int
	for n := range g.Nodes {
		dist[n] = far
		if isTarget(n) {
			dist[n] = 0
			queue = append(queue, n)
		}
	}
	var colSeen []bool
	var rowLeft []uint64 // the rows none of whose sources has a distance yet
	if lat != nil {
		colSeen = make([]bool, len(lat.classes))
		rowLeft = make([]uint64, lat.words)
		for r := range lat.byRow {
			rowLeft[r>>6] |= 1 << (uint(r) & 63)
		}
	}
	for qi := 0; qi < len(queue); qi++ {
		n := queue[qi]
		for _, f := range rev[n] {
			if dist[f] == far && !isTarget(int(f)) {
				dist[f] = dist[n] + 1
				queue = append(queue, int(f))
			}
		}
		if lat == nil {
			continue
		}
		c, ok := lat.col[n]
		if !ok || colSeen[c] {
			continue
		}
		colSeen[c] = true
		col := lat.bits[int(c)*lat.words : int(c+1)*lat.words]
		for wi, word := range col {
			word &= rowLeft[wi]
			rowLeft[wi] &^= word
			for ; word != 0; word &= word - 1 {
				r := wi<<6 + bits.TrailingZeros64(word)
				for _, s := range lat.byRow[r] {
					if dist[s] == far && !isTarget(s) {
						dist[s] = dist[n] + 1
						queue = append(queue, s)
					}
				}
			}
		}
	}
	// The pivot columns nearest a target first, and in each the nearest
	// pivots first, so the walk stops early in both.
	var classes []int
	best := map[int]int{}
	if lat != nil {
		for _, c := range lat.classes {
			ps := lat.pivots[c]
			sort.Slice(ps, func(i, j int) bool {
				if dist[ps[i]] != dist[ps[j]] {
					return dist[ps[i]] < dist[ps[j]]
				}
				return ps[i] < ps[j]
			})
			if d := dist[ps[0]]; d < far {
				best[c] = d
				classes = append(classes, c)
			}
		}
		sort.Slice(classes, func(i, j int) bool {
			if best[classes[i]] != best[classes[j]] {
				return best[classes[i]] < best[classes[j]]
			}
			return classes[i] < classes[j]
		})
		if startReach != nil {
			for _, c := range classes {
				if startReach[c] {
					dist[start] = min(dist[start], best[c]+1)
					break
				}
			}
		}
	}
	onPath := make([]bool, len(g.Nodes))
	var nodes, edges []int
	var walk func(n, left int)
	walk = func(n, left int) {
		if len(res.Paths) >= o.MaxPaths {
			res.Truncated = true
			return
		}
		if left == 0 {
			if isTarget(n) {
				res.Paths = append(res.Paths, Path{Nodes: slices.Clone(nodes), Edges: slices.Clone(edges), Target: g.Nodes[n].Target, Severity: g.Nodes[n].Severity})
			}
			return
		}
		if isTarget(n) {
			return
		}
		step := func(ei, to int) bool {
			if onPath[to] || dist[to] > left-1 {
				return true
			}
			onPath[to] = true
			nodes = append(nodes, to)
			edges = append(edges, ei)
			walk(to, left-1)
			nodes = nodes[:len(nodes)-1]
			edges = edges[:len(edges)-1]
			onPath[to] = false
			return !res.Truncated
		}
		for _, ei := range g.out[n] {
			if !step(ei, g.Edges[ei].To) {
				return
			}
		}
		if lat == nil || g.Nodes[n].Kind != KindWorkload {
			return
		}
		if _, ok := lat.row[n]; !ok && (n != start || startReach == nil) {
			return
		}
		for _, c := range classes {
			if best[c] > left-1 {
				break
			}
			if !reaches(n, c) {
				continue
			}
			for _, d := range lat.pivots[c] {
				if dist[d] > left-1 {
					break
				}
				// From the internet, an exposed workload is reached
				// directly: a detour through another adds nothing.
				if d == n || onPath[d] || (fromInternet && lat.exposed[d]) {
					continue
				}
				if !step(g.lateralEdge(n, d), d) {
					return
				}
			}
		}
	}
	if dist[start] < far && !isTarget(start) {
		onPath[start] = true
		nodes = []int{start}
		for l := max(dist[start], 1); l <= o.MaxLength && !res.Truncated; l++ {
			walk(start, l)
		}
	}
	res.Paths = minimal(res.Paths)
	for i := range res.Paths {
		p := &res.Paths[i]
		for _, ei := range p.Edges {
			g.fill(&g.Edges[ei])
		}
		for _, ei := range g.out[p.Nodes[len(p.Nodes)-1]] {
			if g.Edges[ei].Kind == EdgeImpact {
				g.fill(&g.Edges[ei])
				p.Impact = append(p.Impact, ei)
			}
		}
	}
	for i := range res.Paths {
		res.Paths[i].ID = g.pathID(res.Paths[i])
	}
	g.rank(&res)
	return res
}

func (g *Graph) pathID(p Path) string {
	h := sha256.New()
	for _, n := range p.Nodes {
		h.Write([]byte(g.Nodes[n].Key))
		h.Write([]byte{0})
	}
	return "ap-" + hex.EncodeToString(h.Sum(nil))[:10]
}

// rank orders the paths and computes the cuts. Each edge closes the paths
// it is on; a path's fix is its edge that closes most (the earliest of
// equals: the one nearest the entry). Paths are ordered shortest first,
// then by the severity of their target, then by how many paths their fix
// closes (the fix worth most first), then by id. The cuts are chosen
// greedily: the edge on most open paths, then the one on most of those
// left, and so on.
func (g *Graph) rank(res *Result) {
	count := map[int]int{}
	for _, p := range res.Paths {
		for _, e := range p.Edges {
			count[e]++
		}
	}
	for i := range res.Paths {
		p := &res.Paths[i]
		p.Fix = -1
		for _, e := range p.Edges {
			if p.Fix < 0 || count[e] > count[p.Fix] {
				p.Fix = e
			}
		}
		p.Closes = count[p.Fix]
	}
	sort.SliceStable(res.Paths, func(i, j int) bool {
		a, b := res.Paths[i], res.Paths[j]
		if len(a.Edges) != len(b.Edges) {
			return len(a.Edges) < len(b.Edges)
		}
		if severityRank[a.Severity] != severityRank[b.Severity] {
			return severityRank[a.Severity] > severityRank[b.Severity]
		}
		if a.Closes != b.Closes {
			return a.Closes > b.Closes
		}
		return a.ID < b.ID
	})
	open := map[string][]int{}
	for _, p := range res.Paths {
		open[p.ID] = p.Edges
	}
	for len(open) > 0 && len(res.Cuts) < 10 {
		c := map[int]int{}
		for _, es := range open {
			for _, e := range es {
				c[e]++
			}
		}
		best := -1
		for e, n := range c {
			if best < 0 || n > c[best] || (n == c[best] && e < best) {
				best = e
			}
		}
		cut := Cut{Edge: best}
		for id, es := range open {
			if slices.Contains(es, best) {
				cut.Paths = append(cut.Paths, id)
				delete(open, id)
			}
		}
		sort.Strings(cut.Paths)
		res.Cuts = append(res.Cuts, cut)
	}
}

// Summary is the path as one line: "Internet → a → b".
func (g *Graph) Summary(p Path) string {
	labels := make([]string, len(p.Nodes))
	for i, n := range p.Nodes {
		labels[i] = g.Nodes[n].Label
	}
	return strings.Join(labels, " → ")
}

// Explain says the path step by step in plain words, with the evidence
// of each step and the fix that closes it.
func (g *Graph) Explain(p Path) string {
	var b strings.Builder
	tn := g.Nodes[p.Nodes[len(p.Nodes)-1]]
	fmt.Fprintf(&b, "%s  %s  %s in %d step(s)\n", p.ID, strings.ToUpper(p.Severity), tn.Label, len(p.Edges))
	fmt.Fprintf(&b, "  %s\n", g.Summary(p))
	for i, ei := range p.Edges {
		e := &g.Edges[ei]
		fmt.Fprintf(&b, "  %d. [%s %s] %s\n", i+1, e.Kind, e.Technique, e.Text)
		g.writeEvidence(&b, e)
	}
	if tn.Note != "" {
		fmt.Fprintf(&b, "  impact: %s\n", tn.Note)
	}
	for _, ei := range p.Impact {
		e := &g.Edges[ei]
		fmt.Fprintf(&b, "  impact: %s [%s %s] %s\n", g.Nodes[e.To].Label, e.Kind, e.Technique, e.Text)
		g.writeEvidence(&b, e)
	}
	if p.Fix >= 0 {
		fmt.Fprintf(&b, "  fix: %s (closes %d path(s))\n", g.Edges[p.Fix].Fix, p.Closes)
	}
	return b.String()
}

func (g *Graph) writeEvidence(b *strings.Builder, e *Edge) {
	for _, ev := range e.Evidence {
		line := "evidence: " + ev.Object
		if ev.Field != "" {
			line += " " + ev.Field
		}
		if ev.Detail != "" {
			line += " (" + ev.Detail + ")"
		}
		fmt.Fprintf(b, "     %s\n", line)
		for _, f := range ev.Findings {
			fmt.Fprintf(b, "       finding: %s\n", f)
		}
	}
}

// FromLabel names the node the paths start from: "the internet", or the
// workload or account assumed compromised.
func (res Result) FromLabel() string {
	if res.From < 0 || res.From >= len(res.Graph.Nodes) || res.Graph.Nodes[res.From].Kind == KindInternet {
		return "the internet"
	}
	return res.Graph.Nodes[res.From].Label
}

// CutText is a cut in one line: "remove X and N paths close".
func (g *Graph) CutText(c Cut) string {
	e := g.Edges[c.Edge]
	return fmt.Sprintf("%s and %d path(s) close (%s → %s)", e.Fix, len(c.Paths), g.Nodes[e.From].Label, g.Nodes[e.To].Label)
}

// minimal drops every path that only adds detours to another path found:
// one whose nodes are a subsequence of its own, with the same end. Paths
// are found shortest first, so the shorter ones come before.
func minimal(paths []Path) []Path {
	byEnd := map[int][]int{}
	var out []Path
	for _, p := range paths {
		end := p.Nodes[len(p.Nodes)-1]
		redundant := false
		for _, qi := range byEnd[end] {
			if q := out[qi]; len(q.Nodes) < len(p.Nodes) && subsequence(q.Nodes, p.Nodes) {
				redundant = true
				break
			}
		}
		if !redundant {
			byEnd[end] = append(byEnd[end], len(out))
			out = append(out, p)
		}
	}
	return out
}

// subsequence reports whether a's elements appear in b in order.
func subsequence(a, b []int) bool {
	i := 0
	for _, x := range b {
		if i < len(a) && a[i] == x {
			i++
		}
	}
	return i == len(a)
}
