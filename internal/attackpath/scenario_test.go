package attackpath_test

import (
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/attackpath"
	"github.com/palisade-sec/palisade/internal/check"
	_ "github.com/palisade-sec/palisade/internal/checks"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
)

func load(t *testing.T, dir string) (*cluster.Snapshot, []check.Finding) {
	t.Helper()
	loaded := source.Load(source.Options{Paths: []string{dir}})
	for _, e := range loaded.Errors {
		t.Fatalf("input error: %v", e.Error())
	}
	snap := cluster.NewSnapshot(loaded.Objects)
	return snap, check.Run(snap, check.Options{Config: &check.Config{}}).Findings
}

// TestTeslaPathsAndFindings: the dashboard story, its evidence citing the
// scan's findings, and the findings given the ids of their paths.
func TestTeslaPathsAndFindings(t *testing.T) {
	snap, findings := load(t, "../../examples/tesla-2018")
	g := attackpath.Build(snap)
	g.Cite(findings)
	res := g.Search(attackpath.Options{To: []attackpath.Target{attackpath.ToClusterAdmin}})
	if len(res.Paths) != 1 {
		t.Fatalf("want one path to cluster-admin, got %d", len(res.Paths))
	}
	p := res.Paths[0]
	var kinds []string
	for _, ei := range p.Edges {
		e := g.Edges[ei]
		kinds = append(kinds, string(e.Kind)+"/"+e.Technique)
	}
	if got, want := strings.Join(kinds, " "), "exposed/T1133 exposed-to/T1190 runs-as/T1078 holds/T1078"; got != want {
		t.Errorf("steps %s, want %s", got, want)
	}
	attackpath.AttachPaths(findings, res)
	on := map[string]bool{}
	for _, f := range findings {
		if len(f.Paths) > 0 {
			on[f.CheckID] = true
			if f.Paths[0] != p.ID {
				t.Errorf("%s: paths %v, want %s", f.CheckID, f.Paths, p.ID)
			}
		}
	}
	for _, id := range []string{"exposure/dashboard-exposed", "exposure/dashboard-skip-login", "exposure/dashboard-cluster-admin", "rbac/cluster-admin"} {
		if !on[id] {
			t.Errorf("finding %s is not on the path", id)
		}
	}
	if on["workload/no-resource-limits"] {
		t.Error("a finding unrelated to the path is on it")
	}
	if len(res.Cuts) == 0 || !strings.Contains(g.CutText(res.Cuts[0]), "and 1 path(s) close") {
		t.Errorf("cuts %v", res.Cuts)
	}
}

// TestSearchBounds: the length bound and the path limit.
func TestSearchBounds(t *testing.T) {
	snap, _ := load(t, "../../examples/insecure-shop")
	g := attackpath.Build(snap)
	if res := g.Search(attackpath.Options{MaxLength: 2}); len(res.Paths) != 0 {
		t.Errorf("no path is two steps long, got %d", len(res.Paths))
	}
	res := g.Search(attackpath.Options{MaxPaths: 2})
	if !res.Truncated || len(res.Paths) > 2 {
		t.Errorf("want at most 2 paths and truncated, got %d, %v", len(res.Paths), res.Truncated)
	}
	for i := 1; i < len(res.Paths); i++ {
		if len(res.Paths[i].Edges) < len(res.Paths[i-1].Edges) {
			t.Error("not shortest first")
		}
	}
}
