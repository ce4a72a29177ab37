package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/kubernetes/scheme"
	kjson "sigs.k8s.io/json"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// Limits bound what one document may cost to decode, so hostile input
// (alias bombs, huge or deeply nested documents) is rejected fast.
type Limits struct {
	// MaxDocumentBytes bounds the size of one YAML/JSON document.
	MaxDocumentBytes int
	// MaxDepth bounds the nesting of mappings and sequences.
	MaxDepth int
	// MaxNodes bounds the nodes of one document after aliases are expanded;
	// it is what stops a "billion laughs" alias bomb.
	MaxNodes int
	// MaxExpandedBytes bounds the size of one document after aliases are
	// expanded, which stops an alias bomb made of a few big strings; 0
	// means 4 × MaxDocumentBytes.
	MaxExpandedBytes int
}

// withDefaults fills the zero fields of l from DefaultLimits, so a zero
// Decoder is usable.
// WithDefaults fills the zero fields from DefaultLimits, as the Decoder
// does: the limits other JSON readers of objects (the admission webhook)
// apply the same way.
func (l Limits) WithDefaults() Limits {
	if l.MaxDocumentBytes <= 0 {
		l.MaxDocumentBytes = DefaultLimits.MaxDocumentBytes
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	if l.MaxNodes <= 0 {
		l.MaxNodes = DefaultLimits.MaxNodes
	}
	if l.MaxExpandedBytes <= 0 {
		l.MaxExpandedBytes = 4 * l.MaxDocumentBytes
	}
	return l
}

// DefaultLimits are generous for real manifests (the API server itself caps
// an object at about 1.5 MiB) and cheap to enforce.
var DefaultLimits = Limits{MaxDocumentBytes: 4 << 20, MaxDepth: 64, MaxNodes: 1 << 20}

// decodeScheme knows the built-in Kubernetes types, and only those. It is
// Palisade's own rather than client-go's global scheme.Scheme, which
// libraries add types to as a side effect of being imported (Helm adds
// CustomResourceDefinition), so what decodes typed does not depend on what
// else the binary links.
var decodeScheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	metav1.AddToGroupVersion(s, schema.GroupVersion{Version: "v1"})
	utilruntime.Must(scheme.AddToScheme(s))
	return s
}()

// NewTyped returns an empty object of the k8s.io/api type of gvk, or false
// when gvk is not a built-in kind (it then decodes unstructured).
func NewTyped(gvk schema.GroupVersionKind) (runtime.Object, bool) {
	if !decodeScheme.Recognizes(gvk) {
		return nil, false
	}
	typed, err := decodeScheme.New(gvk)
	return typed, err == nil
}

// DecodeJSONObject decodes one object's JSON, whose apiVersion and kind
// are gvk, as every Palisade source does: into its k8s.io/api type when gvk
// is a built-in kind (what the API machinery's JSON serializer does,
// without sniffing apiVersion and kind again), else unstructured.
func DecodeJSONObject(js []byte, gvk schema.GroupVersionKind) (runtime.Object, error) {
	if decodeScheme.Recognizes(gvk) {
		typed, err := decodeScheme.New(gvk)
		if err != nil {
			return nil, err
		}
		if err := kjson.UnmarshalCaseSensitivePreserveInts(js, typed); err != nil {
			return nil, err
		}
		typed.GetObjectKind().SetGroupVersionKind(gvk)
		return typed, nil
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(js); err != nil {
		return nil, err
	}
	return u, nil
}

// Decoder turns manifest bytes into typed objects.
type Decoder struct {
	Limits Limits
	// Workers bounds the documents decoded in parallel; 0 means GOMAXPROCS.
	Workers int
}

// Decode reads every document of a multi-document YAML or JSON file. Each
// document is one object or a kind: List of objects. A document that does
// not decode is reported and the others are still read.
func (d *Decoder) Decode(file string, data []byte) ([]*cluster.Object, []InputError) {
	docs := SplitDocuments(file, data)
	type result struct {
		objs []*cluster.Object
		errs []InputError
	}
	results := make([]result, len(docs))
	workers := d.Workers
	if workers <= 0 {
		workers = goruntime.GOMAXPROCS(0)
	}
	if len(docs) < 2*workers {
		for i, doc := range docs {
			results[i].objs, results[i].errs = d.decodeDocument(doc)
		}
	} else {
		var wg sync.WaitGroup
		next := make(chan int, workers)
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					results[i].objs, results[i].errs = d.decodeDocument(docs[i])
				}
			}()
		}
		for i := range docs {
			next <- i
		}
		close(next)
		wg.Wait()
	}
	var objs []*cluster.Object
	var errs []InputError
	for _, r := range results {
		objs = append(objs, r.objs...)
		errs = append(errs, r.errs...)
	}
	return objs, errs
}

// SplitDocuments cuts a YAML stream at its "---" separator lines and "..."
// end markers. The documents share data's memory.
func SplitDocuments(file string, data []byte) []*cluster.Document {
	var docs []*cluster.Document
	start, startLine, line := 0, 1, 1
	flush := func(end int) {
		if len(bytes.TrimSpace(data[start:end])) > 0 {
			docs = append(docs, &cluster.Document{File: file, Line: startLine, Bytes: data[start:end]})
		}
	}
	for pos := 0; pos < len(data); line++ {
		// Lines end at "\n", "\r\n" or a lone "\r", as in YAML.
		next := len(data)
		if eol := bytes.IndexAny(data[pos:], "\r\n"); eol >= 0 {
			next = pos + eol + 1
			if data[next-1] == '\r' && next < len(data) && data[next] == '\n' {
				next++
			}
		}
		l := data[pos:next]
		switch {
		case isMarker(l, "---") && onlyDirectives(data[start:pos]):
			// "%YAML 1.1" and "%TAG" lines belong to the document the
			// marker starts.
		case isMarker(l, "---") || isMarker(l, "..."):
			flush(pos)
			start, startLine = next, line+1
			if rest := bytes.TrimSpace(l[3:]); len(rest) > 0 && (l[0] == '-' || rest[0] != '#') {
				// "--- {kind: Pod}", "--- # web": the separator line belongs
				// to the new document, marker included, so yaml.v3 reads it
				// with the right columns. Content after "..." is an error
				// yaml.v3 reports rather than text silently dropped.
				start, startLine = pos, line
			}
		}
		pos = next
	}
	flush(len(data))
	return docs
}

// onlyDirectives reports whether b holds YAML directives ("%YAML 1.1")
// and nothing else but blank and comment lines.
func onlyDirectives(b []byte) bool {
	// Cheap exit for the common case: a directive is a line starting with
	// "%", so a chunk without one cannot be only directives.
	if b = bytes.TrimLeft(b, " \t\r\n"); len(b) == 0 || (b[0] != '%' && b[0] != '#') || bytes.IndexByte(b, '%') < 0 {
		return false
	}
	found := false
	for _, l := range bytes.FieldsFunc(b, func(r rune) bool { return r == '\n' || r == '\r' }) {
		switch t := bytes.TrimSpace(l); {
		case len(t) == 0 || t[0] == '#':
		case l[0] == '%':
			found = true
		default:
			return false
		}
	}
	return found
}

func isMarker(l []byte, m string) bool {
	if !bytes.HasPrefix(l, []byte(m)) {
		return false
	}
	return len(l) == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\n' || l[3] == '\r'
}

// decodeDocument decodes one document into its object or, for a List, its
// items.
func (d *Decoder) decodeDocument(doc *cluster.Document) ([]*cluster.Object, []InputError) {
	fail := func(line int, format string, args ...any) []InputError {
		return []InputError{{File: doc.File, Line: line, Message: fmt.Sprintf(format, args...)}}
	}
	limits := d.Limits.WithDefaults()
	if len(doc.Bytes) > limits.MaxDocumentBytes {
		return nil, fail(doc.Line, "document is %d bytes, over the %d-byte limit", len(doc.Bytes), limits.MaxDocumentBytes)
	}
	dec := yaml.NewDecoder(bytes.NewReader(doc.Bytes))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if err == io.EOF {
			return nil, nil // only comments
		}
		line, msg := yamlErrorLine(doc.Bytes, err)
		return nil, fail(doc.Line+line-1, "invalid YAML: %s", msg)
	}
	// SplitDocuments and yaml.v3 must agree on where documents end, or a
	// document yaml.v3 sees (after a separator on a line that ends with a
	// Unicode line separator, say) would be silently skipped.
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		return nil, fail(doc.Line+next.Line-1, "invalid YAML: another document starts inside this one; put each \"---\" on a line of its own")
	} else if err != io.EOF {
		line, msg := yamlErrorLine(doc.Bytes, err)
		return nil, fail(doc.Line+line-1, "invalid YAML: %s", msg)
	}
	if len(root.Content) == 0 {
		return nil, nil // only comments
	}
	top := root.Content[0]
	if top.Kind == yaml.ScalarNode && top.ShortTag() == "!!null" {
		return nil, nil
	}
	// Positions come from the index from now on; the bytes (and, once every
	// document of a file is decoded, the file's buffer) can go.
	doc.Index = cluster.BuildPositionIndex(top)
	doc.Bytes = nil
	if top.Kind != yaml.MappingNode {
		return nil, fail(doc.Line+top.Line-1, "expected a Kubernetes object (a mapping), found a %s", nodeKindName(top))
	}
	if kind := scalarValue(top, "kind"); strings.HasSuffix(kind, "List") {
		items := mappingValue(top, "items")
		if items != nil && items.Kind == yaml.ScalarNode && items.ShortTag() == "!!null" || items == nil && kind == "List" {
			return nil, nil // an empty list
		}
		if items != nil && items.Kind == yaml.SequenceNode {
			var objs []*cluster.Object
			var errs []InputError
			for i, item := range items.Content {
				o, err := d.decodeObject(doc, item, "items["+strconv.Itoa(i)+"]")
				if err != nil {
					errs = append(errs, *err)
					continue
				}
				objs = append(objs, o)
			}
			return objs, errs
		}
	}
	o, err := d.decodeObject(doc, top, "")
	if err != nil {
		return nil, []InputError{*err}
	}
	return []*cluster.Object{o}, nil
}

// decodeObject converts one object's node to JSON and decodes it into its
// k8s.io/api type, or keeps it unstructured when the kind is not known.
func (d *Decoder) decodeObject(doc *cluster.Document, n *yaml.Node, path string) (*cluster.Object, *InputError) {
	line := doc.Line + n.Line - 1
	fail := func(format string, args ...any) (*cluster.Object, *InputError) {
		return nil, &InputError{File: doc.File, Line: line, Message: fmt.Sprintf(format, args...)}
	}
	c := jsonConverter{limits: d.Limits.WithDefaults()}
	if err := c.write(n, 0); err != nil {
		var ce *convertError
		if errors.As(err, &ce) {
			line = doc.Line + ce.line - 1
		}
		return fail("%v", err)
	}
	js := c.buf.Bytes()
	apiVersion, kind := scalarValue(n, "apiVersion"), scalarValue(n, "kind")
	if apiVersion == "" || kind == "" {
		return fail("not a Kubernetes object: apiVersion and kind are required")
	}
	obj, err := DecodeJSONObject(js, schema.FromAPIVersionAndKind(apiVersion, kind))
	if err != nil {
		return fail("%s %s: %v", apiVersion, kind, err)
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return fail("%s %s: %v", apiVersion, kind, err)
	}
	return &cluster.Object{
		ID:     cluster.ObjectID{APIVersion: apiVersion, Kind: kind, Namespace: m.GetNamespace(), Name: m.GetName()},
		Typed:  obj,
		Meta:   m,
		Origin: cluster.Origin{File: doc.File, Doc: doc, Path: path},
	}, nil
}
