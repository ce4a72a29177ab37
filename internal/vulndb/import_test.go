package vulndb

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/imagefacts"
	"github.com/palisade-sec/palisade/internal/vulndb/vulndbtest"
)

func TestImportFixtures(t *testing.T) {
	dir := t.TempDir()
	z := zipDir(t, fixtures, filepath.Join(t.TempDir(), "all.zip"))
	at := time.Date(2099, 3, 1, 12, 0, 0, 0, time.UTC)
	res, err := Import(dir, []string{z}, ImportOptions{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	// 26 files: 24 advisories, one withdrawn, one with only GIT ranges.
	if res.Imported != 24 || res.Skipped != 2 || res.Withdrawn != 1 || len(res.Errors) != 0 || res.Records != 24 {
		t.Errorf("imported %d skipped %d withdrawn %d errors %v records %d, want 24 2 1 none 24", res.Imported, res.Skipped, res.Withdrawn, res.Errors, res.Records)
	}
	if res.Ecosystems["Debian:12"] != 6 || res.Ecosystems["Debian:11"] != 2 || res.Ecosystems["Go"] != 4 || res.Ecosystems["npm"] != 3 {
		t.Errorf("per ecosystem %v", res.Ecosystems)
	}
	st, err := ReadStatus(dir)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(z)
	sum := sha256.Sum256(raw)
	if len(st.Sources) != 1 || st.Sources[0].SHA256 != hex.EncodeToString(sum[:]) || st.Sources[0].Records != 24 || st.Sources[0].Skipped != 2 || st.Sources[0].Size != int64(len(raw)) {
		t.Errorf("sources %+v", st.Sources)
	}
	if !st.ImportedAt.Equal(at) || !st.UpdatedAt.IsZero() || st.Records != 24 || st.Size == 0 {
		t.Errorf("status %+v", st)
	}
	want := map[string]int{"Alpine:v3.19": 1, "Alpine:v3.20": 4, "Debian:11": 2, "Debian:12": 6, "Go": 4, "Maven": 1, "PyPI": 3, "Ubuntu:22.04:LTS": 1, "Ubuntu:Pro:22.04:LTS": 1, "npm": 3}
	got := map[string]int{}
	for _, e := range st.Ecosystems {
		got[e.Ecosystem] = e.Records
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ecosystems %v, want %v", got, want)
	}
}

// TestImportForms imports the same records as a directory and as single
// files, and checks they match like the zip.
func TestImportForms(t *testing.T) {
	dir := t.TempDir()
	res, err := Import(dir, []string{filepath.Join(fixtures, "debian"), filepath.Join(fixtures, "go", "GO-2099-0003.json")}, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 8 || len(res.Errors) != 0 {
		t.Fatalf("imported %d, errors %v; want 8 and none", res.Imported, res.Errors)
	}
	assertMatches(t, dir, deb("12", "libssl3", "openssl", "3.0.10-1"), "DSA-9001-1")
	assertMatches(t, dir, lang("Go", "go-binary", "example.com/lastaff", "v1.1.0"), "GO-2099-0003")
}

// assertMatches opens the store in dir and checks pkg's matches by id.
func assertMatches(t *testing.T, dir string, pkg imagefacts.Package, ids ...string) {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	vulns, err := s.Match([]imagefacts.Package{pkg})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range vulns {
		got = append(got, v.ID)
	}
	if !reflect.DeepEqual(got, ids) && !(len(got) == 0 && len(ids) == 0) {
		t.Errorf("%s %s %s: matched %q, want %q", pkg.Ecosystem, pkg.Name, pkg.Version, got, ids)
	}
}

func TestImportMergesEcosystems(t *testing.T) {
	dir := t.TempDir()
	tmp := t.TempDir()
	debZip := zipDir(t, filepath.Join(fixtures, "debian"), filepath.Join(tmp, "debian.zip"))
	goZip := zipDir(t, filepath.Join(fixtures, "go"), filepath.Join(tmp, "go.zip"))
	if _, err := Import(dir, []string{debZip}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err := Import(dir, []string{goZip}, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 4 || res.Records != 11 {
		t.Errorf("second import: imported %d, store holds %d; want 4 and 11", res.Imported, res.Records)
	}
	assertMatches(t, dir, deb("12", "libssl3", "openssl", "3.0.10-1"), "DSA-9001-1")
	assertMatches(t, dir, lang("Go", "go-binary", "example.com/pseudo", "v0.1.0"), "GO-2099-0002")
	st, err := ReadStatus(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Sources) != 2 {
		t.Errorf("sources %+v, want both zips", st.Sources)
	}

	// Importing the Debian zip again replaces its records, not adds them.
	if res, err = Import(dir, []string{debZip}, ImportOptions{}); err != nil || res.Records != 11 {
		t.Fatalf("re-import: %v, records %d, want 11", err, res.Records)
	}
	if st, _ := ReadStatus(dir); len(st.Sources) != 2 {
		t.Errorf("re-import sources %+v, want 2", st.Sources)
	}

	// A withdrawn record removes the stored one; Replace starts afresh.
	withdrawn := `{"id":"GO-2099-0002","modified":"2099-02-01T00:00:00Z","withdrawn":"2099-02-01T00:00:00Z","affected":[]}`
	wz := zipFiles(t, filepath.Join(tmp, "w.zip"), map[string]string{"GO-2099-0002.json": withdrawn})
	if res, err = Import(dir, []string{wz}, ImportOptions{}); err != nil || res.Withdrawn != 1 || res.Records != 10 {
		t.Fatalf("withdrawal: %v, withdrawn %d, records %d; want 1 and 10", err, res.Withdrawn, res.Records)
	}
	assertMatches(t, dir, lang("Go", "go-binary", "example.com/pseudo", "v0.1.0"))
	if res, err = Import(dir, []string{goZip}, ImportOptions{Replace: true}); err != nil || res.Records != 4 {
		t.Fatalf("replace: %v, records %d; want 4", err, res.Records)
	}
	assertMatches(t, dir, deb("12", "libssl3", "openssl", "3.0.10-1"))
}

func TestImportBadRecords(t *testing.T) {
	dir := t.TempDir()
	good, _ := os.ReadFile(filepath.Join(fixtures, "npm", "GHSA-3m5p-8q2w-9xv4.json"))
	z := zipFiles(t, filepath.Join(t.TempDir(), "npm.zip"), map[string]string{
		"GHSA-3m5p-8q2w-9xv4.json": string(good),
		"bad-json.json":            `{"id": "GHSA-xxxx", "affected": [`,
		"no-id.json":               `{"summary": "who am I", "affected": []}`,
		"bad-range.json":           `{"id": "GHSA-rrrr-1111-2222", "affected": [{"package": {"ecosystem": "npm", "name": "x"}, "ranges": [{"type": "CALVER", "events": [{"introduced": "0"}]}]}]}`,
		"bad-version.json":         `{"id": "DSA-9999-1", "affected": [{"package": {"ecosystem": "Debian:12", "name": "x"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "x:1.0-1"}]}]}]}`,
		"README.txt":               "not a record, not read",
	})
	res, err := Import(dir, []string{z}, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 1 || res.Skipped != 4 || len(res.Errors) != 4 {
		t.Fatalf("imported %d skipped %d errors %v; want 1, 4, 4 errors", res.Imported, res.Skipped, res.Errors)
	}
	want := map[string]string{
		"bad-json.json":    "not an OSV record",
		"no-id.json":       "record has no id",
		"bad-range.json":   "GHSA-rrrr-1111-2222: affected[0] (npm x): ranges[0] has an unknown type",
		"bad-version.json": `DSA-9999-1: affected[0] (Debian:12 x): ranges[0]: fixed version "x:1.0-1": invalid version`,
	}
	for _, e := range res.Errors {
		if e.Source != z || !strings.Contains(e.Error(), z+": "+e.Entry+": ") || !strings.Contains(e.Err, want[e.Entry]) {
			t.Errorf("error %q (entry %q), want it to name %s, the entry and %q", e.Error(), e.Entry, z, want[e.Entry])
		}
	}
	assertMatches(t, dir, lang("npm", "npm", "left-padder", "1.0.0"), "GHSA-3m5p-8q2w-9xv4")
}

func TestImportBadFilesKeepOldStore(t *testing.T) {
	dir := t.TempDir()
	tmp := t.TempDir()
	if _, err := Import(dir, []string{filepath.Join(fixtures, "debian")}, ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	before, err := ReadStatus(dir)
	if err != nil {
		t.Fatal(err)
	}
	goZip := zipDir(t, filepath.Join(fixtures, "go"), filepath.Join(tmp, "go.zip"))
	full, _ := os.ReadFile(goZip)
	notZip := filepath.Join(tmp, "Debian.zip")
	os.WriteFile(notZip, []byte("<html>404 Not Found</html>"), 0o644)
	truncated := filepath.Join(tmp, "truncated.zip")
	os.WriteFile(truncated, full[:len(full)/2], 0o644)
	tests := []struct {
		name, file, want string
	}{
		{"not a zip", notZip, notZip + ": not a zip file"},
		{"truncated zip", truncated, truncated + ": unreadable zip (truncated or corrupt"},
		{"missing file", filepath.Join(tmp, "nope.zip"), "nope.zip: no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The good zip comes first: it is not imported either.
			_, err := Import(dir, []string{goZip, tt.file}, ImportOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Import = %v, want an error containing %q", err, tt.want)
			}
			after, err := ReadStatus(dir)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(before, after) {
				t.Errorf("store changed:\nbefore %+v\nafter  %+v", before, after)
			}
			assertMatches(t, dir, lang("Go", "go-binary", "example.com/pseudo", "v0.1.0"))
			assertMatches(t, dir, deb("12", "libssl3", "openssl", "3.0.10-1"), "DSA-9001-1")
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if strings.HasSuffix(e.Name(), ".tmp") {
					t.Errorf("temp file %s left behind", e.Name())
				}
			}
		})
	}
}

func TestImportCorruptZipEntry(t *testing.T) {
	tmp := t.TempDir()
	good, _ := os.ReadFile(filepath.Join(fixtures, "npm", "GHSA-3m5p-8q2w-9xv4.json"))
	// Stored (not deflated) entries, so the record's bytes are in the file.
	z := filepath.Join(tmp, "npm.zip")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range []struct{ name, id string }{{"a.json", "GHSA-3m5p-8q2w-9xv4"}, {"b.json", "GHSA-3m5p-8q2w-9xv5"}} {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(strings.Replace(string(good), "GHSA-3m5p-8q2w-9xv4", e.id, 1)))
	}
	zw.Close()
	// Flip a byte of the second entry's data: its checksum no longer holds.
	raw := buf.Bytes()
	i := strings.LastIndex(string(raw), "left-padder")
	raw[i] ^= 0x20
	os.WriteFile(z, raw, 0o644)
	dir := t.TempDir()
	res, err := Import(dir, []string{z}, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 1 || len(res.Errors) != 1 || res.Errors[0].Entry != "b.json" || !strings.Contains(res.Errors[0].Err, "checksum") {
		t.Fatalf("imported %d, errors %v; want 1 and a checksum error on b.json", res.Imported, res.Errors)
	}
}

func TestImportNothing(t *testing.T) {
	if _, err := Import(t.TempDir(), nil, ImportOptions{}); err == nil {
		t.Fatal("Import(no files) succeeded")
	}
}

// TestImportGenerated imports a generated export whose size is an exact
// multiple of the write batch, and checks the generator's promise: of the
// 2,000 Debian 12 records, the 1,000 placed below or at the installed
// versions match, and no Debian:11 record does.
func TestImportGenerated(t *testing.T) {
	z := filepath.Join(t.TempDir(), "all.zip")
	if err := vulndbtest.WriteZip(z, 2*batchRecords+1000, vulndbtest.GenOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	res, err := Import(dir, []string{z}, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Records != 2*batchRecords+1000 || res.Ecosystems["Debian:12"] != 2000 || res.Ecosystems["Debian:11"] != 600 {
		t.Fatalf("records %d, per ecosystem %v", res.Records, res.Ecosystems)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var pkgs []imagefacts.Package
	for i := 0; i < 2000; i++ {
		pkgs = append(pkgs, deb("12", fmt.Sprintf("libgen%04d", i), "", fmt.Sprintf("1.%d.0-1", i)))
	}
	vulns, err := s.Match(pkgs)
	if err != nil {
		t.Fatal(err)
	}
	if len(vulns) != 1000 {
		t.Fatalf("matched %d, want 1000", len(vulns))
	}
	for _, v := range vulns {
		if v.Source != "Debian:12" || !strings.HasPrefix(v.ID, "DSA-GEN-") {
			t.Fatalf("unexpected match %+v", v)
		}
	}
}
