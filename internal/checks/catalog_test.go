package checks_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/checks"
)

func TestChecksDocIsCurrent(t *testing.T) {
	got, err := os.ReadFile("../../docs/checks.md")
	if err != nil {
		t.Fatalf("docs/checks.md: %v (generate it with: go run ./hack/gendocs)", err)
	}
	if want := checks.CatalogMarkdown(check.Default()); !bytes.Equal(got, want) {
		t.Fatal("docs/checks.md is stale: run go run ./hack/gendocs and commit the result")
	}
}

// TestEveryCheckIsPlacedOnTheMap asserts what DESIGN.md promises of every
// check: a vector, a strategy, a framework reference and a remediation.
func TestEveryCheckIsPlacedOnTheMap(t *testing.T) {
	all := check.Default().All()
	if len(all) == 0 {
		t.Fatal("no checks registered")
	}
	for _, c := range all {
		if err := c.Validate(); err != nil {
			t.Error(err)
		}
		r := c.References
		if len(r.CIS)+len(r.NSA)+len(r.MITRE) == 0 && r.PSS == "" {
			t.Errorf("%s names no framework reference", c.ID)
		}
	}
}
