package check

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// TestSortFindingsInHalvesEqualsOneSort: the parallel two-halves sort and
// merge gives exactly the order of one sequential sort.
func TestSortFindingsInHalvesEqualsOneSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	fs := make([]Finding, 20000)
	for i := range fs {
		fs[i] = Finding{
			Severity: Severity(r.IntN(5)),
			CheckID:  fmt.Sprintf("area/check-%d", r.IntN(40)),
			Object:   cluster.ObjectID{Kind: "Pod", Namespace: fmt.Sprintf("ns%d", r.IntN(20)), Name: fmt.Sprintf("p%d", r.IntN(500))},
			Field:    fmt.Sprintf("spec.containers[%d]", r.IntN(3)),
		}
	}
	want := slices.Clone(fs)
	slices.SortStableFunc(want, compareFindings)
	sortFindings(fs)
	for i := range fs {
		if compareFindings(fs[i], want[i]) != 0 {
			t.Fatalf("position %d: got %+v, want %+v", i, fs[i], want[i])
		}
	}
}
