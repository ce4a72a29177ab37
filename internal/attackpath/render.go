package attackpath

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// WriteTable writes the fixes that close most paths, then every path
// explained step by step.
func WriteTable(w io.Writer, res Result) error {
	g := res.Graph
	var b strings.Builder
	if len(res.Paths) == 0 {
		b.WriteString("No attack path from the internet to a target.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, "%d attack path(s)", len(res.Paths))
	if res.Truncated {
		b.WriteString(" (the search stopped at the limit; more exist)")
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
	Fix      string     `json:"fix"`
	Closes   int        `json:"closes"`
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
	Paths     []PathJSON `json:"paths"`
	Cuts      []CutJSON  `json:"cuts"`
	Truncated bool       `json:"truncated,omitempty"`
	Nodes     int        `json:"graphNodes"`
	Edges     int        `json:"graphEdges"`
}

// JSON is the result as the JSON output holds it.
func (res Result) JSON() ResultJSON {
	g := res.Graph
	out := ResultJSON{Paths: []PathJSON{}, Cuts: []CutJSON{}, Truncated: res.Truncated, Nodes: len(g.Nodes), Edges: len(g.Edges)}
	for _, p := range res.Paths {
		pj := PathJSON{ID: p.ID, Target: p.Target, Severity: p.Severity, Summary: g.Summary(p), Closes: p.Closes}
		for _, n := range p.Nodes {
			pj.Nodes = append(pj.Nodes, g.Nodes[n])
		}
		for _, ei := range p.Edges {
			e := g.Edges[ei]
			pj.Steps = append(pj.Steps, StepJSON{From: g.Nodes[e.From].Key, To: g.Nodes[e.To].Key, Edge: e})
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
// of some paths.
type subgraph struct {
	nodes []int
	edges []int
}

func (res Result) subgraph(paths []Path) subgraph {
	var s subgraph
	seenN, seenE := map[int]bool{}, map[int]bool{}
	for _, p := range paths {
		for _, n := range p.Nodes {
			if !seenN[n] {
				seenN[n] = true
				s.nodes = append(s.nodes, n)
			}
		}
		for _, e := range p.Edges {
			if !seenE[e] {
				seenE[e] = true
				s.edges = append(s.edges, e)
			}
		}
	}
	sort.Ints(s.nodes)
	sort.Ints(s.edges)
	return s
}

var nodeStyle = map[NodeKind]string{
	KindInternet:      `shape=doublecircle style=filled fillcolor="#fde2e2"`,
	KindEntry:         `shape=box style="rounded,filled" fillcolor="#fff4d6"`,
	KindWorkload:      `shape=box style=filled fillcolor="#e3efff"`,
	KindPrincipal:     `shape=ellipse style=filled fillcolor="#eadcff"`,
	KindSecrets:       `shape=folder style=filled fillcolor="#ffd6d6"`,
	KindNodeRoot:      `shape=box3d style=filled fillcolor="#ffb3b3"`,
	KindMetadata:      `shape=component style=filled fillcolor="#fff4d6"`,
	KindCloudIdentity: `shape=octagon style=filled fillcolor="#ffb3b3"`,
	KindClusterAdmin:  `shape=octagon style=filled fillcolor="#ff8080"`,
}

func dotQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// WriteDOT writes the paths as one Graphviz digraph, a cluster per
// namespace.
func WriteDOT(w io.Writer, res Result, paths []Path) error {
	g := res.Graph
	s := res.subgraph(paths)
	var b strings.Builder
	b.WriteString("digraph attackpaths {\n  rankdir=LR;\n  node [fontname=\"Helvetica\" fontsize=10];\n  edge [fontname=\"Helvetica\" fontsize=9];\n")
	byNS := map[string][]int{}
	var namespaces []string
	for _, n := range s.nodes {
		ns := g.Nodes[n].Namespace
		if _, ok := byNS[ns]; !ok {
			namespaces = append(namespaces, ns)
		}
		byNS[ns] = append(byNS[ns], n)
	}
	sort.Strings(namespaces)
	for ci, ns := range namespaces {
		indent := "  "
		if ns != "" {
			fmt.Fprintf(&b, "  subgraph cluster_%d {\n    label=%s; style=dashed;\n", ci, dotQuote("namespace "+ns))
			indent = "    "
		}
		for _, n := range byNS[ns] {
			nd := g.Nodes[n]
			fmt.Fprintf(&b, "%sn%d [label=%s %s];\n", indent, n, dotQuote(nd.Label), nodeStyle[nd.Kind])
		}
		if ns != "" {
			b.WriteString("  }\n")
		}
	}
	for _, ei := range s.edges {
		e := g.Edges[ei]
		fmt.Fprintf(&b, "  n%d -> n%d [label=%s];\n", e.From, e.To, dotQuote(string(e.Kind)+"\n"+e.Technique))
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func mermaidText(s string) string {
	return `"` + strings.NewReplacer(`"`, "#quot;", "\n", "<br/>").Replace(s) + `"`
}

// WriteMermaid writes the paths as one Mermaid flowchart, a subgraph per
// namespace.
func WriteMermaid(w io.Writer, res Result, paths []Path) error {
	g := res.Graph
	s := res.subgraph(paths)
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	byNS := map[string][]int{}
	var namespaces []string
	for _, n := range s.nodes {
		ns := g.Nodes[n].Namespace
		if _, ok := byNS[ns]; !ok {
			namespaces = append(namespaces, ns)
		}
		byNS[ns] = append(byNS[ns], n)
	}
	sort.Strings(namespaces)
	shape := func(n int) string {
		nd := g.Nodes[n]
		t := mermaidText(nd.Label)
		switch nd.Kind {
		case KindInternet:
			return fmt.Sprintf("n%d((%s))", n, t)
		case KindPrincipal:
			return fmt.Sprintf("n%d([%s])", n, t)
		case KindSecrets, KindNodeRoot, KindCloudIdentity, KindClusterAdmin:
			return fmt.Sprintf("n%d{{%s}}", n, t)
		}
		return fmt.Sprintf("n%d[%s]", n, t)
	}
	for ci, ns := range namespaces {
		indent := "  "
		if ns != "" {
			fmt.Fprintf(&b, "  subgraph ns%d[%s]\n", ci, mermaidText("namespace "+ns))
			indent = "    "
		}
		for _, n := range byNS[ns] {
			b.WriteString(indent + shape(n) + "\n")
		}
		if ns != "" {
			b.WriteString("  end\n")
		}
	}
	for _, ei := range s.edges {
		e := g.Edges[ei]
		fmt.Fprintf(&b, "  n%d -->|%s| n%d\n", e.From, mermaidText(string(e.Kind)+" "+e.Technique), e.To)
	}
	var targets []string
	for _, n := range s.nodes {
		if g.Nodes[n].Target != "" {
			targets = append(targets, fmt.Sprintf("n%d", n))
		}
	}
	if len(targets) > 0 {
		b.WriteString("  classDef target fill:#ff8080,stroke:#900\n")
		fmt.Fprintf(&b, "  class %s target\n", strings.Join(targets, ","))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
