package attackpath

import (
	"bytes"
	"context"
	"html/template"
	"io"
)

// HTMLPath is one path as the HTML views show it.
type HTMLPath struct {
	ID, Severity, Summary, Explanation string
	// Diagram is the path rendered as SVG.
	Diagram template.HTML
}

// HTMLView is what the HTML views show: the fixes, the diagram of every
// path together, and each path with its own.
type HTMLView struct {
	Cuts      []string
	Overview  template.HTML
	Paths     []HTMLPath
	Truncated bool
	// Error says why a diagram could not be drawn.
	Error string
}

// MaxDiagrams is the most paths drawn one by one; the rest are listed.
const MaxDiagrams = 50

// View renders the diagrams of a result for an HTML page. The SVG comes
// from Graphviz, which escapes every label.
func View(ctx context.Context, res Result) HTMLView {
	g := res.Graph
	v := HTMLView{Truncated: res.Truncated}
	for _, c := range res.Cuts {
		v.Cuts = append(v.Cuts, g.CutText(c))
	}
	if len(res.Paths) == 0 {
		return v
	}
	render := func(paths []Path, collapse bool) template.HTML {
		var b bytes.Buffer
		if err := WriteSVG(ctx, &b, res, paths, collapse); err != nil {
			v.Error = err.Error()
			return ""
		}
		return template.HTML(stripProlog(b.Bytes())) // #nosec G203 -- SVG from Graphviz, labels escaped
	}
	// The whole graph collapses equal workloads; each path is drawn
	// exactly.
	v.Overview = render(res.Paths, true)
	for i, p := range res.Paths {
		hp := HTMLPath{ID: p.ID, Severity: p.Severity, Summary: g.Summary(p), Explanation: g.Explain(p)}
		if i < MaxDiagrams {
			hp.Diagram = render([]Path{p}, false)
		}
		v.Paths = append(v.Paths, hp)
	}
	return v
}

// stripProlog drops the XML declaration and DOCTYPE before <svg, which
// have no place inside an HTML page.
func stripProlog(svg []byte) []byte {
	if i := bytes.Index(svg, []byte("<svg")); i > 0 {
		return svg[i:]
	}
	return svg
}

// SectionTemplate is the "Attack paths" section, shared by the paths
// command's page and the scan's HTML report.
const SectionTemplate = `<section id="attack-paths"><h2>Attack paths</h2>
{{if not .Paths}}<p>No attack path from the internet to cluster-admin, node root, Secrets or cloud credentials.</p>{{else}}
<p>{{len .Paths}} path(s){{if .Truncated}} (the search stopped at its limit; more exist){{end}}, shortest first.</p>
<h3>Fixes that close most paths</h3><ol>{{range .Cuts}}<li>{{.}}</li>{{end}}</ol>
{{if .Error}}<p>Diagrams could not be drawn: {{.Error}}</p>{{end}}
<h3>All paths</h3><div class="ap-diagram">{{.Overview}}</div>
{{range .Paths}}<details class="ap-path" id="{{.ID}}"><summary><b>{{.ID}}</b> [{{.Severity}}] {{.Summary}}</summary>
{{if .Diagram}}<div class="ap-diagram">{{.Diagram}}</div>{{end}}<pre>{{.Explanation}}</pre></details>
{{end}}{{end}}</section>`

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Palisade attack paths</title>
<style>body{font-family:sans-serif;margin:2em}pre{white-space:pre-wrap;background:#f6f6f6;padding:1em}.ap-diagram{overflow:auto;max-width:100%}.ap-diagram svg{max-width:100%;height:auto}</style>
</head><body><h1>Palisade attack paths</h1>{{template "section" .}}</body></html>
`))

func init() {
	template.Must(pageTemplate.New("section").Parse(SectionTemplate))
}

// WriteHTML writes a page with the fixes, the diagram of every path and
// each path explained with its own diagram.
func WriteHTML(ctx context.Context, w io.Writer, res Result) error {
	return pageTemplate.Execute(w, View(ctx, res))
}
