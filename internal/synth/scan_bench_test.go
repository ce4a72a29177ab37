package synth_test

import (
	"strconv"
	"sync"
	"testing"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
	"github.com/palisade-sec/palisade/internal/synth"

	_ "github.com/palisade-sec/palisade/internal/checks" // registers every check
)

// benchSizes are the cluster sizes of the performance practice in
// DESIGN.md. The largest is skipped under -short.
var benchSizes = []int{1000, 10000, 100000}

var (
	clustersMu sync.Mutex
	clusters   = map[int][]byte{}
)

// benchCluster generates the cluster of n objects once per test binary.
func benchCluster(b *testing.B, n int) []byte {
	b.Helper()
	if n >= 100000 && testing.Short() {
		b.Skip("100k objects: skipped under -short")
	}
	clustersMu.Lock()
	defer clustersMu.Unlock()
	if data, ok := clusters[n]; ok {
		return data
	}
	data, _ := synth.Generate(synth.Options{Objects: n, Seed: 1, InsecureRatio: synth.DefaultInsecureRatio})
	clusters[n] = data
	return data
}

func forEachSize(b *testing.B, run func(b *testing.B, n int, data []byte)) {
	for _, n := range benchSizes {
		b.Run("objects="+strconv.Itoa(n), func(b *testing.B) {
			data := benchCluster(b, n)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			b.ResetTimer()
			run(b, n, data)
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "objects/s")
		})
	}
}

func decodeAll(b *testing.B, n int, data []byte) []*cluster.Object {
	dec := &source.Decoder{Limits: source.DefaultLimits}
	objs, errs := dec.Decode("cluster.yaml", data)
	if len(errs) > 0 {
		b.Fatalf("decoded %d of %d objects; %d input errors, the first: %s", len(objs), n, len(errs), errs[0].Error())
	}
	if len(objs) != n {
		b.Fatalf("decoded %d of %d objects", len(objs), n)
	}
	return objs
}

// BenchmarkGenerate measures the generator itself.
func BenchmarkGenerate(b *testing.B) {
	forEachSize(b, func(b *testing.B, n int, _ []byte) {
		for i := 0; i < b.N; i++ {
			synth.Generate(synth.Options{Objects: n, Seed: 1, InsecureRatio: synth.DefaultInsecureRatio})
		}
	})
}

// BenchmarkDecode measures source.Decoder on one multi-document file.
func BenchmarkDecode(b *testing.B) {
	forEachSize(b, func(b *testing.B, n int, data []byte) {
		for i := 0; i < b.N; i++ {
			decodeAll(b, n, data)
		}
	})
}

// BenchmarkScan measures what `palisade scan` does before reporting:
// decode, index, and run every registered check (positions, waivers and
// sorting included).
func BenchmarkScan(b *testing.B) {
	if len(check.Default().All()) == 0 {
		b.Fatal("no checks registered")
	}
	forEachSize(b, func(b *testing.B, n int, data []byte) {
		findings := 0
		for i := 0; i < b.N; i++ {
			snap := cluster.NewSnapshot(decodeAll(b, n, data))
			res := check.Run(snap, check.Options{})
			findings = len(res.Findings)
		}
		b.ReportMetric(float64(findings), "findings")
	})
}

// BenchmarkChecks measures check.Run alone over an already decoded and
// indexed cluster. Each run gets a fresh Snapshot, so the models checks
// share through Snapshot.Derived (RBAC, NetworkPolicy) are built in every
// run, as in a scan.
func BenchmarkChecks(b *testing.B) {
	forEachSize(b, func(b *testing.B, n int, data []byte) {
		b.StopTimer()
		objs := decodeAll(b, n, data)
		b.StartTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			snap := cluster.NewSnapshot(objs)
			b.StartTimer()
			check.Run(snap, check.Options{})
		}
	})
}
