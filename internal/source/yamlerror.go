package source

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	yamlv2 "go.yaml.in/yaml/v2"
)

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// parserProblems are the messages of the libyaml parser stage. yaml.v3 and
// yaml.v2 (both ports of libyaml) report their lines 0-based, unlike the
// scanner stage's.
var parserProblems = map[string]bool{
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// startIsCulprit are the problems whose cause is where a construct began
// (an unclosed quote or bracket, a key without its colon) rather than
// where the parser gave up, which may be the end of the document.
var startIsCulprit = map[string]bool{
	"found unexpected end of stream":   true,
	"could not find expected ':'":      true,
	"did not find expected ',' or ']'": true,
	"did not find expected ',' or '}'": true,
}

// yamlErrorLine finds the 1-based line, inside data, of the problem a
// yaml.v3 parse error reports, and the error's message without its
// "yaml: line N:" prefix.
//
// yaml.v3 names the line where the enclosing construct starts, which is
// the right line for an unclosed quote or bracket but not for, say, a
// mis-indented key deep inside a mapping. For those, data is parsed again
// with yaml.v2, which names the token the parser stopped at. Errors that
// carry no line (an unknown alias, a control character, bad UTF-8) are
// located by searching data.
func yamlErrorLine(data []byte, err error) (int, string) {
	line, msg := parseYAMLError(err.Error())
	switch {
	case strings.HasPrefix(msg, "unknown anchor '"):
		name := strings.TrimSuffix(strings.TrimPrefix(msg, "unknown anchor '"), "' referenced")
		line = lineOf(data, aliasOffset(data, name))
	case msg == "control characters are not allowed" || strings.Contains(msg, "UTF-8") || strings.Contains(msg, "Unicode"):
		line = lineOf(data, badCharOffset(data))
	case !startIsCulprit[msg]:
		var v struct{}
		if err2 := yamlv2.Unmarshal(data, &v); err2 != nil {
			if line2, msg2 := parseYAMLError(err2.Error()); msg2 == msg && line2 > 0 {
				line = line2
			}
		}
	}
	// A problem found at the end of the input (an unclosed bracket, say)
	// is on the last line that has something on it.
	if last := lineOf(data, len(bytes.TrimRight(data, " \t\r\n"))-1); line > last {
		line = last
	}
	if line < 1 {
		line = 1
	}
	return line, msg
}

// parseYAMLError splits a libyaml-style error into its 1-based line (0
// when it names none) and its message.
func parseYAMLError(s string) (int, string) {
	m := yamlLine.FindStringSubmatch(s)
	if m == nil {
		return 0, strings.TrimPrefix(s, "yaml: ")
	}
	n, _ := strconv.Atoi(m[1])
	msg := s[len(m[0]):]
	if parserProblems[msg] {
		n++
	}
	return n, msg
}

// aliasOffset is the offset of the first use of alias *name in data, or -1.
func aliasOffset(data []byte, name string) int {
	ref := []byte("*" + name)
	for off := 0; ; {
		i := bytes.Index(data[off:], ref)
		if i < 0 || name == "" {
			return -1
		}
		end := off + i + len(ref)
		if end == len(data) || bytes.IndexByte([]byte(" \t\r\n,]}"), data[end]) >= 0 {
			return off + i
		}
		off = end
	}
}

// badCharOffset is the offset of the first byte of data that is not valid
// UTF-8 or is a character YAML does not allow, or -1.
func badCharOffset(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 || !yamlPrintable(r) {
			return i
		}
		i += size
	}
	return -1
}

// yamlPrintable reports whether YAML allows r in a stream (YAML 1.2,
// c-printable).
func yamlPrintable(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r' || r == 0x85:
		return true
	case r >= 0x20 && r <= 0x7e:
		return true
	case r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd && r != 0xfeff, r >= 0x10000 && r <= 0x10ffff:
		return true
	case r == 0xfeff:
		return true // a byte order mark
	}
	return false
}

// lineOf is the 1-based line of byte offset off in data, counting "\n",
// "\r\n" and a lone "\r" as line ends as YAML does; 0 when off < 0.
func lineOf(data []byte, off int) int {
	if off < 0 {
		return 0
	}
	line := 1
	for i := 0; i < off && i < len(data); i++ {
		switch data[i] {
		case '\n':
			line++
		case '\r':
			if i+1 >= len(data) || data[i+1] != '\n' {
				line++
			}
		}
	}
	return line
}
