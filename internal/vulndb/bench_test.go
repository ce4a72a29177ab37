package vulndb

import (
	"fmt"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/palisade-sec/palisade/internal/benchmem"
	"github.com/palisade-sec/palisade/internal/imagefacts"
	"github.com/palisade-sec/palisade/internal/vulndb/vulndbtest"
)

// benchRecords is the size of the generated store: 100k advisories, or a
// small one under -short.
func benchRecords() int {
	if testing.Short() {
		return 5000
	}
	return 100_000
}

func BenchmarkImport(b *testing.B) {
	n := benchRecords()
	zipPath := filepath.Join(b.TempDir(), "all.zip")
	if err := vulndbtest.WriteZip(zipPath, n, vulndbtest.GenOptions{}); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	stop := benchmem.HeapPeak()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		res, err := Import(dir, []string{zipPath}, ImportOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if res.Imported != n || len(res.Errors) != 0 {
			b.Fatalf("imported %d of %d, errors %v", res.Imported, n, res.Errors)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(stop())/(1<<20), "peak-heap-MiB")
}

// BenchmarkMatch matches the 2,000 dpkg packages of the generated Debian 12
// image (libgen0000..libgen1999 at 1.<i>.0-1) against the generated store.
func BenchmarkMatch(b *testing.B) {
	n := benchRecords()
	tmp := b.TempDir()
	zipPath := filepath.Join(tmp, "all.zip")
	if err := vulndbtest.WriteZip(zipPath, n, vulndbtest.GenOptions{}); err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(tmp, "db")
	if _, err := Import(dir, []string{zipPath}, ImportOptions{}); err != nil {
		b.Fatal(err)
	}
	pkgs := make([]imagefacts.Package, 2000)
	for i := range pkgs {
		name := fmt.Sprintf("libgen%04d", i)
		pkgs[i] = imagefacts.Package{Name: name, SourceName: name, Version: fmt.Sprintf("1.%d.0-1", i), Ecosystem: "Debian:12", Type: "dpkg", Layer: 1}
	}
	s, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	runtime.GC()
	stop := benchmem.HeapPeak()
	b.ReportAllocs()
	b.ResetTimer()
	var vulns []imagefacts.Vuln
	for i := 0; i < b.N; i++ {
		if vulns, err = s.Match(pkgs); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(stop())/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(len(vulns)), "vulns")
	// Records i%4 == 0 and 2 of the 2,000 Debian 12 records affect the
	// installed versions; nothing else may match.
	if len(vulns) != 1000 {
		b.Fatalf("matched %d vulns, want 1000", len(vulns))
	}
}
