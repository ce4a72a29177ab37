package admission

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
	"github.com/palisade-sec/palisade/internal/synth"
)

// corpus returns objects from the upstream Pod Security Admission
// fixtures, the example clusters and a generated cluster, decoded by
// scan's decoder.
func corpus(t *testing.T) []*cluster.Object {
	t.Helper()
	var paths []string
	if out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "k8s.io/pod-security-admission").Output(); err == nil {
		dir := filepath.Join(strings.TrimSpace(string(out)), "test", "testdata")
		for _, level := range []string{"baseline", "restricted"} {
			for _, v := range []string{"pass", "fail"} {
				files, _ := filepath.Glob(filepath.Join(dir, level, "v1.3*", v, "*.yaml"))
				paths = append(paths, files...)
			}
		}
	}
	examples, _ := filepath.Glob("../../examples/*/*.yaml")
	for _, p := range examples {
		if !strings.HasPrefix(filepath.Base(p), ".") {
			paths = append(paths, p)
		}
	}
	res := source.Load(source.Options{Paths: paths})
	if len(res.Errors) > 0 {
		t.Fatalf("corpus: %v", res.Errors[0].Error())
	}
	data, _ := synth.Generate(synth.Options{Objects: 600, Seed: 7, InsecureRatio: 0.5})
	objs, errs := (&source.Decoder{}).Decode("synthetic.yaml", data)
	if len(errs) > 0 {
		t.Fatal(errs[0].Error())
	}
	all := append(res.Objects, objs...)
	if len(all) < 500 {
		t.Fatalf("corpus of %d objects only", len(all))
	}
	return all
}

// TestDecodeJSONMatchesScan sends every corpus object, as JSON, through
// the admission decoder and scan's decoder: both must give the same typed
// object, and the checks the same findings.
func TestDecodeJSONMatchesScan(t *testing.T) {
	eval := NewEvaluator(EvaluatorOptions{Now: func() time.Time { return testNow }})
	scanDec := &source.Decoder{}
	kinds := map[string]int{}
	for _, o := range corpus(t) {
		raw, err := json.Marshal(o.Typed)
		if err != nil {
			t.Fatal(err)
		}
		gvk := o.Typed.GetObjectKind().GroupVersionKind()
		fast, err := decodeJSON(raw, source.Limits{}.WithDefaults(), &gvk)
		if err != nil {
			t.Errorf("%s: the JSON fast path refused it: %v", o.ID, err)
			continue
		}
		slow, errs := scanDec.Decode("x.json", raw)
		if len(errs) > 0 || len(slow) != 1 {
			t.Fatalf("%s: scan's decoder: %v", o.ID, errs)
		}
		if fast.ID != slow[0].ID {
			t.Errorf("id %v, scan %v", fast.ID, slow[0].ID)
		}
		if !equality.Semantic.DeepEqual(fast.Typed, slow[0].Typed) || reflect.TypeOf(fast.Typed) != reflect.TypeOf(slow[0].Typed) {
			t.Errorf("%s: typed objects differ", o.ID)
			continue
		}
		if a, b := findingKeys(eval.Judge(fast)), findingKeys(eval.Judge(slow[0])); !reflect.DeepEqual(a, b) {
			t.Errorf("%s: findings differ:\nfast %v\nscan %v", o.ID, a, b)
		}
		kinds[o.ID.Kind]++
	}
	t.Logf("objects by kind: %v", kinds)
}

func findingKeys(j *Judgement) []string {
	var out []string
	for i := range j.Findings {
		out = append(out, findingKey(&j.Findings[i]))
	}
	return out
}

// TestDecodeLimits: what scan's decoder refuses for size, depth or node
// count, the admission decoder refuses too, with scan's message.
func TestDecodeLimits(t *testing.T) {
	limits := source.Limits{MaxDocumentBytes: 4096, MaxDepth: 8, MaxNodes: 100}
	eval := NewEvaluator(EvaluatorOptions{Limits: limits})
	nest := func(n int) string {
		return `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","annotations":{"a":"` +
			`"}},"x":` + strings.Repeat(`[`, n) + strings.Repeat(`]`, n) + `}`
	}
	values := func(n int) string {
		return `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"x":[` + strings.TrimSuffix(strings.Repeat("1,", n), ",") + `]}`
	}
	tests := []struct {
		name string
		raw  string
		ok   bool
	}{
		{"depth at the limit", nest(8), true},
		{"depth over the limit", nest(9), false},
		{"values at the limit", values(94), true},
		{"values over the limit", values(95), false},
		{"size over the limit", `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"` + strings.Repeat("x", 4096) + `"}}`, false},
		{"no kind", `{"apiVersion":"v1","metadata":{"name":"c"}}`, false},
		{"not an object", `["apiVersion","v1"]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, scanErrs := (&source.Decoder{Limits: limits}).Decode("x.json", []byte(tt.raw))
			_, err := eval.Decode([]byte(tt.raw), "")
			if (err == nil) != tt.ok || (len(scanErrs) == 0) != tt.ok {
				t.Fatalf("admission err %v, scan errs %v; want ok=%v", err, scanErrs, tt.ok)
			}
			if err != nil && !strings.Contains(err.Error(), scanErrs[0].Message) {
				t.Errorf("admission says %q, scan %q", err, scanErrs[0].Message)
			}
		})
	}
}

// FuzzDecodeMatchesScan: whatever JSON the admission decoder accepts,
// scan's decoder accepts as the same object.
//
//	go test -run '^$' -fuzz FuzzDecodeMatchesScan ./internal/admission/
func FuzzDecodeMatchesScan(f *testing.F) {
	for _, s := range []string{privilegedPod, restrictedPod, latestDeployment, adminBinding, typicalDeployment(f)} {
		js, err := jsonOf(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(js)
	}
	f.Add([]byte(`{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"n":1,"f":1.5,"s":"x"}}`))
	limits := source.Limits{MaxNodes: 2000, MaxDepth: 16}.WithDefaults()
	f.Fuzz(func(t *testing.T, raw []byte) {
		fast, err := decodeJSON(raw, limits, nil)
		if err != nil {
			return
		}
		// With the kind as a hint, the same object or none.
		if gvk := fast.Typed.GetObjectKind().GroupVersionKind(); !gvk.Empty() {
			hinted, err := decodeJSON(raw, limits, &gvk)
			if err != nil || !equality.Semantic.DeepEqual(hinted.Typed, fast.Typed) || hinted.ID != fast.ID {
				t.Fatalf("with the hint %v: %v", gvk, err)
			}
		}
		slow, errs := (&source.Decoder{Limits: limits}).Decode("x.json", raw)
		if len(errs) > 0 {
			if dupKey(errs[0].Message) {
				return // JSON allows repeated keys (the last wins); YAML does not. The API server never sends them.
			}
			t.Fatalf("the fast path accepted what scan refuses (%s): %q", errs[0].Message, raw)
		}
		if len(slow) != 1 || fast.ID != slow[0].ID || !equality.Semantic.DeepEqual(fast.Typed, slow[0].Typed) {
			t.Fatalf("objects differ for %q:\nfast %#v\nscan %#v", raw, fast.Typed, slow)
		}
	})
}

func dupKey(msg string) bool { return strings.Contains(msg, "already defined") }

func jsonOf(yamlText string) ([]byte, error) {
	objs, errs := (&source.Decoder{}).Decode("x.yaml", []byte(yamlText))
	if len(errs) > 0 {
		return nil, &errs[0]
	}
	return json.Marshal(objs[0].Typed)
}
