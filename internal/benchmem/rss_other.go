//go:build !unix

package benchmem

import "os"

// MaxRSS is unknown on this platform.
func MaxRSS(*os.ProcessState) int64 { return -1 }
