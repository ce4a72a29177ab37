//go:build unix

package benchmem

import (
	"os"
	"runtime"
	"syscall"
)

// MaxRSS is the peak resident set size of a finished process, in bytes, or
// -1 when unknown.
func MaxRSS(ps *os.ProcessState) int64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return -1
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss) // bytes
	}
	return int64(ru.Maxrss) << 10 // KiB on Linux and the BSDs
}
