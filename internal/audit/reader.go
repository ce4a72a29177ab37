package audit

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"

	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"

	"github.com/palisade-sec/palisade/internal/source"
)

// Limits bound what reading one input may cost.
type Limits struct {
	// MaxEventBytes is the longest line (or, in a multi-line document, the
	// largest event) read; a longer one is skipped and reported. Zero means
	// DefaultMaxEventBytes.
	MaxEventBytes int
	// MaxErrors is how many malformed lines of one input are reported each
	// with its line number; the rest are counted in one more error. Zero
	// means DefaultMaxErrors.
	MaxErrors int
}

// Defaults of Limits.
const (
	DefaultMaxEventBytes = 32 << 20
	DefaultMaxErrors     = 100
)

func (l Limits) withDefaults() Limits {
	if l.MaxEventBytes <= 0 {
		l.MaxEventBytes = DefaultMaxEventBytes
	}
	if l.MaxErrors <= 0 {
		l.MaxErrors = DefaultMaxErrors
	}
	return l
}

// ReadResult is what reading one input found besides its events.
type ReadResult struct {
	// Events is how many events were read.
	Events int
	// Malformed is how many lines (or events of a multi-line document)
	// could not be read as events.
	Malformed int
	// Errors name the malformed lines, each with its line number, up to
	// Limits.MaxErrors; one more error counts the rest.
	Errors []source.InputError
}

// errorLog collects the malformed lines of one input, bounded.
type errorLog struct {
	file    string
	max     int
	res     *ReadResult
	dropped int
	first   int // line of the first error not kept
	last    int
}

func (l *errorLog) add(line int, format string, args ...any) {
	l.res.Malformed++
	if len(l.res.Errors) < l.max {
		l.res.Errors = append(l.res.Errors, source.InputError{File: l.file, Line: line, Message: fmt.Sprintf(format, args...)})
		return
	}
	if l.dropped == 0 {
		l.first = line
	}
	l.dropped++
	l.last = line
}

func (l *errorLog) close() {
	if l.dropped > 0 {
		l.res.Errors = append(l.res.Errors, source.InputError{File: l.file, Line: l.first,
			Message: fmt.Sprintf("%d more malformed lines, up to line %d, are not listed", l.dropped, l.last)})
		l.dropped = 0
	}
}

// lineDecoder turns the lines of one input into events.
type lineDecoder struct {
	file   string
	dec    decoder
	errs   *errorLog
	res    *ReadResult
	emit   func(*Event) error
	ev     Event
	limits Limits
}

func newLineDecoder(file string, limits Limits, in *interner, res *ReadResult, emit func(*Event) error) *lineDecoder {
	limits = limits.withDefaults()
	return &lineDecoder{
		file:   file,
		dec:    decoder{intern: in},
		errs:   &errorLog{file: file, max: limits.MaxErrors, res: res},
		res:    res,
		emit:   emit,
		limits: limits,
	}
}

// line decodes one line: an event, or an EventList whose items are each
// an event. A line that is not is reported; the error returned is only
// emit's.
func (l *lineDecoder) line(n int, data []byte) error {
	d := &l.dec
	d.reset(data)
	if d.peek() == 0 && d.pos >= len(data) {
		return nil // blank
	}
	l.ev = Event{File: l.file, Line: n, Column: d.pos + 1}
	var emitErr error
	isList, err := d.top(&l.ev.Event, func(ev *auditv1.Event, offset int, err error) error {
		if err != nil {
			l.errs.add(n, "column %d: malformed audit event in the list: %v", errColumn(err, offset), err)
			return nil
		}
		l.res.Events++
		item := Event{Event: *ev, File: l.file, Line: n, Column: offset + 1}
		if emitErr = l.emit(&item); emitErr != nil {
			return emitErr
		}
		return nil
	})
	if emitErr != nil {
		return emitErr
	}
	if err == nil {
		err = d.end()
	}
	if err != nil {
		l.errs.add(n, "column %d: malformed audit event: %v", errColumn(err, 0), err)
		return nil
	}
	if isList {
		return nil
	}
	l.res.Events++
	return l.emit(&l.ev)
}

// errColumn is the 1-based column of a decode error.
func errColumn(err error, fallback int) int {
	var de *decodeError
	if errors.As(err, &de) {
		return de.Offset + 1
	}
	return fallback + 1
}

// Read reads the events of one input and hands each to fn, in order. The
// input is JSON lines (one event, or one EventList, per line, as the API
// server's log backend writes them) or a JSON document that spans lines (an
// EventList or an event, pretty-printed), plain or gzip-compressed. Lines
// that are not events are counted and reported with their line numbers,
// and reading goes on. The event handed to fn, and what it holds, is only
// valid during the call.
//
// The error returned is fn's, or one that stops reading the input (it
// cannot be read, or its gzip stream is corrupt); what was read before it
// has been handed to fn and counted.
func Read(name string, r io.Reader, limits Limits, fn func(*Event) error) (*ReadResult, error) {
	return read(name, r, limits, newInterner(defaultInterned), fn)
}

// defaultInterned bounds the strings an input shares between events.
const defaultInterned = 16384

func read(name string, r io.Reader, limits Limits, in *interner, fn func(*Event) error) (*ReadResult, error) {
	limits = limits.withDefaults()
	res := &ReadResult{}
	br := bufio.NewReaderSize(r, 256<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return res, fmt.Errorf("%s: %w", name, err)
		}
		defer gz.Close()
		br = bufio.NewReaderSize(gz, 256<<10)
	}
	ld := newLineDecoder(name, limits, in, res, fn)
	defer ld.errs.close()
	lr := &lineReader{r: br, max: limits.MaxEventBytes}
	first := true
	for {
		data, n, err := lr.next()
		if errors.Is(err, errLineTooLong) {
			ld.errs.add(n, "line is longer than the %s limit; it was skipped", byteSize(limits.MaxEventBytes))
			continue
		}
		if err == io.EOF {
			return res, nil
		}
		if err != nil {
			return res, fmt.Errorf("%s: %w", name, err)
		}
		if first && len(bytes.TrimSpace(data)) > 0 {
			first = false
			if !balanced(data) {
				// Looking ahead may move the reader's buffer: keep the line.
				data = append([]byte(nil), data...)
				if continues(br) {
					return res, readDocument(ld, lr, data, n)
				}
			}
		}
		if err := ld.line(n, data); err != nil {
			return res, err
		}
	}
}

// ReadFile reads a file (or standard input for "-") as Read does.
func ReadFile(path string, stdin io.Reader, limits Limits, fn func(*Event) error) (*ReadResult, error) {
	if path == "-" {
		return Read("-", stdin, limits, fn)
	}
	f, err := os.Open(path)
	if err != nil {
		return &ReadResult{}, err
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.IsDir() {
		return &ReadResult{}, fmt.Errorf("%s is a directory: name the audit log files in it", path)
	}
	return Read(path, f, limits, fn)
}

var errLineTooLong = errors.New("line too long")

// lineReader reads lines of bounded length.
type lineReader struct {
	r    *bufio.Reader
	max  int
	buf  []byte
	line int
}

// next returns the next line without its end, and its 1-based number. A
// line over the limit is consumed and reported as errLineTooLong.
func (l *lineReader) next() ([]byte, int, error) {
	l.line++
	data, err := l.r.ReadSlice('\n')
	if err == nil || (err == io.EOF && len(data) > 0) {
		if len(data) > l.max {
			return nil, l.line, errLineTooLong
		}
		return trimEOL(data), l.line, nil
	}
	if err != bufio.ErrBufferFull {
		return nil, l.line, err
	}
	// A long line: gather it, up to the limit.
	l.buf = append(l.buf[:0], data...)
	tooLong := false
	for {
		data, err = l.r.ReadSlice('\n')
		if !tooLong {
			if len(l.buf)+len(data) > l.max {
				tooLong = true
				l.buf = l.buf[:0]
			} else {
				l.buf = append(l.buf, data...)
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && err != io.EOF {
			return nil, l.line, err
		}
		break
	}
	if tooLong {
		l.shrink()
		return nil, l.line, errLineTooLong
	}
	out := trimEOL(l.buf)
	return out, l.line, nil
}

// shrink lets go of a buffer a very long line grew.
func (l *lineReader) shrink() {
	if cap(l.buf) > 4<<20 {
		l.buf = nil
	}
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

// continues reports whether the next line continues a JSON value the
// first line opened without closing (a pretty-printed document) rather
// than being the next line of JSON lines: it is indented or closes the
// value. A JSON-lines log whose first line is merely cut short is still
// read line by line.
func continues(r *bufio.Reader) bool {
	next, _ := r.Peek(1)
	if len(next) == 0 {
		return false
	}
	switch next[0] {
	case ' ', '\t', '}', ']', '"', '\r', '\n':
		return true
	}
	return false
}

// balanced reports whether the brackets a line opens are closed on it.
func balanced(b []byte) bool {
	depth, inString, escaped := 0, false, false
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		}
	}
	return depth <= 0 && !inString
}

func byteSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d-byte", n)
}
