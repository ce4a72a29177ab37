// Package examples_test scans every scenario in this folder and compares the
// findings with the scenario's expected.json, exactly.
package examples_test

import (
	"bufio"
	"encoding/json"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/attackpath"
	"github.com/palisade-sec/palisade/internal/check"
	_ "github.com/palisade-sec/palisade/internal/checks"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
	"github.com/palisade-sec/palisade/internal/source/node"
)

var update = flag.Bool("update", false, "rewrite expected.json from the current findings (review the diff!)")

// Expected is a scenario's expected.json.
type Expected struct {
	Scenario string            `json:"scenario"`
	Findings []ExpectedFinding `json:"findings"`
}

// ExpectedFinding is the stable part of a finding: no message wording.
type ExpectedFinding struct {
	Check    string `json:"check"`
	Severity string `json:"severity"`
	Object   string `json:"object"`
	Field    string `json:"field"`
	At       string `json:"at"`
}

// Scan scans a scenario folder the way `palisade scan DIR` does — or, for
// a node scenario (a folder with a modes.txt), the way `palisade node
// --root DIR` does — with the scenario's own .palisade.yaml when it has one.
func Scan(t *testing.T, dir string) []check.Finding {
	t.Helper()
	var objects []*cluster.Object
	var errs []source.InputError
	if isNodeScenario(dir) {
		loaded, err := node.Load(node.Options{Root: dir, Stat: fixtureStat(t, dir)})
		if err != nil {
			t.Fatal(err)
		}
		objects, errs = loaded.Objects, loaded.Errors
	} else {
		loaded := source.Load(source.Options{Paths: []string{dir}})
		objects, errs = loaded.Objects, loaded.Errors
	}
	for _, e := range errs {
		t.Errorf("input error: %v", e.Error())
	}
	cfg := &check.Config{}
	if p := filepath.Join(dir, check.ConfigFileName); fileExists(p) {
		var err error
		if cfg, err = check.LoadConfig(p); err != nil {
			t.Fatal(err)
		}
	}
	return check.Run(cluster.NewSnapshot(objects), check.Options{Config: cfg}).Findings
}

// isNodeScenario reports whether a scenario is a node's filesystem rather
// than manifests: it has a modes.txt.
func isNodeScenario(dir string) bool { return fileExists(filepath.Join(dir, "modes.txt")) }

// fileMeta is a mode and owner from a modes.txt.
type fileMeta struct {
	mode         fs.FileMode
	owner, group string
}

// fixtureStat gives a node scenario's files the modes and owners its
// modes.txt lists, since git keeps neither. Each line is
// "MODE OWNER:GROUP PATH", PATH relative to the scenario; files not
// listed are 0600 root:root, directories 0755 root:root.
func fixtureStat(t *testing.T, dir string) func(nodePath, diskPath string) (node.FileStat, error) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "modes.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	modes := map[string]fileMeta{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		mode, err := strconv.ParseUint(fields[0], 8, 32)
		owner, group, ok := strings.Cut(safeIndex(fields, 1), ":")
		if len(fields) != 3 || err != nil || !ok {
			t.Fatalf("%s/modes.txt:%d: want MODE OWNER:GROUP PATH, got %q", dir, n, line)
		}
		if !fileExists(filepath.Join(dir, filepath.FromSlash(fields[2]))) {
			t.Fatalf("%s/modes.txt:%d: %s does not exist", dir, n, fields[2])
		}
		modes[fields[2]] = fileMeta{fs.FileMode(mode), owner, group}
	}
	return func(nodePath, diskPath string) (node.FileStat, error) {
		info, err := os.Stat(diskPath)
		if err != nil {
			return node.FileStat{}, err
		}
		m, ok := modes[strings.TrimPrefix(nodePath, "/")]
		switch {
		case ok:
		case info.IsDir():
			m = fileMeta{0o755, "root", "root"}
		default:
			m = fileMeta{0o600, "root", "root"}
		}
		return node.FileStat{Mode: info.Mode().Type() | m.mode, Owner: m.owner, Group: m.group}, nil
	}
}

func safeIndex(list []string, i int) string {
	if i < len(list) {
		return list[i]
	}
	return ""
}

func TestScenarios(t *testing.T) {
	dirs, _ := filepath.Glob("*/expected.json")
	if !*update && len(dirs) < 3 {
		t.Fatalf("want the tesla-2018, insecure-shop and hardened scenarios, found %v", dirs)
	}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		name := e.Name()
		t.Run(name, func(t *testing.T) {
			got := Expected{Scenario: name, Findings: []ExpectedFinding{}}
			for _, f := range Scan(t, name) {
				if f.Suppressed() {
					continue
				}
				rel, _ := filepath.Rel(name, f.Position.File)
				got.Findings = append(got.Findings, ExpectedFinding{
					Check: f.CheckID, Severity: f.Severity.String(), Object: f.Object.String(), Field: f.Field,
					At: rel + ":" + strconv.Itoa(f.Position.Line),
				})
			}
			path := filepath.Join(name, "expected.json")
			if *update {
				data, _ := json.MarshalIndent(got, "", "  ")
				if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var want Expected
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if !reflect.DeepEqual(got.Findings, want.Findings) {
				t.Errorf("findings differ from %s", path)
				diff(t, want.Findings, got.Findings)
			}
		})
	}
}

// TestHardenedHasNothingAboveInfo is the promise of the hardened
// scenarios: nothing above info but what their .palisade.yaml waives, with
// a reason.
func TestHardenedHasNothingAboveInfo(t *testing.T) {
	for _, name := range []string{"hardened", "node-hardened"} {
		for _, f := range Scan(t, name) {
			if f.Severity > check.SeverityInfo && !f.Suppressed() {
				t.Errorf("%s: %s %s %s: %s", name, f.Severity, f.CheckID, f.Object, f.Message)
			}
		}
	}
}

func diff(t *testing.T, want, got []ExpectedFinding) {
	t.Helper()
	in := func(list []ExpectedFinding, f ExpectedFinding) bool {
		for _, x := range list {
			if x == f {
				return true
			}
		}
		return false
	}
	for _, f := range want {
		if !in(got, f) {
			t.Errorf("missing:    %+v", f)
		}
	}
	for _, f := range got {
		if !in(want, f) {
			t.Errorf("unexpected: %+v", f)
		}
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// TestAttackPaths compares, for every scenario with an expected-paths.txt,
// the attack paths `palisade paths DIR` prints (the fixes, then each path
// step by step with its evidence and the findings it cites), with -update
// rewriting the file.
func TestAttackPaths(t *testing.T) {
	files, _ := filepath.Glob("*/expected-paths.txt")
	if len(files) < 3 {
		t.Fatalf("want the tesla-2018, capital-one and insecure-shop expected-paths.txt, found %v", files)
	}
	for _, path := range files {
		dir := filepath.Dir(path)
		t.Run(dir, func(t *testing.T) {
			res := attackPaths(t, dir)
			var b strings.Builder
			if err := attackpath.WriteTable(&b, res); err != nil {
				t.Fatal(err)
			}
			got := b.String()
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("%s: the attack paths changed; run go test ./examples -update and review the diff.\ngot:\n%s\nwant:\n%s", path, got, want)
			}
		})
	}
}

// attackPaths searches a scenario's attack graph, citing the findings of
// its scan.
func attackPaths(t *testing.T, dir string) attackpath.Result {
	t.Helper()
	loaded := source.Load(source.Options{Paths: []string{dir}})
	for _, e := range loaded.Errors {
		t.Errorf("input error: %v", e.Error())
	}
	snap := cluster.NewSnapshot(loaded.Objects)
	g := attackpath.Build(snap)
	g.Cite(check.Run(snap, check.Options{Config: &check.Config{}}).Findings)
	return g.Search(attackpath.Options{})
}

// TestAttackPathStories holds the scenarios to the stories they tell,
// whatever the wording of expected-paths.txt.
func TestAttackPathStories(t *testing.T) {
	summaries := func(dir string) []string {
		res := attackPaths(t, dir)
		var out []string
		for _, p := range res.Paths {
			out = append(out, res.Graph.Summary(p))
		}
		return out
	}
	has := func(t *testing.T, paths []string, want string) {
		t.Helper()
		for _, p := range paths {
			if p == want {
				return
			}
		}
		t.Errorf("missing path %s\namong:\n%s", want, strings.Join(paths, "\n"))
	}
	t.Run("tesla-2018", func(t *testing.T) {
		paths := summaries("tesla-2018")
		const in = "Internet → service/kubernetes-dashboard -n kube-system (LoadBalancer) → deployment.apps/kubernetes-dashboard -n kube-system → ServiceAccount kube-system/kubernetes-dashboard"
		has(t, paths, in+" → cluster-admin")
		has(t, paths, in+" → node root (any node)")
	})
	t.Run("capital-one", func(t *testing.T) {
		paths := summaries("capital-one")
		has(t, paths, "Internet → service/waf -n edge (LoadBalancer) → deployment.apps/waf -n edge → cloud metadata endpoint 169.254.169.254 (serving AWS IAM role arn:aws:iam::111122223333:role/edge-waf) → AWS IAM role arn:aws:iam::111122223333:role/edge-waf")
		for _, p := range paths {
			if strings.Contains(p, "orders") {
				t.Errorf("orders is behind the firewall's policy, yet a path goes through it: %s", p)
			}
		}
	})
	t.Run("insecure-shop", func(t *testing.T) {
		res := attackPaths(t, "insecure-shop")
		kinds := map[string]bool{}
		for _, p := range res.Paths {
			var ks []string
			for _, ei := range p.Edges {
				ks = append(ks, string(res.Graph.Edges[ei].Kind))
			}
			kinds[strings.Join(ks, ",")] = true
			if s := res.Graph.Summary(p); strings.Contains(s, "redis") {
				t.Errorf("the NetworkPolicy redis-from-shop closes the way in through service/redis, yet: %s", s)
			}
		}
		if len(kinds) < 3 {
			t.Errorf("want at least three kinds of path, got %v", kinds)
		}
		paths := summaries("insecure-shop")
		has(t, paths, "Internet → HostNetwork of daemonset.apps/log-collector -n shop (HostNetwork) → daemonset.apps/log-collector -n shop → node root (any node)")
		has(t, paths, "Internet → service/frontend -n shop (LoadBalancer) → deployment.apps/frontend -n shop → daemonset.apps/ci-runner -n shop → node root (any node)")
		has(t, paths, "Internet → service/frontend -n shop (LoadBalancer) → deployment.apps/frontend -n shop → cloud metadata endpoint 169.254.169.254 (serving the node's cloud identity (its instance role)) → the node's cloud identity (its instance role)")
	})
}
