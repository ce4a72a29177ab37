// Package benchmem measures memory for benchmarks and benchmark programs:
// the peak Go heap while work runs, and the peak resident set size of this
// process or of a finished child process.
package benchmem

import (
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// heapObjects is the runtime metric for the bytes of live and not yet
// swept heap objects.
const heapObjects = "/memory/classes/heap/objects:bytes"

// HeapPeak samples the heap every millisecond until stop is called and
// returns the highest value seen, in bytes, including one last sample
// taken at stop.
func HeapPeak() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	sample := []metrics.Sample{{Name: heapObjects}}
	read := func() {
		metrics.Read(sample)
		if v := sample[0].Value.Uint64(); v > peak.Load() {
			peak.Store(v)
		}
	}
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			read()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		read()
		return peak.Load()
	}
}

// HeapNow is the heap in use now, in bytes.
func HeapNow() uint64 {
	sample := []metrics.Sample{{Name: heapObjects}}
	metrics.Read(sample)
	return sample[0].Value.Uint64()
}

// PeakRSS is this process's peak resident set size in bytes (VmHWM of
// /proc/self/status), or 0 where that is not available.
func PeakRSS() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// MiB converts bytes to mebibytes for b.ReportMetric.
func MiB[T int64 | uint64](n T) float64 { return float64(n) / (1 << 20) }
