package cli

import (
	"os"
	"runtime/debug"
)

// Garbage collection settings for a scan: a scan builds a large heap that
// lives until the report is written (about 600 MiB for 100k objects), so
// collecting at every doubling of the heap (GOGC=100) spends much of its CPU
// re-marking objects that are all still live. Palisade collects less often
// and relies on a soft memory limit to bound the process instead. GOGC and
// GOMEMLIMIT, when set, win.
const (
	scanGCPercent   = 200
	scanMemoryLimit = 1200 << 20 // bytes
)

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(scanGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(scanMemoryLimit)
	}
}
