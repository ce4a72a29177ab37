//go:build unix

package node

import (
	"io/fs"
	"syscall"
)

// ownerIDs returns the numeric owner and group of a file.
func ownerIDs(fi fs.FileInfo) (uid, gid int, ok bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, false
	}
	return int(st.Uid), int(st.Gid), true
}
