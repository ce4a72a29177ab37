package examples_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/rbac"
	"github.com/palisade-sec/palisade/internal/source"
)

// TestEscalationChains compares, for every scenario with an
// expected-chains.txt, the escalation chains to cluster-admin that
// `palisade rbac paths DIR` prints, step by step, with -update rewriting
// the file.
func TestEscalationChains(t *testing.T) {
	files, _ := filepath.Glob("*/expected-chains.txt")
	if len(files) == 0 {
		t.Fatal("want at least the rbac-escalation scenario's expected-chains.txt")
	}
	for _, path := range files {
		dir := filepath.Dir(path)
		t.Run(dir, func(t *testing.T) {
			loaded := source.Load(source.Options{Paths: []string{dir}})
			for _, e := range loaded.Errors {
				t.Errorf("input error: %v", e.Error())
			}
			var b strings.Builder
			for _, c := range rbac.EscalationOf(cluster.NewSnapshot(loaded.Objects)).Chains() {
				b.WriteString(c.String())
				b.WriteString("\n\n")
			}
			got := b.String()
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("%s: the chains changed; run go test ./examples -update and review the diff.\ngot:\n%s\nwant:\n%s", path, got, want)
			}
		})
	}
}
