package cluster

import (
	"reflect"
	"testing"
)

func TestParsePath(t *testing.T) {
	tests := []struct {
		in   string
		want []PathElem
	}{
		{"", nil},
		{"spec", []PathElem{{Key: "spec"}}},
		{"spec.containers[1].image", []PathElem{{Key: "spec"}, {Key: "containers"}, {Index: 1}, {Key: "image"}}},
		{`metadata.annotations["a.b/c"]`, []PathElem{{Key: "metadata"}, {Key: "annotations"}, {Key: "a.b/c"}}},
		{`metadata.annotations['x.y']`, []PathElem{{Key: "metadata"}, {Key: "annotations"}, {Key: "x.y"}}},
		{`data["odd]key"].x`, []PathElem{{Key: "data"}, {Key: "odd]key"}, {Key: "x"}}},
		{"items[0][2]", []PathElem{{Key: "items"}, {Index: 0}, {Index: 2}}},
		{"a[-1]", []PathElem{{Key: "a"}, {Key: "-1"}}},
		{"a[b]", []PathElem{{Key: "a"}, {Key: "b"}}},
		{"a[unclosed", []PathElem{{Key: "a"}, {Key: "[unclosed"}}},
		{`a["unclosed`, []PathElem{{Key: "a"}, {Key: `["unclosed`}}},
		{"a..b.", []PathElem{{Key: "a"}, {Key: "b"}}},
	}
	for _, tt := range tests {
		if got := ParsePath(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParsePath(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestDocumentPositions(t *testing.T) {
	doc := &Document{File: "k8s/web.yaml", Line: 10, Bytes: []byte(`# starts on line 10
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: &labels
    app: web
spec:
  base: &base
    image: base:1
    tty: true
  containers:
  - <<: *base
    name: web
    image: web:1
  - <<: [{image: first:1}, *base]
    name: other
  nodeSelector: *labels
`)}
	tests := []struct {
		path      string
		line, col int
	}{
		{"", 11, 1},
		{"metadata.name", 14, 3},
		{"metadata.labels.app", 16, 5},
		{"spec.containers[0].name", 23, 5},
		{"spec.containers[0].image", 24, 5},  // its own key wins over the merged one
		{"spec.containers[0].tty", 20, 5},    // merged in from the anchor
		{"spec.containers[1].image", 25, 11}, // the first merged mapping wins
		{"spec.containers[1].tty", 20, 5},
		{"spec.nodeSelector.app", 16, 5}, // through an alias
		{"spec.containers[0].securityContext", 22, 5},
		{"spec.containers[9]", 21, 3},
		{"spec.containers[-1]", 21, 3},
		{"spec.containers.name", 21, 3},
		{`metadata["name"]`, 14, 3},
		{"nope", 11, 1},
	}
	paths := make([]string, len(tests))
	for i, tt := range tests {
		paths[i] = tt.path
	}
	got := doc.Positions(paths)
	for i, tt := range tests {
		want := Position{File: "k8s/web.yaml", Line: tt.line, Column: tt.col}
		if got[i] != want {
			t.Errorf("%q: got %v, want %v", tt.path, got[i], want)
		}
	}
}

func TestDocumentPositionsOfSelfMergingMapping(t *testing.T) {
	doc := &Document{File: "f.yaml", Line: 1, Bytes: []byte("a: &a\n  b: 1\n  <<: *a\n")}
	if got := doc.Positions([]string{"a.missing", "a.b"}); got[0].Line != 1 || got[1].Line != 2 {
		t.Errorf("got %v", got)
	}
}

func TestDocumentPositionsOfInvalidYAML(t *testing.T) {
	doc := &Document{File: "f.yaml", Line: 4, Bytes: []byte("a: [\n")}
	if got := doc.Positions([]string{"a"}); got[0] != (Position{File: "f.yaml", Line: 4}) {
		t.Errorf("got %v", got)
	}
}

func TestPositionString(t *testing.T) {
	for _, tt := range []struct {
		p    Position
		want string
	}{
		{Position{}, ""},
		{Position{File: "a.yaml"}, "a.yaml"},
		{Position{File: "a.yaml", Line: 3, Column: 7}, "a.yaml:3:7"},
	} {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.p, got, tt.want)
		}
	}
	if !(Position{}).IsZero() || (Position{File: "x"}).IsZero() {
		t.Error("IsZero")
	}
}
