package pss_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	psaapi "k8s.io/pod-security-admission/api"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/checks/checktest"
	"github.com/palisade-sec/palisade/internal/checks/pss"
)

// TestUpstreamFixtures runs every Pod Security Admission fixture of the
// newest policy version through Palisade's pss/ checks and asserts that
// Palisade admits exactly the pods the fixture's folder (pass or fail) says
// the API server admits, at both levels.
func TestUpstreamFixtures(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/pod-security-admission").Output()
	if err != nil {
		t.Fatalf("locating the k8s.io/pod-security-admission module (run go mod download): %v", err)
	}
	testdata := filepath.Join(strings.TrimSpace(string(out)), "test", "testdata")
	reg := check.NewRegistry()
	for _, c := range check.Default().All() {
		if strings.HasPrefix(c.ID, pss.Prefix) {
			reg.MustAdd(c)
		}
	}
	total := 0
	for _, level := range []psaapi.Level{psaapi.LevelBaseline, psaapi.LevelRestricted} {
		dir := newestVersionDir(t, filepath.Join(testdata, string(level)))
		for _, verdict := range []string{"pass", "fail"} {
			files, _ := filepath.Glob(filepath.Join(dir, verdict, "*.yaml"))
			if len(files) == 0 {
				t.Fatalf("no fixtures in %s/%s", dir, verdict)
			}
			for _, file := range files {
				total++
				data, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				snap := checktest.Snapshot(t, string(data))
				if len(snap.PodTemplates()) != 1 {
					t.Fatalf("%s: want one pod, got %d", file, len(snap.PodTemplates()))
				}
				res := check.Run(snap, check.Options{Registry: reg})
				var failed []string
				for _, f := range res.Findings {
					failed = append(failed, f.CheckID)
				}
				if got, want := pss.Allows(level, failed), verdict == "pass"; got != want {
					t.Errorf("%s/%s/%s: Palisade admits=%v, Pod Security Admission admits=%v (failed checks: %v)",
						level, verdict, filepath.Base(file), got, want, failed)
				}
			}
		}
	}
	t.Logf("%d upstream fixtures agree", total)
}

// newestVersionDir returns the v1.N folder with the highest N.
func newestVersionDir(t *testing.T, dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var minors []int
	for _, e := range entries {
		if n, err := strconv.Atoi(strings.TrimPrefix(e.Name(), "v1.")); err == nil && e.IsDir() {
			minors = append(minors, n)
		}
	}
	if len(minors) == 0 {
		t.Fatalf("no version folders in %s", dir)
	}
	sort.Ints(minors)
	return filepath.Join(dir, "v1."+strconv.Itoa(minors[len(minors)-1]))
}
