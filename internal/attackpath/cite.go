package attackpath

import (
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
)

// FindingID names a finding the way evidence cites it: "check-id object
// field".
func FindingID(f *check.Finding) string {
	id := f.CheckID + " " + f.Object.String()
	if f.Field != "" {
		id += " " + f.Field
	}
	return id
}

// Cite fills the Findings of every edge's evidence with the findings of
// the scan that report the same weakness: a finding of one of the
// evidence's checks on the evidence's object. Suppressed findings are
// cited too (the weakness is there; a waiver only accepts it).
func (g *Graph) Cite(findings []check.Finding) {
	c := &citations{findings: findings, byObject: map[string][]int{}}
	for i := range findings {
		o := findings[i].Object.String()
		c.byObject[o] = append(c.byObject[o], i)
	}
	// The edges whose words are not written yet are cited when they are
	// (Graph.fill).
	g.cited = c
	for ei := range g.Edges {
		for vi := range g.Edges[ei].Evidence {
			c.cite(&g.Edges[ei].Evidence[vi])
		}
	}
}

// citations are the findings of a scan by object.
type citations struct {
	findings []check.Finding
	byObject map[string][]int
}

// cite sets the Findings of one evidence.
func (c *citations) cite(ev *Evidence) {
	ev.Findings = nil
	for _, fi := range c.byObject[ev.Object] {
		f := &c.findings[fi]
		if !citedBy(ev.checks, f.CheckID) {
			continue
		}
		if id := FindingID(f); !slices.Contains(ev.Findings, id) {
			ev.Findings = append(ev.Findings, id)
		}
	}
}

func citedBy(checks []string, id string) bool {
	for _, c := range checks {
		if c == id || (strings.HasSuffix(c, "/") && strings.HasPrefix(id, c)) {
			return true
		}
	}
	return false
}

// AttachPaths sets the Paths of every finding that evidence of a path
// cites to the ids of those paths, in the order of the result.
func AttachPaths(findings []check.Finding, res Result) {
	index := map[string]int{}
	for i := range findings {
		findings[i].Paths = nil
		index[FindingID(&findings[i])] = i
	}
	for _, p := range res.Paths {
		for _, ei := range p.Edges {
			for _, ev := range res.Graph.Edges[ei].Evidence {
				for _, id := range ev.Findings {
					if fi, ok := index[id]; ok && !slices.Contains(findings[fi].Paths, p.ID) {
						findings[fi].Paths = append(findings[fi].Paths, p.ID)
					}
				}
			}
		}
	}
}
