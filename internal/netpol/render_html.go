package netpol

import (
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"io"
	"time"
)

// The HTML matrix is one self-contained page: the style is inline and a
// Content-Security-Policy forbids every fetch and every script, so the
// file can be mailed or archived and opened offline. Every value goes
// through html/template's contextual escaping.

// HTMLOptions describe the page.
type HTMLOptions struct {
	// Title defaults to "NetworkPolicy reachability".
	Title string
	// Inputs are what was read, as the user named them.
	Inputs []string
	// Tool is "palisade dev".
	Tool        string
	GeneratedAt time.Time
}

type htmlMatrix struct {
	Title       string
	Tool        string
	GeneratedAt string
	Inputs      []string
	CSP         string
	Workloads   int
	Classes     int
	Reachable   int
	Open        int
	FromNet     int
	Cols        []htmlHeader
	Rows        []htmlRow
	NetRow      []htmlCell
	Some        []string
}

type htmlHeader struct {
	Label string
	// First is set on the first workload of a namespace (a separator).
	First bool
}

type htmlRow struct {
	Label string
	First bool
	Cells []htmlCell
	Net   htmlCell
}

type htmlCell struct {
	Class string
	Title string
	First bool
}

func cellOf(s PortSet, title string, first bool) htmlCell {
	c := htmlCell{Class: "none", Title: title + ": no connection", First: first}
	switch {
	case s.IsAll():
		c.Class, c.Title = "all", title+": every port"
	case !s.IsEmpty():
		c.Class, c.Title = "some", title+": "+s.String()
	}
	return c
}

// WriteMatrixHTML writes the matrix as a heatmap page.
func WriteMatrixHTML(w io.Writer, m *Matrix, o HTMLOptions) error {
	v := htmlMatrix{Title: o.Title, Tool: o.Tool, Inputs: o.Inputs, CSP: matrixCSP, Workloads: len(m.Pods), Classes: m.Classes()}
	if v.Title == "" {
		v.Title = "NetworkPolicy reachability"
	}
	if !o.GeneratedAt.IsZero() {
		v.GeneratedAt = o.GeneratedAt.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	first := make([]bool, len(m.Pods))
	for i, p := range m.Pods {
		first[i] = i > 0 && m.Pods[i-1].Namespace != p.Namespace
		v.Cols = append(v.Cols, htmlHeader{Label: label(p), First: first[i]})
	}
	for i, src := range m.Pods {
		row := htmlRow{Label: label(src), First: first[i]}
		for j, dst := range m.Pods {
			s := m.Ports(i, j)
			title := src.Ref() + " → " + dst.Ref()
			row.Cells = append(row.Cells, cellOf(s, title, first[j]))
			if !s.IsEmpty() {
				v.Reachable++
				if s.IsAll() {
					v.Open++
				} else {
					v.Some = append(v.Some, title+": "+s.String())
				}
			}
		}
		s := m.ToInternet(i)
		row.Net = cellOf(s, src.Ref()+" → internet", true)
		if !s.IsAll() && !s.IsEmpty() {
			v.Some = append(v.Some, src.Ref()+" → internet: "+s.String())
		}
		v.Rows = append(v.Rows, row)
	}
	for j, dst := range m.Pods {
		s := m.FromInternet(j)
		if !s.IsEmpty() {
			v.FromNet++
		}
		v.NetRow = append(v.NetRow, cellOf(s, "internet → "+dst.Ref(), first[j]))
		if !s.IsAll() && !s.IsEmpty() {
			v.Some = append(v.Some, "internet → "+dst.Ref()+": "+s.String())
		}
	}
	return matrixTemplate.Execute(w, v)
}

func cspHash(content string) string {
	sum := sha256.Sum256([]byte(content))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

var matrixCSP = "default-src 'none'; style-src " + cspHash(matrixStyle) + "; base-uri 'none'; form-action 'none'"

var matrixTemplate = template.Must(template.New("matrix").Parse(matrixPage))

const matrixStyle = `
:root{--bg:#f6f7f9;--card:#fff;--fg:#1b1f24;--muted:#5b6573;--line:#e3e6ea;--all:#dc6803;--some:#fdb022;--none:transparent;--sep:#98a2b3}
@media (prefers-color-scheme:dark){:root{--bg:#0f1216;--card:#171b21;--fg:#e6e9ee;--muted:#98a2b3;--line:#2a3039;--all:#f79009;--some:#93610f;--sep:#5b6573}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px}
header{background:var(--card);border-bottom:1px solid var(--line);padding:20px 32px}
header h1{margin:0 0 4px;font-size:22px;font-weight:650;letter-spacing:-.01em}
.meta{color:var(--muted);display:flex;flex-wrap:wrap;gap:4px 20px}
.meta b{color:var(--fg);font-weight:600}
main{padding:24px 32px;margin:0 auto}
section{margin-bottom:28px}
h2{font-size:16px;margin:0 0 12px;font-weight:650}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin-bottom:16px;max-width:1100px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 16px}
.card .n{font-size:26px;font-weight:700;line-height:1.2}
.card .l{color:var(--muted)}
.legend{display:flex;gap:18px;align-items:center;color:var(--muted);margin-bottom:12px}
.legend span{display:inline-flex;gap:6px;align-items:center}
.sw{display:inline-block;width:14px;height:14px;border-radius:3px;border:1px solid var(--line)}
.sw.all{background:var(--all)}.sw.some{background:var(--some)}
.wrap{overflow:auto;max-height:85vh;background:var(--card);border:1px solid var(--line);border-radius:10px}
table.heat{border-collapse:separate;border-spacing:0}
table.heat th{font-weight:500;font-size:12px;white-space:nowrap;background:var(--card);color:var(--fg)}
table.heat thead th{position:sticky;top:0;z-index:2;vertical-align:bottom;padding:6px 0}
table.heat thead th.col div{writing-mode:vertical-rl;transform:rotate(180deg);padding:0 2px;max-height:220px;overflow:hidden;text-overflow:ellipsis}
table.heat thead th.corner{left:0;z-index:3;text-align:left;padding:6px 10px;color:var(--muted)}
table.heat tbody th{position:sticky;left:0;z-index:1;text-align:right;padding:0 10px;border-right:1px solid var(--line)}
table.heat td{width:18px;min-width:18px;height:18px;border:1px solid var(--line)}
table.heat td.all{background:var(--all)}
table.heat td.some{background:var(--some)}
table.heat td.none{background:var(--none)}
table.heat .sep{border-left:2px solid var(--sep)}
table.heat tr.sep th,table.heat tr.sep td{border-top:2px solid var(--sep)}
table.heat tr.net th{font-weight:650}
table.heat th.netcol{border-left:2px solid var(--sep);font-weight:650}
ul.some{columns:2 420px;padding-left:18px;color:var(--fg)}
ul.some li{break-inside:avoid}
.muted{color:var(--muted)}
footer{color:var(--muted);padding:0 32px 32px;text-align:center;font-size:12px}
`

const matrixPage = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}}</title>
<style>` + matrixStyle + `</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
<div class="meta">
{{with .Tool}}<span><b>{{.}}</b></span>{{end}}
{{with .GeneratedAt}}<span>Generated <b>{{.}}</b></span>{{end}}
<span>Inputs: {{range $i, $in := .Inputs}}{{if $i}}, {{end}}<code>{{$in}}</code>{{else}}<span class="muted">none</span>{{end}}</span>
</div>
</header>
<main>
<section>
<div class="cards">
<div class="card"><div class="n">{{.Workloads}}</div><div class="l">workloads</div></div>
<div class="card"><div class="n">{{.Classes}}</div><div class="l">policy classes</div></div>
<div class="card"><div class="n">{{.Reachable}}</div><div class="l">pairs that connect</div></div>
<div class="card"><div class="n">{{.Open}}</div><div class="l">pairs open on every port</div></div>
<div class="card"><div class="n">{{.FromNet}}</div><div class="l">workloads admitting internet addresses</div></div>
</div>
</section>
<section>
<h2>Who can open connections to whom</h2>
<div class="legend"><span><i class="sw all"></i>every port</span><span><i class="sw some"></i>some ports (hover a cell)</span><span><i class="sw"></i>no connection</span><span>Rows are sources, columns destinations; lines separate namespaces.</span></div>
{{if .Rows}}<div class="wrap">
<table class="heat">
<thead><tr><th class="corner">from \ to</th>{{range .Cols}}<th class="col{{if .First}} sep{{end}}" title="{{.Label}}"><div>{{.Label}}</div></th>{{end}}<th class="col netcol"><div>internet</div></th></tr></thead>
<tbody>
{{range .Rows}}<tr{{if .First}} class="sep"{{end}}><th>{{.Label}}</th>{{range .Cells}}<td class="{{.Class}}{{if .First}} sep{{end}}" title="{{.Title}}"></td>{{end}}<td class="{{.Net.Class}} sep" title="{{.Net.Title}}"></td></tr>
{{end}}<tr class="net sep"><th>internet</th>{{range .NetRow}}<td class="{{.Class}}{{if .First}} sep{{end}}" title="{{.Title}}"></td>{{end}}<td class="sep"></td></tr>
</tbody>
</table>
</div>{{else}}<p class="muted">No workloads.</p>{{end}}
<p class="muted">The internet row is what NetworkPolicy admits from internet addresses; which workloads a way in from outside reaches is <code>palisade netpol exposure</code>. Traffic from a pod's own node is always admitted and not shown; a bare Pod always reaches itself.</p>
</section>
{{if .Some}}<section>
<h2>Pairs open on some ports</h2>
<ul class="some">{{range .Some}}<li><code>{{.}}</code></li>{{end}}</ul>
</section>{{end}}
</main>
<footer>Generated by Palisade. Self-contained: no script, no fetch.</footer>
</body>
</html>
`
