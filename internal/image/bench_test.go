package image

import (
	"context"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

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

	var peakHeap uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peakHeap {
				peakHeap = ms.HeapInuse
			}
			select {
			case <-stop:
				return
			default:
				runtime.Gosched()
				sleepBrief()
			}
		}
	}()

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
	close(stop)
	<-done
	if pkgs != want {
		b.Fatalf("found %d packages, want %d", pkgs, want)
	}
	// Large rewrites the status in the last layer, adding the last quarter.
	if top != want-want*3/4 {
		b.Fatalf("%d packages attributed to the last layer, want %d", top, want-want*3/4)
	}
	b.ReportMetric(float64(pkgs), "packages")
	b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MiB")
	if rss := peakRSS(); rss > 0 {
		b.ReportMetric(float64(rss)/(1<<20), "peak-RSS-MiB")
	}
}

// peakRSS returns the process's peak resident set size in bytes, from
// /proc/self/status; 0 when unavailable.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

func sleepBrief() { time.Sleep(5 * time.Millisecond) }
