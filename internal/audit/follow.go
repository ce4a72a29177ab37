package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"
)

// FollowOptions configure Follow.
type FollowOptions struct {
	Limits Limits
	// Poll is how often the file is checked for new lines, rotation and
	// truncation once its end is reached; zero means 250ms.
	Poll time.Duration
	// FromEnd starts at the end of the file as it is now, instead of its
	// beginning.
	FromEnd bool
}

// Follow reads a JSON-lines audit log that is still being written, as
// tail -F does, until ctx is done: it reads what is there, then waits for
// more. When the file is rotated (the name now leads to another file) it
// finishes the old file and goes on with the new one from its start; when
// the file is truncated it starts again from its beginning. A file that
// does not exist yet is waited for. Lines are numbered within the file
// they are in. A partial last line waits for its end; it is read when the
// file is rotated.
//
// Returning at ctx's end is not an error. The error returned is fn's, or
// one that stops following (the file cannot be read).
func Follow(ctx context.Context, path string, opts FollowOptions, fn func(*Event) error) (*ReadResult, error) {
	limits := opts.Limits.withDefaults()
	poll := opts.Poll
	if poll <= 0 {
		poll = 250 * time.Millisecond
	}
	res := &ReadResult{}
	ld := newLineDecoder(path, limits, newInterner(defaultInterned), res, fn)
	defer ld.errs.close()
	t := &tail{path: path, ld: ld, limits: limits, buf: make([]byte, 256<<10)}
	defer t.close()

	wait := func() bool {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(poll):
			return true
		}
	}
	for t.f == nil {
		err := t.open(opts.FromEnd)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return res, err
		}
		if !wait() {
			return res, nil
		}
	}
	for {
		if ctx.Err() != nil {
			return res, nil
		}
		n, err := t.f.Read(t.buf)
		if n > 0 {
			if err := t.lines(t.buf[:n]); err != nil {
				return res, err
			}
		}
		if err != nil && err != io.EOF {
			return res, fmt.Errorf("%s: %w", path, err)
		}
		if n > 0 {
			continue
		}
		// At the end: was the file rotated or truncated?
		switch changed, err := t.changed(); {
		case err != nil:
			return res, err
		case changed == rotated:
			if err := t.flush(); err != nil {
				return res, err
			}
			t.close()
			if err := t.open(false); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return res, err
			}
			for t.f == nil {
				if !wait() {
					return res, nil
				}
				if err := t.open(false); err != nil && !errors.Is(err, fs.ErrNotExist) {
					return res, err
				}
			}
			continue
		case changed == truncated:
			if _, err := t.f.Seek(0, io.SeekStart); err != nil {
				return res, fmt.Errorf("%s: %w", path, err)
			}
			t.offset, t.line, t.pending, t.skipping = 0, 0, t.pending[:0], false
			continue
		}
		if !wait() {
			return res, nil
		}
	}
}

type change int

const (
	unchanged change = iota
	rotated
	truncated
)

// tail is the state of Follow: the open file and the line being read.
type tail struct {
	path     string
	f        *os.File
	info     os.FileInfo
	offset   int64
	line     int
	ld       *lineDecoder
	limits   Limits
	buf      []byte
	pending  []byte // the start of a line whose end has not been read yet
	skipping bool   // the pending line is over the limit; its bytes are dropped
}

func (t *tail) open(fromEnd bool) error {
	f, err := os.Open(t.path)
	if err != nil {
		return err
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	if info.IsDir() {
		f.Close()
		return fmt.Errorf("%s is a directory", t.path)
	}
	var magic [2]byte
	if n, _ := f.ReadAt(magic[:], 0); n == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		f.Close()
		return fmt.Errorf("%s is compressed: --follow reads the live log, not a rotated .gz file", t.path)
	}
	t.f, t.info, t.offset, t.line, t.pending, t.skipping = f, info, 0, 0, t.pending[:0], false
	if fromEnd {
		// Count the lines skipped, so line numbers stay true.
		for {
			n, err := f.Read(t.buf)
			t.offset += int64(n)
			t.line += bytes.Count(t.buf[:n], []byte{'\n'})
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
		}
		// A partial last line is the one the writer is still writing: it
		// starts where the next read starts.
		if t.offset > 0 {
			var last [1]byte
			if _, err := f.ReadAt(last[:], t.offset-1); err == nil && last[0] != '\n' {
				t.skipping = true // its start was skipped; drop its end
			}
		}
	}
	return nil
}

func (t *tail) close() {
	if t.f != nil {
		t.f.Close()
		t.f = nil
	}
}

// changed reports whether the path now leads to another file (rotated), or
// to this file cut shorter than what was read (truncated).
func (t *tail) changed() (change, error) {
	now, err := os.Stat(t.path)
	if errors.Is(err, fs.ErrNotExist) {
		return unchanged, nil // renamed, the new file not there yet: keep reading the old
	}
	if err != nil {
		return unchanged, err
	}
	if !os.SameFile(now, t.info) {
		return rotated, nil
	}
	if now.Size() < t.offset {
		return truncated, nil
	}
	return unchanged, nil
}

// lines hands the complete lines of data to the decoder and keeps the
// partial last one.
func (t *tail) lines(data []byte) error {
	t.offset += int64(len(data))
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			t.keep(data)
			return nil
		}
		chunk := data[:i]
		data = data[i+1:]
		t.line++
		if t.skipping {
			t.skipping = false
			t.pending = t.pending[:0]
			continue
		}
		line := chunk
		if len(t.pending) > 0 {
			if len(t.pending)+len(chunk) > t.limits.MaxEventBytes {
				t.ld.errs.add(t.line, "line is longer than the %s limit; it was skipped", byteSize(t.limits.MaxEventBytes))
				t.pending = t.pending[:0]
				continue
			}
			t.pending = append(t.pending, chunk...)
			line = t.pending
		}
		if len(line) > t.limits.MaxEventBytes {
			t.ld.errs.add(t.line, "line is longer than the %s limit; it was skipped", byteSize(t.limits.MaxEventBytes))
		} else if err := t.ld.line(t.line, bytes.TrimSuffix(line, []byte{'\r'})); err != nil {
			return err
		}
		t.pending = t.pending[:0]
	}
	return nil
}

// keep holds the start of a line, up to the limit.
func (t *tail) keep(part []byte) {
	if t.skipping {
		return
	}
	if len(t.pending)+len(part) > t.limits.MaxEventBytes {
		t.ld.errs.add(t.line+1, "line is longer than the %s limit; it was skipped", byteSize(t.limits.MaxEventBytes))
		t.pending, t.skipping = t.pending[:0], true
		return
	}
	t.pending = append(t.pending, part...)
}

// flush reads the partial last line of a rotated file: it will not grow.
func (t *tail) flush() error {
	if t.skipping || len(t.pending) == 0 {
		t.pending, t.skipping = t.pending[:0], false
		return nil
	}
	t.line++
	err := t.ld.line(t.line, t.pending)
	t.pending = t.pending[:0]
	return err
}
