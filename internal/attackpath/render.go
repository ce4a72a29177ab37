package attackpath

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/palisade-sec/palisade/internal/netpol"
)

// WriteTable writes the fixes that close most paths, then every path
// explained step by step.
func WriteTable(w io.Writer, res Result) error {
	g := res.Graph
	var b strings.Builder
	if len(res.Paths) == 0 {
		fmt.Fprintf(&b, "No attack path from %s to a target.\n", res.FromLabel())
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, "%d attack path(s)", len(res.Paths))
	if res.Truncated {
		b.WriteString(" (the search stopped at the limit; more exist)")
	}
	for _, n := range g.Notes {
		fmt.Fprintf(&b, "\nnote: %s", n)
	}
	b.WriteString("\n\nFixes that close most paths:\n")
	for i, c := range res.Cuts {
		fmt.Fprintf(&b, "  %d. %s\n", i+1, g.CutText(c))
	}
	b.WriteString("\n")
	for _, p := range res.Paths {
		b.WriteString(g.Explain(p))
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// PathJSON is a path in the JSON output.
type PathJSON struct {
	ID       string     `json:"id"`
	Target   Target     `json:"target"`
	Severity string     `json:"severity"`
	Summary  string     `json:"summary"`
	Nodes    []Node     `json:"nodes"`
	Steps    []StepJSON `json:"steps"`
	Impact   string     `json:"impact,omitempty"`
	// ImpactSteps lead from the target to what an attacker holding it
	// runs (a crypto-miner).
	ImpactSteps []StepJSON `json:"impactSteps,omitempty"`
	Fix         string     `json:"fix"`
	Closes      int        `json:"closes"`
}

// StepJSON is an edge of a path in the JSON output.
type StepJSON struct {
	From string `json:"from"`
	To   string `json:"to"`
	Edge
}

// CutJSON is a fix in the JSON output.
type CutJSON struct {
	Fix   string   `json:"fix"`
	From  string   `json:"from"`
	To    string   `json:"to"`
	Kind  EdgeKind `json:"kind"`
	Paths []string `json:"paths"`
}

// ResultJSON is the JSON output of a search.
type ResultJSON struct {
	// From is the node the paths start from.
	From      string     `json:"from"`
	Paths     []PathJSON `json:"paths"`
	Cuts      []CutJSON  `json:"cuts"`
	Truncated bool       `json:"truncated,omitempty"`
	Notes     []string   `json:"notes,omitempty"`
	Nodes     int        `json:"graphNodes"`
	Edges     int        `json:"graphEdges"`
}

// JSON is the result as the JSON output holds it.
func (res Result) JSON() ResultJSON {
	g := res.Graph
	out := ResultJSON{From: res.FromLabel(), Notes: g.Notes, Paths: []PathJSON{}, Cuts: []CutJSON{}, Truncated: res.Truncated, Nodes: len(g.Nodes), Edges: len(g.Edges)}
	for _, p := range res.Paths {
		pj := PathJSON{ID: p.ID, Target: p.Target, Severity: p.Severity, Summary: g.Summary(p), Closes: p.Closes}
		for _, n := range p.Nodes {
			pj.Nodes = append(pj.Nodes, g.Nodes[n])
		}
		for _, ei := range p.Edges {
			e := g.Edges[ei]
			pj.Steps = append(pj.Steps, StepJSON{From: g.Nodes[e.From].Key, To: g.Nodes[e.To].Key, Edge: e})
		}
		for _, ei := range p.Impact {
			e := g.Edges[ei]
			pj.ImpactSteps = append(pj.ImpactSteps, StepJSON{From: g.Nodes[e.From].Key, To: g.Nodes[e.To].Key, Edge: e})
		}
		pj.Impact = g.Nodes[p.Nodes[len(p.Nodes)-1]].Note
		if p.Fix >= 0 {
			pj.Fix = g.Edges[p.Fix].Fix
		}
		out.Paths = append(out.Paths, pj)
	}
	for _, c := range res.Cuts {
		e := g.Edges[c.Edge]
		out.Cuts = append(out.Cuts, CutJSON{Fix: e.Fix, From: g.Nodes[e.From].Key, To: g.Nodes[e.To].Key, Kind: e.Kind, Paths: c.Paths})
	}
	return out
}

// WriteJSON writes the result as indented JSON.
func WriteJSON(w io.Writer, res Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(res.JSON())
}

// subgraph is the part of the graph a diagram shows: the nodes and edges
// of some paths, with the impacts hung on their targets.
type subgraph struct {
	nodes []int
	edges []int
}

func (res Result) subgraph(paths []Path) subgraph {
	var s subgraph
	seenN, seenE := map[int]bool{}, map[int]bool{}
	addN := func(n int) {
		if !seenN[n] {
			seenN[n] = true
			s.nodes = append(s.nodes, n)
		}
	}
	addE := func(e int) {
		if !seenE[e] {
			seenE[e] = true
			s.edges = append(s.edges, e)
		}
	}
	for _, p := range paths {
		for _, n := range p.Nodes {
			addN(n)
		}
		for _, e := range p.Edges {
			addE(e)
		}
		for _, e := range p.Impact {
			addE(e)
			addN(res.Graph.Edges[e].To)
		}
	}
	sort.Ints(s.nodes)
	sort.Ints(s.edges)
	return s
}

// dnode is a node of a drawing: a node of the graph, a container drawn
// between its workload and node root, or a group of equal nodes.
type dnode struct {
	id     string
	label  string
	kind   NodeKind
	ns     string
	target bool
	// entry is an entry's kind; members counts a group's nodes.
	entry   netpol.EntryKind
	members int
}

type dedge struct {
	from, to int
	label    string
}

// diagram is what a drawing shows.
type diagram struct {
	nodes []dnode
	edges []dedge
}

// newDiagram lays out the paths exactly: every node and edge of them, an
// escape that containers hold drawn through a node for the containers.
func newDiagram(res Result, paths []Path) *diagram {
	g := res.Graph
	s := res.subgraph(paths)
	d := &diagram{}
	at := map[int]int{}
	for _, n := range s.nodes {
		nd := g.Nodes[n]
		at[n] = len(d.nodes)
		d.nodes = append(d.nodes, dnode{id: fmt.Sprintf("n%d", n), label: nd.Label, kind: nd.Kind, ns: nd.Namespace, target: nd.Target != "", entry: nd.entry, members: 1})
	}
	edgeLabel := func(e *Edge) string { return string(e.Kind) + "\n" + e.Technique }
	for _, ei := range s.edges {
		e := &g.Edges[ei]
		if e.Kind != EdgeEscapesToNode || e.Container == "" {
			d.edges = append(d.edges, dedge{at[e.From], at[e.To], edgeLabel(e)})
			continue
		}
		c := len(d.nodes)
		d.nodes = append(d.nodes, dnode{id: fmt.Sprintf("n%dc", e.From), label: "container " + strings.ReplaceAll(e.Container, ",", ", "),
			kind: KindContainer, ns: g.Nodes[e.From].Namespace, members: 1})
		d.edges = append(d.edges, dedge{at[e.From], c, "runs"}, dedge{c, at[e.To], edgeLabel(e)})
		for _, ev := range e.Evidence {
			if ev.Container == "" { // the pod's own escape (hostPID) leaves the workload
				d.edges = append(d.edges, dedge{at[e.From], at[e.To], edgeLabel(e)})
				break
			}
		}
	}
	return d
}

// collapse draws the nodes that play one role as one: entries, workloads
// and containers of one namespace (and, for entries, one kind) whose
// edges lead, under the same kinds, to and from the same nodes or groups.
// It refines the partition until it no longer splits, so a group's
// members are alike all along the drawing: "12 workloads like X".
func (d *diagram) collapse() *diagram {
	class := make([]int, len(d.nodes))
	keys := map[string]int{}
	intern := func(k string) int {
		if c, ok := keys[k]; ok {
			return c
		}
		keys[k] = len(keys)
		return keys[k]
	}
	for i, n := range d.nodes {
		switch n.kind {
		case KindEntry, KindWorkload:
			class[i] = intern(fmt.Sprintf("%s|%s|%s", n.kind, n.ns, n.entry))
		case KindContainer:
			class[i] = intern(fmt.Sprintf("%s|%s|%s", n.kind, n.ns, n.label))
		default:
			class[i] = intern("node|" + n.id)
		}
	}
	out := make([][]int, len(d.nodes))
	in := make([][]int, len(d.nodes))
	for i, e := range d.edges {
		out[e.from] = append(out[e.from], i)
		in[e.to] = append(in[e.to], i)
	}
	count := len(keys)
	for {
		keys = map[string]int{}
		next := make([]int, len(d.nodes))
		for i := range d.nodes {
			var sig []string
			for _, ei := range out[i] {
				sig = append(sig, fmt.Sprintf(">%s>%d", d.edges[ei].label, class[d.edges[ei].to]))
			}
			for _, ei := range in[i] {
				sig = append(sig, fmt.Sprintf("<%s<%d", d.edges[ei].label, class[d.edges[ei].from]))
			}
			sort.Strings(sig)
			next[i] = intern(fmt.Sprintf("%d|%s", class[i], strings.Join(slices.Compact(sig), "|")))
		}
		class = next
		if len(keys) == count {
			break
		}
		count = len(keys)
	}
	c := &diagram{}
	at := map[int]int{}
	for i, n := range d.nodes {
		if j, ok := at[class[i]]; ok {
			c.nodes[j].members++
			continue
		}
		at[class[i]] = len(c.nodes)
		c.nodes = append(c.nodes, n)
	}
	for i := range c.nodes {
		if n := &c.nodes[i]; n.members > 1 {
			noun := map[NodeKind]string{KindEntry: "entries", KindWorkload: "workloads", KindContainer: "containers"}[n.kind]
			n.label = fmt.Sprintf("%d %s like %s", n.members, noun, n.label)
			n.id = "g" + n.id
		}
	}
	seen := map[dedge]bool{}
	for _, e := range d.edges {
		ce := dedge{at[class[e.from]], at[class[e.to]], e.label}
		if !seen[ce] {
			seen[ce] = true
			c.edges = append(c.edges, ce)
		}
	}
	return c
}

// byNamespace groups the nodes of a drawing by namespace, namespaces in
// order, "" (nodes of no namespace) first.
func (d *diagram) byNamespace() ([]string, map[string][]int) {
	byNS := map[string][]int{}
	var namespaces []string
	for i, n := range d.nodes {
		if _, ok := byNS[n.ns]; !ok {
			namespaces = append(namespaces, n.ns)
		}
		byNS[n.ns] = append(byNS[n.ns], i)
	}
	sort.Strings(namespaces)
	return namespaces, byNS
}

func drawing(res Result, paths []Path, collapse bool) *diagram {
	d := newDiagram(res, paths)
	if collapse {
		d = d.collapse()
	}
	return d
}

var nodeStyle = map[NodeKind]string{
	KindInternet:      `shape=doublecircle style=filled fillcolor="#fde2e2"`,
	KindEntry:         `shape=box style="rounded,filled" fillcolor="#fff4d6"`,
	KindWorkload:      `shape=box style=filled fillcolor="#e3efff"`,
	KindContainer:     `shape=box style="dashed,filled" fillcolor="#f0f6ff"`,
	KindPrincipal:     `shape=ellipse style=filled fillcolor="#eadcff"`,
	KindSecrets:       `shape=folder style=filled fillcolor="#ffd6d6"`,
	KindNodeRoot:      `shape=box3d style=filled fillcolor="#ffb3b3"`,
	KindKubelet:       `shape=component style=filled fillcolor="#fff4d6"`,
	KindMetadata:      `shape=component style=filled fillcolor="#fff4d6"`,
	KindCloudIdentity: `shape=octagon style=filled fillcolor="#ffb3b3"`,
	KindClusterAdmin:  `shape=octagon style=filled fillcolor="#ff8080"`,
	KindImpact:        `shape=tripleoctagon style=filled fillcolor="#ff4d4d"`,
}

func dotQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// WriteDOT writes the paths as one Graphviz digraph, a cluster per
// namespace. With collapse, equal nodes are drawn as one (the whole
// graph, legible at hundreds of nodes); without, every node is (a path).
func WriteDOT(w io.Writer, res Result, paths []Path, collapse bool) error {
	d := drawing(res, paths, collapse)
	var b strings.Builder
	b.WriteString("digraph attackpaths {\n  rankdir=LR;\n  node [fontname=\"Helvetica\" fontsize=10];\n  edge [fontname=\"Helvetica\" fontsize=9];\n")
	namespaces, byNS := d.byNamespace()
	for ci, ns := range namespaces {
		indent := "  "
		if ns != "" {
			fmt.Fprintf(&b, "  subgraph cluster_%d {\n    label=%s; style=dashed;\n", ci, dotQuote("namespace "+ns))
			indent = "    "
		}
		for _, i := range byNS[ns] {
			n := d.nodes[i]
			fmt.Fprintf(&b, "%s%s [label=%s %s];\n", indent, n.id, dotQuote(n.label), nodeStyle[n.kind])
		}
		if ns != "" {
			b.WriteString("  }\n")
		}
	}
	for _, e := range d.edges {
		fmt.Fprintf(&b, "  %s -> %s [label=%s];\n", d.nodes[e.from].id, d.nodes[e.to].id, dotQuote(e.label))
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func mermaidText(s string) string {
	return `"` + strings.NewReplacer(`"`, "#quot;", "\n", "<br/>").Replace(s) + `"`
}

// WriteMermaid writes the paths as one Mermaid flowchart, a subgraph per
// namespace; collapse as for WriteDOT.
func WriteMermaid(w io.Writer, res Result, paths []Path, collapse bool) error {
	d := drawing(res, paths, collapse)
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	namespaces, byNS := d.byNamespace()
	shape := func(n dnode) string {
		t := mermaidText(n.label)
		switch n.kind {
		case KindInternet:
			return fmt.Sprintf("%s((%s))", n.id, t)
		case KindPrincipal:
			return fmt.Sprintf("%s([%s])", n.id, t)
		case KindSecrets, KindNodeRoot, KindCloudIdentity, KindClusterAdmin, KindImpact:
			return fmt.Sprintf("%s{{%s}}", n.id, t)
		}
		return fmt.Sprintf("%s[%s]", n.id, t)
	}
	for ci, ns := range namespaces {
		indent := "  "
		if ns != "" {
			fmt.Fprintf(&b, "  subgraph ns%d[%s]\n", ci, mermaidText("namespace "+ns))
			indent = "    "
		}
		for _, i := range byNS[ns] {
			b.WriteString(indent + shape(d.nodes[i]) + "\n")
		}
		if ns != "" {
			b.WriteString("  end\n")
		}
	}
	for _, e := range d.edges {
		fmt.Fprintf(&b, "  %s -->|%s| %s\n", d.nodes[e.from].id, mermaidText(strings.ReplaceAll(e.label, "\n", " ")), d.nodes[e.to].id)
	}
	var targets []string
	for _, n := range d.nodes {
		if n.target || n.kind == KindImpact {
			targets = append(targets, n.id)
		}
	}
	if len(targets) > 0 {
		b.WriteString("  classDef target fill:#ff8080,stroke:#900\n")
		fmt.Fprintf(&b, "  class %s target\n", strings.Join(targets, ","))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
