package cluster

import (
	"sync"
	"sync/atomic"
	"testing"
)

type testModelKey struct{}

func TestDerivedBuildsOncePerKey(t *testing.T) {
	s := NewSnapshot(nil)
	var builds atomic.Int32
	build := func(*Snapshot) any { builds.Add(1); return new(int) }
	var wg sync.WaitGroup
	got := make([]any, 16)
	for i := range got {
		wg.Add(1)
		go func() { defer wg.Done(); got[i] = s.Derived(testModelKey{}, build) }()
	}
	wg.Wait()
	if n := builds.Load(); n != 1 {
		t.Fatalf("built %d times, want once", n)
	}
	for i := range got {
		if got[i] != got[0] {
			t.Fatalf("caller %d got a different model", i)
		}
	}
	type otherKey struct{}
	if s.Derived(otherKey{}, build) == got[0] {
		t.Fatal("another key returned the same model")
	}
	if other := NewSnapshot(nil); other.Derived(testModelKey{}, build) == got[0] {
		t.Fatal("another snapshot returned the same model")
	}
}
