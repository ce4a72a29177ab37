package image

import (
	"context"
	"io"
	"runtime"
	"testing"

	"github.com/palisade-sec/palisade/internal/benchmem"
	"github.com/palisade-sec/palisade/internal/image/imagetest"
)

// BenchmarkInventoryLarge inventories imagetest.Large written to an OCI
// layout (so layers are read from disk and gunzipped): 2,000 dpkg packages
// and ~300 MiB of filler, or 200 packages and 16 MiB under -short. It
// reports packages found, uncompressed bytes/s, the peak Go heap and the
// process's peak RSS (VmHWM, Linux only).
func BenchmarkInventoryLarge(b *testing.B) {
	opts := imagetest.LargeOptions{Dir: b.TempDir()}
	if testing.Short() {
		opts.Packages, opts.TotalBytes = 200, 16<<20
	}
	img, err := imagetest.Large(opts)
	if err != nil {
		b.Fatal(err)
	}
	dir := writeLayout(b, img)
	var size int64
	layers, _ := img.Layers()
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, rc)
		rc.Close()
		size += n
	}
	want := opts.Packages
	if want == 0 {
		want = 2000
	}
	runtime.GC()

	stopHeap := benchmem.HeapPeak()

	b.SetBytes(size)
	b.ResetTimer()
	var pkgs, top int
	for b.Loop() {
		im, err := Open(context.Background(), Source{OCILayout: dir}, Options{})
		if err != nil {
			b.Fatal(err)
		}
		inv, err := im.Inventory(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		im.Close()
		pkgs, top = len(inv.Packages), 0
		for _, p := range inv.Packages {
			if p.Layer == len(inv.Layers)-1 {
				top++
			}
		}
	}
	b.StopTimer()
	peakHeap := stopHeap()
	if pkgs != want {
		b.Fatalf("found %d packages, want %d", pkgs, want)
	}
	// Large rewrites the status in the last layer, adding the last quarter.
	if top != want-want*3/4 {
		b.Fatalf("%d packages attributed to the last layer, want %d", top, want-want*3/4)
	}
	b.ReportMetric(float64(pkgs), "packages")
	b.ReportMetric(benchmem.MiB(peakHeap), "peak-heap-MiB")
	if rss := benchmem.PeakRSS(); rss > 0 {
		b.ReportMetric(benchmem.MiB(rss), "peak-RSS-MiB")
	}
}
