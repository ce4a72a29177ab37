package vulndb

import (
	"archive/zip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const fixtures = "testdata/osv"

// zipFiles writes a zip of the given entries (name -> content), in name
// order, and returns its path.
func zipFiles(t testing.TB, path string, entries map[string]string) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	var names []string
	for n := range entries {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(entries[n])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// zipDir zips the .json files under dir flat, as OSV's all.zip is laid out.
func zipDir(t testing.TB, dir, path string) string {
	t.Helper()
	entries := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		b, err := os.ReadFile(p)
		entries[filepath.Base(p)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return zipFiles(t, path, entries)
}

// fixtureStore imports all fixtures into a new store and opens it.
func fixtureStore(t testing.TB) *Store {
	t.Helper()
	dir := t.TempDir()
	z := zipDir(t, fixtures, filepath.Join(t.TempDir(), "all.zip"))
	if _, err := Import(dir, []string{z}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
