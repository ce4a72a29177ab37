package report

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/palisade-sec/palisade/internal/check"
)

// Helpers shared by the writers. They only arrange what the Report holds;
// none of them drops or re-ranks a finding.

// severitiesDesc lists every severity, most severe first.
func severitiesDesc() []check.Severity {
	s := check.Severities()
	out := make([]check.Severity, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// severityGroup is the unsuppressed findings of one severity, in report order.
type severityGroup struct {
	Severity check.Severity
	Findings []*check.Finding
}

// groupBySeverity splits the unsuppressed findings by severity, most severe
// first, keeping the report's order inside each group. Severities without
// findings are left out. Suppressed findings are returned apart.
func groupBySeverity(r *Report) (groups []severityGroup, suppressed []*check.Finding) {
	by := map[check.Severity][]*check.Finding{}
	var extra []check.Severity // severities outside the known range, kept rather than dropped
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.Suppressed() {
			suppressed = append(suppressed, f)
			continue
		}
		if _, seen := by[f.Severity]; !seen && !knownSeverity(f.Severity) {
			extra = append(extra, f.Severity)
		}
		by[f.Severity] = append(by[f.Severity], f)
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i] > extra[j] })
	for _, s := range append(severitiesDesc(), extra...) {
		if fs := by[s]; len(fs) > 0 {
			groups = append(groups, severityGroup{Severity: s, Findings: fs})
		}
	}
	return groups, suppressed
}

func knownSeverity(s check.Severity) bool {
	return s >= check.SeverityInfo && s <= check.SeverityCritical
}

// location is where a finding is: its source position when known; for an
// object read from a cluster, its field path and the cluster and version
// judged ("spec.hostPID (cluster prod, resourceVersion 1234)"); else its
// field path.
func location(f *check.Finding) string {
	if p := f.Position.String(); p != "" {
		return p
	}
	if f.Live != nil {
		if f.Field == "" {
			return liveLocation(f.Live)
		}
		return f.Field + " (" + liveLocation(f.Live) + ")"
	}
	return f.Field
}

// origin is where a finding's object was read: its source position, or the
// cluster and version for an object read from a cluster; "" when unknown.
func origin(f *check.Finding) string {
	if p := f.Position.String(); p != "" {
		return p
	}
	if f.Live != nil {
		return liveLocation(f.Live)
	}
	return ""
}

// liveLocation names a cluster and an object's version in it the way a
// person reads them: "cluster prod, resourceVersion 1234".
func liveLocation(l *check.LiveOrigin) string {
	name := l.Cluster
	if name == "" {
		name = l.Server
	}
	if l.ResourceVersion == "" {
		return "cluster " + name
	}
	return "cluster " + name + ", resourceVersion " + l.ResourceVersion
}

// selectorString describes a waiver's selector, e.g.
// "namespace=shop kind=Deployment labels{team=data}", or "all objects".
func selectorString(s check.Selector) string {
	var parts []string
	if s.Namespace != "" {
		parts = append(parts, "namespace="+s.Namespace)
	}
	if s.Kind != "" {
		parts = append(parts, "kind="+s.Kind)
	}
	if s.Name != "" {
		parts = append(parts, "name="+s.Name)
	}
	if len(s.Labels) > 0 {
		keys := make([]string, 0, len(s.Labels))
		for k := range s.Labels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		labels := make([]string, len(keys))
		for i, k := range keys {
			labels[i] = k + "=" + s.Labels[k]
		}
		parts = append(parts, "labels{"+strings.Join(labels, ",")+"}")
	}
	if len(parts) == 0 {
		return "all objects"
	}
	return strings.Join(parts, " ")
}

// plural formats a count with a noun: "1 finding", "2 findings".
func plural(n int, noun string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// capitalize upper-cases the first letter of s.
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// timeLayout is how the human formats print GeneratedAt (always UTC).
const timeLayout = "2006-01-02 15:04:05 UTC"
