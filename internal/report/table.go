package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/palisade-sec/palisade/internal/check"
)

func init() { register("table", func(o Options) Writer { return &tableWriter{opts: o} }) }

// tableWidth is the width the table keeps to; only a single word longer
// than the line (a long path or id) goes past it.
const tableWidth = 100

// ANSI escape sequences, used only when Options.Color is set.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiAlarm  = "\x1b[97;41m" // bright white on red
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiBlue   = "\x1b[34m"
	ansiCyan   = "\x1b[36m"
)

var severityColor = map[check.Severity]string{
	check.SeverityCritical: ansiAlarm,
	check.SeverityHigh:     ansiRed,
	check.SeverityMedium:   ansiYellow,
	check.SeverityLow:      ansiCyan,
	check.SeverityInfo:     ansiBlue,
}

// tableWriter is the human report for a terminal:
//
//	CRITICAL (1)
//	  pss/privileged  deployment.apps/web -n shop  k8s/web.yaml:21:13
//	    container "web" runs privileged
//	    fix: Set securityContext.privileged: false.
//
// followed by input errors, expired waivers and a summary line.
type tableWriter struct{ opts Options }

// paint wraps s in an ANSI style when colour is on.
func (t *tableWriter) paint(style, s string) string {
	if !t.opts.Color || style == "" || s == "" {
		return s
	}
	return style + s + ansiReset
}

func (t *tableWriter) Write(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	t.write(bw, r)
	return bw.Flush()
}

func (t *tableWriter) write(w *bufio.Writer, r *Report) {
	groups, suppressed := groupBySeverity(r)
	sum := r.Summarize()

	if len(groups) == 0 {
		fmt.Fprintln(w, t.paint(ansiGreen, "No findings."))
	}
	for gi, g := range groups {
		if gi > 0 {
			fmt.Fprintln(w)
		}
		head := fmt.Sprintf("%s (%d)", strings.ToUpper(g.Severity.String()), len(g.Findings))
		fmt.Fprintln(w, t.paint(ansiBold+severityColor[g.Severity], head))
		idWidth, objWidth := columnWidths(g.Findings)
		for _, f := range g.Findings {
			id, obj, loc := sanitize(f.CheckID), sanitize(f.Object.String()), sanitize(location(f))
			line := "  " + t.paint(ansiBold, id) + pad(id, idWidth) + "  " + obj
			switch {
			case loc == "":
				fmt.Fprintln(w, line)
			case 2+max(utf8.RuneCountInString(id), idWidth)+2+max(utf8.RuneCountInString(obj), objWidth)+2+utf8.RuneCountInString(loc) <= tableWidth:
				fmt.Fprintln(w, line+pad(obj, objWidth)+"  "+t.paint(ansiDim, loc))
			default: // too long for one line: the location goes under it
				fmt.Fprintln(w, line)
				fmt.Fprintln(w, "    at "+t.paint(ansiDim, loc))
			}
			for _, l := range wrap(sanitize(f.Message), tableWidth-4) {
				fmt.Fprintln(w, "    "+l)
			}
			if f.Remediation != "" {
				for i, l := range wrap(sanitize(f.Remediation), tableWidth-9) {
					if i == 0 {
						fmt.Fprintln(w, "    "+t.paint(ansiGreen, "fix:")+" "+t.paint(ansiDim, l))
					} else {
						fmt.Fprintln(w, "         "+t.paint(ansiDim, l))
					}
				}
			}
		}
	}

	if len(r.InputErrors) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, t.paint(ansiBold+ansiRed, fmt.Sprintf("INPUT ERRORS (%d)", len(r.InputErrors))))
		for i := range r.InputErrors {
			for j, l := range wrap(sanitize(r.InputErrors[i].Error()), tableWidth-4) {
				if j == 0 {
					fmt.Fprintln(w, "  "+l)
				} else {
					fmt.Fprintln(w, "    "+l)
				}
			}
		}
	}

	if len(r.Notices) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, t.paint(ansiBold, fmt.Sprintf("NOT ASSESSED (%d)", len(r.Notices))))
		for _, n := range r.Notices {
			for j, l := range wrap(sanitize(n), tableWidth-4) {
				if j == 0 {
					fmt.Fprintln(w, "  "+l)
				} else {
					fmt.Fprintln(w, "    "+l)
				}
			}
		}
	}

	if len(r.ExpiredWaivers) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, t.paint(ansiBold+ansiYellow, fmt.Sprintf("EXPIRED WAIVERS (%d)", len(r.ExpiredWaivers))))
		for _, ew := range r.ExpiredWaivers {
			wv := ew.Waiver
			fmt.Fprintf(w, "  %s  %s\n", t.paint(ansiBold, sanitize(strings.Join(wv.Checks, ","))), sanitize(selectorString(wv.Selector)))
			detail := fmt.Sprintf("expired %s", wv.Expires)
			if wv.Owner != "" {
				detail += ", owner " + wv.Owner
			}
			detail += fmt.Sprintf("; would waive %s", plural(ew.Matches, "finding"))
			if wv.Reason != "" {
				detail += "; reason: " + wv.Reason
			}
			for _, l := range wrap(sanitize(detail), tableWidth-4) {
				fmt.Fprintln(w, "    "+t.paint(ansiDim, l))
			}
		}
	}

	fmt.Fprintln(w)
	counts := make([]string, 0, len(check.Severities()))
	for _, s := range severitiesDesc() {
		n := sum.BySeverity[s]
		c := fmt.Sprintf("%d %s", n, s)
		if n > 0 {
			c = t.paint(severityColor[s], c)
		}
		counts = append(counts, c)
	}
	fmt.Fprintf(w, "%s: %s (%s)\n", t.paint(ansiBold, "Summary"), strings.Join(counts, ", "), plural(sum.Total, "finding"))

	var footer []string
	if len(suppressed) > 0 {
		footer = append(footer, fmt.Sprintf("%d suppressed by waivers", len(suppressed)))
	}
	footer = append(footer, fmt.Sprintf("%s read from %s", plural(r.Objects, "object"), plural(len(r.Inputs), "input")))
	if r.Tool.Name != "" {
		footer = append(footer, sanitize(strings.TrimSpace(r.Tool.Name+" "+r.Tool.Version)))
	}
	if !r.GeneratedAt.IsZero() {
		footer = append(footer, r.GeneratedAt.UTC().Format(timeLayout))
	}
	fmt.Fprintln(w, t.paint(ansiDim, strings.Join(footer, "; ")))
}

// columnWidths returns how wide the check id and object columns of a group
// are, capped so a single long value does not push every row past the line.
func columnWidths(fs []*check.Finding) (id, obj int) {
	const maxID, maxObj = 36, 40
	for _, f := range fs {
		id = max(id, min(utf8.RuneCountInString(f.CheckID), maxID))
		obj = max(obj, min(utf8.RuneCountInString(f.Object.String()), maxObj))
	}
	return id, obj
}

// sanitize makes control characters in report text visible ("\x1b")
// instead of passing them to the terminal, so a value read from a manifest
// cannot move the cursor, recolour or retitle the user's terminal. Line
// breaks are kept; wrap handles them.
func sanitize(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteRune(r)
		case r == '\t':
			b.WriteByte(' ')
		case isControl(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isControl(r rune) bool {
	return r != '\n' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError)
}

// pad returns the spaces that bring s to width columns.
func pad(s string, width int) string {
	if n := width - utf8.RuneCountInString(s); n > 0 {
		return strings.Repeat(" ", n)
	}
	return ""
}

// wrap breaks text into lines of at most width columns at spaces, keeping
// the text's own line breaks. A word longer than width gets a line of its
// own rather than being cut.
func wrap(text string, width int) []string {
	var out []string
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		words := strings.Fields(para)
		if len(words) == 0 {
			out = append(out, "")
			continue
		}
		line := words[0]
		n := utf8.RuneCountInString(line)
		for _, word := range words[1:] {
			wn := utf8.RuneCountInString(word)
			if n+1+wn > width {
				out = append(out, line)
				line, n = word, wn
				continue
			}
			line += " " + word
			n += 1 + wn
		}
		out = append(out, line)
	}
	return out
}
