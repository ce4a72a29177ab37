package netpol

import (
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// The protocols a NetworkPolicy can name, in PortSet order.
var protocols = [...]corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP}

// protoIndex is the index of a protocol in protocols, or -1.
func protoIndex(p corev1.Protocol) int {
	switch p {
	case corev1.ProtocolTCP:
		return 0
	case corev1.ProtocolUDP:
		return 1
	case corev1.ProtocolSCTP:
		return 2
	}
	return -1
}

// Port numbers run from 1 to maxPort.
const maxPort = 65535

// PortRange is an inclusive range of port numbers.
type PortRange struct{ Lo, Hi int32 }

// PortSet is a set of (protocol, port) pairs: for each of TCP, UDP and SCTP
// a sorted list of disjoint, non-adjacent ranges. The zero value is empty.
type PortSet struct {
	r [len(protocols)][]PortRange
}

// AllPorts is every port of every protocol.
func AllPorts() PortSet {
	var s PortSet
	for i := range s.r {
		s.r[i] = []PortRange{{1, maxPort}}
	}
	return s
}

// ProtocolPorts is every port of one protocol.
func ProtocolPorts(p corev1.Protocol) PortSet {
	return PortRangeSet(p, 1, maxPort)
}

// PortRangeSet is the ports lo..hi of one protocol; empty for an unknown
// protocol or an empty range.
func PortRangeSet(p corev1.Protocol, lo, hi int32) PortSet {
	var s PortSet
	lo, hi = max(lo, 1), min(hi, maxPort)
	if i := protoIndex(p); i >= 0 && lo <= hi {
		s.r[i] = []PortRange{{lo, hi}}
	}
	return s
}

// IsEmpty reports whether the set holds no port.
func (s PortSet) IsEmpty() bool {
	for _, r := range s.r {
		if len(r) > 0 {
			return false
		}
	}
	return true
}

// IsAll reports whether the set holds every port of every protocol.
func (s PortSet) IsAll() bool {
	for _, r := range s.r {
		if len(r) != 1 || r[0] != (PortRange{1, maxPort}) {
			return false
		}
	}
	return true
}

// Has reports whether the set holds the port.
func (s PortSet) Has(p corev1.Protocol, port int32) bool {
	i := protoIndex(p)
	if i < 0 {
		return false
	}
	for _, r := range s.r[i] {
		if port >= r.Lo && port <= r.Hi {
			return true
		}
	}
	return false
}

// Ranges returns the ranges of one protocol.
func (s PortSet) Ranges(p corev1.Protocol) []PortRange {
	if i := protoIndex(p); i >= 0 {
		return s.r[i]
	}
	return nil
}

// Union returns the ports in s or o.
func (s PortSet) Union(o PortSet) PortSet {
	var out PortSet
	for i := range s.r {
		switch {
		case len(o.r[i]) == 0:
			out.r[i] = s.r[i]
		case len(s.r[i]) == 0:
			out.r[i] = o.r[i]
		default:
			out.r[i] = unionRanges(s.r[i], o.r[i])
		}
	}
	return out
}

// Intersect returns the ports in both s and o.
func (s PortSet) Intersect(o PortSet) PortSet {
	var out PortSet
	for i := range s.r {
		if len(s.r[i]) == 0 || len(o.r[i]) == 0 {
			continue
		}
		out.r[i] = intersectRanges(s.r[i], o.r[i])
	}
	return out
}

// Equal reports whether both sets hold the same ports.
func (s PortSet) Equal(o PortSet) bool {
	for i := range s.r {
		if !slices.Equal(s.r[i], o.r[i]) {
			return false
		}
	}
	return true
}

func unionRanges(a, b []PortRange) []PortRange {
	all := make([]PortRange, 0, len(a)+len(b))
	all = append(append(all, a...), b...)
	slices.SortFunc(all, func(x, y PortRange) int { return int(x.Lo - y.Lo) })
	out := all[:1]
	for _, r := range all[1:] {
		last := &out[len(out)-1]
		if r.Lo <= last.Hi+1 {
			last.Hi = max(last.Hi, r.Hi)
			continue
		}
		out = append(out, r)
	}
	return slices.Clip(out)
}

func intersectRanges(a, b []PortRange) []PortRange {
	var out []PortRange
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		lo, hi := max(a[i].Lo, b[j].Lo), min(a[i].Hi, b[j].Hi)
		if lo <= hi {
			out = append(out, PortRange{lo, hi})
		}
		if a[i].Hi < b[j].Hi {
			i++
		} else {
			j++
		}
	}
	return out
}

// String names the ports: "every port", "TCP/5432, TCP/8000-8080, UDP/53",
// "every TCP port", "none".
func (s PortSet) String() string {
	if s.IsAll() {
		return "every port"
	}
	if s.IsEmpty() {
		return "no port"
	}
	return strings.Join(s.List(), ", ")
}

// List names each range: ["TCP/5432", "TCP/8000-8080", "UDP/*"].
func (s PortSet) List() []string {
	var out []string
	for i, rs := range s.r {
		p := string(protocols[i])
		for _, r := range rs {
			switch {
			case r.Lo == 1 && r.Hi == maxPort:
				out = append(out, p+"/*")
			case r.Lo == r.Hi:
				out = append(out, p+"/"+strconv.Itoa(int(r.Lo)))
			default:
				out = append(out, p+"/"+strconv.Itoa(int(r.Lo))+"-"+strconv.Itoa(int(r.Hi)))
			}
		}
	}
	return out
}

// key is a canonical string of the set, for interning.
func (s PortSet) key() string {
	var b strings.Builder
	for i, rs := range s.r {
		b.WriteByte(byte('0' + i))
		for _, r := range rs {
			b.WriteString(strconv.Itoa(int(r.Lo)))
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(int(r.Hi)))
			b.WriteByte(',')
		}
	}
	return b.String()
}

// portID is an interned PortSet.
type portID uint32

// The two port sets every table starts with.
const (
	noPorts  portID = 0
	allPorts portID = 1
)

// portTable interns port sets and memoizes their unions and
// intersections, so the matrix works on small integers. Not safe for
// concurrent use.
type portTable struct {
	sets  []PortSet
	ids   map[string]portID
	union map[uint64]portID
	inter map[uint64]portID
}

func newPortTable() *portTable {
	t := &portTable{ids: map[string]portID{}, union: map[uint64]portID{}, inter: map[uint64]portID{}}
	t.intern(PortSet{})
	t.intern(AllPorts())
	return t
}

func (t *portTable) intern(s PortSet) portID {
	k := s.key()
	if id, ok := t.ids[k]; ok {
		return id
	}
	id := portID(len(t.sets))
	t.sets = append(t.sets, s)
	t.ids[k] = id
	return id
}

func (t *portTable) get(id portID) PortSet { return t.sets[id] }

func pairKey(a, b portID) uint64 {
	if a > b {
		a, b = b, a
	}
	return uint64(a)<<32 | uint64(b)
}

func (t *portTable) unionOf(a, b portID) portID {
	switch {
	case a == b || b == noPorts || a == allPorts:
		return a
	case a == noPorts || b == allPorts:
		return b
	}
	k := pairKey(a, b)
	if id, ok := t.union[k]; ok {
		return id
	}
	id := t.intern(t.sets[a].Union(t.sets[b]))
	t.union[k] = id
	return id
}

func (t *portTable) intersectOf(a, b portID) portID {
	switch {
	case a == b || b == allPorts || a == noPorts:
		return a
	case b == noPorts || a == allPorts:
		return b
	}
	k := pairKey(a, b)
	if id, ok := t.inter[k]; ok {
		return id
	}
	id := t.intern(t.sets[a].Intersect(t.sets[b]))
	t.inter[k] = id
	return id
}
