package exposure_test

import (
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/checks/checktest"
	_ "github.com/palisade-sec/palisade/internal/checks/exposure"
)

// want is one expected finding: the object it is on ("kind/name"), its
// exact field, and strings its message must contain.
type want struct {
	object string
	field  string
	msg    []string
}

type testCase struct {
	name  string
	yaml  string
	wants []want
}

func run(t *testing.T, id string, cases []testCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, id, checktest.Run(t, id, nil, tc.yaml), tc.wants)
		})
	}
}

// expect asserts that the findings are exactly the wanted ones.
func expect(t *testing.T, id string, got []check.Finding, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		for _, f := range got {
			t.Logf("got %s/%s %s: %s", f.Object.Kind, f.Object.Name, f.Field, f.Message)
		}
		t.Fatalf("%s: %d findings, want %d", id, len(got), len(wants))
	}
next:
	for _, w := range wants {
		for _, f := range got {
			if f.Object.Kind+"/"+f.Object.Name == w.object && f.Field == w.field && containsAll(f.Message, w.msg) {
				if f.CheckID != id {
					t.Errorf("finding has check id %q, want %q", f.CheckID, id)
				}
				continue next
			}
		}
		t.Errorf("%s: no finding on %s at %s with message containing %q; got:", id, w.object, w.field, w.msg)
		for _, f := range got {
			t.Logf("  %s/%s %s: %s", f.Object.Kind, f.Object.Name, f.Field, f.Message)
		}
	}
}

// only returns the single finding, failing otherwise.
func only(t *testing.T, fs []check.Finding) check.Finding {
	t.Helper()
	if len(fs) != 1 {
		t.Fatalf("%d findings, want 1", len(fs))
	}
	return fs[0]
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func assertFix(t *testing.T, got []check.PatchOp, want []check.PatchOp) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("fix = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i].Op != want[i].Op || got[i].Path != want[i].Path || !sameValue(got[i].Value, want[i].Value) {
			t.Errorf("fix[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func sameValue(a, b any) bool {
	am, aok := a.(map[string]string)
	bm, bok := b.(map[string]string)
	if aok || bok {
		if !aok || !bok || len(am) != len(bm) {
			return false
		}
		for k, v := range am {
			if bm[k] != v {
				return false
			}
		}
		return true
	}
	return a == b
}
