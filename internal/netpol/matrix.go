package netpol

import (
	"runtime"
	"slices"
	"sync"
)

// ClassMatrix is the reachability between classes of pods: for every
// ordered pair, the ports on which a pod of the first may open connections
// to a pod of the second, as their policies decide (a pod's own node and
// loopback, which depend on placement, are left out; see Allowed). It also
// holds what each class may reach on the internet and what of it the
// internet may reach.
type ClassMatrix struct {
	e     *Engine
	rows  []int // class indices of the rows
	cols  []int // class indices of the columns
	col   map[int]int
	cells []portID // len(rows)*len(cols), row-major
	sets  []PortSet
	// toInternet and fromInternet are by row and by column.
	toInternet, fromInternet []portID
}

// ClassMatrix computes the matrix over every class.
func (e *Engine) ClassMatrix() *ClassMatrix {
	all := make([]int, len(e.classes))
	for i := range all {
		all[i] = i
	}
	return e.classMatrix(all, all)
}

// Size is the number of cells.
func (m *ClassMatrix) Size() int { return len(m.cells) }

// DistinctPortSets is how many different port sets the cells hold.
func (m *ClassMatrix) DistinctPortSets() int { return len(m.sets) }

// Reachable counts the cells with at least one port.
func (m *ClassMatrix) Reachable() int {
	n := 0
	for _, c := range m.cells {
		if c != noPorts {
			n++
		}
	}
	return n
}

// cell returns the ports from row class i to column class j.
func (m *ClassMatrix) cell(i, j int) PortSet {
	return m.sets[m.cells[i*len(m.cols)+j]]
}

// ruleState is what the matrix precomputes per rule.
type ruleState struct {
	fixed    portID   // ports when no named port resolves
	named    []portID // by port signature for rules with named ports; 0 = not yet
	internet bool     // the rule admits some internet address
}

// classMatrix computes the cells rows x cols. Rows are split among workers;
// each interns its port sets in its own table, merged at the end.
func (e *Engine) classMatrix(rows, cols []int) *ClassMatrix {
	m := &ClassMatrix{e: e, rows: rows, cols: cols, col: make(map[int]int, len(cols)),
		cells: make([]portID, len(rows)*len(cols)), toInternet: make([]portID, len(rows)), fromInternet: make([]portID, len(cols))}
	for j, c := range cols {
		m.col[c] = j
	}
	workers := min(runtime.GOMAXPROCS(0), max(1, len(rows)/64))
	tables := make([]*portTable, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := newPortTable()
			tables[w] = t
			mw := &matrixWorker{e: e, t: t, rules: make([]ruleState, len(e.rules))}
			mw.prepare(cols)
			for i := w; i < len(rows); i += workers {
				mw.row(m, i)
			}
			if w == 0 {
				for j := range cols {
					m.fromInternet[j] = mw.fromInternet(e.classes[cols[j]], j)
				}
			}
		}()
	}
	wg.Wait()
	// Merge the tables: worker 0's ids stay, the others are remapped.
	global := tables[0]
	for w := 1; w < workers; w++ {
		remap := make([]portID, len(tables[w].sets))
		for id, s := range tables[w].sets {
			remap[id] = global.intern(s)
		}
		for i := w; i < len(rows); i += workers {
			row := m.cells[i*len(cols) : (i+1)*len(cols)]
			for j, id := range row {
				row[j] = remap[id]
			}
			m.toInternet[i] = remap[m.toInternet[i]]
		}
	}
	m.sets = global.sets
	return m
}

type matrixWorker struct {
	e     *Engine
	t     *portTable
	rules []ruleState
	// inPorts are, by column, the ports of each ingress rule of the
	// column's class at that class.
	inPorts [][]portID
}

func (w *matrixWorker) prepare(cols []int) {
	for _, r := range w.e.rules {
		st := &w.rules[r.id]
		st.fixed = w.t.intern(r.fixed)
		if r.named {
			st.named = make([]portID, w.e.portSigs)
		}
		st.internet = r.AllPeers
		for _, p := range r.Peers {
			st.internet = st.internet || (p.Kind == PeerIPBlock && p.Block.admitsInternet())
		}
	}
	w.inPorts = make([][]portID, len(cols))
	for j, ci := range cols {
		c := w.e.classes[ci]
		ids := make([]portID, len(c.rules[Ingress]))
		for k, r := range c.rules[Ingress] {
			ids[k] = w.portsAt(r, c)
		}
		w.inPorts[j] = ids
	}
}

// portsAt is the interned ports of a rule at a destination class.
func (w *matrixWorker) portsAt(r *Rule, dst *class) portID {
	st := &w.rules[r.id]
	if !r.named || dst.host {
		return st.fixed
	}
	if id := st.named[dst.portSig]; id != 0 {
		return id - 1
	}
	id := w.t.intern(r.portsAt(dst.named))
	st.named[dst.portSig] = id + 1
	return id
}

func (w *matrixWorker) row(m *ClassMatrix, i int) {
	e, t := w.e, w.t
	src := e.classes[m.rows[i]]
	si := src.index
	out := m.cells[i*len(m.cols) : (i+1)*len(m.cols)]
	egRules := src.rules[Egress]
	egIso := src.isolated(Egress)
	for j, di := range m.cols {
		dst := e.classes[di]
		eg := allPorts
		if egIso {
			eg = noPorts
			for _, r := range egRules {
				if e.ruleSets[r.id].has(di) {
					eg = t.unionOf(eg, w.portsAt(r, dst))
				}
			}
			if eg == noPorts {
				out[j] = noPorts
				continue
			}
		}
		in := allPorts
		if dst.isolated(Ingress) {
			in = noPorts
			for k, r := range dst.rules[Ingress] {
				if e.ruleSets[r.id].has(si) {
					in = t.unionOf(in, w.inPorts[j][k])
				}
			}
		}
		out[j] = t.intersectOf(eg, in)
	}
	m.toInternet[i] = w.toInternet(src)
}

func (w *matrixWorker) toInternet(src *class) portID {
	if !src.isolated(Egress) {
		return allPorts
	}
	id := noPorts
	for _, r := range src.rules[Egress] {
		if w.rules[r.id].internet {
			id = w.t.unionOf(id, w.rules[r.id].fixed)
		}
	}
	return id
}

func (w *matrixWorker) fromInternet(dst *class, j int) portID {
	if !dst.isolated(Ingress) {
		return allPorts
	}
	id := noPorts
	for k, r := range dst.rules[Ingress] {
		if w.rules[r.id].internet {
			id = w.t.unionOf(id, w.inPorts[j][k])
		}
	}
	return id
}

// Matrix is the reachability between workloads: the class matrix laid out
// by pod, with a pod's connections to itself allowed.
type Matrix struct {
	// Pods are the rows and columns, sorted by namespace and name.
	Pods []*Pod
	cm   *ClassMatrix
	row  []int // by pod, its row in cm
	col  []int // by pod, its column in cm
}

// Matrix computes who reaches whom among the pods that include accepts
// (nil for every pod).
func (e *Engine) Matrix(include func(*Pod) bool) *Matrix {
	m := &Matrix{}
	for _, p := range e.pods {
		if include == nil || include(p) {
			m.Pods = append(m.Pods, p)
		}
	}
	sortPods(m.Pods)
	idx := map[int]int{}
	var classes []int
	for _, p := range m.Pods {
		if _, ok := idx[p.class.index]; !ok {
			idx[p.class.index] = len(classes)
			classes = append(classes, p.class.index)
		}
		m.row = append(m.row, idx[p.class.index])
	}
	m.col = m.row
	m.cm = e.classMatrix(classes, classes)
	return m
}

// MatrixFrom computes who reaches whom from the pods from accepts (the
// rows) to the pods to accepts (the columns): a rectangle of the class
// matrix, for callers that need a few sources against many destinations
// (attack paths: exposed workloads against the rest). A pod's row is
// ClassOf(i) and its column ColumnOf(i); either is -1 when the pod is not
// a row or not a column. Ports and FromInternet/ToInternet need a pod
// that is both.
func (e *Engine) MatrixFrom(from, to func(*Pod) bool) *Matrix {
	m := &Matrix{}
	rowIdx, colIdx := map[int]int{}, map[int]int{}
	var rows, cols []int
	for _, p := range e.pods {
		if from(p) || to(p) {
			m.Pods = append(m.Pods, p)
		}
	}
	sortPods(m.Pods)
	for _, p := range m.Pods {
		r, c := -1, -1
		if from(p) {
			if _, ok := rowIdx[p.class.index]; !ok {
				rowIdx[p.class.index] = len(rows)
				rows = append(rows, p.class.index)
			}
			r = rowIdx[p.class.index]
		}
		if to(p) {
			if _, ok := colIdx[p.class.index]; !ok {
				colIdx[p.class.index] = len(cols)
				cols = append(cols, p.class.index)
			}
			c = colIdx[p.class.index]
		}
		m.row = append(m.row, r)
		m.col = append(m.col, c)
	}
	m.cm = e.classMatrix(rows, cols)
	return m
}

// ColumnOf is the column of Pods[i] in a matrix: the same as ClassOf for a
// square Matrix, the destination class for MatrixFrom.
func (m *Matrix) ColumnOf(i int) int { return m.col[i] }

// Classes is the number of distinct classes among the pods.
func (m *Matrix) Classes() int { return len(m.cm.rows) }

// ClassOf is the class of Pods[i], numbered 0 to Classes()-1.
func (m *Matrix) ClassOf(i int) int { return m.row[i] }

// ClassPorts are the ports on which pods of class (row) a may open
// connections to pods of class (column) b.
func (m *Matrix) ClassPorts(a, b int) PortSet { return m.cm.cell(a, b) }

// ClassToInternet and ClassFromInternet are ToInternet and FromInternet
// by class.
func (m *Matrix) ClassToInternet(a int) PortSet { return m.cm.sets[m.cm.toInternet[a]] }

// ClassFromInternet is FromInternet by class.
func (m *Matrix) ClassFromInternet(a int) PortSet { return m.cm.sets[m.cm.fromInternet[a]] }

// Ports are the ports on which Pods[i] may open connections to Pods[j].
func (m *Matrix) Ports(i, j int) PortSet {
	if i == j && m.Pods[i].IsPod() {
		return AllPorts()
	}
	return m.cm.cell(m.row[i], m.col[j])
}

// ToInternet are the ports on which Pods[i] may connect to some internet
// address.
func (m *Matrix) ToInternet(i int) PortSet { return m.ClassToInternet(m.row[i]) }

// FromInternet are the ports on which some internet address may connect to
// Pods[j] (if a path from outside leads there; see Exposure).
func (m *Matrix) FromInternet(j int) PortSet { return m.ClassFromInternet(m.col[j]) }

func sortPods(ps []*Pod) {
	slices.SortStableFunc(ps, comparePods)
}
