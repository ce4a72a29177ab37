package rbac_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/rbac"
)

func holdersString(hs []rbac.Holder) string {
	var b strings.Builder
	for _, h := range hs {
		fmt.Fprintf(&b, "%s:%s/%s", h.Subject.Kind, h.Subject.Namespace, h.Subject.Name)
		for _, g := range h.Grants {
			fmt.Fprintf(&b, " %s", g)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestIndexMatchesScan checks the indexed answers against plain scans of
// every binding, and WhoCan against Allowed, on generated clusters.
func TestIndexMatchesScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	const nRoles, nBindings = 900, 900
	m := rbac.Build(cluster.NewSnapshot(genCluster(rng, nRoles, nBindings)))
	nNS := nRoles / 30
	allowed, whoCan := 0, 0
	for range 4000 {
		r := genRequest(rng, nNS)
		s := genSubject(rng, nNS)
		g, ok := m.Allowed(s, r)
		sg, sok := rbac.AllowedScan(m, s, r)
		if ok != sok || g.String() != sg.String() {
			t.Fatalf("Allowed(%s, %+v): index %v %s, scan %v %s", s, r, ok, g, sok, sg)
		}
		if ok {
			allowed++
		}
		hs := m.WhoCan(r)
		if got, want := holdersString(hs), holdersString(rbac.WhoCanScan(m, r)); got != want {
			t.Fatalf("WhoCan(%+v):\nindex\n%s\nscan\n%s", r, got, want)
		}
		holds := false
		for _, h := range hs {
			whoCan++
			hs, ok := rbac.SubjectOf(h.Subject)
			if !ok {
				t.Fatalf("holder %+v is nobody", h.Subject)
			}
			if _, ok := m.Allowed(hs, r); !ok {
				t.Fatalf("WhoCan(%+v) lists %+v, which is not allowed", r, h.Subject)
			}
			if h.Includes(s) {
				holds = true
			}
		}
		if holds != ok {
			t.Fatalf("Allowed(%s, %+v) = %v but WhoCan's holders say %v:\n%s", s, r, ok, holds, holdersString(hs))
		}
	}
	if allowed < 100 || whoCan < 1000 {
		t.Errorf("the generated requests hit too little: %d allowed, %d holders", allowed, whoCan)
	}
}

func benchModel(b *testing.B, nRoles, nBindings int) (*rbac.Model, []rbac.Request) {
	rng := rand.New(rand.NewPCG(1, 2))
	m := rbac.Build(cluster.NewSnapshot(genCluster(rng, nRoles, nBindings)))
	reqs := make([]rbac.Request, 256)
	for i := range reqs {
		reqs[i] = genRequest(rng, nRoles/30)
	}
	return m, reqs
}

func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("roles=%d,bindings=%d", n, n), func(b *testing.B) {
			snap := cluster.NewSnapshot(genCluster(rand.New(rand.NewPCG(1, 2)), n, n))
			b.ReportAllocs()
			for b.Loop() {
				rbac.Build(snap)
			}
		})
	}
}

func BenchmarkWhoCan(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("roles=%d,bindings=%d", n, n), func(b *testing.B) {
			m, reqs := benchModel(b, n, n)
			holders := 0
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				holders += len(m.WhoCan(reqs[i%len(reqs)]))
				i++
			}
			b.ReportMetric(float64(holders)/float64(i), "holders/op")
		})
	}
}

// BenchmarkWhoCanScan is WhoCan without the index, for comparison.
func BenchmarkWhoCanScan(b *testing.B) {
	m, reqs := benchModel(b, 10000, 10000)
	i := 0
	for b.Loop() {
		rbac.WhoCanScan(m, reqs[i%len(reqs)])
		i++
	}
}

func BenchmarkAllowed(b *testing.B) {
	m, reqs := benchModel(b, 10000, 10000)
	rng := rand.New(rand.NewPCG(3, 4))
	subjects := make([]rbac.Subject, 256)
	for i := range subjects {
		subjects[i] = genSubject(rng, 10000/30)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m.Allowed(subjects[i%len(subjects)], reqs[(i/7)%len(reqs)])
		i++
	}
}

// TestWhoCanThroughRoleBindings checks that WhoCan at cluster scope plus
// WhoCanThroughRoleBindings in a namespace names exactly the holders of
// WhoCan in that namespace.
func TestWhoCanThroughRoleBindings(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	const nRoles, nBindings = 600, 600
	m := rbac.Build(cluster.NewSnapshot(genCluster(rng, nRoles, nBindings)))
	nNS := nRoles / 30
	compared := 0
	for range 2000 {
		r := genRequest(rng, nNS)
		if r.Namespace == "" || r.Path != "" {
			continue
		}
		key := func(h rbac.Holder) string { return h.Subject.Kind + "/" + h.Subject.Namespace + "/" + h.Subject.Name }
		want := map[string]bool{}
		for _, h := range m.WhoCan(r) {
			want[key(h)] = true
		}
		got := map[string]bool{}
		clusterScope := r
		clusterScope.Namespace = ""
		for _, h := range append(m.WhoCan(clusterScope), m.WhoCanThroughRoleBindings(r)...) {
			got[key(h)] = true
		}
		if len(got) != len(want) {
			t.Fatalf("%+v: cluster scope + RoleBindings name %d holders, WhoCan %d", r, len(got), len(want))
		}
		for k := range want {
			if !got[k] {
				t.Fatalf("%+v: %s is missing", r, k)
			}
		}
		compared++
	}
	if compared < 500 {
		t.Fatalf("only %d namespaced requests drawn", compared)
	}
}
