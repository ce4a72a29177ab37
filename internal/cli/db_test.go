package cli

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/vulndb"
)

// runDB runs the db command in process, as the root command will.
func runDB(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	s := &streams{in: strings.NewReader(""), out: &out, err: &errOut}
	cmd := newDBCommand(s)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	err := cmd.Execute()
	if err == nil {
		return ExitOK, out.String(), errOut.String()
	}
	if ee, ok := err.(*exitError); ok {
		if ee.err != nil {
			errOut.WriteString("palisade: " + ee.err.Error() + "\n")
		}
		return ee.code, out.String(), errOut.String()
	}
	errOut.WriteString(err.Error())
	return ExitInput, out.String(), errOut.String()
}

const dbFixtures = "../vulndb/testdata/osv"

func TestDBImportAndStatus(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runDB(t, "import", "--db", dir, filepath.Join(dbFixtures, "debian"), filepath.Join(dbFixtures, "go"))
	if code != ExitOK || !strings.Contains(out, "imported 11 records (0 skipped, 0 of them withdrawn)") || !strings.Contains(out, "Debian:12") {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = runDB(t, "status", "--db", dir)
	if code != ExitOK || !strings.Contains(out, "Records:   11") || !strings.Contains(out, "Go         4") || !strings.Contains(out, "Updated:   never") {
		t.Fatalf("status: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runDB(t, "status", "--db", dir, "-o", "json")
	var st vulndb.Status
	if code != ExitOK || json.Unmarshal([]byte(out), &st) != nil || st.Records != 11 || len(st.Sources) != 2 {
		t.Fatalf("status -o json: exit %d\n%s", code, out)
	}
	// PALISADE_VULNDB_DIR is the default directory.
	t.Setenv(vulndb.EnvDir, dir)
	if code, out, _ = runDB(t, "status"); code != ExitOK || !strings.Contains(out, dir) {
		t.Fatalf("status from env: exit %d\n%s", code, out)
	}
}

func TestDBErrors(t *testing.T) {
	empty := t.TempDir()
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"affected": []}`), 0o644)
	notZip := filepath.Join(t.TempDir(), "Debian.zip")
	os.WriteFile(notZip, []byte("nope"), 0o644)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"status without database", []string{"status", "--db", empty}, "no vulnerability database at " + empty + "; run 'palisade db import <OSV zip>' or 'palisade db update --from URL'"},
		{"bad -o", []string{"status", "--db", empty, "-o", "yaml"}, "-o: want table or json"},
		{"import nothing", []string{"import", "--db", empty}, "name the OSV exports to import"},
		{"bad record", []string{"import", "--db", t.TempDir(), bad, filepath.Join(dbFixtures, "go")}, bad + ": record has no id"},
		{"not a zip", []string{"import", "--db", empty, notZip}, "not a zip file"},
		{"update without --from", []string{"update", "--db", empty}, "name where to download from"},
		{"update over plain http", []string{"update", "--db", empty, "--from", "http://example.com/all.zip"}, "plain http is only allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runDB(t, tt.args...)
			if code != ExitInput || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q (stdout %q); want %d and %q", code, errOut, out, ExitInput, tt.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(empty, vulndb.FileName)); err == nil {
		t.Error("a failed import created a database")
	}
}

func TestDBUpdate(t *testing.T) {
	dir := t.TempDir()
	zipPath := filepath.Join(t.TempDir(), "all.zip")
	writeTestZip(t, zipPath, filepath.Join(dbFixtures, "go"))
	body, _ := os.ReadFile(zipPath)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/Go/all.zip" {
			http.NotFound(w, r)
			return
		}
		w.Write(body)
	}))
	defer srv.Close()
	code, out, errOut := runDB(t, "update", "--db", dir, "--from", srv.URL, "--ecosystem", "Go")
	if code != ExitOK || !strings.Contains(out, "downloaded "+srv.URL+"/Go/all.zip") || !strings.Contains(out, "no checksum published") || !strings.Contains(out, "imported 4 records") {
		t.Fatalf("update: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = runDB(t, "update", "--db", dir, "--from", srv.URL+"/Go/all.zip", "--sha256", strings.Repeat("0", 64))
	if code != ExitInput || !strings.Contains(errOut, "checksum mismatch") {
		t.Fatalf("update with wrong --sha256: exit %d\n%s\n%s", code, out, errOut)
	}
}

// writeTestZip zips the .json files of dir, flat, like OSV's all.zip.
func writeTestZip(t *testing.T, path, dir string) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		w, _ := zw.Create(filepath.Base(f))
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
