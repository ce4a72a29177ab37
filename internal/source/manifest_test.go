package source

import (
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// decode runs a zero Decoder (default limits) over one file.
func decode(t *testing.T, name, in string) ([]*cluster.Object, []InputError) {
	t.Helper()
	var d Decoder
	return d.Decode(name, []byte(in))
}

// mustDecode decodes and fails the test on any input error.
func mustDecode(t *testing.T, in string) []*cluster.Object {
	t.Helper()
	objs, errs := decode(t, "test.yaml", in)
	for _, e := range errs {
		t.Fatalf("unexpected input error: %v", e.Error())
	}
	return objs
}

// names lists "Kind/name@line" of objects, line being the line of the
// object's metadata.name.
func names(objs []*cluster.Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, fmt.Sprintf("%s/%s@%d", o.ID.Kind, o.ID.Name, o.Origin.Position("metadata.name").Line))
	}
	return out
}

func errorsOf(errs []InputError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

func configMap(name string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n"
}

func TestDecodeDocumentSeparators(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"leading separator", "---\n" + configMap("a"), []string{"ConfigMap/a@5"}},
		{"separators with comments", "# a file\n--- # first\n" + configMap("a") + "--- # second\n# about b\n" + configMap("b"),
			[]string{"ConfigMap/a@6", "ConfigMap/b@12"}},
		{"empty documents", "---\n---\n# nothing\n---\n" + configMap("a") + "---\n---\n", []string{"ConfigMap/a@8"}},
		{"content on the separator line", "--- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n--- !!map\n" +
			"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n", []string{"ConfigMap/a@1", "ConfigMap/b@5"}},
		// YAML (and kubectl) do not allow a block mapping to start on the
		// separator line.
		{"block mapping on the separator line", "--- apiVersion: v1\nkind: ConfigMap\n", nil},
		{"end markers", configMap("a") + "...\n" + configMap("b") + "... # done\n---\n" + configMap("c") + "...\n",
			[]string{"ConfigMap/a@4", "ConfigMap/b@9", "ConfigMap/c@15"}},
		{"CRLF line endings", strings.ReplaceAll("---\n"+configMap("a")+"---\n\n"+configMap("b"), "\n", "\r\n"),
			[]string{"ConfigMap/a@5", "ConfigMap/b@11"}},
		{"CR line endings", strings.ReplaceAll(configMap("a")+"---\n"+configMap("b"), "\n", "\r"),
			[]string{"ConfigMap/a@4", "ConfigMap/b@9"}},
		{"no final newline", configMap("a") + "---\n" + strings.TrimSuffix(configMap("b"), "\n"), []string{"ConfigMap/a@4", "ConfigMap/b@9"}},
		{"indented --- is content", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  script: |\n    ---\n    echo\n",
			[]string{"ConfigMap/a@4"}},
		{"---x is not a separator", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: |\n---x\n", nil},
		{"directive", "%YAML 1.1\n---\n" + configMap("a"), []string{"ConfigMap/a@6"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, errs := decode(t, "f.yaml", tt.in)
			if tt.want == nil {
				if len(errs) == 0 {
					t.Fatalf("want an input error, got objects %v", names(objs))
				}
				return
			}
			if len(errs) > 0 {
				t.Fatalf("unexpected errors: %v", errorsOf(errs))
			}
			if got := names(objs); strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDecodeSeparatorOnALineOfItsOwnOnly(t *testing.T) {
	// yaml.v3 also breaks lines at U+2028; a document it would see there
	// must not be dropped silently.
	in := configMap("a") + "\u2028---\u2028" + configMap("b")
	objs, errs := decode(t, "f.yaml", in)
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "another document starts inside this one") {
		t.Fatalf("want one error about a hidden document, got %v (objects %v)", errorsOf(errs), names(objs))
	}
}

func TestDecodeJSON(t *testing.T) {
	in := `{
  "apiVersion": "apps/v1",
  "kind": "Deployment",
  "metadata": {"name": "web", "namespace": "shop"},
  "spec": {
    "replicas": 3,
    "template": {"spec": {"containers": [{"name": "web", "image": "web:1"}]}}
  }
}`
	objs := mustDecode(t, in)
	if len(objs) != 1 {
		t.Fatalf("got %d objects", len(objs))
	}
	d, ok := objs[0].Typed.(*appsv1.Deployment)
	if !ok {
		t.Fatalf("got %T, want *appsv1.Deployment", objs[0].Typed)
	}
	if *d.Spec.Replicas != 3 || d.Spec.Template.Spec.Containers[0].Image != "web:1" || d.Namespace != "shop" {
		t.Errorf("decoded %+v", d.Spec)
	}
	if d.APIVersion != "apps/v1" || d.Kind != "Deployment" {
		t.Errorf("type meta %v", d.TypeMeta)
	}
	want := cluster.ObjectID{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"}
	if objs[0].ID != want {
		t.Errorf("ID %v, want %v", objs[0].ID, want)
	}
	if p := objs[0].Origin.Position("spec.template.spec.containers[0].image"); p.Line != 7 {
		t.Errorf("image position %v, want line 7", p)
	}
}

func TestDecodeList(t *testing.T) {
	in := "# a list\napiVersion: v1\nkind: List\nitems:\n" +
		"- apiVersion: v1\n  kind: ServiceAccount\n  metadata:\n    name: a\n" +
		"- kind: ServiceAccount\n  metadata:\n    name: no-api-version\n" +
		"- apiVersion: v1\n  kind: ServiceAccount\n  metadata:\n    name: c\n"
	objs, errs := decode(t, "list.yaml", in)
	if got := names(objs); strings.Join(got, " ") != "ServiceAccount/a@8 ServiceAccount/c@15" {
		t.Errorf("objects %v", got)
	}
	if objs[0].Origin.Path != "items[0]" || objs[1].Origin.Path != "items[2]" {
		t.Errorf("paths %q %q", objs[0].Origin.Path, objs[1].Origin.Path)
	}
	if got := errorsOf(errs); len(got) != 1 || got[0] != "list.yaml:9: not a Kubernetes object: apiVersion and kind are required" {
		t.Errorf("errors %v", got)
	}

	for _, empty := range []string{"apiVersion: v1\nkind: List\nitems: []\n", "apiVersion: v1\nkind: List\nitems:\n", "apiVersion: v1\nkind: List\n"} {
		if objs, errs := decode(t, "l.yaml", empty); len(objs)+len(errs) != 0 {
			t.Errorf("%q: got %v %v, want nothing", empty, names(objs), errorsOf(errs))
		}
	}
}

func TestDecodeUnknownKindsStayUnstructured(t *testing.T) {
	in := `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
  namespace: ns
spec:
  size: 3
---
apiVersion: v1
kind: NoSuchKind
metadata:
  name: x
`
	objs := mustDecode(t, in)
	if len(objs) != 3 {
		t.Fatalf("got %d objects", len(objs))
	}
	for _, o := range objs {
		if _, ok := o.Typed.(*unstructured.Unstructured); !ok {
			t.Errorf("%v decoded as %T, want *unstructured.Unstructured", o.ID, o.Typed)
		}
	}
	w := objs[1].Typed.(*unstructured.Unstructured)
	if size, _, _ := unstructured.NestedInt64(w.Object, "spec", "size"); size != 3 {
		t.Errorf("spec.size = %d", size)
	}
	if objs[1].ID.Namespace != "ns" || objs[1].Meta.GetName() != "w" {
		t.Errorf("meta %v", objs[1].ID)
	}
}

func TestDecodeErrorsAreReportedAndTheRestDecodes(t *testing.T) {
	tests := []struct {
		name string
		doc  string // the second of three documents
		line int    // absolute line of the error in the file
		msg  string
	}{
		{"missing kind", "apiVersion: v1\nmetadata:\n  name: x\n", 6, "apiVersion and kind are required"},
		{"missing apiVersion", "# c\nkind: Pod\nmetadata:\n  name: x\n", 7, "apiVersion and kind are required"},
		{"not a mapping", "- a\n- b\n", 6, "expected a Kubernetes object (a mapping), found a list"},
		{"scalar", "just text\n", 6, "found a scalar"},
		{"bad indentation", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels:\n    a: b\n   c: d\n", 12, "invalid YAML"},
		{"list item in a mapping", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  - y\n", 10, "did not find expected key"},
		{"tab", "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b\n\tc: d\n", 10, "tab character"},
		{"unclosed quote", "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: \"b\n  c: d\n", 9, "invalid YAML"},
		{"unclosed bracket", "apiVersion: v1\nkind: ConfigMap\ndata: {a: b\n", 8, "did not find expected ',' or '}'"},
		{"bad token", "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: @b\n", 9, "found character that cannot start any token"},
		{"unknown alias", "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: *nope\n", 9, "unknown anchor 'nope' referenced"},
		{"control character", "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b\x01\n", 9, "control characters are not allowed"},
		{"invalid UTF-8", "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: b\xff\n", 9, "invalid YAML"},
		{"non-string key", "apiVersion: v1\nkind: ConfigMap\ndata:\n  [a]: b\n", 9, "mapping keys must be strings"},
		{"type error", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: three\n", 6, "cannot unmarshal"},
		{"quoted number for an int", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: \"3\"\n", 6, "cannot unmarshal"},
		{"bad merge", "apiVersion: v1\nkind: ConfigMap\ndata:\n  <<: [a]\n", 9, "merge key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := configMap("first") + "---\n" + tt.doc + "---\n" + configMap("last")
			objs, errs := decode(t, "multi.yaml", in)
			if len(errs) != 1 {
				t.Fatalf("want 1 error, got %v", errorsOf(errs))
			}
			e := errs[0]
			if e.File != "multi.yaml" || e.Line != tt.line || !strings.Contains(e.Message, tt.msg) {
				t.Errorf("got %q (line %d), want line %d and %q", e.Error(), e.Line, tt.line, tt.msg)
			}
			got := names(objs)
			if len(got) != 2 || got[0] != "ConfigMap/first@4" || !strings.HasPrefix(got[1], "ConfigMap/last@") {
				t.Errorf("the other documents: %v", got)
			}
		})
	}
}

func TestDecodeErrorOnTheFirstLine(t *testing.T) {
	_, errs := decode(t, "f.yaml", "- a\nb: c\n")
	if len(errs) != 1 || errs[0].Line != 2 {
		t.Errorf("got %v, want an error on line 2", errorsOf(errs))
	}
	_, errs = decode(t, "f.yaml", "a: @b\n")
	if len(errs) != 1 || errs[0].Line != 1 {
		t.Errorf("got %v, want an error on line 1", errorsOf(errs))
	}
}

func TestDecodeAnchorsAliasesAndMergeKeys(t *testing.T) {
	in := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: &labels
    app: web
    tier: front
spec:
  selector:
    matchLabels: *labels
  template:
    metadata:
      labels:
        <<: *labels
        tier: back
    spec:
      containers:
      - &web
        name: web
        image: web:1
        securityContext: &sc
          runAsNonRoot: true
          readOnlyRootFilesystem: true
      - <<: *web
        name: sidecar
        securityContext:
          <<: [*sc, {runAsNonRoot: false, privileged: true}]
`
	objs := mustDecode(t, in)
	d := objs[0].Typed.(*appsv1.Deployment)
	if got := d.Spec.Selector.MatchLabels; got["app"] != "web" || got["tier"] != "front" {
		t.Errorf("alias: matchLabels %v", got)
	}
	if got := d.Spec.Template.Labels; got["app"] != "web" || got["tier"] != "back" {
		t.Errorf("merge: own key must win: %v", got)
	}
	cs := d.Spec.Template.Spec.Containers
	if len(cs) != 2 || cs[1].Name != "sidecar" || cs[1].Image != "web:1" {
		t.Fatalf("merged container: %+v", cs)
	}
	sc := cs[1].SecurityContext
	// Of a list of merged mappings the earlier wins: runAsNonRoot stays true.
	if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.Privileged == nil || !*sc.Privileged || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("merge list precedence: %+v", sc)
	}
	// A merged field resolves to where it is written: the anchor.
	if p := objs[0].Origin.Position("spec.template.spec.containers[1].image"); p.Line != 20 {
		t.Errorf("merged image position %v, want line 20", p)
	}
	if p := objs[0].Origin.Position("spec.template.spec.containers[1].name"); p.Line != 25 {
		t.Errorf("own name position %v, want line 25", p)
	}
}

func TestDecodeScalars(t *testing.T) {
	in := `apiVersion: v1
kind: Pod
metadata:
  name: p
  labels:
    a: "80"
    b: yes
    c: on
    d: "true"
    e: 2001-12-14
    f: "0x1F"
    g: ~
spec:
  terminationGracePeriodSeconds: 1_000
  activeDeadlineSeconds: 0x1F
  priority: +12
  overhead: {}
  securityContext:
    runAsUser: -0644
  containers:
  - name: c
    image: "1.0"
    ports:
    - containerPort: 0o17
    - containerPort: 8080
  volumes:
  - name: s
    secret:
      secretName: s
      defaultMode: 0644
      optional: true
`
	objs := mustDecode(t, in)
	p := objs[0].Typed.(*corev1.Pod)
	wantLabels := map[string]string{"a": "80", "b": "yes", "c": "on", "d": "true", "e": "2001-12-14", "f": "0x1F", "g": ""}
	for k, v := range wantLabels {
		if p.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, p.Labels[k], v)
		}
	}
	if *p.Spec.TerminationGracePeriodSeconds != 1000 || *p.Spec.ActiveDeadlineSeconds != 31 || *p.Spec.Priority != 12 {
		t.Errorf("ints: %d %d %d", *p.Spec.TerminationGracePeriodSeconds, *p.Spec.ActiveDeadlineSeconds, *p.Spec.Priority)
	}
	if u := *p.Spec.SecurityContext.RunAsUser; u != -0o644 {
		t.Errorf("runAsUser = %d, want -420", u)
	}
	if got := p.Spec.Containers[0].Ports; got[0].ContainerPort != 15 || got[1].ContainerPort != 8080 {
		t.Errorf("ports %v", got)
	}
	if p.Spec.Containers[0].Image != "1.0" {
		t.Errorf("image %q", p.Spec.Containers[0].Image)
	}
	// A leading zero is octal, as kubectl reads it: file modes are written so.
	if m := *p.Spec.Volumes[0].Secret.DefaultMode; m != 0o644 {
		t.Errorf("defaultMode = %o (octal), want 644", m)
	}
	if !*p.Spec.Volumes[0].Secret.Optional {
		t.Errorf("optional")
	}
}

func aliasBomb(levels int) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n")
	b.WriteString(`  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	prev := "a"
	for i := 1; i < levels; i++ {
		n := string(rune('a' + i))
		fmt.Fprintf(&b, "  %s: &%s [%s*%s]\n", n, n, strings.Repeat("*"+prev+",", 8), prev)
		prev = n
	}
	return b.String()
}

func TestDecodeAliasBombIsRejectedQuickly(t *testing.T) {
	start := time.Now()
	objs, errs := decode(t, "bomb.yaml", aliasBomb(9)+"---\n"+configMap("after"))
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("took %v", d)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "document expands to more than") || !strings.Contains(errs[0].Message, "aliasing") {
		t.Fatalf("errors %v", errorsOf(errs))
	}
	if errs[0].File != "bomb.yaml" || errs[0].Line < 6 || errs[0].Line > 14 {
		t.Errorf("error position %s:%d", errs[0].File, errs[0].Line)
	}
	if len(objs) != 1 || objs[0].ID.Name != "after" {
		t.Errorf("objects %v", names(objs))
	}
}

func TestDecodeBigStringAliasBombIsRejected(t *testing.T) {
	in := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  a: &a \"" + strings.Repeat("x", 64<<10) + "\"\n" +
		"  b: [" + strings.Repeat("*a,", 500) + "*a]\n"
	d := Decoder{Limits: Limits{MaxDocumentBytes: 1 << 20}}
	start := time.Now()
	_, errs := d.Decode("big.yaml", []byte(in))
	if time.Since(start) > time.Second {
		t.Errorf("took %v", time.Since(start))
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "expands to more than 4194304 bytes") {
		t.Fatalf("errors %v", errorsOf(errs))
	}
}

func TestDecodeSelfMergingMappingIsAnErrorNotACrash(t *testing.T) {
	for _, in := range []string{
		"apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: a\n  <<: *m\n",
		"apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: a\n  labels: *m\n",
		"apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: a\n  <<: [*m]\n",
	} {
		_, errs := decode(t, "self.yaml", in)
		if len(errs) != 1 || !strings.Contains(errs[0].Message, "nesting deeper than") {
			t.Errorf("%q: %v", in, errorsOf(errs))
		}
	}
}

func TestDecodeDocumentSizeLimit(t *testing.T) {
	d := Decoder{Limits: Limits{MaxDocumentBytes: 200}}
	big := configMap("big") + "data:\n  x: " + strings.Repeat("y", 300) + "\n"
	objs, errs := d.Decode("size.yaml", []byte(configMap("small")+"---\n"+big))
	if len(errs) != 1 || errs[0].Line != 6 || !strings.Contains(errs[0].Message, "over the 200-byte limit") {
		t.Fatalf("errors %v", errorsOf(errs))
	}
	if len(objs) != 1 || objs[0].ID.Name != "small" {
		t.Errorf("objects %v", names(objs))
	}
}

func TestDecodeDepthLimit(t *testing.T) {
	d := Decoder{Limits: Limits{MaxDepth: 10}}
	deep := configMap("deep") + "data:\n  x: " + strings.Repeat("[", 12) + strings.Repeat("]", 12) + "\n"
	_, errs := d.Decode("deep.yaml", []byte(deep))
	if len(errs) != 1 || errs[0].Line != 6 || !strings.Contains(errs[0].Message, "nesting deeper than 10 levels") {
		t.Fatalf("errors %v", errorsOf(errs))
	}
	// Deep block nesting, as written by hand.
	var b strings.Builder
	b.WriteString(configMap("deep") + "x:\n")
	for i := 1; i <= 12; i++ {
		fmt.Fprintf(&b, "%sk:\n", strings.Repeat("  ", i))
	}
	_, errs = d.Decode("deep.yaml", []byte(b.String()))
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "nesting deeper than 10 levels") {
		t.Fatalf("errors %v", errorsOf(errs))
	}
	// yaml.v3's own bound on flow nesting is far above ours, and reports.
	_, errs = (&Decoder{}).Decode("deeper.yaml", []byte("a: "+strings.Repeat("[", 20000)))
	if len(errs) != 1 {
		t.Fatalf("errors %v", errorsOf(errs))
	}
}

func TestDecodeManyDocumentsInParallel(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&b, "---\n%s", configMap(fmt.Sprintf("cm-%03d", i)))
		if i == 100 {
			b.WriteString("---\nkind: Broken\n")
		}
	}
	d := Decoder{Workers: 4}
	objs, errs := d.Decode("many.yaml", []byte(b.String()))
	if len(objs) != 200 || len(errs) != 1 || errs[0].Line != 507 {
		t.Fatalf("got %d objects, errors %v", len(objs), errorsOf(errs))
	}
	for i, o := range objs {
		if want := fmt.Sprintf("cm-%03d", i); o.ID.Name != want {
			t.Fatalf("object %d is %s: order not kept", i, o.ID.Name)
		}
		if want := 5*i + 2; i <= 100 && o.Origin.Doc.Line != want {
			t.Fatalf("object %d starts on line %d, want %d", i, o.Origin.Doc.Line, want)
		}
	}
}

func TestPositions(t *testing.T) {
	in := configMap("first") + `---
# the web tier
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    example.com/owner: team-a
    "quoted.key/x": y
spec:
  template:
    spec:
      containers:
      - name: web
        image: web:1
      - name: sidecar
        image: side:1
        securityContext:
          privileged: true
`
	objs := mustDecode(t, in)
	o := objs[1]
	if o.Origin.Doc.Line != 6 {
		t.Fatalf("document starts on line %d", o.Origin.Doc.Line)
	}
	tests := []struct {
		path      string
		line, col int
	}{
		{"", 7, 1},
		{"metadata.name", 10, 3},
		{`metadata.annotations["example.com/owner"]`, 12, 5},
		{`metadata.annotations['quoted.key/x']`, 13, 5},
		{"spec.template.spec.containers[1]", 20, 9},
		{"spec.template.spec.containers[1].image", 21, 9},
		{"spec.template.spec.containers[1].securityContext.privileged", 23, 11},
		// Missing fields resolve to the nearest existing parent.
		{"spec.template.spec.containers[1].securityContext.runAsNonRoot", 22, 9},
		{"spec.template.spec.containers[0].securityContext.privileged", 18, 9},
		{"spec.template.spec.containers[7].image", 17, 7},
		{"spec.template.spec.hostNetwork", 16, 5},
		{`metadata.annotations["missing"]`, 11, 3},
		{"spec.template.spec.containers[-1]", 17, 7},
		{"metadata.name.oops", 10, 3},
	}
	paths := make([]string, len(tests))
	for i, tt := range tests {
		paths[i] = tt.path
	}
	got := o.Origin.Doc.Positions(paths)
	for i, tt := range tests {
		if got[i].File != "test.yaml" || got[i].Line != tt.line || got[i].Column != tt.col {
			t.Errorf("%s: got %v, want line %d column %d", tt.path, got[i], tt.line, tt.col)
		}
	}
}

func TestPositionsOfListItemsAndSeparatorLines(t *testing.T) {
	in := "--- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n" +
		"---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: b\n"
	objs := mustDecode(t, in)
	if p := objs[0].Origin.Position("metadata.name"); p.Line != 1 || p.Column != 50 {
		t.Errorf("flow document on the separator line: %v, want 1:50", p)
	}
	if p := objs[1].Origin.Position("metadata.name"); p.Line != 9 || p.Column != 5 {
		t.Errorf("list item: %v, want 9:5", p)
	}
	if p := objs[1].Origin.Position(""); p.Line != 6 {
		t.Errorf("list item itself: %v, want line 6", p)
	}
}

func TestPositionsWithCRLF(t *testing.T) {
	in := strings.ReplaceAll(configMap("a")+"---\n"+configMap("b")+"data:\n  k: v\n", "\n", "\r\n")
	objs := mustDecode(t, in)
	if p := objs[1].Origin.Position(`data["k"]`); p.Line != 11 || p.Column != 3 {
		t.Errorf("got %v, want 11:3", p)
	}
}
