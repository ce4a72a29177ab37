package netpol

import (
	"runtime"
	"sync"
)

// ReachBits is one bit per pair of classes of the class matrix: whether a
// pod of the row class may open connections to a pod of the column class
// on some port (the cell's ports are not empty). It is what a caller that
// only asks "can it connect?" of many pairs needs, at a bit a pair
// instead of a port set.
//
// The bits are laid out column by column: column j is
// Bits[j*Words : (j+1)*Words], and row i is bit i%64 of its word i/64.
type ReachBits struct {
	Bits  []uint64
	Words int
}

// Has reports whether row i may connect to column j.
func (r *ReachBits) Has(i, j int) bool {
	return r.Bits[j*r.Words+i>>6]&(1<<(uint(i)&63)) != 0
}

// ClassReachBits computes the bits of the class matrix rows × cols (class
// indexes, as Pod.Class returns them): the same cells as MatrixFrom, with
// ClassPorts(i, j) not empty, without holding a port set per cell. Rows
// are computed one at a time and split among workers by blocks of 64, so
// memory stays at the bits and a row of cells per worker.
func (e *Engine) ClassReachBits(rows, cols []int) *ReachBits {
	words := (len(rows) + 63) / 64
	out := &ReachBits{Bits: make([]uint64, words*len(cols)), Words: words}
	if len(rows) == 0 || len(cols) == 0 {
		return out
	}
	workers := min(runtime.GOMAXPROCS(0), words)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := newPortTable()
			mw := &matrixWorker{e: e, t: t, rules: make([]ruleState, len(e.rules))}
			mw.prepare(cols)
			// A one-row matrix the worker's rows are computed into in
			// turn, with the code of the full matrix.
			m := &ClassMatrix{e: e, rows: make([]int, 1), cols: cols, cells: make([]portID, len(cols)), toInternet: make([]portID, 1)}
			// nonEmpty says, by port id, whether the set holds a port;
			// extended as the table grows.
			var nonEmpty []bool
			for wi := w; wi < words; wi += workers {
				for i := wi * 64; i < min(len(rows), (wi+1)*64); i++ {
					m.rows[0] = rows[i]
					mw.row(m, 0)
					for len(nonEmpty) < len(t.sets) {
						nonEmpty = append(nonEmpty, !t.sets[len(nonEmpty)].IsEmpty())
					}
					bit := uint64(1) << (uint(i) & 63)
					col := out.Bits[wi:]
					for j, id := range m.cells {
						if nonEmpty[id] {
							col[j*words] |= bit
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	return out
}
