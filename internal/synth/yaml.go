package synth

import (
	"encoding/base64"
	"fmt"
	"strconv"
)

// Small helpers that write indented YAML lines straight to the buffer.

const spaces = "                                                                "

// l writes one line indented by n spaces.
func (g *gen) l(n int, s string) {
	g.w.WriteString(spaces[:n])
	g.w.WriteString(s)
	g.w.WriteByte('\n')
}

// kv writes "key: value" indented by n spaces; value is written as is.
func (g *gen) kv(n int, key, value string) {
	g.w.WriteString(spaces[:n])
	g.w.WriteString(key)
	g.w.WriteString(": ")
	g.w.WriteString(value)
	g.w.WriteByte('\n')
}

// kq writes `key: "value"`; value must not need escaping.
func (g *gen) kq(n int, key, value string) {
	g.w.WriteString(spaces[:n])
	g.w.WriteString(key)
	g.w.WriteString(`: "`)
	g.w.WriteString(value)
	g.w.WriteString("\"\n")
}

// f writes a formatted line indented by n spaces.
func (g *gen) f(n int, format string, args ...any) {
	g.w.WriteString(spaces[:n])
	fmt.Fprintf(g.w, format, args...)
	g.w.WriteByte('\n')
}

// begin starts a document.
func (g *gen) begin(apiVersion, kind string) {
	g.w.WriteString("---\napiVersion: ")
	g.w.WriteString(apiVersion)
	g.w.WriteString("\nkind: ")
	g.w.WriteString(kind)
	g.w.WriteByte('\n')
}

// pair is one label or annotation, kept in order so output is stable.
type pair struct{ k, v string }

// pairs writes a map of strings under key (nothing when empty). Values are
// always quoted so "true" and "8080" stay strings.
func (g *gen) pairs(n int, key string, ps []pair) {
	if len(ps) == 0 {
		return
	}
	g.l(n, key+":")
	for _, p := range ps {
		g.kq(n+2, p.k, p.v)
	}
}

// meta writes the metadata of an object; ns is "" for cluster-scoped ones.
func (g *gen) meta(name, ns string, labels, annotations []pair) {
	g.l(0, "metadata:")
	g.kv(2, "name", name)
	if ns != "" {
		g.kv(2, "namespace", ns)
	}
	g.pairs(2, "labels", labels)
	g.pairs(2, "annotations", annotations)
}

// appLabels are the recommended labels of an app's objects.
func (g *gen) appLabels(a app, extra ...pair) []pair {
	ps := []pair{
		{"app.kubernetes.io/name", a.comp.name},
		{"app.kubernetes.io/instance", a.name},
		{"app.kubernetes.io/part-of", g.ns.team},
		{"app.kubernetes.io/managed-by", g.pickStr(managers)},
	}
	return append(ps, extra...)
}

// selector writes the matchLabels of an app at indent n.
func (g *gen) selectorLabels(n int, a app) {
	g.kq(n, "app.kubernetes.io/name", a.comp.name)
	g.kq(n, "app.kubernetes.io/instance", a.name)
}

func itoa(i int) string { return strconv.Itoa(i) }

// hex returns n pseudo-random hex digits.
func (g *gen) hex(n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	var x uint64
	for i := range b {
		if i%16 == 0 {
			x = g.r.Uint64()
		}
		b[i] = digits[x&15]
		x >>= 4
	}
	return string(b)
}

// fake returns the base64 of an obviously fake secret value.
func fake(what string, seq int) string {
	return base64.StdEncoding.EncodeToString([]byte("fake-" + what + "-not-a-real-secret-" + strconv.Itoa(seq)))
}
