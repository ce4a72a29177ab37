package netpol

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// selector is a compiled metav1.LabelSelector. A nil LabelSelector selects
// nothing, an empty one everything, as metav1.LabelSelectorAsSelector
// decides; a selector the API server would reject (an unknown operator,
// an invalid key or value) selects nothing and keeps its error.
type selector struct {
	sel        labels.Selector
	reqs       labels.Requirements
	everything bool
	err        error
	// text is the selector as kubectl prints it ("app=web,tier in (a,b)").
	text string
	// key identifies the selector among all compiled ones.
	key string
}

func compileSelector(ls *metav1.LabelSelector) *selector {
	if ls == nil {
		return &selector{sel: labels.Nothing(), text: "<nothing>", key: "\x00nil"}
	}
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return &selector{sel: labels.Nothing(), err: err, text: "<invalid: " + err.Error() + ">", key: "\x00err"}
	}
	s := &selector{sel: sel, text: sel.String()}
	s.reqs, _ = sel.Requirements()
	s.everything = sel.Empty()
	if s.everything {
		s.text = "{}"
	}
	s.key = s.text
	return s
}

// matches evaluates the selector on one label set.
func (s *selector) matches(l map[string]string) bool {
	if s.err != nil {
		return false
	}
	return s.sel.Matches(labels.Set(l))
}

// labelIndex is an inverted index of the label sets of a universe (the
// pod classes), so a selector is evaluated over all of them at once as
// bitset operations instead of once per member.
type labelIndex struct {
	n      int
	sets   []map[string]string
	byKey  map[string][]int32
	byPair map[string]map[string][]int32
}

func newLabelIndex(sets []map[string]string) *labelIndex {
	ix := &labelIndex{n: len(sets), sets: sets, byKey: map[string][]int32{}, byPair: map[string]map[string][]int32{}}
	for i, l := range sets {
		for k, v := range l {
			ix.byKey[k] = append(ix.byKey[k], int32(i))
			m := ix.byPair[k]
			if m == nil {
				m = map[string][]int32{}
				ix.byPair[k] = m
			}
			m[v] = append(m[v], int32(i))
		}
	}
	return ix
}

// eval returns the members the selector matches.
func (ix *labelIndex) eval(s *selector) bitset {
	switch {
	case s.err != nil || (!s.everything && len(s.reqs) == 0):
		return newBitset(ix.n) // labels.Nothing
	case s.everything:
		return fullBitset(ix.n)
	}
	out := fullBitset(ix.n)
	for i := range s.reqs {
		r := &s.reqs[i]
		out.and(ix.evalRequirement(r))
	}
	return out
}

func (ix *labelIndex) evalRequirement(r *labels.Requirement) bitset {
	b := newBitset(ix.n)
	switch r.Operator() {
	case selection.In, selection.Equals, selection.DoubleEquals:
		for _, v := range r.ValuesUnsorted() {
			b.setAll(ix.byPair[r.Key()][v])
		}
	case selection.NotIn, selection.NotEquals:
		for _, v := range r.ValuesUnsorted() {
			b.setAll(ix.byPair[r.Key()][v])
		}
		full := fullBitset(ix.n)
		full.andNot(b)
		b = full
	case selection.Exists:
		b.setAll(ix.byKey[r.Key()])
	case selection.DoesNotExist:
		b.setAll(ix.byKey[r.Key()])
		full := fullBitset(ix.n)
		full.andNot(b)
		b = full
	default:
		for i, l := range ix.sets {
			if r.Matches(labels.Set(l)) {
				b.set(i)
			}
		}
	}
	return b
}
