package source

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// writeFiles writes files (slash-separated paths) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func objectNames(res *Result) []string {
	var out []string
	for _, o := range res.Objects {
		out = append(out, o.ID.Kind+"/"+o.ID.Name)
	}
	sort.Strings(out)
	return out
}

func TestLoadWalksFolders(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a.yaml":                       configMap("a"),
		"b.YML":                        configMap("b"),
		"c.json":                       `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}`,
		"notes.txt":                    configMap("not-a-manifest-name"),
		"README.md":                    "# apiVersion: v1\n",
		".hidden/x.yaml":               configMap("in-dot-dir"),
		".dotfile.yaml":                configMap("dotfile"),
		"sub/deeper/d.yaml":            configMap("d"),
		"apps/chart/Chart.yaml":        "apiVersion: v2\nname: app\nversion: 0.1.0\n",
		"apps/chart/values.yaml":       "name: from-chart\n",
		"apps/chart/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n",
		"apps/kust/kustomization.yaml": "namePrefix: k-\nresources:\n- cm.yaml\n",
		"apps/kust/cm.yaml":            configMap("from-kustomize"),
		"apps/kust/unused.yaml":        configMap("not-in-kustomization"),
	})
	outside := filepath.Join(t.TempDir(), "outside.yaml")
	writeFiles(t, filepath.Dir(outside), map[string]string{"outside.yaml": configMap("outside")})
	if err := os.Symlink(outside, filepath.Join(dir, "link.yaml")); err != nil {
		t.Fatal(err)
	}

	res := Load(Options{Paths: []string{dir}})
	if len(res.Errors) > 0 {
		t.Fatalf("errors %v", errorsOf(res.Errors))
	}
	want := "ConfigMap/a ConfigMap/b ConfigMap/c ConfigMap/d ConfigMap/from-chart ConfigMap/k-from-kustomize"
	if got := strings.Join(objectNames(res), " "); got != want {
		t.Errorf("objects %s\nwant    %s", got, want)
	}
	if res.Files != 6 {
		t.Errorf("Files = %d, want 6 (4 files, a chart, a kustomization)", res.Files)
	}
	// Folders are read in name order, so output is stable.
	if res.Objects[0].ID.Name != "a" || res.Objects[0].Origin.File != filepath.Join(dir, "a.yaml") {
		t.Errorf("first object %v from %s", res.Objects[0].ID, res.Objects[0].Origin.File)
	}
}

func TestLoadNamedFileOfAnyName(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"manifest.txt": configMap("named")})
	res := Load(Options{Paths: []string{filepath.Join(dir, "manifest.txt")}})
	if len(res.Errors) > 0 || len(res.Objects) != 1 || res.Files != 1 {
		t.Fatalf("%v %v", objectNames(res), errorsOf(res.Errors))
	}
}

func TestLoadStdin(t *testing.T) {
	res := Load(Options{Paths: []string{"-"}, Stdin: strings.NewReader(configMap("a") + "---\nkind: Broken\n")})
	if len(res.Objects) != 1 || res.Objects[0].Origin.File != "-" || res.Files != 1 {
		t.Fatalf("objects %v", objectNames(res))
	}
	if got := errorsOf(res.Errors); len(got) != 1 || !strings.HasPrefix(got[0], "-:6: ") {
		t.Errorf("errors %v", got)
	}

	res = Load(Options{Paths: []string{"-"}})
	if len(res.Errors) != 1 || res.Errors[0].File != "-" {
		t.Errorf("no stdin: %v", errorsOf(res.Errors))
	}

	res = Load(Options{Paths: []string{"-"}, Stdin: failingReader{}})
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "broken pipe") {
		t.Errorf("failing stdin: %v", errorsOf(res.Errors))
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestLoadMissingPathIsAnInputErrorAndTheRestLoads(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"ok.yaml": configMap("ok")})
	missing := filepath.Join(dir, "missing.yaml")
	res := Load(Options{Paths: []string{missing, filepath.Join(dir, "ok.yaml")}})
	if len(res.Errors) != 1 {
		t.Fatalf("errors %v", errorsOf(res.Errors))
	}
	if e := res.Errors[0]; e.File != missing || e.Line != 0 || e.Message != "no such file or directory" {
		t.Errorf("error %q", e.Error())
	}
	if len(res.Objects) != 1 || res.Objects[0].ID.Name != "ok" {
		t.Errorf("objects %v", objectNames(res))
	}
}

func TestLoadReportsBadFilesAndReadsTheRest(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"a.yaml": configMap("a") + "  bad: [\n",
		"b.yaml": configMap("b"),
	})
	res := Load(Options{Paths: []string{dir}})
	if len(res.Errors) != 1 || res.Errors[0].File != filepath.Join(dir, "a.yaml") || res.Errors[0].Line != 5 {
		t.Fatalf("errors %v", errorsOf(res.Errors))
	}
	if len(res.Objects) != 1 || res.Objects[0].ID.Name != "b" {
		t.Errorf("objects %v", objectNames(res))
	}
}

func TestLoadLimits(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.yaml": configMap("a") + "data:\n  x: " + strings.Repeat("y", 100) + "\n"})
	res := Load(Options{Paths: []string{dir}, Limits: Limits{MaxDocumentBytes: 64}})
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Message, "64-byte limit") {
		t.Errorf("errors %v", errorsOf(res.Errors))
	}
}

// TestLoadReadsAKustomizeBaseThroughItsOverlay: walking a tree with a base
// and an overlay that builds it reads the base's objects once, as the
// overlay renders them; a base named on its own is still read.
func TestLoadReadsAKustomizeBaseThroughItsOverlay(t *testing.T) {
	tree := t.TempDir()
	for _, d := range []string{"base", "overlays/prod"} {
		src := filepath.Join("testdata/kustomize", d)
		entries, err := os.ReadDir(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(tree, d), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(src, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(tree, d, e.Name()), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	names := func(res *Result) map[string]int {
		out := map[string]int{}
		for _, o := range res.Objects {
			out[o.ID.Kind+"/"+o.ID.Name]++
		}
		return out
	}
	walked := Load(Options{Paths: []string{tree}})
	if len(walked.Errors) > 0 {
		t.Fatal(walked.Errors)
	}
	for name, n := range names(walked) {
		if n != 1 || !strings.HasPrefix(name[strings.Index(name, "/")+1:], "prod-") {
			t.Errorf("%s read %d times; want each object once, from the prod overlay", name, n)
		}
	}
	if len(walked.Skipped) != 1 || filepath.Base(walked.Skipped[0]) != "base" {
		t.Errorf("skipped %v, want the base", walked.Skipped)
	}
	named := Load(Options{Paths: []string{filepath.Join(tree, "base")}})
	if len(named.Objects) == 0 {
		t.Error("a base the user names must be read")
	}
}

// TestLoadNamespacePlacesObjectsLikeKubectlApply: with Options.Namespace,
// objects of namespaced kinds that name no namespace land in it; objects
// that name one, cluster-scoped kinds and unknown kinds are left alone.
func TestLoadNamespacePlacesObjectsLikeKubectlApply(t *testing.T) {
	dir := t.TempDir()
	manifests := `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {template: {spec: {containers: [{name: c, image: c}]}}}
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: data}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
---
apiVersion: example.com/v1
kind: Widget
metadata: {name: w}
`
	if err := os.WriteFile(filepath.Join(dir, "all.yaml"), []byte(manifests), 0o644); err != nil {
		t.Fatal(err)
	}
	res := Load(Options{Paths: []string{dir}, Namespace: "shop"})
	got := map[string]string{}
	for _, o := range res.Objects {
		got[o.ID.Kind] = o.ID.Namespace
		if o.Meta.GetNamespace() != o.ID.Namespace {
			t.Errorf("%s: metadata says %q, ID says %q", o.ID.Kind, o.Meta.GetNamespace(), o.ID.Namespace)
		}
	}
	want := map[string]string{"Deployment": "shop", "Service": "data", "ClusterRole": "", "Widget": ""}
	for kind, ns := range want {
		if got[kind] != ns {
			t.Errorf("%s in namespace %q, want %q", kind, got[kind], ns)
		}
	}
}
