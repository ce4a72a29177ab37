package imagescan

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/palisade-sec/palisade/internal/benchmem"
	"github.com/palisade-sec/palisade/internal/image"
	"github.com/palisade-sec/palisade/internal/image/imagetest"
	"github.com/palisade-sec/palisade/internal/sbom"
	"github.com/palisade-sec/palisade/internal/vulndb"
	"github.com/palisade-sec/palisade/internal/vulndb/vulndbtest"
)

// BenchmarkImagePipeline is the whole of `palisade image --oci-layout DIR
// -o cyclonedx`: open a generated Debian 12 image of about 300 MiB with
// 2,000 dpkg packages from an OCI layout on disk, inventory it, match its
// packages against a store of 100,000 advisories and write the CycloneDX
// SBOM with the vulnerabilities. Under -short: 16 MiB, 200 packages, 5,000
// advisories. It reports packages, vulnerabilities, the peak Go heap while
// scanning and the process's peak RSS (which includes building the
// fixtures, so it is an upper bound).
func BenchmarkImagePipeline(b *testing.B) {
	tmp := b.TempDir()
	imgOpts := imagetest.LargeOptions{Dir: filepath.Join(tmp, "layers")}
	advisories := 100_000
	if testing.Short() {
		imgOpts.Packages, imgOpts.TotalBytes, advisories = 200, 16<<20, 5_000
	}
	if err := os.Mkdir(imgOpts.Dir, 0o755); err != nil {
		b.Fatal(err)
	}
	img, err := imagetest.Large(imgOpts)
	if err != nil {
		b.Fatal(err)
	}
	lay := filepath.Join(tmp, "layout")
	p, err := layout.Write(lay, empty.Index)
	if err != nil {
		b.Fatal(err)
	}
	if err := p.AppendImage(img); err != nil {
		b.Fatal(err)
	}
	zip := filepath.Join(tmp, "osv.zip")
	if err := vulndbtest.WriteZip(zip, advisories, vulndbtest.GenOptions{DebianPackages: max(imgOpts.Packages, 2000)}); err != nil {
		b.Fatal(err)
	}
	db := filepath.Join(tmp, "db")
	if _, err := vulndb.Import(db, []string{zip}, vulndb.ImportOptions{}); err != nil {
		b.Fatal(err)
	}
	store, err := vulndb.Open(db)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	scanner := New(Options{Loader: FileLoader(image.Source{OCILayout: lay}, image.Options{}), Matcher: store})
	runtime.GC()

	stop := benchmem.HeapPeak()
	var pkgs, vulns int
	for b.Loop() {
		f := scanner.Scan(context.Background(), "bench")
		if f.Err != "" {
			b.Fatal(f.Err)
		}
		if err := sbom.WriteCycloneDX(io.Discard, f.Inventory, f.Vulns); err != nil {
			b.Fatal(err)
		}
		pkgs, vulns = len(f.Inventory.Packages), len(f.Vulns)
	}
	b.StopTimer()
	peak := stop()
	if vulns == 0 {
		b.Fatal("no vulnerabilities matched: the generated advisories and image no longer line up")
	}
	b.ReportMetric(float64(pkgs), "packages")
	b.ReportMetric(float64(vulns), "vulns")
	b.ReportMetric(benchmem.MiB(peak), "peak-heap-MiB")
	if rss := benchmem.PeakRSS(); rss > 0 {
		b.ReportMetric(benchmem.MiB(rss), "peak-RSS-MiB")
	}
}
