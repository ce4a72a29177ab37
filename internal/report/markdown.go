package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

func init() { register("markdown", func(Options) Writer { return WriterFunc(writeMarkdown) }) }

// writeMarkdown writes a GitHub-flavoured Markdown report sized for a pull
// request comment: counts first, then one table per severity.
func writeMarkdown(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	md := &mdWriter{w: bw}
	md.write(r)
	return bw.Flush()
}

type mdWriter struct{ w *bufio.Writer }

func (m *mdWriter) line(format string, args ...any) {
	fmt.Fprintf(m.w, format, args...)
	m.w.WriteByte('\n')
}

// row writes one table row of already escaped cells.
func (m *mdWriter) row(cells ...string) { m.line("| %s |", strings.Join(cells, " | ")) }

func (m *mdWriter) write(r *Report) {
	groups, suppressed := groupBySeverity(r)
	sum := r.Summarize()

	title := "Palisade"
	if r.Tool.Name != "" {
		title = r.Tool.Name
	}
	m.line("## %s scan results", mdText(title))
	m.line("")
	var meta []string
	if r.Tool.Version != "" {
		meta = append(meta, mdText(r.Tool.Name+" "+r.Tool.Version))
	}
	meta = append(meta, plural(r.Objects, "object")+" read from "+plural(len(r.Inputs), "input"))
	if !r.GeneratedAt.IsZero() {
		meta = append(meta, r.GeneratedAt.UTC().Format(timeLayout))
	}
	m.line("%s", strings.Join(meta, " · "))
	m.line("")

	m.row("Severity", "Findings")
	m.row("---", "---:")
	for _, s := range severitiesDesc() {
		m.row(capitalize(s.String()), fmt.Sprint(sum.BySeverity[s]))
	}
	m.row("**Total**", fmt.Sprintf("**%d**", sum.Total))
	m.line("")
	var notes []string
	if sum.Suppressed > 0 {
		notes = append(notes, fmt.Sprintf("%d suppressed by waivers", sum.Suppressed))
	}
	if n := len(r.InputErrors); n > 0 {
		notes = append(notes, plural(n, "input error"))
	}
	if n := len(r.ExpiredWaivers); n > 0 {
		notes = append(notes, plural(n, "expired waiver"))
	}
	if len(notes) > 0 {
		m.line("%s.", strings.Join(notes, " · "))
		m.line("")
	}

	if len(groups) == 0 {
		m.line("No findings.")
		m.line("")
	}
	for _, g := range groups {
		m.line("### %s (%d)", capitalize(g.Severity.String()), len(g.Findings))
		m.line("")
		m.row("Severity", "Check", "Object", "Location", "Message")
		m.row("---", "---", "---", "---", "---")
		for _, f := range g.Findings {
			m.row(f.Severity.String(), mdCode(f.CheckID), mdCode(f.Object.String()), mdCode(location(f)), mdText(f.Message))
		}
		m.line("")
	}

	if len(suppressed) > 0 {
		m.line("### Suppressed by waivers (%d)", len(suppressed))
		m.line("")
		m.row("Severity", "Check", "Object", "Location", "Waiver", "Reason", "Owner", "Expires")
		m.row("---", "---", "---", "---", "---", "---", "---", "---")
		for _, f := range suppressed {
			s := f.Suppression
			m.row(f.Severity.String(), mdCode(f.CheckID), mdCode(f.Object.String()), mdCode(location(f)),
				mdText(s.Source), mdText(s.Reason), mdText(s.Owner), mdText(s.Expires))
		}
		m.line("")
	}

	if len(r.Notices) > 0 {
		m.line("### Not assessed (%d)", len(r.Notices))
		m.line("")
		for _, n := range r.Notices {
			m.line("- %s", mdText(n))
		}
		m.line("")
	}

	if len(r.InputErrors) > 0 {
		m.line("### Input errors (%d)", len(r.InputErrors))
		m.line("")
		m.row("File", "Line", "Message")
		m.row("---", "---:", "---")
		for _, e := range r.InputErrors {
			line := ""
			if e.Line > 0 {
				line = fmt.Sprint(e.Line)
			}
			m.row(mdCode(e.File), line, mdText(e.Message))
		}
		m.line("")
	}

	if len(r.ExpiredWaivers) > 0 {
		m.line("### Expired waivers (%d)", len(r.ExpiredWaivers))
		m.line("")
		m.row("Checks", "Selector", "Reason", "Owner", "Expired", "Would waive")
		m.row("---", "---", "---", "---", "---", "---:")
		for _, ew := range r.ExpiredWaivers {
			wv := ew.Waiver
			m.row(mdCode(strings.Join(wv.Checks, ", ")), mdText(selectorString(wv.Selector)), mdText(wv.Reason),
				mdText(wv.Owner), mdText(wv.Expires), fmt.Sprint(ew.Matches))
		}
		m.line("")
	}
}

// mdSpecial are the characters that could start inline Markdown or HTML
// inside a table cell (block syntax such as lists cannot start there). Each
// is backslash-escaped, which CommonMark allows for any ASCII punctuation.
const mdSpecial = "\\`*_[]<>|~&"

// mdText escapes text for a table cell: Markdown syntax is shown literally,
// "|" cannot end the cell and line breaks become <br>.
func mdText(s string) string {
	var b strings.Builder
	s = strings.ReplaceAll(s, "\r\n", "\n")
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString("<br>")
		case r == '\r' || r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r == 0x7f:
			// other control characters have no place in a comment
		case strings.ContainsRune(mdSpecial, r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mdCode sets s in a code span, escaping "|" the way GitHub's tables need.
// Text a code span cannot hold (backticks, line breaks) falls back to mdText.
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	if strings.ContainsAny(s, "`\r\n") || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return mdText(s)
	}
	return "`" + strings.ReplaceAll(s, "|", `\|`) + "`"
}
