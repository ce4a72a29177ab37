// Package checktest runs one check over YAML in a test, through the same
// decoder, Snapshot and engine as `palisade scan`.
package checktest

import (
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
)

// Snapshot decodes multi-document YAML into a Snapshot, failing the test on
// any input error.
func Snapshot(t testing.TB, manifests string) *cluster.Snapshot {
	t.Helper()
	dec := &source.Decoder{Limits: source.DefaultLimits}
	objs, errs := dec.Decode("test.yaml", []byte(manifests))
	for _, e := range errs {
		t.Fatalf("test manifests do not decode: %v", e.Error())
	}
	return cluster.NewSnapshot(objs)
}

// Run runs only the check with this id (which must be registered in
// check.Default()) over the manifests, with the given config (nil for none),
// and returns its findings.
func Run(t testing.TB, id string, cfg *check.Config, manifests string) []check.Finding {
	t.Helper()
	c, ok := check.Default().Get(id)
	if !ok {
		t.Fatalf("check %s is not registered", id)
	}
	reg := check.NewRegistry()
	reg.MustAdd(c)
	res := check.Run(Snapshot(t, manifests), check.Options{Registry: reg, Config: cfg, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	return res.Findings
}
