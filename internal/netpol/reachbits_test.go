package netpol_test

import (
	"testing"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/netpol"
	"github.com/palisade-sec/palisade/internal/source"
	"github.com/palisade-sec/palisade/internal/synth"
)

// TestClassReachBits holds the bits to the cells of the class matrix
// they stand for, on rows and columns in an order of their own.
func TestClassReachBits(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		data, _ := synth.Generate(synth.Options{Objects: 3000, Seed: seed, InsecureRatio: 0.3})
		dec := &source.Decoder{Limits: source.DefaultLimits}
		objs, errs := dec.Decode("cluster.yaml", data)
		if len(errs) > 0 {
			t.Fatal(errs[0].Error())
		}
		e := netpol.New(cluster.NewSnapshot(objs))
		m := e.Matrix(nil)
		// Every class once, rows backwards, columns every other first.
		byClass := map[int]int{}
		for i, p := range m.Pods {
			byClass[p.Class()] = m.ClassOf(i)
		}
		var rows, cols []int
		for c := range byClass {
			rows = append(rows, c)
		}
		for i := range rows {
			if i%2 == 0 {
				cols = append(cols, rows[i])
			}
		}
		for i := len(rows) - 1; i >= 0; i-- {
			if i%2 == 1 {
				cols = append(cols, rows[i])
			}
		}
		rb := e.ClassReachBits(rows, cols)
		set := 0
		for i, r := range rows {
			for j, c := range cols {
				want := !m.ClassPorts(byClass[r], byClass[c]).IsEmpty()
				if got := rb.Has(i, j); got != want {
					t.Fatalf("seed %d: class %d to %d: bit %v, ports %v", seed, r, c, got, m.ClassPorts(byClass[r], byClass[c]))
				}
				if want {
					set++
				}
			}
		}
		if set == 0 || set == len(rows)*len(cols) {
			t.Errorf("seed %d: %d of %d pairs connect: a test of nothing", seed, set, len(rows)*len(cols))
		}
	}
}
