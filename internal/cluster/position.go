package cluster

import (
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Position is a place in a source file. Line and Column are 1-based; zero
// means unknown.
type Position struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

// IsZero reports whether the position is unknown.
func (p Position) IsZero() bool { return p.File == "" && p.Line == 0 }

// String formats the position like a compiler: "k8s/web.yaml:12:7".
func (p Position) String() string {
	switch {
	case p.File == "":
		return ""
	case p.Line == 0:
		return p.File
	default:
		return p.File + ":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Column)
	}
}

// Document is one YAML or JSON document of a source file. No node tree is
// kept, so a 100k-document scan does not hold 100k trees: the decoder leaves
// a compact PositionIndex, or, without one, the document's bytes are parsed
// again when findings need positions.
type Document struct {
	File string
	// Line is the 1-based line of the file on which the document starts.
	Line  int
	Bytes []byte
	// Index, when set, answers Positions without parsing Bytes.
	Index *PositionIndex
}

// Positions resolves field paths ("spec.containers[0].image",
// `metadata.annotations["a.b/c"]`) to positions in the file, parsing the
// document once for all of them. A path that does not exist resolves to its
// nearest existing parent, so a missing field points at where it belongs.
func (d *Document) Positions(paths []string) []Position {
	out := make([]Position, len(paths))
	if d.Index != nil {
		for i, p := range paths {
			line, col := d.Index.Lookup(ParsePath(p))
			out[i] = Position{File: d.File, Line: d.Line + line - 1, Column: col}
		}
		return out
	}
	var root yaml.Node
	if err := yaml.Unmarshal(d.Bytes, &root); err != nil || len(root.Content) == 0 {
		for i := range out {
			out[i] = Position{File: d.File, Line: d.Line}
		}
		return out
	}
	top := root.Content[0]
	for i, p := range paths {
		n := lookup(top, ParsePath(p))
		out[i] = Position{File: d.File, Line: d.Line + n.Line - 1, Column: n.Column}
	}
	return out
}

// lookup walks the path as far as it exists and returns the deepest node
// reached. For a mapping key it returns the key node, which is where editors
// and SARIF viewers expect the marker.
func lookup(n *yaml.Node, path []PathElem) *yaml.Node {
	at := n
	for _, el := range path {
		for n.Kind == yaml.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		switch {
		case el.Key != "" && n.Kind == yaml.MappingNode:
			k, v := lookupKey(n, el.Key, 0)
			if k == nil {
				return at
			}
			at, n = k, v
		case el.Key == "" && n.Kind == yaml.SequenceNode && el.Index >= 0 && el.Index < len(n.Content):
			n = n.Content[el.Index]
			at = n
		default:
			return at
		}
	}
	return at
}

// lookupKey finds a key of a mapping, and its value, among the mapping's
// own keys and then those it merges in ("<<: *base"), earlier merged
// mappings first, as YAML's merge key rule says. depth stops a mapping
// that merges itself.
func lookupKey(m *yaml.Node, key string, depth int) (k, v *yaml.Node) {
	for m.Kind == yaml.AliasNode && m.Alias != nil {
		m = m.Alias
	}
	if m.Kind != yaml.MappingNode || depth > 32 {
		return nil, nil
	}
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		kn := m.Content[i]
		if kn.Kind == yaml.ScalarNode && kn.ShortTag() == "!!merge" {
			merges = append(merges, m.Content[i+1])
			continue
		}
		if kn.Value == key {
			k, v = kn, m.Content[i+1]
		}
	}
	if k != nil {
		return k, v // the last of duplicate keys, as decoders keep it
	}
	for _, mv := range merges {
		for mv.Kind == yaml.AliasNode && mv.Alias != nil {
			mv = mv.Alias
		}
		list := []*yaml.Node{mv}
		if mv.Kind == yaml.SequenceNode {
			list = mv.Content
		}
		for _, src := range list {
			if k, v := lookupKey(src, key, depth+1); k != nil {
				return k, v
			}
		}
	}
	return nil, nil
}

// PathElem is one step of a field path: a mapping key or a list index.
type PathElem struct {
	Key   string
	Index int
}

// ParsePath splits "a.b[2].c" and `a["x.y/z"]` into steps. It is lenient:
// malformed brackets are read as keys.
func ParsePath(p string) []PathElem {
	var out []PathElem
	for len(p) > 0 {
		switch p[0] {
		case '.':
			p = p[1:]
		case '[':
			end := strings.IndexByte(p, ']')
			if len(p) > 1 && (p[1] == '"' || p[1] == '\'') {
				// A quoted key may hold "]" or "."; it ends at its quote.
				if q := strings.Index(p[2:], string(p[1])+"]"); q >= 0 {
					out = append(out, PathElem{Key: p[2 : 2+q]})
					p = p[2+q+2:]
					continue
				}
			}
			if end < 0 {
				return append(out, PathElem{Key: p})
			}
			inner := p[1:end]
			if i, err := strconv.Atoi(inner); err == nil && i >= 0 {
				out = append(out, PathElem{Key: "", Index: i})
			} else {
				out = append(out, PathElem{Key: inner})
			}
			p = p[end+1:]
		default:
			end := strings.IndexAny(p, ".[")
			if end < 0 {
				end = len(p)
			}
			out = append(out, PathElem{Key: p[:end]})
			p = p[end:]
		}
	}
	return out
}
