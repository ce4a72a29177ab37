package vulndb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// osvServer serves files (URL path -> content) like OSV's bucket.
func osvServer(t *testing.T, tls bool, files map[string][]byte) *httptest.Server {
	t.Helper()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(body)
	})
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestUpdate(t *testing.T) {
	tmp := t.TempDir()
	debZip, _ := os.ReadFile(zipDir(t, filepath.Join(fixtures, "debian"), filepath.Join(tmp, "d.zip")))
	goZip, _ := os.ReadFile(zipDir(t, filepath.Join(fixtures, "go"), filepath.Join(tmp, "g.zip")))
	srv := osvServer(t, true, map[string][]byte{
		"/osv/Debian/all.zip":        debZip,
		"/osv/Go/all.zip":            goZip,
		"/osv/Go/all.zip.sha256":     []byte(sha(goZip) + "  all.zip\n"),
		"/osv/PyPI/all.zip":          goZip,
		"/osv/PyPI/all.zip.sha256":   []byte(strings.Repeat("0", 64) + "\n"),
		"/osv/Broken/all.zip":        []byte("<html>oops</html>"),
		"/osv/Bad/all.zip":           goZip,
		"/osv/Bad/all.zip.sha256":    []byte("not a digest\n"),
		"/osv/Empty/all.zip.missing": nil,
	})
	ctx := context.Background()
	dir := t.TempDir()
	opts := UpdateOptions{Client: srv.Client()}

	opts.Ecosystems = []string{"Debian", "Go"}
	res, err := Update(ctx, dir, srv.URL+"/osv/", opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Records != 11 || len(res.Downloads) != 2 || res.Downloads[0].Verified != "" || res.Downloads[1].Verified != srv.URL+"/osv/Go/all.zip.sha256" || res.Downloads[1].SHA256 != sha(goZip) {
		t.Fatalf("update: records %d, downloads %+v", res.Records, res.Downloads)
	}
	st, err := ReadStatus(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.UpdatedAt.IsZero() || len(st.Sources) != 2 || st.Sources[0].Name != srv.URL+"/osv/Debian/all.zip" || st.Sources[1].SHA256 != sha(goZip) {
		t.Errorf("status after update: %+v", st)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "download-") {
			t.Errorf("download %s left behind", e.Name())
		}
	}

	// Failures: each leaves the store as it was.
	failures := []struct {
		name, url string
		opts      UpdateOptions
		want      string
	}{
		{"checksum file mismatch", srv.URL + "/osv", UpdateOptions{Ecosystems: []string{"PyPI"}}, "checksum mismatch"},
		{"--sha256 mismatch", srv.URL + "/osv/Go/all.zip", UpdateOptions{SHA256: strings.Repeat("a", 64)}, "checksum mismatch"},
		{"bad checksum file", srv.URL + "/osv", UpdateOptions{Ecosystems: []string{"Bad"}}, "does not start with a sha256"},
		{"404", srv.URL + "/osv", UpdateOptions{Ecosystems: []string{"Go", "Nope"}}, "404 Not Found"},
		{"not a zip", srv.URL + "/osv", UpdateOptions{Ecosystems: []string{"Broken"}}, "not a zip file"},
		{"plain http elsewhere", "http://example.com/osv", UpdateOptions{Ecosystems: []string{"Go"}}, "plain http is only allowed to 127.0.0.1"},
		{"ftp", "ftp://127.0.0.1/all.zip", UpdateOptions{}, `unsupported URL scheme "ftp"`},
		{"base URL without ecosystems", srv.URL + "/osv", UpdateOptions{}, "names no zip"},
		{"zip URL with ecosystems", srv.URL + "/osv/Go/all.zip", UpdateOptions{Ecosystems: []string{"Go"}}, "names a zip"},
		{"--sha256 with two zips", srv.URL + "/osv", UpdateOptions{Ecosystems: []string{"Go", "Debian"}, SHA256: sha(goZip)}, "--sha256 checks one zip"},
		{"bad --sha256", srv.URL + "/osv/Go/all.zip", UpdateOptions{SHA256: "abc"}, "want 64 hex digits"},
	}
	for _, tt := range failures {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Client = srv.Client()
			_, err := Update(ctx, dir, tt.url, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Update = %v, want an error containing %q", err, tt.want)
			}
			after, err := ReadStatus(dir)
			if err != nil {
				t.Fatal(err)
			}
			if after.Records != 11 || !after.ImportedAt.Equal(st.ImportedAt) {
				t.Errorf("store changed: %+v", after)
			}
		})
	}

	// One zip with --sha256; plain http to 127.0.0.1 is allowed.
	plain := osvServer(t, false, map[string][]byte{"/Go/all.zip": goZip})
	res, err = Update(ctx, t.TempDir(), plain.URL+"/Go/all.zip", UpdateOptions{SHA256: strings.ToUpper(sha(goZip))})
	if err != nil {
		t.Fatal(err)
	}
	if res.Records != 4 || res.Downloads[0].Verified != "--sha256" {
		t.Errorf("single zip: records %d, downloads %+v", res.Records, res.Downloads)
	}
}
