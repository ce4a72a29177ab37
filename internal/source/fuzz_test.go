package source

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fuzzLimits are smaller than the defaults so each input stays cheap.
var fuzzLimits = Limits{MaxDocumentBytes: 64 << 10, MaxDepth: 32, MaxNodes: 20000, MaxExpandedBytes: 256 << 10}

// FuzzDecode checks that Decode never panics or hangs on any input, and
// that what it returns is well formed: objects with a kind, an apiVersion
// and a document inside the input; errors naming the file and a line in it.
// Seeds are the manifests under testdata and the cases below; crashers go
// to testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	_ = filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && isManifestName(p) && !strings.Contains(p, "testdata/fuzz") {
			if data, err := readFileLimited(p); err == nil {
				f.Add(data)
			}
		}
		return nil
	})
	for _, s := range []string{
		configMap("a") + "---\n" + configMap("b"),
		strings.ReplaceAll(configMap("a")+"---\n"+configMap("b"), "\n", "\r\n"),
		strings.ReplaceAll(configMap("a")+"---\n"+configMap("b"), "\n", "\r"),
		"--- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n...\n",
		"%YAML 1.1\n---\n" + configMap("a"),
		"apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: p}\n",
		"apiVersion: v1\nkind: Pod\nmetadata: &m {name: a, labels: {x: y}}\nspec:\n  <<: [*m, {hostNetwork: true}]\n",
		"apiVersion: v1\nkind: ConfigMap\nmetadata: &m\n  name: a\n  <<: *m\n",
		"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: three\n",
		"apiVersion: v1\nkind: Pod\nspec:\n  securityContext: {runAsUser: 0x1F, fsGroup: 0644}\n",
		aliasBomb(4),
		`{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"k": "dg=="}}`,
		"apiVersion: v1\nkind: ConfigMap\ndata:\n  a: *nope\n",
		"a: [\n",
		"\ufeffapiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bom\n",
	} {
		f.Add([]byte(s))
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		d := Decoder{Limits: fuzzLimits, Workers: 2}
		start := time.Now()
		objs, errs := d.Decode("fuzz.yaml", data)
		if took := time.Since(start); took > 3*time.Second {
			t.Fatalf("Decode took %v on %d bytes", took, len(data))
		}
		maxLine := lineOf(data, len(data)) + bytes.Count(data, []byte("\u2028")) +
			bytes.Count(data, []byte("\u2029")) + bytes.Count(data, []byte("\u0085"))
		for _, o := range objs {
			if o.ID.Kind == "" || o.ID.APIVersion == "" {
				t.Fatalf("object without kind or apiVersion: %+v", o.ID)
			}
			if o.Typed == nil || o.Meta == nil {
				t.Fatalf("object %v without its decoded value", o.ID)
			}
			doc := o.Origin.Doc
			if doc == nil || o.Origin.File != "fuzz.yaml" || doc.File != "fuzz.yaml" {
				t.Fatalf("object %v without its document: %+v", o.ID, o.Origin)
			}
			if doc.Line < 1 || doc.Line > maxLine || len(doc.Bytes) > fuzzLimits.MaxDocumentBytes || !bytes.Contains(data, doc.Bytes) {
				t.Fatalf("object %v: document at line %d of %d bytes is not in the input", o.ID, doc.Line, len(doc.Bytes))
			}
			for _, p := range doc.Positions([]string{"", "metadata.name", `metadata.annotations["a.b/c"]`, "spec.containers[0].image", "items[-1]", "spec[\"x"}) {
				if p.File != "fuzz.yaml" || p.Line < doc.Line || p.Line > maxLine {
					t.Fatalf("object %v: position %v outside its document (line %d)", o.ID, p, doc.Line)
				}
			}
		}
		for _, e := range errs {
			if e.File != "fuzz.yaml" || e.Line < 0 || e.Line > maxLine || e.Message == "" {
				t.Fatalf("bad error %+v (input has %d lines)", e, maxLine)
			}
		}
	})
}

func readFileLimited(p string) ([]byte, error) {
	data, err := os.ReadFile(p)
	if err != nil || len(data) > 64<<10 {
		return nil, fs.ErrInvalid
	}
	return data, nil
}
