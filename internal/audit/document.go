package audit

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// A document is JSON that spans lines: a pretty-printed EventList (or
// several), a JSON list of events, or pretty-printed events one after
// another. It is read as a stream: each event is gathered on its own,
// bounded, and decoded, so a list of any length costs the memory of its
// largest event.

// docScanner reads a document byte by byte, knowing the line and column of
// each.
type docScanner struct {
	r         *bufio.Reader
	line, col int // of the next byte, 1-based
	prevCol   int
}

// errDocument is a document whose structure is broken, so the rest of it
// cannot be read.
type errDocument struct {
	line int
	msg  string
}

func (e *errDocument) Error() string { return e.msg }

func (s *docScanner) read() (byte, error) {
	c, err := s.r.ReadByte()
	if err != nil {
		return 0, err
	}
	if c == '\n' {
		s.line++
		s.prevCol, s.col = s.col, 1
	} else {
		s.col++
	}
	return c, nil
}

func (s *docScanner) unread(c byte) {
	_ = s.r.UnreadByte()
	if c == '\n' {
		s.line--
		s.col = s.prevCol
	} else {
		s.col--
	}
}

// nonSpace returns the next byte that is not white space.
func (s *docScanner) nonSpace() (byte, error) {
	for {
		c, err := s.read()
		if err != nil {
			return 0, err
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return c, nil
	}
}

func (s *docScanner) fail(format string, args ...any) error {
	return &errDocument{line: s.line, msg: fmt.Sprintf(format, args...)}
}

func (s *docScanner) eof(err error, what string) error {
	if err == io.EOF {
		return s.fail("unexpected end of input in %s", what)
	}
	return err
}

// capture gathers the bytes of a value up to a limit; past it, the value
// is still scanned but its bytes are dropped.
type capture struct {
	buf  []byte
	max  int
	over bool
}

func (c *capture) add(b ...byte) {
	if c.over {
		return
	}
	if len(c.buf)+len(b) > c.max {
		c.over = true
		c.buf = c.buf[:0]
		return
	}
	c.buf = append(c.buf, b...)
}

// str scans the rest of a string whose opening quote was read.
func (s *docScanner) str(out *capture) error {
	out.add('"')
	escaped := false
	for {
		c, err := s.read()
		if err != nil {
			return s.eof(err, "a string")
		}
		if c == '\n' {
			return s.fail("line break inside a string")
		}
		out.add(c)
		switch {
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case c == '"':
			return nil
		}
	}
}

// value scans the rest of a value whose first byte c was read. It checks
// only the structure (brackets, strings); the decoder checks the rest.
func (s *docScanner) value(c byte, out *capture) error {
	switch c {
	case '"':
		return s.str(out)
	case '{', '[':
	default:
		// A literal or number: up to the next delimiter.
		out.add(c)
		for {
			c, err := s.read()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			switch c {
			case ' ', '\t', '\n', '\r', ',', ']', '}', ':':
				s.unread(c)
				return nil
			}
			out.add(c)
		}
	}
	closers := []byte{closerOf(c)}
	out.add(c)
	for len(closers) > 0 {
		c, err := s.read()
		if err != nil {
			return s.eof(err, "a JSON value")
		}
		switch c {
		case '"':
			if err := s.str(out); err != nil {
				return err
			}
			continue
		case '{', '[':
			if len(closers) >= maxDepth {
				return s.fail("exceeded max depth")
			}
			closers = append(closers, closerOf(c))
		case '}', ']':
			if want := closers[len(closers)-1]; c != want {
				return s.fail("found %q where %q closes the value", c, want)
			}
			closers = closers[:len(closers)-1]
		}
		out.add(c)
	}
	return nil
}

func closerOf(c byte) byte {
	if c == '{' {
		return '}'
	}
	return ']'
}

// readDocument reads the rest of an input as a document; first is its
// first line (line n), already read.
func readDocument(ld *lineDecoder, lr *lineReader, first []byte, n int) error {
	head := append(first, '\n')
	s := &docScanner{r: bufio.NewReaderSize(io.MultiReader(bytes.NewReader(head), lr.r), 64<<10), line: n, col: 1}
	err := scanDocument(ld, s)
	var de *errDocument
	if errors.As(err, &de) {
		ld.errs.add(de.line, "malformed JSON document: %s; the rest of the input was not read", de.msg)
		return nil
	}
	return err
}

func scanDocument(ld *lineDecoder, s *docScanner) error {
	max := ld.limits.MaxEventBytes
	for {
		c, err := s.nonSpace()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		line, col := s.line, s.col-1
		switch c {
		case '[':
			if err := scanItems(ld, s); err != nil {
				return err
			}
		case '{':
			top := &capture{max: max}
			isList, err := scanObject(ld, s, top)
			if err != nil {
				return err
			}
			if !isList {
				if err := ld.document(top, line, col); err != nil {
					return err
				}
			}
		default:
			return s.fail("expected an audit event or an EventList (a JSON object), found %q", c)
		}
	}
}

// scanObject scans a top-level object whose "{" was read. When it has an
// "items" list, the items are read as events one by one; otherwise the
// object is gathered whole into top.
func scanObject(ld *lineDecoder, s *docScanner, top *capture) (isList bool, err error) {
	top.add('{')
	c, err := s.nonSpace()
	if err != nil {
		return false, s.eof(err, "an object")
	}
	if c == '}' {
		top.add('}')
		return false, nil
	}
	for {
		if c != '"' {
			return isList, s.fail("expected a key, found %q", c)
		}
		key := &capture{max: 64}
		if err := s.str(key); err != nil {
			return isList, err
		}
		top.add(key.buf...)
		if c, err = s.nonSpace(); err != nil {
			return isList, s.eof(err, "an object")
		}
		if c != ':' {
			return isList, s.fail("expected ':' after a key, found %q", c)
		}
		top.add(':')
		if c, err = s.nonSpace(); err != nil {
			return isList, s.eof(err, "an object")
		}
		if !key.over && string(key.buf) == `"items"` && c == '[' {
			isList = true
			top.add('n', 'u', 'l', 'l')
			if err := scanItems(ld, s); err != nil {
				return isList, err
			}
		} else if err := s.value(c, top); err != nil {
			return isList, err
		}
		if c, err = s.nonSpace(); err != nil {
			return isList, s.eof(err, "an object")
		}
		switch c {
		case ',':
			top.add(',')
			if c, err = s.nonSpace(); err != nil {
				return isList, s.eof(err, "an object")
			}
		case '}':
			top.add('}')
			return isList, nil
		default:
			return isList, s.fail("expected ',' or '}' after a value, found %q", c)
		}
	}
}

// scanItems reads the events of a list whose "[" was read.
func scanItems(ld *lineDecoder, s *docScanner) error {
	c, err := s.nonSpace()
	if err != nil {
		return s.eof(err, "a list")
	}
	if c == ']' {
		return nil
	}
	item := &capture{max: ld.limits.MaxEventBytes}
	for {
		line, col := s.line, s.col-1
		item.buf, item.over = item.buf[:0], false
		if err := s.value(c, item); err != nil {
			return err
		}
		if err := ld.document(item, line, col); err != nil {
			return err
		}
		if cap(item.buf) > 4<<20 {
			item.buf = nil
		}
		if c, err = s.nonSpace(); err != nil {
			return s.eof(err, "a list")
		}
		switch c {
		case ',':
			if c, err = s.nonSpace(); err != nil {
				return s.eof(err, "a list")
			}
		case ']':
			return nil
		default:
			return s.fail("expected ',' or ']' after an item, found %q", c)
		}
	}
}

// document decodes one event gathered from a document, which starts at
// line and col.
func (l *lineDecoder) document(c *capture, line, col int) error {
	if c.over {
		l.errs.add(line, "audit event is larger than the %s limit; it was skipped", byteSize(l.limits.MaxEventBytes))
		return nil
	}
	d := &l.dec
	d.reset(c.buf)
	l.ev = Event{File: l.file, Line: line, Column: col}
	err := d.event(&l.ev.Event)
	if err == nil {
		err = d.end()
	}
	if err != nil {
		at := line
		var de *decodeError
		if errors.As(err, &de) {
			at += bytes.Count(c.buf[:min(de.Offset, len(c.buf))], []byte{'\n'})
		}
		l.errs.add(at, "malformed audit event (starting on line %d): %v", line, err)
		return nil
	}
	l.res.Events++
	return l.emit(&l.ev)
}
