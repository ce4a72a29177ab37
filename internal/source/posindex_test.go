package source_test

import (
	"testing"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
	"github.com/palisade-sec/palisade/internal/synth"
)

// TestPositionIndexAgreesWithParsing checks that positions answered from
// the decoder's index equal those found by parsing the document again,
// over a generated cluster of every kind.
func TestPositionIndexAgreesWithParsing(t *testing.T) {
	data, _ := synth.Generate(synth.Options{Objects: 600, Seed: 7, InsecureRatio: 0.5})
	byLine := map[int]*cluster.Document{}
	for _, d := range source.SplitDocuments("gen.yaml", data) {
		byLine[d.Line] = d
	}
	objs, errs := (&source.Decoder{}).Decode("gen.yaml", data)
	if len(errs) > 0 {
		t.Fatal(errs[0].Error())
	}
	paths := []string{
		"", "metadata", "metadata.name", `metadata.labels["app"]`, "spec.template.spec.containers[0].image",
		"spec.template.spec.containers[1].securityContext.privileged", "spec.template.spec.volumes[0].hostPath.path",
		"spec.ports[0].nodePort", "spec.containers[0].env[1].value", "spec.jobTemplate.spec.template.spec.containers[0]",
		"data", "spec.rules[0].http.paths[0]", "spec.no.such.field", "spec.template.spec.containers[9]",
	}
	compared := 0
	for _, o := range objs {
		doc := o.Origin.Doc
		if doc.Index == nil {
			t.Fatalf("%s: decoder left no position index", o.ID)
		}
		reparsed := &cluster.Document{File: doc.File, Line: doc.Line, Bytes: byLine[doc.Line].Bytes}
		want := reparsed.Positions(paths)
		for i, got := range doc.Positions(paths) {
			if got != want[i] {
				t.Errorf("%s %q: index says %v, parsing says %v", o.ID, paths[i], got, want[i])
			}
			compared++
		}
	}
	if compared < 600*len(paths) {
		t.Fatalf("compared %d positions", compared)
	}
}
