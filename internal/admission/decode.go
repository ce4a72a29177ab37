package admission

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "sigs.k8s.io/json"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
)

// The API server sends request.object as compact JSON. source.Decoder
// reads JSON as YAML (it must: a manifest may be either), which costs
// about three quarters of a review; decodeJSON reads it straight into the
// same types, under the same limits:
//
//   - the same scheme and decoding call (source.NewTyped and
//     source.DecodeJSONObject): the built-in Kubernetes types and nothing
//     else, case-sensitive, integers preserved, unknown kinds unstructured;
//   - the same bounds (source.Limits): document size, nesting depth and
//     number of values, counted as source's YAML-to-JSON converter counts
//     them;
//   - the same requirements: a mapping with apiVersion and kind, in UTF-8.
//
// Anything decodeJSON refuses goes through source.Decoder, so an object
// that cannot be judged is refused with scan's own message. Equivalence on
// what both accept is tested on the upstream Pod Security fixtures, the
// example clusters and generated clusters, and fuzzed
// (FuzzDecodeMatchesScan).

var errSlowPath = errors.New("not decoded on the JSON fast path")

// decodeJSON decodes one JSON object, or returns errSlowPath when it cannot
// (not a JSON object, over a limit, not typed cleanly). hint, when set, is
// the kind the request says the object is (request.kind): it is decoded
// straight into that type, in one pass, and kept only if the object says
// the same apiVersion and kind.
func decodeJSON(raw []byte, limits source.Limits, hint *schema.GroupVersionKind) (*cluster.Object, error) {
	if len(raw) > limits.MaxDocumentBytes || !utf8.Valid(raw) || !withinLimits(raw, limits) {
		return nil, errSlowPath
	}
	if hint != nil {
		apiVersion, kind := hint.ToAPIVersionAndKind()
		if typed, ok := source.NewTyped(*hint); ok && kjson.UnmarshalCaseSensitivePreserveInts(raw, typed) == nil {
			if tm, err := apimeta.TypeAccessor(typed); err == nil && tm.GetAPIVersion() == apiVersion && tm.GetKind() == kind {
				return objectOf(typed, apiVersion, kind)
			}
		}
	}
	var tm metav1.TypeMeta
	if err := kjson.UnmarshalCaseSensitivePreserveInts(raw, &tm); err != nil || tm.APIVersion == "" || tm.Kind == "" || strings.HasSuffix(tm.Kind, "List") {
		return nil, errSlowPath
	}
	obj, err := source.DecodeJSONObject(raw, schema.FromAPIVersionAndKind(tm.APIVersion, tm.Kind))
	if err != nil {
		return nil, errSlowPath
	}
	return objectOf(obj, tm.APIVersion, tm.Kind)
}

// objectOf names a decoded object by the apiVersion and kind it states.
func objectOf(obj runtime.Object, apiVersion, kind string) (*cluster.Object, error) {
	m, err := apimeta.Accessor(obj)
	if err != nil {
		return nil, errSlowPath
	}
	return &cluster.Object{
		ID:     cluster.ObjectID{APIVersion: apiVersion, Kind: kind, Namespace: m.GetNamespace(), Name: m.GetName()},
		Typed:  obj,
		Meta:   m,
		Origin: cluster.Origin{Cluster: SourceName},
	}, nil
}

// withinLimits scans JSON text and reports whether it is one object whose
// nesting and number of values stay within the limits, counting as
// source's converter does: every value (not key) is a node, the top-level
// object at depth 0. It does not validate JSON; the decoder does.
func withinLimits(raw []byte, limits source.Limits) bool {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return false
	}
	depth, nodes := -1, 0
	afterKey := false // the next value is a mapping value, not a key
	inObject := make([]bool, 0, 16)
	for ; i < len(raw); i++ {
		c := raw[i]
		switch c {
		case ' ', '\t', '\n', '\r', ',':
			continue
		case ':':
			afterKey = true
			continue
		case '}', ']':
			depth--
			inObject = inObject[:len(inObject)-min(1, len(inObject))]
			continue
		}
		isKey := len(inObject) > 0 && inObject[len(inObject)-1] && !afterKey
		afterKey = false
		if !isKey {
			nodes++
			if depth+1 > limits.MaxDepth || nodes > limits.MaxNodes {
				return false
			}
		}
		switch c {
		case '{', '[':
			depth++
			inObject = append(inObject, c == '{')
		case '"':
			for i++; i < len(raw) && raw[i] != '"'; i++ {
				if raw[i] == '\\' {
					i++
				}
			}
		default: // number, true, false, null
			for i+1 < len(raw) && !strings.ContainsRune(" \t\n\r,:}]", rune(raw[i+1])) {
				i++
			}
		}
	}
	return depth == -1
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// decodeObject reads the object of a request: on the JSON fast path, or
// with scan's decoder.
func (e *Evaluator) decodeObject(raw []byte, hint *schema.GroupVersionKind) (*cluster.Object, error) {
	if o, err := decodeJSON(raw, e.limits, hint); err == nil {
		return o, nil
	}
	objs, errs := e.decoder.Decode(SourceName, raw)
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrUndecodable, errs[0].Message)
	}
	if len(objs) != 1 {
		return nil, fmt.Errorf("%w: want one object, found %d", ErrUndecodable, len(objs))
	}
	return objs[0], nil
}
