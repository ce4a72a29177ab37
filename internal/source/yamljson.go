package source

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// jsonConverter writes a YAML node tree as JSON, expanding aliases and
// merge keys, while enforcing Limits on depth and expanded size.
type jsonConverter struct {
	limits Limits
	buf    bytes.Buffer
	nodes  int
}

// convertError carries the document-relative line of the offending node.
type convertError struct {
	line int
	msg  string
}

func (e *convertError) Error() string { return e.msg }

// check enforces the limits before a node is written. Every recursive path
// of the converter goes through it, so a self-referencing alias or merge
// key ends at MaxDepth instead of overflowing the stack.
func (c *jsonConverter) check(n *yaml.Node, depth int) error {
	if depth > c.limits.MaxDepth {
		return &convertError{n.Line, fmt.Sprintf("nesting deeper than %d levels", c.limits.MaxDepth)}
	}
	c.nodes++
	if c.nodes > c.limits.MaxNodes {
		return &convertError{n.Line, fmt.Sprintf("document expands to more than %d nodes (excessive YAML aliasing?)", c.limits.MaxNodes)}
	}
	if c.buf.Len() > c.limits.MaxExpandedBytes {
		return &convertError{n.Line, fmt.Sprintf("document expands to more than %d bytes (excessive YAML aliasing?)", c.limits.MaxExpandedBytes)}
	}
	return nil
}

func (c *jsonConverter) write(n *yaml.Node, depth int) error {
	if err := c.check(n, depth); err != nil {
		return err
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			c.buf.WriteString("null")
			return nil
		}
		return c.write(n.Content[0], depth)
	case yaml.AliasNode:
		if n.Alias == nil {
			return &convertError{n.Line, "unknown alias"}
		}
		return c.write(n.Alias, depth+1)
	case yaml.SequenceNode:
		c.buf.WriteByte('[')
		for i, item := range n.Content {
			if i > 0 {
				c.buf.WriteByte(',')
			}
			if err := c.write(item, depth+1); err != nil {
				return err
			}
		}
		c.buf.WriteByte(']')
		return nil
	case yaml.MappingNode:
		c.buf.WriteByte('{')
		first := true
		if err := c.writeMapping(n, depth, &first); err != nil {
			return err
		}
		c.buf.WriteByte('}')
		return nil
	case yaml.ScalarNode:
		return c.writeScalar(n)
	}
	return &convertError{n.Line, "unsupported YAML node"}
}

// writeMapping writes the pairs of a mapping without braces. Merged keys
// ("<<: *base") are written first, so the mapping's own keys, written
// later, win when the JSON is decoded.
func (c *jsonConverter) writeMapping(n *yaml.Node, depth int, first *bool) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			if err := c.writeMerge(v, depth); err != nil {
				return err
			}
			*first = c.buf.Bytes()[c.buf.Len()-1] == '{'
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			return &convertError{k.Line, "mapping keys must be strings"}
		}
		if !*first {
			c.buf.WriteByte(',')
		}
		*first = false
		writeJSONString(&c.buf, k.Value)
		c.buf.WriteByte(':')
		if err := c.write(v, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// writeMerge writes the pairs of the mapping(s) a merge key names. Of a
// list of mappings, earlier ones win (YAML's merge key rule), so they are
// written last.
func (c *jsonConverter) writeMerge(v *yaml.Node, depth int) error {
	if err := c.check(v, depth); err != nil {
		return err
	}
	if v.Kind == yaml.AliasNode && v.Alias != nil {
		return c.writeMerge(v.Alias, depth+1)
	}
	switch v.Kind {
	case yaml.MappingNode:
		first := c.buf.Bytes()[c.buf.Len()-1] == '{'
		return c.writeMapping(v, depth+1, &first)
	case yaml.SequenceNode:
		for i := len(v.Content) - 1; i >= 0; i-- {
			m := v.Content[i]
			for m.Kind == yaml.AliasNode && m.Alias != nil {
				m = m.Alias
			}
			if m.Kind != yaml.MappingNode {
				return &convertError{m.Line, "a merge key (<<) needs a mapping or a list of mappings"}
			}
			if err := c.writeMerge(m, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return &convertError{v.Line, "a merge key (<<) needs a mapping or a list of mappings"}
}

func (c *jsonConverter) writeScalar(n *yaml.Node) error {
	switch n.ShortTag() {
	case "!!null":
		c.buf.WriteString("null")
		return nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err == nil {
			c.buf.WriteString(strconv.FormatBool(b))
			return nil
		}
	case "!!int":
		// The fast path is for plain decimals only: yaml.v3 reads "0644"
		// as octal (as kubectl's YAML 1.1 parser does; file modes are
		// written so), "0x1F" as hex and "1_000" as 1000.
		if d := strings.TrimLeft(n.Value, "+-"); d != "" && (d[0] != '0' || d == "0") {
			if i, err := strconv.ParseInt(n.Value, 10, 64); err == nil {
				c.buf.WriteString(strconv.FormatInt(i, 10))
				return nil
			}
		}
		var i int64
		if err := n.Decode(&i); err == nil {
			c.buf.WriteString(strconv.FormatInt(i, 10))
			return nil
		}
		var u uint64
		if err := n.Decode(&u); err == nil {
			c.buf.WriteString(strconv.FormatUint(u, 10))
			return nil
		}
	case "!!float":
		var f float64
		if err := n.Decode(&f); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			c.buf.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
			return nil
		}
	}
	// Strings, timestamps (kept as written, as Kubernetes does) and
	// anything not representable as a JSON number or bool.
	writeJSONString(&c.buf, n.Value)
	return nil
}

const hexDigits = "0123456789abcdef"

// writeJSONString writes s as a JSON string literal.
func writeJSONString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		ch := s[i]
		if ch >= 0x20 && ch != '"' && ch != '\\' && ch < utf8.RuneSelf {
			i++
			continue
		}
		if ch < utf8.RuneSelf {
			b.WriteString(s[start:i])
			switch ch {
			case '"', '\\':
				b.WriteByte('\\')
				b.WriteByte(ch)
			case '\n':
				b.WriteString(`\n`)
			case '\r':
				b.WriteString(`\r`)
			case '\t':
				b.WriteString(`\t`)
			default:
				b.WriteString(`\u00`)
				b.WriteByte(hexDigits[ch>>4])
				b.WriteByte(hexDigits[ch&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(s[start:i])
			b.WriteString(`\ufffd`)
			i += size
			start = i
			continue
		}
		i += size
	}
	b.WriteString(s[start:])
	b.WriteByte('"')
}

// scalarValue returns the value of a scalar key of a mapping node.
func scalarValue(m *yaml.Node, key string) string {
	if v := mappingValue(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

// mappingValue returns the value node of a key of a mapping node.
func mappingValue(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			v := m.Content[i+1]
			for v.Kind == yaml.AliasNode && v.Alias != nil {
				v = v.Alias
			}
			return v
		}
	}
	return nil
}

func nodeKindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.ScalarNode:
		return "scalar " + strconv.Quote(n.Value)
	case yaml.AliasNode:
		return "alias"
	}
	return "document"
}
