package audit

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"
)

// The benchmark reads a generated audit log of a busy cluster from a file
// and runs every built-in rule over it, as `palisade audit FILE` does. It
// reports events/s and the peak of the Go heap and of all memory the
// runtime mapped while reading, which stay flat as the log grows.
//
//	go test ./internal/audit -run '^$' -bench AnalyzeFile -benchtime 1x -cpu 1
//
// PALISADE_AUDIT_BENCH_EVENTS sets the sizes (comma-separated; default
// 100000,1000000).

func benchSizes() []int {
	env := os.Getenv("PALISADE_AUDIT_BENCH_EVENTS")
	if env == "" {
		return []int{100_000, 1_000_000}
	}
	var out []int
	for _, s := range bytes.Split([]byte(env), []byte(",")) {
		n, err := strconv.Atoi(string(bytes.TrimSpace(s)))
		if err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

func BenchmarkAnalyzeFile(b *testing.B) {
	for _, n := range benchSizes() {
		b.Run(fmt.Sprintf("events=%d", n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "audit.log")
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			if err := writeSyntheticLog(f, n, 1); err != nil {
				b.Fatal(err)
			}
			info, _ := f.Stat()
			f.Close()
			b.SetBytes(info.Size())
			rs, err := NewRuleSet(nil)
			if err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			peak := watchMemory()
			b.ResetTimer()
			var events, findings int
			for b.Loop() {
				a, _ := NewAnalyzer(Options{Rules: rs})
				res, err := ReadFile(path, nil, Limits{}, func(e *Event) error {
					a.Analyze(e)
					return nil
				})
				if err != nil || res.Malformed > 0 {
					b.Fatalf("read: %v, %d malformed", err, res.Malformed)
				}
				r := a.Result()
				events, findings = r.Events, len(r.Findings)
			}
			b.StopTimer()
			heap, total := peak()
			b.ReportMetric(float64(events)*float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(total)/(1<<20), "peak-mapped-MiB")
			b.ReportMetric(float64(findings), "findings")
		})
	}
}

// watchMemory samples the live heap and all memory the runtime mapped from
// the OS until the returned function is called, which gives their peaks.
func watchMemory() func() (heap, total uint64) {
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/total:bytes"}}
	var (
		mu          sync.Mutex
		heap, total uint64
		stop        = make(chan struct{})
		done        = make(chan struct{})
	)
	read := func() {
		metrics.Read(samples)
		mu.Lock()
		heap = max(heap, samples[0].Value.Uint64())
		total = max(total, samples[1].Value.Uint64())
		mu.Unlock()
	}
	go func() {
		defer close(done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				read()
			}
		}
	}()
	return func() (uint64, uint64) {
		close(stop)
		<-done
		read()
		mu.Lock()
		defer mu.Unlock()
		return heap, total
	}
}

// TestSyntheticLogIsWellFormed keeps the benchmark honest: its log decodes
// without errors and sets off the rules it is meant to.
func TestSyntheticLogIsWellFormed(t *testing.T) {
	var buf bytes.Buffer
	if err := writeSyntheticLog(&buf, 20000, 7); err != nil {
		t.Fatal(err)
	}
	res := analyze(t, nil, buf.String())
	if res.Events != 20000 {
		t.Fatalf("%d events", res.Events)
	}
	seen := map[string]int{}
	for _, f := range res.Findings {
		seen[f.CheckID]++
	}
	for _, id := range []string{"audit/anonymous-probe", "audit/pod-exec", "audit/cluster-admin-binding", "audit/denied-burst", "audit/insecure-pod-created", "audit/sa-unusual-user-agent"} {
		if seen[id] == 0 {
			t.Errorf("%s never fired; findings %v", id, seen)
		}
	}
}
