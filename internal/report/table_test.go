package report

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

var ansiPattern = regexp.MustCompile("\x1b\\[[0-9;]*m")

func TestTable(t *testing.T) {
	long := sampleReport()
	long.Findings[0].Message = strings.Repeat("the container runs with every capability of the host kernel ", 5)
	long.Findings[0].Object.Name = strings.Repeat("very-long-deployment-name-", 3) + "x"

	hostile := sampleReport()
	hostile.Findings[1].Message = "hostPID \x1b]0;pwned\x07\x1b[2J true"

	tests := []struct {
		name   string
		report *Report
		color  bool
		// want must appear, in this order.
		want []string
		// absent must not appear anywhere.
		absent []string
	}{
		{
			name:   "groups by severity, most severe first",
			report: sampleReport(),
			want: []string{
				"CRITICAL (1)\n",
				"  pss/privileged  deployment.apps/web -n shop  k8s/web.yaml:21:13\n",
				"    container \"web\" runs privileged\n",
				"    fix: Set securityContext.privileged: false.\n",
				"HIGH (1)\n",
				"  pss/hostNamespaces  pod/api -n shop  k8s/api.yaml:9:3\n",
				"MEDIUM (1)\n",
				// no position: the field stands in for it
				"  rbac/wildcard-verbs  clusterrolebinding.rbac.authorization.k8s.io/admin-all  roleRef\n",
				"LOW (1)\n",
				"  supplychain/latest-tag  deployment.apps/web -n shop  k8s/web.yaml:19:16\n",
				"INPUT ERRORS (2)\n",
				"  k8s/broken.yaml:7: yaml: line 7: mapping values are not allowed in this context\n",
				"  charts/bad: chart does not render\n",
				"EXPIRED WAIVERS (1)\n",
				"  rbac/*  namespace=kube-system labels{team=platform}\n",
				"expired 2029-01-31, owner platform@example.com; would waive 3 findings; reason: migration",
				"Summary: 1 critical, 1 high, 1 medium, 1 low, 0 info (4 findings)\n",
				"2 suppressed by waivers",
				"2030-05-06 05:08:09 UTC",
			},
			absent: []string{"INFO (", "node-exporter", "\x1b["},
		},
		{
			name:   "colour only when asked",
			report: sampleReport(),
			color:  true,
			want:   []string{ansiBold + ansiAlarm + "CRITICAL (1)" + ansiReset, ansiBold + "pss/privileged" + ansiReset},
		},
		{
			name:   "empty report",
			report: emptyReport(),
			want:   []string{"No findings.\n", "Summary: 0 critical, 0 high, 0 medium, 0 low, 0 info (0 findings)\n"},
			absent: []string{"suppressed", "INPUT ERRORS", "EXPIRED WAIVERS", "CRITICAL ("},
		},
		{
			name:   "long values wrap and the location moves under the line",
			report: long,
			want: []string{
				"  pss/privileged  deployment.apps/" + long.Findings[0].Object.Name + " -n shop\n    at k8s/web.yaml:21:13\n",
				"    the container runs",
			},
		},
		{
			name:   "control characters from the input are shown, not obeyed",
			report: hostile,
			want:   []string{`    hostPID \x1b]0;pwned\a\x1b[2J true` + "\n"},
			absent: []string{"\x1b", "\a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := string(render(t, "table", Options{Color: tt.color}, tt.report))
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
					t.Errorf("output contains %q:\n%s", a, out)
				}
			}
			for _, line := range strings.Split(ansiPattern.ReplaceAllString(out, ""), "\n") {
				if n := utf8.RuneCountInString(line); n > tableWidth && strings.Contains(line, " ") && !strings.Contains(line, "very-long") {
					t.Errorf("line of %d columns: %q", n, line)
				}
			}
		})
	}
}

func TestTableAlignsColumnsWithinAGroup(t *testing.T) {
	r := sampleReport()
	// two critical findings with ids and objects of different lengths
	second := r.Findings[0]
	second.CheckID = "pss/p"
	second.Object = cluster.ObjectID{APIVersion: "v1", Kind: "Pod", Name: "a"}
	r.Findings = append(r.Findings[:1], append([]check.Finding{second}, r.Findings[1:]...)...)
	out := string(render(t, "table", Options{}, r))
	var cols []int
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "  pss/p") {
			cols = append(cols, strings.Index(line, "k8s/web.yaml:21:13"))
		}
	}
	if len(cols) != 2 || cols[0] != cols[1] || cols[0] < 0 {
		t.Fatalf("positions start at columns %v, want one shared column:\n%s", cols, out)
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		text  string
		width int
		want  []string
	}{
		{"a bb ccc", 4, []string{"a bb", "ccc"}},
		{"a bb ccc", 8, []string{"a bb ccc"}},
		{"averyveryverylongword x", 5, []string{"averyveryverylongword", "x"}},
		{"one\ntwo  three", 20, []string{"one", "two three"}},
		{"", 10, []string{""}},
	}
	for _, tt := range tests {
		got := wrap(tt.text, tt.width)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("wrap(%q, %d) = %q, want %q", tt.text, tt.width, got, tt.want)
		}
	}
}
