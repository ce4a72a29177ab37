package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/palisade-sec/palisade/internal/check"
)

// parseHTML renders r and parses it the way a browser would.
func parseHTML(t *testing.T, r *Report) (string, *html.Node) {
	t.Helper()
	b := render(t, "html", Options{}, r)
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return string(b), doc
}

func walk(n *html.Node, visit func(*html.Node)) {
	visit(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, visit)
	}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func hasClass(n *html.Node, class string) bool {
	v, _ := attr(n, "class")
	for _, c := range strings.Fields(v) {
		if c == class {
			return true
		}
	}
	return false
}

func text(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return b.String()
}

func TestHTMLIsSelfContained(t *testing.T) {
	r := sampleReport()
	out, doc := parseHTML(t, r)

	// No element may load anything: no src, href, srcset, data, action,
	// poster, or SVG xlink:href, whatever the element.
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		for _, a := range n.Attr {
			switch strings.ToLower(a.Key) {
			case "src", "href", "srcset", "data", "action", "formaction", "poster", "background", "xlink:href":
				t.Errorf("<%s %s=%q> would fetch", n.Data, a.Key, a.Val)
			}
		}
		if n.Data == "link" || n.Data == "iframe" || n.Data == "object" || n.Data == "embed" || n.Data == "img" {
			t.Errorf("<%s> element in a self-contained report", n.Data)
		}
	})
	for _, banned := range []string{"<script src", "<link", "url(", "@import", "//cdn", "fetch(", "XMLHttpRequest"} {
		if strings.Contains(strings.ToLower(out), strings.ToLower(banned)) {
			t.Errorf("output contains %q", banned)
		}
	}
	// The only URL is the tool's informationUri, shown as text.
	urls := regexp.MustCompile(`https?://[^\s"'<>&]*`).FindAllString(out, -1)
	if len(urls) != 1 || urls[0] != r.Tool.URI {
		t.Errorf("URLs in output %q, want only %q once", urls, r.Tool.URI)
	}
}

// The Content-Security-Policy allows the inline style and script by hash;
// a hash that does not match the block served means a broken page.
func TestHTMLCSPMatchesInlineBlocks(t *testing.T) {
	_, doc := parseHTML(t, sampleReport())
	var csp string
	blocks := map[string][]string{}
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if v, _ := attr(n, "http-equiv"); strings.EqualFold(v, "Content-Security-Policy") {
			csp, _ = attr(n, "content")
		}
		if n.Data == "script" || n.Data == "style" {
			blocks[n.Data] = append(blocks[n.Data], text(n))
		}
	})
	if !strings.Contains(csp, "default-src 'none'") {
		t.Fatalf("CSP %q does not default to none", csp)
	}
	for _, kind := range []string{"script", "style"} {
		if len(blocks[kind]) != 1 {
			t.Fatalf("%d <%s> blocks, want 1", len(blocks[kind]), kind)
		}
		sum := sha256.Sum256([]byte(blocks[kind][0]))
		want := kind + "-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
}

func TestHTMLEscapesReportValues(t *testing.T) {
	r := sampleReport()
	r.Findings[0].Message = `<script>alert(1)</script>`
	r.Findings[1].Object.Name = `x" onmouseover="alert(2)`
	r.Findings[1].Vector = check.Vector(`"><script>alert(3)</script>`)
	r.Findings[2].Suppression.Reason = `</td><img src=x onerror=alert(4)>`
	r.Inputs = append(r.Inputs, `<u>in</u>`)
	out, doc := parseHTML(t, r)

	if !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the message is not escaped as text")
	}
	scripts := 0
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if n.Data == "script" {
			scripts++
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "on") {
				t.Errorf("<%s> has event handler %s=%q", n.Data, a.Key, a.Val)
			}
		}
		if n.Data == "img" || n.Data == "u" {
			t.Errorf("injected <%s> element", n.Data)
		}
	})
	if scripts != 1 {
		t.Errorf("%d <script> elements, want only the report's own", scripts)
	}
	// the values still read correctly once the browser decodes them
	for _, want := range []string{`<script>alert(1)</script>`, `x" onmouseover="alert(2)`, `</td><img src=x onerror=alert(4)>`, `<u>in</u>`} {
		if !strings.Contains(text(doc), want) {
			t.Errorf("page text lacks %q", want)
		}
	}
}

func TestHTMLFindingsTable(t *testing.T) {
	tests := []struct {
		name       string
		report     *Report
		rows       int
		suppressed int
	}{
		{"sample", sampleReport(), 6, 2},
		{"empty", emptyReport(), 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, doc := parseHTML(t, tt.report)
			var rows []*html.Node
			options := map[string][]string{}
			walk(doc, func(n *html.Node) {
				if n.Type == html.ElementNode && n.Data == "tr" && hasClass(n, "finding") {
					rows = append(rows, n)
				}
				if n.Type == html.ElementNode && n.Data == "option" && n.Parent != nil {
					id, _ := attr(n.Parent, "id")
					v, _ := attr(n, "value")
					options[id] = append(options[id], v)
				}
			})
			if len(rows) != tt.rows {
				t.Fatalf("%d finding rows, want %d (every finding, suppressed included)", len(rows), tt.rows)
			}
			sup := 0
			for i, row := range rows {
				f := tt.report.Findings[i]
				for key, want := range map[string]string{
					"data-severity": f.Severity.String(), "data-vector": string(f.Vector), "data-strategy": string(f.Strategy),
					"data-suppressed": map[bool]string{true: "true", false: "false"}[f.Suppressed()],
				} {
					if got, _ := attr(row, key); got != want {
						t.Errorf("row %d %s=%q, want %q", i, key, got, want)
					}
				}
				txt := text(row)
				for _, want := range []string{f.CheckID, f.Title, f.Object.String(), f.Field, f.Position.String(), f.Message, f.Remediation} {
					if !strings.Contains(txt, want) {
						t.Errorf("row %d lacks %q", i, want)
					}
				}
				if f.Suppressed() {
					sup++
					if !strings.Contains(txt, "Suppressed") || !strings.Contains(txt, f.Suppression.Reason) {
						t.Errorf("row %d does not show its waiver: %q", i, txt)
					}
				}
			}
			if sup != tt.suppressed {
				t.Errorf("%d suppressed rows, want %d", sup, tt.suppressed)
			}
			want := map[string]int{"f-severity": 6, "f-vector": 6, "f-strategy": 7}
			for id, n := range want {
				if len(options[id]) != n || options[id][0] != "" {
					t.Errorf("select %s options %q, want %d starting with \"\" (all)", id, options[id], n)
				}
			}
		})
	}
}

func TestHTMLHeaderAndSections(t *testing.T) {
	out, doc := parseHTML(t, sampleReport())
	page := text(doc)
	for _, want := range []string{"Palisade report", "palisade 1.2.3", "https://github.com/palisade-sec/palisade",
		"2030-05-06 05:08:09 UTC", "42 objects", "k8s/", "charts/app",
		"Input errors", "k8s/broken.yaml", "mapping values are not allowed",
		"Expired waivers", "rbac/*", "namespace=kube-system labels{team=platform}", "2029-01-31"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if n := strings.Count(out, "<svg"); n != 3 {
		t.Errorf("%d charts, want 3 (severity, vector, strategy)", n)
	}
	_, clean := parseHTML(t, emptyReport())
	if strings.Contains(text(clean), "Input errors") || strings.Contains(text(clean), "Expired waivers") {
		t.Error("empty sections are shown")
	}
}

func TestChartOf(t *testing.T) {
	tests := []struct {
		name   string
		counts []int
		widths []int
	}{
		{"proportional to the largest", []int{4, 2, 1, 0}, []int{chartBarMax, chartBarMax / 2, chartBarMax / 4, 0}},
		{"tiny counts still visible", []int{1000, 1}, []int{chartBarMax, 2}},
		{"all zero", []int{0, 0}, []int{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			labels := make([]string, len(tt.counts))
			classes := make([]string, len(tt.counts))
			c := chartOf("t", labels, tt.counts, classes)
			lastY := -1
			for i, b := range c.Bars {
				if b.Width != tt.widths[i] || b.Count != tt.counts[i] {
					t.Errorf("bar %d: width %d count %d, want %d %d", i, b.Width, b.Count, tt.widths[i], tt.counts[i])
				}
				if b.Y <= lastY || b.Y+chartBarH > c.Height {
					t.Errorf("bar %d at y=%d overlaps or leaves the chart (height %d)", i, b.Y, c.Height)
				}
				lastY = b.Y + chartBarH
			}
		})
	}
}

// jsHarness runs the report's script against a minimal stand-in for the
// DOM (the script uses getElementById, querySelectorAll, dataset,
// textContent, hidden and input/change events) and prints which rows are
// visible after each scenario.
const jsHarness = `
const data = JSON.parse(require("fs").readFileSync(0, "utf8"));
function el() {
  return { value: "", checked: false, hidden: false, textContent: "", on: {},
    addEventListener(type, f) { (this.on[type] = this.on[type] || []).push(f); } };
}
const els = {};
for (const id of ["q", "f-severity", "f-vector", "f-strategy", "f-suppressed", "f-on-path", "shown", "no-match"]) els[id] = el();
const rows = data.rows.map(r => ({ dataset: r.dataset, textContent: r.text, hidden: false }));
global.document = {
  getElementById: id => els[id] || null,
  querySelectorAll: sel => { if (sel !== "#findings tbody tr.finding") throw new Error("unexpected selector " + sel); return rows; },
};
new Function(data.script)();
const state = () => ({ visible: rows.map(r => !r.hidden), shown: els.shown.textContent, noMatch: !els["no-match"].hidden });
const out = [state()];
for (const s of data.scenarios) {
  els.q.value = s.q; els["f-severity"].value = s.severity; els["f-vector"].value = s.vector;
  els["f-strategy"].value = s.strategy; els["f-suppressed"].checked = s.suppressed;
  (s.event === "change" ? els["f-severity"].on.change : els.q.on.input).forEach(f => f());
  out.push(state());
}
console.log(JSON.stringify(out));
`

func TestHTMLFilterScript(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed; the filter script is not exercised")
	}
	_, doc := parseHTML(t, sampleReport())
	type row struct {
		Dataset map[string]string `json:"dataset"`
		Text    string            `json:"text"`
	}
	type scenario struct {
		Q        string `json:"q"`
		Severity string `json:"severity"`
		Vector   string `json:"vector"`
		Strategy string `json:"strategy"`
		Supp     bool   `json:"suppressed"`
		Event    string `json:"event"`
	}
	var in struct {
		Script    string     `json:"script"`
		Rows      []row      `json:"rows"`
		Scenarios []scenario `json:"scenarios"`
	}
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if n.Data == "script" {
			in.Script = text(n)
		}
		if n.Data == "tr" && hasClass(n, "finding") {
			ds := map[string]string{}
			for _, a := range n.Attr {
				if k, ok := strings.CutPrefix(a.Key, "data-"); ok {
					ds[k] = a.Val
				}
			}
			in.Rows = append(in.Rows, row{ds, text(n)})
		}
	})

	// Rows of sampleReport: 0 critical, 1 high, 2 high (waived), 3 medium
	// api-exposure, 4 low image-security, 5 low image-security (waived).
	tests := []struct {
		s       scenario
		visible string // one letter per row: x shown, . hidden
		shown   string
	}{
		{scenario{}, "xx.xx.", "4 of 6 shown"}, // initial state: suppressed hidden
		{scenario{Supp: true, Event: "change"}, "xxxxxx", "6 of 6 shown"},
		{scenario{Severity: "high", Event: "change"}, ".x....", "1 of 6 shown"},
		{scenario{Severity: "high", Supp: true, Event: "change"}, ".xx...", "2 of 6 shown"},
		{scenario{Vector: "api-exposure"}, "...x..", "1 of 6 shown"},
		{scenario{Strategy: "image-security", Supp: true}, "....xx", "2 of 6 shown"},
		{scenario{Q: "  NGINX "}, "....x.", "1 of 6 shown"},
		{scenario{Q: "node exporter reads", Supp: true}, "..x...", "1 of 6 shown"},
		{scenario{Q: "no such thing"}, "......", "0 of 6 shown"},
	}
	for _, tt := range tests[1:] {
		in.Scenarios = append(in.Scenarios, tt.s)
	}
	stdin, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "-e", jsHarness)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	var got []struct {
		Visible []bool `json:"visible"`
		Shown   string `json:"shown"`
		NoMatch bool   `json:"noMatch"`
	}
	if err := json.Unmarshal(stdout, &got); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if len(got) != len(tests) {
		t.Fatalf("%d states, want %d", len(got), len(tests))
	}
	for i, tt := range tests {
		var vis strings.Builder
		for _, v := range got[i].Visible {
			vis.WriteString(map[bool]string{true: "x", false: "."}[v])
		}
		if vis.String() != tt.visible || got[i].Shown != tt.shown {
			t.Errorf("scenario %d %+v: rows %s (%q), want %s (%q)", i, tt.s, vis.String(), got[i].Shown, tt.visible, tt.shown)
		}
		if wantNoMatch := !strings.Contains(tt.visible, "x"); got[i].NoMatch != wantNoMatch {
			t.Errorf("scenario %d: no-match message shown = %v, want %v", i, got[i].NoMatch, wantNoMatch)
		}
	}
}
