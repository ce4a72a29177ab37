// Package checktest runs one check over YAML in a test, through the same
// decoder, Snapshot and engine as `palisade scan`.
package checktest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/imagefacts"
	"github.com/palisade-sec/palisade/internal/source"
)

// Snapshot decodes multi-document YAML into a Snapshot, failing the test on
// any input error.
func Snapshot(t testing.TB, manifests string) *cluster.Snapshot {
	t.Helper()
	dec := &source.Decoder{Limits: source.DefaultLimits}
	objs, errs := dec.Decode("test.yaml", []byte(manifests))
	for _, e := range errs {
		t.Fatalf("test manifests do not decode: %v", e.Error())
	}
	return cluster.NewSnapshot(objs)
}

// Run runs only the check with this id (which must be registered in
// check.Default()) over the manifests, with the given config (nil for none),
// and returns its findings.
func Run(t testing.TB, id string, cfg *check.Config, manifests string) []check.Finding {
	t.Helper()
	return RunObjects(t, id, cfg, Snapshot(t, manifests).Objects())
}

// RunObjects runs only the check with this id over objects read by any
// source, with the given config (nil for none), and returns its findings.
func RunObjects(t testing.TB, id string, cfg *check.Config, objects []*cluster.Object) []check.Finding {
	t.Helper()
	return RunWithImages(t, id, cfg, nil, objects)
}

// RunWithImages runs only the check with this id over objects, with the
// facts an image scan learned (nil for a scan without images).
func RunWithImages(t testing.TB, id string, cfg *check.Config, images imagefacts.Lookup, objects []*cluster.Object) []check.Finding {
	t.Helper()
	c, ok := check.Default().Get(id)
	if !ok {
		t.Fatalf("check %s is not registered", id)
	}
	reg := check.NewRegistry()
	reg.MustAdd(c)
	res := check.Run(cluster.NewSnapshot(objects), check.Options{Registry: reg, Config: cfg, Images: images, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	return res.Findings
}

// Expect asserts that the findings are exactly the wanted ones, each given
// as "severity: words of its message" and matched once.
func Expect(t testing.TB, got []check.Finding, wants []string) {
	t.Helper()
	used := make([]bool, len(got))
	for _, w := range wants {
		sev, text, _ := strings.Cut(w, ": ")
		found := false
		for i, f := range got {
			if !used[i] && f.Severity.String() == sev && strings.Contains(f.Message, text) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("missing %s finding %q", sev, text)
		}
	}
	for i, f := range got {
		if !used[i] {
			t.Errorf("unexpected %s finding on %s %s: %s", f.Severity, f.Object, f.Field, f.Message)
		}
	}
}

// WriteTree writes files under a new temporary folder and returns it. Names
// use "/" and are relative; a name ending in "/" is an empty folder. Files
// are written with mode 0600.
func WriteTree(t testing.TB, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return root
}
