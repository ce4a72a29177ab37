package attackpath_test

import (
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/attackpath"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
	"github.com/palisade-sec/palisade/internal/synth"
)

// BenchmarkBuildAndSearch builds the attack graph (with the RBAC and
// NetworkPolicy engines it reads) and searches it, on a fresh snapshot of
// a generated cluster each iteration. It reports the paths found and the
// peak heap in use during the run (sampled), the figure held to 1 GiB at
// 100k objects; decoding is outside the timed part.
//
//	go test ./internal/attackpath -run '^$' -bench BuildAndSearch -benchtime 3x
func BenchmarkBuildAndSearch(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run("objects="+strconv.Itoa(n), func(b *testing.B) {
			if n >= 100000 && testing.Short() {
				b.Skip("100k objects: skipped under -short")
			}
			data, _ := synth.Generate(synth.Options{Objects: n, Seed: 1, InsecureRatio: synth.DefaultInsecureRatio})
			dec := &source.Decoder{Limits: source.DefaultLimits}
			objs, errs := dec.Decode("cluster.yaml", data)
			if len(errs) > 0 {
				b.Fatalf("%d input errors, the first: %s", len(errs), errs[0].Error())
			}
			data = nil
			runtime.GC()
			base := heapInUse()
			peak := sampleHeap()
			b.ReportAllocs()
			b.ResetTimer()
			var paths, nodes, edges int
			for i := 0; i < b.N; i++ {
				snap := cluster.NewSnapshot(objs)
				g := attackpath.Build(snap)
				res := g.Search(attackpath.Options{})
				paths, nodes, edges = len(res.Paths), len(g.Nodes), len(g.Edges)
			}
			b.StopTimer()
			max := peak()
			b.ReportMetric(float64(paths), "paths")
			b.ReportMetric(float64(nodes), "nodes")
			b.ReportMetric(float64(edges), "edges")
			b.ReportMetric(float64(max)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(max-min(base, max))/(1<<20), "peak-heap-above-input-MiB")
		})
	}
}

func heapInUse() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// sampleHeap samples the heap in use every 10ms until the returned
// function is called, which returns the largest sample.
func sampleHeap() func() uint64 {
	var max atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if h := heapInUse(); h > max.Load() {
				max.Store(h)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		wg.Wait()
		return max.Load()
	}
}
