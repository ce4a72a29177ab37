package report

import (
	"crypto/sha256"
	"encoding/base64"
	"github.com/palisade-sec/palisade/internal/attackpath"
	"html/template"
	"io"
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
)

func init() { register("html", func(Options) Writer { return WriterFunc(writeHTML) }) }

// The HTML report is one self-contained file: styles, script and charts are
// inline and a Content-Security-Policy forbids every fetch, so the file can
// be mailed, archived as a CI artifact or opened offline. Every value from
// the report goes through html/template's contextual escaping.

// htmlView is what the template renders; everything in it comes from the
// Report.
type htmlView struct {
	Title       string
	Tool        ToolInfo
	GeneratedAt string
	Inputs      []string
	Objects     int
	Summary     Summary
	SevCounts   []htmlCount
	Charts      []htmlChart
	Findings    []htmlFinding
	Severities  []string
	Vectors     []string
	Strategies  []string
	InputErrors []htmlInputError
	Notices     []string
	Expired     []htmlExpired
	CSP         string
	AttackPaths *attackpath.HTMLView
}

type htmlCount struct {
	Name  string
	Count int
}

type htmlChart struct {
	Title string
	// Geometry shared by the bars, in SVG user units.
	Width, Height, LabelX, BarX, BarMax, BarH, CountX int
	Bars                                              []htmlBar
}

// htmlBar is one row of a horizontal bar chart, laid out in SVG units.
type htmlBar struct {
	Label string
	Count int
	Class string
	Y     int // top of the bar
	TextY int // baseline of the row's label and count
	Width int // bar length, proportional to Count; 0 draws no bar
}

type htmlFinding struct {
	Severity    string
	CheckID     string
	Title       string
	Vector      string
	Strategy    string
	Object      string
	Field       string
	Position    string
	Message     string
	Remediation string
	Suppression *check.Suppression
	Paths       []string
}

type htmlInputError struct {
	File    string
	Line    int
	Message string
}

type htmlExpired struct {
	Checks   string
	Selector string
	Reason   string
	Owner    string
	Expires  string
	Matches  int
}

// Chart geometry, in SVG user units.
const (
	chartWidth  = 360
	chartLabelW = 118 // right edge of the labels
	chartBarX   = 126
	chartBarMax = 190
	chartCountX = chartBarX + chartBarMax + 8
	chartRowH   = 26
	chartBarH   = 14
)

func chartOf(title string, labels []string, counts []int, classes []string) htmlChart {
	peak := 0
	for _, n := range counts {
		peak = max(peak, n)
	}
	c := htmlChart{Title: title, Width: chartWidth, Height: len(labels)*chartRowH + 4,
		LabelX: chartLabelW, BarX: chartBarX, BarMax: chartBarMax, BarH: chartBarH, CountX: chartCountX}
	for i, label := range labels {
		width := 0
		if peak > 0 && counts[i] > 0 {
			width = max(2, counts[i]*chartBarMax/peak)
		}
		y := 2 + i*chartRowH
		c.Bars = append(c.Bars, htmlBar{
			Label: label, Count: counts[i], Class: classes[i],
			Y: y + (chartRowH-chartBarH)/2, TextY: y + chartRowH/2 + 5,
			Width: width,
		})
	}
	return c
}

func htmlViewOf(r *Report) *htmlView {
	sum := r.Summarize()
	v := &htmlView{
		Title:   "Palisade report",
		Tool:    r.Tool,
		Inputs:  r.Inputs,
		Objects: r.Objects,
		Summary: sum,
		CSP:     htmlCSP,
	}
	if r.Tool.Name != "" {
		v.Title = capitalize(r.Tool.Name) + " report"
	}
	if !r.GeneratedAt.IsZero() {
		v.GeneratedAt = r.GeneratedAt.UTC().Format(timeLayout)
	}

	var labels, classes []string
	var counts []int
	for _, s := range severitiesDesc() {
		v.Severities = append(v.Severities, s.String())
		v.SevCounts = append(v.SevCounts, htmlCount{s.String(), sum.BySeverity[s]})
		labels, classes, counts = append(labels, s.String()), append(classes, "sev-"+s.String()), append(counts, sum.BySeverity[s])
	}
	v.Charts = append(v.Charts, chartOf("By severity", labels, counts, classes))

	labels, classes, counts = nil, nil, nil
	for _, vec := range check.Vectors() {
		v.Vectors = append(v.Vectors, string(vec))
		labels, classes, counts = append(labels, string(vec)), append(classes, "bar"), append(counts, sum.ByVector[vec])
	}
	v.Charts = append(v.Charts, chartOf("By attack vector", labels, counts, classes))

	labels, classes, counts = nil, nil, nil
	for _, st := range check.Strategies() {
		v.Strategies = append(v.Strategies, string(st))
		labels, classes, counts = append(labels, string(st)), append(classes, "bar"), append(counts, sum.ByStrategy[st])
	}
	v.Charts = append(v.Charts, chartOf("By defensive strategy", labels, counts, classes))

	for i := range r.Findings {
		f := &r.Findings[i]
		v.Findings = append(v.Findings, htmlFinding{
			Severity: f.Severity.String(), CheckID: f.CheckID, Title: f.Title,
			Vector: string(f.Vector), Strategy: string(f.Strategy),
			Object: f.Object.String(), Field: f.Field, Position: origin(f),
			Message: f.Message, Remediation: f.Remediation, Suppression: f.Suppression, Paths: f.Paths,
		})
	}
	v.Notices = r.Notices
	v.AttackPaths = r.AttackPaths
	for _, e := range r.InputErrors {
		v.InputErrors = append(v.InputErrors, htmlInputError{File: e.File, Line: e.Line, Message: e.Message})
	}
	for _, ew := range r.ExpiredWaivers {
		wv := ew.Waiver
		v.Expired = append(v.Expired, htmlExpired{
			Checks: strings.Join(wv.Checks, ", "), Selector: selectorString(wv.Selector),
			Reason: wv.Reason, Owner: wv.Owner, Expires: wv.Expires, Matches: ew.Matches,
		})
	}
	return v
}

func writeHTML(w io.Writer, r *Report) error {
	return htmlTemplate.Execute(w, htmlViewOf(r))
}

// cspHash is the CSP source expression allowing exactly one inline block.
func cspHash(content string) string {
	sum := sha256.Sum256([]byte(content))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// htmlCSP allows the report's own inline style and script, by hash, and
// nothing else: no fetch, no frame, no form, no other script.
var htmlCSP = "default-src 'none'; img-src data:; style-src " + cspHash(htmlStyle) +
	"; script-src " + cspHash(htmlScript) + "; base-uri 'none'; form-action 'none'"

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{"title": capitalize}).Parse(htmlPage))

const htmlStyle = `
.ap-diagram{overflow:auto;max-width:100%;background:#fff;border:1px solid var(--line);margin:8px 0}
.ap-diagram svg{max-width:100%;height:auto}
.ap-path pre{white-space:pre-wrap}
.on-path{margin-top:4px;font-size:12px}
:root{--bg:#f6f7f9;--card:#fff;--fg:#1b1f24;--muted:#5b6573;--line:#e3e6ea;--accent:#3056d3;
--critical:#b42318;--high:#dc6803;--medium:#b58105;--low:#1570ef;--info:#667085;}
@media (prefers-color-scheme:dark){:root{--bg:#0f1216;--card:#171b21;--fg:#e6e9ee;--muted:#98a2b3;--line:#2a3039;--accent:#6b8cff}}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px}
header{background:var(--card);border-bottom:1px solid var(--line);padding:20px 32px}
header h1{margin:0 0 4px;font-size:22px;font-weight:650;letter-spacing:-.01em}
.meta{color:var(--muted);display:flex;flex-wrap:wrap;gap:4px 20px}
.meta b{color:var(--fg);font-weight:600}
main{padding:24px 32px;max-width:1480px;margin:0 auto}
section{margin-bottom:28px}
h2{font-size:16px;margin:0 0 12px;font-weight:650}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(130px,1fr));gap:12px;margin-bottom:16px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 16px}
.card .n{font-size:26px;font-weight:700;line-height:1.2}
.card .l{color:var(--muted);text-transform:capitalize}
.card.sev-critical{border-top:4px solid var(--critical)}.card.sev-high{border-top:4px solid var(--high)}
.card.sev-medium{border-top:4px solid var(--medium)}.card.sev-low{border-top:4px solid var(--low)}
.card.sev-info{border-top:4px solid var(--info)}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(360px,1fr));gap:12px}
.chart{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 16px}
.chart h3{margin:0 0 6px;font-size:13px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.04em}
svg text{fill:var(--fg);font-size:12px}
svg .track{fill:var(--line)}
svg .bar{fill:var(--accent)}
svg .sev-critical{fill:var(--critical)}svg .sev-high{fill:var(--high)}svg .sev-medium{fill:var(--medium)}
svg .sev-low{fill:var(--low)}svg .sev-info{fill:var(--info)}
.filters{display:flex;flex-wrap:wrap;gap:10px;align-items:center;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:10px 12px;margin-bottom:12px}
.filters input[type=search]{flex:1 1 260px;min-width:200px}
.filters input,.filters select{font:inherit;color:inherit;background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:6px 8px}
.filters label{display:flex;gap:6px;align-items:center;color:var(--muted)}
.shown{margin-left:auto;color:var(--muted)}
.table-wrap{overflow-x:auto}
table{width:100%;border-collapse:separate;border-spacing:0;background:var(--card);border:1px solid var(--line);border-radius:10px;overflow:hidden}
th,td{text-align:left;vertical-align:top;padding:10px 12px;border-bottom:1px solid var(--line)}
th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);background:var(--bg);font-weight:600}
tbody tr:last-child td{border-bottom:0}
tr.suppressed td{opacity:.62}
td code{word-break:break-all}
.title{font-weight:600}
.muted{color:var(--muted)}
.fix{margin-top:6px;color:var(--muted)}
.fix b{color:var(--fg);font-weight:600}
.tag{display:inline-block;margin:4px 4px 0 0;padding:0 6px;border:1px solid var(--line);border-radius:999px;font-size:11.5px;color:var(--muted)}
.badge{display:inline-block;min-width:64px;text-align:center;padding:2px 8px;border-radius:999px;color:#fff;font-size:12px;font-weight:600;text-transform:capitalize}
.badge.sev-critical{background:var(--critical)}.badge.sev-high{background:var(--high)}.badge.sev-medium{background:var(--medium)}
.badge.sev-low{background:var(--low)}.badge.sev-info{background:var(--info)}
.status{font-size:12px;font-weight:600}
.status.open{color:var(--critical)}
.status.waived{color:var(--muted)}
.empty{padding:24px;text-align:center;color:var(--muted)}
.problems li{margin-bottom:4px}
footer{color:var(--muted);padding:0 32px 32px;text-align:center;font-size:12px}
@media print{.filters{display:none}tr[hidden]{display:table-row!important}}
`

const htmlScript = `
(function () {
  var q = document.getElementById("q");
  var sev = document.getElementById("f-severity");
  var vec = document.getElementById("f-vector");
  var strat = document.getElementById("f-strategy");
  var sup = document.getElementById("f-suppressed");
  var onPath = document.getElementById("f-on-path");
  var shown = document.getElementById("shown");
  var empty = document.getElementById("no-match");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#findings tbody tr.finding"));
  function apply() {
    var text = q.value.trim().toLowerCase();
    var n = 0;
    rows.forEach(function (r) {
      var d = r.dataset;
      var ok = (!sev.value || d.severity === sev.value) &&
        (!vec.value || d.vector === vec.value) &&
        (!strat.value || d.strategy === strat.value) &&
        (sup.checked || d.suppressed !== "true") &&
        (!onPath.checked || d.paths !== "0") &&
        (!text || r.textContent.toLowerCase().indexOf(text) >= 0);
      r.hidden = !ok;
      if (ok) { n++; }
    });
    shown.textContent = n + " of " + rows.length + " shown";
    empty.hidden = n > 0;
  }
  [q, sev, vec, strat, sup, onPath].forEach(function (el) {
    el.addEventListener("input", apply);
    el.addEventListener("change", apply);
  });
  apply();
})();
`

const htmlPage = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{.CSP}}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}}</title>
<style>` + htmlStyle + `</style>
</head>
<body>
<header>
<h1>{{.Title}}</h1>
<div class="meta">
<span>{{with .Tool.Name}}<b>{{.}}</b>{{end}}{{with .Tool.Version}} {{.}}{{end}}{{with .Tool.URI}} · <span class="mono">{{.}}</span>{{end}}</span>
{{with .GeneratedAt}}<span>Scanned <b>{{.}}</b></span>{{end}}
<span><b>{{.Objects}}</b> objects</span>
<span>Inputs: {{range $i, $in := .Inputs}}{{if $i}}, {{end}}<code>{{$in}}</code>{{else}}<span class="muted">none</span>{{end}}</span>
</div>
</header>
<main>
<section id="summary">
<h2>Summary</h2>
<div class="cards">
<div class="card"><div class="n">{{.Summary.Total}}</div><div class="l">open findings</div></div>
{{range .SevCounts}}<div class="card sev-{{.Name}}"><div class="n">{{.Count}}</div><div class="l">{{.Name}}</div></div>
{{end}}<div class="card"><div class="n">{{.Summary.Suppressed}}</div><div class="l">suppressed by waivers</div></div>
{{if .InputErrors}}<div class="card sev-critical"><div class="n">{{len .InputErrors}}</div><div class="l">input errors</div></div>{{end}}
</div>
<div class="charts">
{{range .Charts}}<div class="chart">
<h3>{{.Title}}</h3>
<svg role="img" aria-label="{{.Title}}" width="100%" viewBox="0 0 {{.Width}} {{.Height}}" preserveAspectRatio="xMinYMin meet">
{{$c := .}}{{range .Bars}}<g>
<title>{{.Label}}: {{.Count}}</title>
<text x="{{$c.LabelX}}" y="{{.TextY}}" text-anchor="end">{{.Label}}</text>
<rect class="track" x="{{$c.BarX}}" y="{{.Y}}" width="{{$c.BarMax}}" height="{{$c.BarH}}" rx="3"></rect>
{{if .Width}}<rect class="{{.Class}}" x="{{$c.BarX}}" y="{{.Y}}" width="{{.Width}}" height="{{$c.BarH}}" rx="3"></rect>{{end}}
<text x="{{$c.CountX}}" y="{{.TextY}}">{{.Count}}</text>
</g>
{{end}}</svg>
</div>
{{end}}</div>
</section>

{{with .AttackPaths}}` + attackpath.SectionTemplate + `{{end}}
<section>
<h2>Findings</h2>
<div class="filters" role="search">
<input type="search" id="q" placeholder="Search check, object, field, message…" aria-label="Search findings">
<select id="f-severity" aria-label="Severity"><option value="">All severities</option>{{range .Severities}}<option value="{{.}}">{{title .}}</option>{{end}}</select>
<select id="f-vector" aria-label="Attack vector"><option value="">All vectors</option>{{range .Vectors}}<option value="{{.}}">{{.}}</option>{{end}}</select>
<select id="f-strategy" aria-label="Defensive strategy"><option value="">All strategies</option>{{range .Strategies}}<option value="{{.}}">{{.}}</option>{{end}}</select>
<label><input type="checkbox" id="f-suppressed"> Show suppressed</label>
<label><input type="checkbox" id="f-on-path"> On an attack path</label>
<span class="shown" id="shown">{{len .Findings}} findings</span>
</div>
<div class="table-wrap">
<table id="findings">
<thead><tr><th>Severity</th><th>Check</th><th>Object</th><th>Source</th><th>Message</th><th>Status</th></tr></thead>
<tbody>
{{range .Findings}}<tr class="finding{{if .Suppression}} suppressed{{end}}" data-paths="{{len .Paths}}" data-severity="{{.Severity}}" data-vector="{{.Vector}}" data-strategy="{{.Strategy}}" data-suppressed="{{if .Suppression}}true{{else}}false{{end}}">
<td><span class="badge sev-{{.Severity}}">{{.Severity}}</span></td>
<td><code>{{.CheckID}}</code><div class="title">{{.Title}}</div><span class="tag">{{.Vector}}</span><span class="tag">{{.Strategy}}</span></td>
<td><code>{{.Object}}</code>{{with .Field}}<div class="muted"><code>{{.}}</code></div>{{end}}{{with .Paths}}<div class="on-path">on attack path{{range .}} <a href="#{{.}}"><code>{{.}}</code></a>{{end}}</div>{{end}}</td>
<td>{{with .Position}}<code>{{.}}</code>{{else}}<span class="muted">—</span>{{end}}</td>
<td>{{.Message}}{{with .Remediation}}<div class="fix"><b>Fix:</b> {{.}}</div>{{end}}</td>
<td>{{with .Suppression}}<span class="status waived">Suppressed</span><div class="muted">{{.Reason}}</div><div class="muted">via {{.Source}}{{with .Owner}} · {{.}}{{end}}{{with .Expires}} · until {{.}}{{end}}</div>{{else}}<span class="status open">Open</span>{{end}}</td>
</tr>
{{end}}</tbody>
</table>
</div>
<div class="empty" id="no-match"{{if .Findings}} hidden{{end}}>{{if .Findings}}No findings match the filters.{{else}}No findings.{{end}}</div>
</section>
{{if .InputErrors}}
<section id="input-errors">
<h2>Input errors</h2>
<table>
<thead><tr><th>File</th><th>Line</th><th>Message</th></tr></thead>
<tbody>
{{range .InputErrors}}<tr><td><code>{{.File}}</code></td><td>{{if .Line}}{{.Line}}{{end}}</td><td>{{.Message}}</td></tr>
{{end}}</tbody>
</table>
</section>
{{end}}{{if .Notices}}
<section id="notices">
<h2>Not assessed</h2>
<ul>
{{range .Notices}}<li>{{.}}</li>
{{end}}</ul>
</section>
{{end}}{{if .Expired}}
<section id="expired-waivers">
<h2>Expired waivers</h2>
<table>
<thead><tr><th>Checks</th><th>Selector</th><th>Reason</th><th>Owner</th><th>Expired</th><th>Would waive</th></tr></thead>
<tbody>
{{range .Expired}}<tr><td><code>{{.Checks}}</code></td><td>{{.Selector}}</td><td>{{.Reason}}</td><td>{{.Owner}}</td><td>{{.Expires}}</td><td>{{.Matches}}</td></tr>
{{end}}</tbody>
</table>
</section>
{{end}}
</main>
<footer>{{with .Tool.Name}}{{.}}{{end}}{{with .Tool.Version}} {{.}}{{end}}</footer>
<script>` + htmlScript + `</script>
</body>
</html>
`
