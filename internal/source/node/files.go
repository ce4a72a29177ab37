package node

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// FileStat is what the source reads about a file besides its content.
type FileStat struct {
	// Mode is the file's type and permission bits.
	Mode fs.FileMode
	// UID and GID are the numeric owner; HasIDs is false when the platform
	// does not tell.
	UID, GID int
	HasIDs   bool
	// Owner and Group, when set, name the owner directly and win over the
	// ids (a fixture's stat says "root:root" whoever runs the test).
	Owner, Group string
}

// maxFileBytes bounds a file the source reads whole (a unit, an env file,
// a config file); the node files it reads are a few kilobytes.
const maxFileBytes = 4 << 20

// stat reads a file's mode and owner, through Options.Stat when set.
func (l *loader) stat(nodePath string) (FileStat, error) {
	if l.opts.Stat != nil {
		return l.opts.Stat(nodePath, l.disk(nodePath))
	}
	fi, err := l.root.Stat(l.rel(nodePath))
	if err != nil {
		return FileStat{}, err
	}
	st := FileStat{Mode: fi.Mode()}
	st.UID, st.GID, st.HasIDs = ownerIDs(fi)
	return st, nil
}

// exists reports whether the node has a file (or directory) at that path.
func (l *loader) exists(nodePath string) bool {
	_, err := l.stat(nodePath)
	return err == nil
}

// readFile reads a whole file of the node, bounded by maxFileBytes.
func (l *loader) readFile(nodePath string) ([]byte, error) {
	fi, err := l.root.Stat(l.rel(nodePath))
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, errors.New("is a directory")
	}
	if fi.Size() > maxFileBytes {
		return nil, fmt.Errorf("%d bytes, over the %d-byte limit", fi.Size(), maxFileBytes)
	}
	return l.root.ReadFile(l.rel(nodePath))
}

// readDir lists a directory of the node, sorted by name.
func (l *loader) readDir(nodePath string) ([]fs.DirEntry, error) {
	f, err := l.root.Open(l.rel(nodePath))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	entries, err := f.ReadDir(-1)
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	return entries, err
}

// addFile records the mode and owner of a node file in a role. It returns
// nil when the file does not exist. A file met again gains the role.
func (l *loader) addFile(nodePath string, role cluster.FileRole) *cluster.NodeFile {
	nodePath = path.Clean("/" + nodePath)
	if f := l.files[nodePath]; f != nil {
		if !f.HasRole(role) {
			f.Roles = append(f.Roles, role)
		}
		return f
	}
	st, err := l.stat(nodePath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	f := &cluster.NodeFile{Path: nodePath, Roles: []cluster.FileRole{role}}
	if err != nil {
		f.Error = unwrapPathError(err).Error()
	} else {
		f.IsDir = st.Mode.IsDir()
		f.Mode = st.Mode & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
		f.Owner, f.Group = st.Owner, st.Group
		if st.HasIDs {
			if f.Owner == "" {
				f.Owner = l.name(l.users(), st.UID)
			}
			if f.Group == "" {
				f.Group = l.name(l.groups(), st.GID)
			}
		}
	}
	l.files[nodePath] = f
	return f
}

// name is a user or group name from the node's own database, or the
// number when the node does not name it.
func (l *loader) name(db map[int]string, id int) string {
	if n, ok := db[id]; ok {
		return n
	}
	return strconv.Itoa(id)
}

func (l *loader) users() map[int]string {
	if l.userNames == nil {
		l.userNames = l.readIDFile("/etc/passwd")
	}
	return l.userNames
}

func (l *loader) groups() map[int]string {
	if l.groupNames == nil {
		l.groupNames = l.readIDFile("/etc/group")
	}
	return l.groupNames
}

// readIDFile reads name:x:id lines of the node's /etc/passwd or /etc/group
// (under the root, not the machine Palisade runs on). Root is always 0.
func (l *loader) readIDFile(nodePath string) map[int]string {
	out := map[int]string{0: "root"}
	data, err := l.readFile(nodePath)
	if err != nil {
		return out
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		parts := strings.Split(sc.Text(), ":")
		if len(parts) < 3 || strings.HasPrefix(parts[0], "#") {
			continue
		}
		if id, err := strconv.Atoi(parts[2]); err == nil {
			if _, seen := out[id]; !seen || id == 0 {
				out[id] = parts[0]
			}
		}
	}
	return out
}

// unwrapPathError drops the path from an fs.PathError: the caller names
// the file already.
func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
