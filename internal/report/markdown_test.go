package report

import (
	"regexp"
	"strings"
	"testing"
)

// unescapedPipe matches a "|" that ends a table cell.
var unescapedPipe = regexp.MustCompile(`(^|[^\\])\|`)

// checkTables asserts that every row of every table has as many cells as
// the table's header, which fails when a "|" or a line break in a value
// escapes its cell.
func checkTables(t *testing.T, out string) {
	t.Helper()
	header := 0
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "|") {
			header = 0
			continue
		}
		n := len(unescapedPipe.FindAllString(line, -1))
		if header == 0 {
			header = n
			continue
		}
		if n != header {
			t.Errorf("row has %d separators, header %d: %q", n, header, line)
		}
	}
}

func TestMarkdown(t *testing.T) {
	tricky := sampleReport()
	tricky.Findings[0].Message = "grants * on *|everything\nsecond <b>line</b>"
	tricky.Findings[5].Suppression.Reason = "vendor | image"

	tests := []struct {
		name   string
		report *Report
		want   []string // in this order
		absent []string
	}{
		{
			name:   "sample",
			report: sampleReport(),
			want: []string{
				"| Critical | 1 |", "| High | 1 |", "| Medium | 1 |", "| Low | 1 |", "| Info | 0 |", "| **Total** | **4** |",
				"2 suppressed by waivers · 2 input errors · 1 expired waiver.",
				"### Critical (1)",
				"| critical | `pss/privileged` | `deployment.apps/web -n shop` | `k8s/web.yaml:21:13` | container \"web\" runs privileged |",
				"### High (1)",
				"| high | `pss/hostNamespaces` | `pod/api -n shop` | `k8s/api.yaml:9:3` | hostPID: true |",
				"### Medium (1)",
				"| medium | `rbac/wildcard-verbs` | `clusterrolebinding.rbac.authorization.k8s.io/admin-all` | `roleRef` | binds ClusterRole \"all\" which grants \\* on \\* |",
				"### Low (1)",
				"### Suppressed by waivers (2)",
				"| high | `pss/hostNamespaces` | `daemonset.apps/node-exporter -n monitoring` | `k8s/exporter.yaml:14:7` | annotation | node exporter reads host processes |  |  |",
				"| config | vendor image, pinned in Q3 | sre@example.com | 2031-12-31 |",
				"### Input errors (2)",
				"| `k8s/broken.yaml` | 7 | yaml: line 7: mapping values are not allowed in this context |",
				"| `charts/bad` |  | chart does not render |",
				"### Expired waivers (1)",
				"| `rbac/*` | namespace=kube-system labels{team=platform} | migration | platform@example.com | 2029-01-31 | 3 |",
			},
			absent: []string{"### Info", "No findings."},
		},
		{
			name:   "escapes pipes, line breaks and markup in cells",
			report: tricky,
			want: []string{
				"| grants \\* on \\*\\|everything<br>second \\<b\\>line\\</b\\> |",
				"| config | vendor \\| image |",
			},
			absent: []string{"<b>line"},
		},
		{
			name:   "empty",
			report: emptyReport(),
			want:   []string{"| **Total** | **0** |", "No findings."},
			absent: []string{"Suppressed", "Input errors", "Expired waivers", "### Critical"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := string(render(t, "markdown", Options{}, tt.report))
			rest := out
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("missing (or out of order) %q in\n%s", w, out)
				}
				rest = rest[i+len(w):]
			}
			for _, a := range tt.absent {
				if strings.Contains(out, a) {
					t.Errorf("output contains %q", a)
				}
			}
			checkTables(t, out)
			// suppressed findings appear only in their own section
			_, after, _ := strings.Cut(out, "### Suppressed")
			before := strings.TrimSuffix(out, after)
			if strings.Contains(before, "node-exporter") {
				t.Errorf("a suppressed finding is listed among the open findings")
			}
		})
	}
}

func TestMarkdownEscaping(t *testing.T) {
	tests := []struct{ in, text, code string }{
		{"plain words", "plain words", "`plain words`"},
		{"a|b", `a\|b`, "`a\\|b`"},
		{"one\ntwo", "one<br>two", "one<br>two"},
		{"one\r\ntwo", "one<br>two", "one<br>two"},
		{"*bold* _it_ `code` [link](x) <img> ~~s~~ &amp;", `\*bold\* \_it\_ \` + "`code\\`" + ` \[link\](x) \<img\> \~\~s\~\~ \&amp;`, ""},
		{"back`tick", "back\\`tick", "back\\`tick"},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := mdText(tt.in); got != tt.text {
			t.Errorf("mdText(%q) = %q, want %q", tt.in, got, tt.text)
		}
		if tt.code == "" && tt.in != "" {
			continue
		}
		if got := mdCode(tt.in); got != tt.code {
			t.Errorf("mdCode(%q) = %q, want %q", tt.in, got, tt.code)
		}
	}
}
