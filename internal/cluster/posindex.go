package cluster

import (
	"cmp"
	"slices"
	"strconv"

	"gopkg.in/yaml.v3"
)

// PositionIndex records where each mapping key and list item of a document
// is, keyed by a 64-bit hash of its field path. The decoder builds it from
// the node tree it parses anyway, so positions are found later without
// parsing the document again and without keeping the tree: about 12 bytes
// per key.
type PositionIndex struct {
	hashes []uint64 // sorted
	places []uint32 // parallel to hashes: line<<10 | column (column capped)
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
	colBits   = 10
	colMask   = 1<<colBits - 1
	// maxMergeDepth bounds merge keys that merge mappings that merge...
	maxMergeDepth = 16
)

func hashKey(h uint64, key string) uint64 {
	h = (h ^ 0x01) * fnvPrime
	for i := 0; i < len(key); i++ {
		h = (h ^ uint64(key[i])) * fnvPrime
	}
	return h
}

func hashIndex(h uint64, i int) uint64 {
	h = (h ^ 0x02) * fnvPrime
	return (h ^ uint64(i)) * fnvPrime
}

type indexEntry struct {
	hash  uint64
	place uint32
	seq   int
}

// BuildPositionIndex indexes the object node of a document (the document's
// top node). Alias values are not descended into (their key is where a
// finding inside them points); merged keys ("<<: *base") are indexed where
// the anchor defines them.
func BuildPositionIndex(top *yaml.Node) *PositionIndex {
	b := indexBuilder{}
	b.add(fnvOffset, top)
	b.walk(top, fnvOffset, 0)
	// Sort by hash, keeping for each hash the entry recorded last: the
	// mapping's own key over a merged one, the last of duplicate keys.
	slices.SortFunc(b.entries, func(x, y indexEntry) int {
		return cmp.Or(cmp.Compare(x.hash, y.hash), cmp.Compare(y.seq, x.seq))
	})
	ix := &PositionIndex{hashes: make([]uint64, 0, len(b.entries)), places: make([]uint32, 0, len(b.entries))}
	for i, e := range b.entries {
		if i > 0 && e.hash == b.entries[i-1].hash {
			continue
		}
		ix.hashes = append(ix.hashes, e.hash)
		ix.places = append(ix.places, e.place)
	}
	return ix
}

type indexBuilder struct {
	entries []indexEntry
}

func (b *indexBuilder) add(h uint64, n *yaml.Node) {
	col := min(n.Column, colMask)
	b.entries = append(b.entries, indexEntry{hash: h, place: uint32(n.Line)<<colBits | uint32(col), seq: len(b.entries)})
}

func (b *indexBuilder) walk(n *yaml.Node, h uint64, merges int) {
	switch n.Kind {
	case yaml.MappingNode:
		// Merged keys first, later merged mappings before earlier ones, so
		// that what YAML says wins is recorded last.
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" && merges < maxMergeDepth {
				src := deref(n.Content[i+1])
				list := []*yaml.Node{src}
				if src.Kind == yaml.SequenceNode {
					list = src.Content
				}
				for j := len(list) - 1; j >= 0; j-- {
					if m := deref(list[j]); m.Kind == yaml.MappingNode {
						b.walk(m, h, merges+1)
					}
				}
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
				continue
			}
			kh := hashKey(h, k.Value)
			b.add(kh, k)
			b.walk(v, kh, merges)
		}
	case yaml.SequenceNode:
		for i, item := range n.Content {
			ih := hashIndex(h, i)
			b.add(ih, item)
			b.walk(item, ih, merges)
		}
	}
}

func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < maxMergeDepth; i++ {
		n = n.Alias
	}
	return n
}

// Lookup returns the document-relative line and column of the deepest
// existing node along the path (the root when none of it exists).
func (ix *PositionIndex) Lookup(path []PathElem) (line, column int) {
	h := uint64(fnvOffset)
	place, _ := ix.find(h)
	for _, el := range path {
		if el.Key != "" {
			h = hashKey(h, el.Key)
		} else {
			h = hashIndex(h, el.Index)
		}
		p, ok := ix.find(h)
		if !ok {
			break
		}
		place = p
	}
	return int(place >> colBits), int(place & colMask)
}

func (ix *PositionIndex) find(h uint64) (uint32, bool) {
	i, ok := slices.BinarySearch(ix.hashes, h)
	if !ok {
		return 0, false
	}
	return ix.places[i], true
}

// String is for debugging.
func (ix *PositionIndex) String() string {
	return "PositionIndex(" + strconv.Itoa(len(ix.hashes)) + " keys)"
}
