// Package vulndbtest writes synthetic OSV exports for tests and benchmarks
// of the vulnerability store.
package vulndbtest

import (
	"archive/zip"
	"bufio"
	"encoding/json"
	"fmt"
	"os"
)

// GenOptions shape the records WriteZip writes.
type GenOptions struct {
	// DebianPackages is how many Debian 12 source packages the targeted
	// records are spread over, named libgen0000, libgen0001, ...; each is
	// taken to be installed at version 1.<index>.0-1. 2000 when 0.
	DebianPackages int
	// DebianRecords is how many records affect those packages in
	// Debian:12; 2000 when 0 (fewer when n is smaller). About half of them
	// affect the installed versions: each record's range is placed below,
	// around or above its package's version in turn.
	DebianRecords int
}

// WriteZip writes n synthetic OSV records to a zip at path, laid out like
// OSV's all.zip (one <id>.json per record). The first DebianRecords
// records affect Debian:12 packages libgen%04d; the rest are spread over
// Go, npm, PyPI, Alpine:v3.20 and Debian:11 (a Debian:11 record for a
// libgen package never matches the Debian 12 image).
func WriteZip(path string, n int, opts GenOptions) error {
	if opts.DebianPackages <= 0 {
		opts.DebianPackages = 2000
	}
	if opts.DebianRecords <= 0 {
		opts.DebianRecords = 2000
	}
	if opts.DebianRecords > n {
		opts.DebianRecords = n
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	zw := zip.NewWriter(bw)
	for i := 0; i < n; i++ {
		rec := record(i, opts)
		w, err := zw.Create(rec.ID + ".json")
		if err != nil {
			f.Close()
			return err
		}
		if err := json.NewEncoder(w).Encode(rec); err != nil {
			f.Close()
			return err
		}
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// The OSV fields the generator writes.
type osvRecord struct {
	SchemaVersion    string         `json:"schema_version"`
	ID               string         `json:"id"`
	Modified         string         `json:"modified"`
	Aliases          []string       `json:"aliases,omitempty"`
	Summary          string         `json:"summary"`
	Severity         []osvSeverity  `json:"severity,omitempty"`
	Affected         []osvAffected  `json:"affected"`
	DatabaseSpecific map[string]any `json:"database_specific,omitempty"`
}

type osvSeverity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

type osvAffected struct {
	Package  osvPackage `json:"package"`
	Ranges   []osvRange `json:"ranges,omitempty"`
	Versions []string   `json:"versions,omitempty"`
}

type osvPackage struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
}

type osvRange struct {
	Type   string              `json:"type"`
	Events []map[string]string `json:"events"`
}

var ratings = []string{"LOW", "MODERATE", "HIGH", "CRITICAL"}

func record(i int, opts GenOptions) osvRecord {
	r := osvRecord{
		SchemaVersion: "1.6.0",
		Modified:      "2099-01-01T00:00:00Z",
		Aliases:       []string{fmt.Sprintf("CVE-2099-%06d", i)},
	}
	if i < opts.DebianRecords {
		p := i % opts.DebianPackages
		name := fmt.Sprintf("libgen%04d", p)
		r.ID = fmt.Sprintf("DSA-GEN-%06d-1", i)
		r.Summary = name + " - security update"
		var events []map[string]string
		var versions []string
		switch i % 4 {
		case 0: // fixed above the installed version: affected
			events = []map[string]string{{"introduced": "0"}, {"fixed": fmt.Sprintf("1.%d.0-2", p)}}
		case 1: // fixed at the installed version: not affected
			events = []map[string]string{{"introduced": "0"}, {"fixed": fmt.Sprintf("1.%d.0-1", p)}}
		case 2: // no fix, last_affected at the installed version: affected
			events = []map[string]string{{"introduced": "0"}, {"last_affected": fmt.Sprintf("1.%d.0-1", p)}}
		default: // introduced above the installed version: not affected
			events = []map[string]string{{"introduced": fmt.Sprintf("1.%d.1-1", p)}, {"fixed": fmt.Sprintf("1.%d.2-1", p)}}
			versions = []string{fmt.Sprintf("1.%d.1-1", p)}
		}
		r.Affected = []osvAffected{{Package: osvPackage{"Debian:12", name}, Ranges: []osvRange{{"ECOSYSTEM", events}}, Versions: versions}}
		return r
	}
	j := i - opts.DebianRecords
	r.DatabaseSpecific = map[string]any{"severity": ratings[j%len(ratings)]}
	if j%3 == 0 {
		r.Severity = []osvSeverity{{"CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}}
	}
	fix := func(eco, name, typ, fixed string) []osvAffected {
		return []osvAffected{{Package: osvPackage{eco, name}, Ranges: []osvRange{{typ, []map[string]string{{"introduced": "0"}, {"fixed": fixed}}}}}}
	}
	switch j % 5 {
	case 0:
		r.ID = fmt.Sprintf("GO-GEN-%06d", j)
		r.Affected = fix("Go", fmt.Sprintf("example.com/gen/mod%05d", j%20000), "SEMVER", fmt.Sprintf("1.%d.0", j%50))
	case 1:
		r.ID = fmt.Sprintf("GHSA-NPM-%06d", j)
		r.Affected = fix("npm", fmt.Sprintf("gen-pkg-%05d", j%20000), "SEMVER", fmt.Sprintf("2.%d.1", j%40))
	case 2:
		r.ID = fmt.Sprintf("PYSEC-GEN-%06d", j)
		r.Affected = fix("PyPI", fmt.Sprintf("gen_py_%05d", j%20000), "ECOSYSTEM", fmt.Sprintf("3.%d.post1", j%30))
	case 3:
		r.ID = fmt.Sprintf("ALPINE-GEN-%06d", j)
		r.Affected = fix("Alpine:v3.20", fmt.Sprintf("apkgen%05d", j%5000), "ECOSYSTEM", fmt.Sprintf("1.%d.0-r1", j%30))
	default:
		// Debian:11 records: half on the libgen names of the Debian 12
		// image (never matching it), half on other packages.
		r.ID = fmt.Sprintf("DLA-GEN-%06d-1", j)
		name := fmt.Sprintf("libgen%04d", j%opts.DebianPackages)
		if j%2 == 0 {
			name = fmt.Sprintf("deb11gen%05d", j%10000)
		}
		r.Affected = fix("Debian:11", name, "ECOSYSTEM", fmt.Sprintf("9.%d-1+deb11u1", j%20))
	}
	r.Summary = "synthetic advisory for " + r.Affected[0].Package.Name
	return r
}
