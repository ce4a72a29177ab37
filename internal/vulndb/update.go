package vulndb

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// OSVBaseURL is where OSV publishes its exports, one <Ecosystem>/all.zip
// per ecosystem.
const OSVBaseURL = "https://osv-vulnerabilities.storage.googleapis.com"

// UpdateOptions tune Update.
type UpdateOptions struct {
	// Ecosystems are the OSV ecosystems to download from a base URL, as
	// <base>/<Ecosystem>/all.zip ("Debian", "Go", "PyPI"). Leave empty
	// when the URL names one zip.
	Ecosystems []string
	// SHA256 is the expected hex digest of the one zip downloaded. Without
	// it, a <zip URL>.sha256 file is fetched and checked when the server
	// has one.
	SHA256 string
	// Client does the downloads; http.DefaultClient when nil. Its redirects
	// are held to the same rule as the URL (https, or http to loopback).
	Client *http.Client
	// Replace starts the store afresh instead of keeping its other records.
	Replace bool
	// MaxBytes bounds each download; 4 GiB when 0.
	MaxBytes int64
	// Now returns the time recorded for the update; time.Now when nil.
	Now func() time.Time
}

// Download is one file Update fetched.
type Download struct {
	URL    string `json:"url"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Verified says how the checksum was checked: "--sha256", the URL of
	// the .sha256 file, or "" when no checksum was available.
	Verified string `json:"verified,omitempty"`
}

// UpdateResult says what an update did.
type UpdateResult struct {
	ImportResult
	Downloads []Download `json:"downloads"`
}

// Update downloads OSV exports and imports them into the store in dir.
// fromURL names one zip, or, with opts.Ecosystems, a base URL under which
// each ecosystem's <Ecosystem>/all.zip is fetched. Only https URLs are
// allowed, and http ones to 127.0.0.1, ::1 or localhost. Every file is
// downloaded and its checksum verified before anything is imported, and
// the import is atomic: any failure leaves the old store intact.
func Update(ctx context.Context, dir, fromURL string, opts UpdateOptions) (*UpdateResult, error) {
	urls, err := updateURLs(fromURL, opts.Ecosystems)
	if err != nil {
		return nil, err
	}
	if opts.SHA256 != "" {
		if len(urls) != 1 {
			return nil, errors.New("--sha256 checks one zip; with several ecosystems publish a .sha256 file next to each zip")
		}
		if _, err := hex.DecodeString(opts.SHA256); err != nil || len(opts.SHA256) != 64 {
			return nil, fmt.Errorf("--sha256: want 64 hex digits, got %q", opts.SHA256)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating the vulnerability database directory: %w", err)
	}
	client := safeClient(opts.Client)
	maxBytes := opts.MaxBytes
	if maxBytes <= 0 {
		maxBytes = 4 << 30
	}
	res := &UpdateResult{}
	var files []string
	defer func() {
		for _, f := range files {
			os.Remove(f)
		}
	}()
	for _, u := range urls {
		path, d, err := download(ctx, client, dir, u, maxBytes)
		if path != "" {
			files = append(files, path)
		}
		if err != nil {
			return nil, err
		}
		want, from := strings.ToLower(opts.SHA256), "--sha256"
		if want == "" {
			if want, err = fetchChecksum(ctx, client, u+".sha256"); err != nil {
				return nil, err
			}
			from = u + ".sha256"
		}
		if want != "" {
			if want != d.SHA256 {
				return nil, fmt.Errorf("%s: checksum mismatch: got sha256 %s, %s says %s; the old database is unchanged", u, d.SHA256, from, want)
			}
			d.Verified = from
		}
		res.Downloads = append(res.Downloads, d)
	}
	ir, err := Import(dir, files, ImportOptions{Replace: opts.Replace, Now: opts.Now, names: urls, updated: true})
	if err != nil {
		return nil, err
	}
	res.ImportResult = *ir
	return res, nil
}

// updateURLs returns the zip URLs to fetch.
func updateURLs(from string, ecosystems []string) ([]string, error) {
	if from == "" {
		return nil, fmt.Errorf("name where to download from: a zip URL, or a base URL such as %s with ecosystems", OSVBaseURL)
	}
	u, err := url.Parse(from)
	if err != nil {
		return nil, fmt.Errorf("--from: %v", err)
	}
	if err := allowedURL(u); err != nil {
		return nil, fmt.Errorf("--from %s: %w", from, err)
	}
	isZip := strings.HasSuffix(strings.ToLower(u.Path), ".zip")
	if len(ecosystems) == 0 {
		if !isZip {
			return nil, fmt.Errorf("--from %s names no zip: give the URL of a zip, or a base URL with ecosystems (e.g. --ecosystem Debian --ecosystem Go)", from)
		}
		return []string{from}, nil
	}
	if isZip {
		return nil, fmt.Errorf("--from %s names a zip: give either one zip URL, or a base URL with ecosystems", from)
	}
	base := strings.TrimSuffix(from, "/")
	var out []string
	for _, e := range ecosystems {
		if e == "" || strings.ContainsAny(e, "/\\") {
			return nil, fmt.Errorf("--ecosystem %q is not an OSV ecosystem name (Debian, Alpine, Go, npm, PyPI, ...)", e)
		}
		out = append(out, base+"/"+url.PathEscape(e)+"/all.zip")
	}
	return out, nil
}

// allowedURL accepts https, and http to the loopback host only.
func allowedURL(u *url.URL) error {
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if host == "localhost" {
			return nil
		}
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			return nil
		}
		return errors.New("plain http is only allowed to 127.0.0.1 or localhost; use https")
	}
	return fmt.Errorf("unsupported URL scheme %q; use https", u.Scheme)
}

func safeClient(c *http.Client) *http.Client {
	if c == nil {
		c = http.DefaultClient
	}
	cc := *c
	next := c.CheckRedirect
	cc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := allowedURL(req.URL); err != nil {
			return fmt.Errorf("redirect to %s: %w", req.URL, err)
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &cc
}

// download fetches u into a temp file in dir, returning its path (also on
// error, for removal) and digest.
func download(ctx context.Context, client *http.Client, dir, u string, maxBytes int64) (string, Download, error) {
	d := Download{URL: u}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", d, fmt.Errorf("%s: %w", u, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", d, fmt.Errorf("downloading %w; the old database is unchanged", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", d, fmt.Errorf("downloading %s: %s; the old database is unchanged", u, resp.Status)
	}
	f, err := os.CreateTemp(dir, "download-*.zip")
	if err != nil {
		return "", d, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return f.Name(), d, fmt.Errorf("downloading %s: %w; the old database is unchanged", u, err)
	}
	if n > maxBytes {
		return f.Name(), d, fmt.Errorf("downloading %s: larger than %d bytes; the old database is unchanged", u, maxBytes)
	}
	if err := f.Close(); err != nil {
		return f.Name(), d, err
	}
	d.Size, d.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	return f.Name(), d, nil
}

// fetchChecksum returns the digest a .sha256 file at u names ("HEX" or
// "HEX  all.zip"), or "" when the server has none (404 or 403).
func fetchChecksum(ctx context.Context, client *http.Client, u string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("fetching checksum %w; the old database is unchanged", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusForbidden:
		return "", nil
	default:
		return "", fmt.Errorf("fetching checksum %s: %s; the old database is unchanged", u, resp.Status)
	}
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 4096))
	if sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) > 0 {
			sum := strings.ToLower(fields[0])
			if _, err := hex.DecodeString(sum); err == nil && len(sum) == 64 {
				return sum, nil
			}
		}
	}
	return "", fmt.Errorf("checksum file %s does not start with a sha256 hex digest; the old database is unchanged", u)
}
