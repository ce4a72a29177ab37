package report

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/source"
)

// Independent decoding types: the test reads the XML as a CI system would,
// not through the writer's own structs.
type parsedSuites struct {
	XMLName  xml.Name      `xml:"testsuites"`
	Tests    int           `xml:"tests,attr"`
	Failures int           `xml:"failures,attr"`
	Errors   int           `xml:"errors,attr"`
	Skipped  int           `xml:"skipped,attr"`
	Suites   []parsedSuite `xml:"testsuite"`
}

type parsedSuite struct {
	Name     string `xml:"name,attr"`
	Tests    int    `xml:"tests,attr"`
	Failures int    `xml:"failures,attr"`
	Errors   int    `xml:"errors,attr"`
	Skipped  int    `xml:"skipped,attr"`
	Cases    []struct {
		Name      string `xml:"name,attr"`
		ClassName string `xml:"classname,attr"`
		Failure   *struct {
			Message string `xml:"message,attr"`
			Type    string `xml:"type,attr"`
			Text    string `xml:",chardata"`
		} `xml:"failure"`
		Error *struct {
			Message string `xml:"message,attr"`
			Type    string `xml:"type,attr"`
		} `xml:"error"`
		Skipped *struct {
			Message string `xml:"message,attr"`
		} `xml:"skipped"`
	} `xml:"testcase"`
}

func parseJUnit(t *testing.T, r *Report) parsedSuites {
	t.Helper()
	b := render(t, "junit", Options{}, r)
	var p parsedSuites
	if err := xml.Unmarshal(b, &p); err != nil {
		t.Fatalf("parsing JUnit back: %v\n%s", err, b)
	}
	return p
}

func TestJUnitCounts(t *testing.T) {
	noChecks := sampleReport()
	noChecks.Checks = nil
	noChecks.InputErrors = nil

	type counts struct{ tests, failures, errors, skipped int }
	tests := []struct {
		name   string
		report *Report
		total  counts
		suites map[string]counts
		order  []string
	}{
		{
			name:   "sample",
			report: sampleReport(),
			total:  counts{tests: 9, failures: 4, errors: 2, skipped: 2},
			order:  []string{"pss/hostNamespaces", "pss/privileged", "rbac/wildcard-verbs", "supplychain/latest-tag", "workload/no-limits", "input"},
			suites: map[string]counts{
				"pss/hostNamespaces":     {tests: 2, failures: 1, skipped: 1},
				"pss/privileged":         {tests: 1, failures: 1},
				"rbac/wildcard-verbs":    {tests: 1, failures: 1},
				"supplychain/latest-tag": {tests: 2, failures: 1, skipped: 1},
				"workload/no-limits":     {tests: 1}, // the passing "all objects" case
				"input":                  {tests: 2, errors: 2},
			},
		},
		{
			name:   "clean",
			report: emptyReport(),
			total:  counts{tests: 1},
			order:  []string{"pss/privileged"},
			suites: map[string]counts{"pss/privileged": {tests: 1}},
		},
		{
			name:   "findings of checks not listed still appear",
			report: noChecks,
			total:  counts{tests: 6, failures: 4, skipped: 2},
			order:  []string{"pss/privileged", "pss/hostNamespaces", "rbac/wildcard-verbs", "supplychain/latest-tag"},
		},
		{
			name:   "only input errors",
			report: &Report{InputErrors: []source.InputError{{File: "a.yaml", Message: "bad"}}},
			total:  counts{tests: 1, errors: 1},
			order:  []string{"input"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := parseJUnit(t, tt.report)
			if got := (counts{p.Tests, p.Failures, p.Errors, p.Skipped}); got != tt.total {
				t.Errorf("testsuites counts %+v, want %+v", got, tt.total)
			}
			var names []string
			var sum counts
			for _, s := range p.Suites {
				names = append(names, s.Name)
				got := counts{s.Tests, s.Failures, s.Errors, s.Skipped}
				// the attributes must agree with the cases under them
				var seen counts
				for _, c := range s.Cases {
					seen.tests++
					switch {
					case c.Failure != nil:
						seen.failures++
					case c.Error != nil:
						seen.errors++
					case c.Skipped != nil:
						seen.skipped++
					}
				}
				if got != seen {
					t.Errorf("suite %s says %+v but holds %+v", s.Name, got, seen)
				}
				if want, ok := tt.suites[s.Name]; ok && got != want {
					t.Errorf("suite %s counts %+v, want %+v", s.Name, got, want)
				}
				sum.tests += got.tests
				sum.failures += got.failures
				sum.errors += got.errors
				sum.skipped += got.skipped
			}
			if sum != tt.total {
				t.Errorf("suites add up to %+v, want %+v", sum, tt.total)
			}
			if strings.Join(names, ",") != strings.Join(tt.order, ",") {
				t.Errorf("suites %q, want %q", names, tt.order)
			}
		})
	}
}

func TestJUnitCases(t *testing.T) {
	r := sampleReport()
	r.Findings[0].Message = `container "web" runs privileged & <escapes>`
	p := parseJUnit(t, r)
	byName := map[string]parsedSuite{}
	for _, s := range p.Suites {
		byName[s.Name] = s
	}

	priv := byName["pss/privileged"].Cases[0]
	if priv.Name != "deployment.apps/web -n shop spec.template.spec.containers[0].securityContext.privileged" || priv.ClassName != "pss/privileged" {
		t.Errorf("case %q class %q", priv.Name, priv.ClassName)
	}
	if priv.Failure == nil || priv.Failure.Type != "critical" || priv.Failure.Message != r.Findings[0].Message {
		t.Fatalf("failure %+v", priv.Failure)
	}
	for _, want := range []string{r.Findings[0].Message, "at: k8s/web.yaml:21:13", "remediation: Set securityContext.privileged: false."} {
		if !strings.Contains(priv.Failure.Text, want) {
			t.Errorf("failure text lacks %q:\n%s", want, priv.Failure.Text)
		}
	}

	waived := byName["pss/hostNamespaces"].Cases[1]
	if waived.Skipped == nil || waived.Skipped.Message != "waived: node exporter reads host processes" || waived.Failure != nil {
		t.Errorf("waived case %+v", waived)
	}

	pass := byName["workload/no-limits"].Cases[0]
	if pass.Name != "all objects" || pass.Failure != nil || pass.Skipped != nil || pass.Error != nil {
		t.Errorf("passing case %+v", pass)
	}

	in := byName["input"].Cases
	if in[0].Name != "k8s/broken.yaml:7" || in[0].Error == nil || !strings.Contains(in[0].Error.Message, "mapping values") {
		t.Errorf("input error case %+v", in[0])
	}
	if in[1].Name != "charts/bad" {
		t.Errorf("input error without a line named %q", in[1].Name)
	}
}
