// Package examples_test scans every scenario in this folder and compares the
// findings with the scenario's expected.json, exactly.
package examples_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"

	"github.com/palisade-sec/palisade/internal/check"
	_ "github.com/palisade-sec/palisade/internal/checks"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
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

// Scan scans a scenario folder the way `palisade scan DIR` does, with the
// scenario's own .palisade.yaml when it has one.
func Scan(t *testing.T, dir string) []check.Finding {
	t.Helper()
	loaded := source.Load(source.Options{Paths: []string{dir}})
	for _, e := range loaded.Errors {
		t.Errorf("input error: %v", e.Error())
	}
	cfg := &check.Config{}
	if p := filepath.Join(dir, check.ConfigFileName); fileExists(p) {
		var err error
		if cfg, err = check.LoadConfig(p); err != nil {
			t.Fatal(err)
		}
	}
	return check.Run(cluster.NewSnapshot(loaded.Objects), check.Options{Config: cfg}).Findings
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

// TestHardenedHasNothingAboveInfo is the promise of the hardened scenario.
func TestHardenedHasNothingAboveInfo(t *testing.T) {
	for _, f := range Scan(t, "hardened") {
		if f.Severity > check.SeverityInfo && !f.Suppressed() {
			t.Errorf("%s %s %s: %s", f.Severity, f.CheckID, f.Object, f.Message)
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
