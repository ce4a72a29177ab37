package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
)

func init() { register("junit", func(Options) Writer { return WriterFunc(writeJUnit) }) }

// The JUnit XML shape CI systems read (Jenkins, GitLab, GitHub test
// reporters): one suite per check, one case per finding.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Timestamp string      `xml:"timestamp,attr,omitempty"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
	Skipped   *junitSkipped `xml:"skipped"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// add appends a case to the suite and counts it.
func (s *junitSuite) add(c junitCase) {
	s.Cases = append(s.Cases, c)
	s.Tests++
	switch {
	case c.Failure != nil:
		s.Failures++
	case c.Error != nil:
		s.Errors++
	case c.Skipped != nil:
		s.Skipped++
	}
}

func junitFindingCase(f *check.Finding) junitCase {
	name := f.Object.String()
	if f.Field != "" {
		name += " " + f.Field
	}
	c := junitCase{Name: name, ClassName: f.CheckID, File: f.Position.File}
	if s := f.Suppression; s != nil {
		c.Skipped = &junitSkipped{Message: "waived: " + s.Reason}
		return c
	}
	var body strings.Builder
	body.WriteString(f.Message)
	body.WriteString("\n")
	if p := origin(f); p != "" {
		fmt.Fprintf(&body, "at: %s\n", p)
	}
	if f.Field != "" {
		fmt.Fprintf(&body, "field: %s\n", f.Field)
	}
	fmt.Fprintf(&body, "remediation: %s\n", f.Remediation)
	c.Failure = &junitProblem{Message: f.Message, Type: f.Severity.String(), Text: body.String()}
	return c
}

func writeJUnit(w io.Writer, r *Report) error {
	name := r.Tool.Name
	if name == "" {
		name = "palisade"
	}
	out := junitSuites{Name: name}
	var stamp string
	if !r.GeneratedAt.IsZero() {
		// JUnit's schema wants an ISO 8601 time without a zone: UTC.
		stamp = r.GeneratedAt.UTC().Format("2006-01-02T15:04:05")
	}

	suites := make([]junitSuite, 0, len(r.Checks)+1)
	index := map[string]int{}
	for _, m := range r.Checks {
		index[m.ID] = len(suites)
		suites = append(suites, junitSuite{Name: m.ID, Timestamp: stamp})
	}
	for i := range r.Findings {
		f := &r.Findings[i]
		at, ok := index[f.CheckID]
		if !ok {
			// A finding of a check missing from Checks still gets reported.
			at = len(suites)
			index[f.CheckID] = at
			suites = append(suites, junitSuite{Name: f.CheckID, Timestamp: stamp})
		}
		suites[at].add(junitFindingCase(f))
	}
	for i := range suites {
		if len(suites[i].Cases) == 0 {
			suites[i].add(junitCase{Name: "all objects", ClassName: suites[i].Name})
		}
	}
	if len(r.InputErrors) > 0 {
		in := junitSuite{Name: "input", Timestamp: stamp}
		for _, e := range r.InputErrors {
			name := e.File
			if e.Line > 0 {
				name = fmt.Sprintf("%s:%d", e.File, e.Line)
			}
			in.add(junitCase{Name: name, ClassName: "input", File: e.File,
				Error: &junitProblem{Message: e.Message, Type: "input-error", Text: e.Error()}})
		}
		suites = append(suites, in)
	}

	for _, s := range suites {
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
		out.Skipped += s.Skipped
	}
	out.Suites = suites

	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
