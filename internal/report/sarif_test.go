package report

import (
	"bytes"
	"slices"
	"testing"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

func readSARIF(t *testing.T, b []byte) *sarif.Report {
	t.Helper()
	log, err := sarif.FromBytes(b)
	if err != nil {
		t.Fatalf("reading SARIF back: %v\n%s", err, b)
	}
	return log
}

func TestSARIFValidatesAgainstSchema(t *testing.T) {
	for name, r := range map[string]*Report{
		"sample":   sampleReport(),
		"empty":    emptyReport(),
		"no tool":  {},
		"no rules": {Findings: sampleReport().Findings},
	} {
		t.Run(name, func(t *testing.T) {
			log := readSARIF(t, render(t, "sarif", Options{}, r))
			if err := log.Validate(); err != nil {
				t.Fatalf("schema validation: %v", err)
			}
			if log.Version != "2.1.0" || len(log.Runs) != 1 {
				t.Fatalf("version %q, %d runs; want 2.1.0 and one run", log.Version, len(log.Runs))
			}
		})
	}
}

// The schema check above must be able to fail, or it proves nothing.
func TestSARIFValidateRejectsBadLevel(t *testing.T) {
	b := render(t, "sarif", Options{}, sampleReport())
	b = bytes.Replace(b, []byte(`"level": "error"`), []byte(`"level": "fatal"`), 1)
	if err := readSARIF(t, b).Validate(); err == nil {
		t.Fatal("a result with level \"fatal\" passed validation")
	}
}

func TestSARIFRules(t *testing.T) {
	r := sampleReport()
	run := readSARIF(t, render(t, "sarif", Options{}, r)).Runs[0]
	d := run.Tool.Driver
	if *d.Name != "palisade" || *d.Version != "1.2.3" || *d.InformationURI != r.Tool.URI {
		t.Errorf("driver = %q %q %q", *d.Name, *d.Version, *d.InformationURI)
	}
	if len(d.Rules) != len(r.Checks) {
		t.Fatalf("%d rules, want one per check (%d)", len(d.Rules), len(r.Checks))
	}
	tests := []struct {
		id, level, secSev string
		tags              []string
	}{
		{"pss/hostNamespaces", "error", "8.0", []string{"vector/insecure-config", "strategy/pod-security", "pss/baseline"}},
		{"pss/privileged", "error", "9.5", []string{"external/cis/5.2.1", "external/nsa/Kubernetes Pod security", "external/mitre/T1611", "pss/baseline"}},
		{"rbac/wildcard-verbs", "warning", "5.5", []string{"vector/api-exposure", "strategy/authn-authz", "external/mitre/T1078"}},
		{"supplychain/latest-tag", "note", "3.0", []string{"vector/supply-chain", "strategy/image-security"}},
		{"workload/no-limits", "note", "0.0", []string{"security"}},
	}
	for i, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			rule := d.Rules[i]
			m := r.Checks[i]
			if *rule.ID != tt.id || *rule.Name != tt.id {
				t.Fatalf("rule %d is %q (name %q), want %q", i, *rule.ID, *rule.Name, tt.id)
			}
			if rule.DefaultConfiguration.Level != tt.level {
				t.Errorf("level %q, want %q", rule.DefaultConfiguration.Level, tt.level)
			}
			if got := rule.Properties.Properties["security-severity"]; got != tt.secSev {
				t.Errorf("security-severity %v, want %q", got, tt.secSev)
			}
			for _, tag := range tt.tags {
				if !slices.Contains(rule.Properties.Tags, tag) {
					t.Errorf("tags %q lack %q", rule.Properties.Tags, tag)
				}
			}
			if *rule.ShortDescription.Text != m.Title || *rule.FullDescription.Text != m.Description {
				t.Errorf("descriptions %q / %q", *rule.ShortDescription.Text, *rule.FullDescription.Text)
			}
			if *rule.Help.Text != m.Remediation || !bytes.Contains([]byte(*rule.Help.Markdown), []byte(m.Remediation)) {
				t.Errorf("help %q / %q does not carry the remediation", *rule.Help.Text, *rule.Help.Markdown)
			}
		})
	}
}

func TestSARIFResults(t *testing.T) {
	r := sampleReport()
	run := readSARIF(t, render(t, "sarif", Options{}, r)).Runs[0]
	if len(run.Results) != len(r.Findings) {
		t.Fatalf("%d results, want %d (suppressed findings included)", len(run.Results), len(r.Findings))
	}
	tests := []struct {
		ruleID        string
		level         string
		uri           string // "" means no physical location
		line, column  int
		suppression   string // kind, "" for none
		justification string
	}{
		{"pss/privileged", "error", "k8s/web.yaml", 21, 13, "", ""},
		{"pss/hostNamespaces", "error", "k8s/api.yaml", 9, 3, "", ""},
		{"pss/hostNamespaces", "error", "k8s/exporter.yaml", 14, 7, "inSource", "node exporter reads host processes"},
		{"rbac/wildcard-verbs", "warning", "", 0, 0, "", ""},
		{"supplychain/latest-tag", "note", "k8s/web.yaml", 19, 16, "", ""},
		{"supplychain/latest-tag", "note", "k8s/exporter.yaml", 20, 16, "external", "vendor image, pinned in Q3"},
	}
	rules := run.Tool.Driver.Rules
	for i, tt := range tests {
		res := run.Results[i]
		f := r.Findings[i]
		if *res.RuleID != tt.ruleID {
			t.Fatalf("result %d: ruleId %q, want %q", i, *res.RuleID, tt.ruleID)
		}
		if res.RuleIndex < 0 || res.RuleIndex >= len(rules) || *rules[res.RuleIndex].ID != tt.ruleID {
			t.Errorf("result %d: ruleIndex %d does not point at rule %q", i, res.RuleIndex, tt.ruleID)
		}
		if res.Level != tt.level {
			t.Errorf("result %d: level %q, want %q", i, res.Level, tt.level)
		}
		if want := f.Message + " (" + f.Object.String() + ")"; *res.Message.Text != want {
			t.Errorf("result %d: message %q, want %q", i, *res.Message.Text, want)
		}
		if len(res.Locations) != 1 {
			t.Fatalf("result %d: %d locations, want 1", i, len(res.Locations))
		}
		loc := res.Locations[0]
		pl := loc.PhysicalLocation
		switch {
		case tt.uri == "" && pl != nil:
			t.Errorf("result %d: physical location %+v for a finding without a position", i, pl)
		case tt.uri != "" && pl == nil:
			t.Errorf("result %d: no physical location", i)
		case tt.uri != "":
			if *pl.ArtifactLocation.URI != tt.uri || *pl.Region.StartLine != tt.line || *pl.Region.StartColumn != tt.column {
				t.Errorf("result %d: at %s:%d:%d, want %s:%d:%d", i, *pl.ArtifactLocation.URI, *pl.Region.StartLine, *pl.Region.StartColumn, tt.uri, tt.line, tt.column)
			}
		}
		if len(loc.LogicalLocations) != 1 {
			t.Fatalf("result %d: %d logical locations", i, len(loc.LogicalLocations))
		}
		ll := loc.LogicalLocations[0]
		if *ll.Name != f.Object.Name || *ll.Kind != f.Object.Kind || *ll.FullyQualifiedName != f.Object.String() {
			t.Errorf("result %d: logical location %q %q %q", i, *ll.Kind, *ll.Name, *ll.FullyQualifiedName)
		}
		if ns, _ := ll.Properties.Properties["namespace"].(string); ns != f.Object.Namespace {
			t.Errorf("result %d: namespace %q, want %q", i, ns, f.Object.Namespace)
		}
		if got := res.PartialFingerprints[fingerprintKey]; got != fingerprint(&f) || len(got) != 64 {
			t.Errorf("result %d: fingerprint %q", i, got)
		}
		switch {
		case tt.suppression == "" && len(res.Suppressions) != 0:
			t.Errorf("result %d: unexpected suppressions", i)
		case tt.suppression != "":
			if len(res.Suppressions) != 1 {
				t.Fatalf("result %d: %d suppressions, want 1", i, len(res.Suppressions))
			}
			s := res.Suppressions[0]
			if *s.Kind != tt.suppression || *s.Justification != tt.justification {
				t.Errorf("result %d: suppression %q %q, want %q %q", i, *s.Kind, *s.Justification, tt.suppression, tt.justification)
			}
		}
	}
}

func TestSARIFInvocation(t *testing.T) {
	tests := []struct {
		name          string
		report        *Report
		successful    bool
		notifications []string // file of each notification's location
		lines         []int
	}{
		{"input errors", sampleReport(), false, []string{"k8s/broken.yaml", "charts/bad"}, []int{7, 0}},
		{"clean", emptyReport(), true, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := readSARIF(t, render(t, "sarif", Options{}, tt.report)).Runs[0]
			if len(run.Invocations) != 1 {
				t.Fatalf("%d invocations, want 1", len(run.Invocations))
			}
			inv := run.Invocations[0]
			if inv.ExecutionSuccessful == nil || *inv.ExecutionSuccessful != tt.successful {
				t.Errorf("executionSuccessful = %v, want %v", inv.ExecutionSuccessful, tt.successful)
			}
			if len(inv.ToolExecutionNotifications) != len(tt.notifications) {
				t.Fatalf("%d notifications, want %d", len(inv.ToolExecutionNotifications), len(tt.notifications))
			}
			for i, n := range inv.ToolExecutionNotifications {
				e := tt.report.InputErrors[i]
				if n.Level != "error" || *n.Message.Text != e.Message {
					t.Errorf("notification %d: %s %q", i, n.Level, *n.Message.Text)
				}
				pl := n.Locations[0].PhysicalLocation
				if *pl.ArtifactLocation.URI != tt.notifications[i] {
					t.Errorf("notification %d at %q, want %q", i, *pl.ArtifactLocation.URI, tt.notifications[i])
				}
				if got := 0; pl.Region != nil {
					got = *pl.Region.StartLine
					if got != tt.lines[i] {
						t.Errorf("notification %d line %d, want %d", i, got, tt.lines[i])
					}
				} else if tt.lines[i] != 0 {
					t.Errorf("notification %d has no region, want line %d", i, tt.lines[i])
				}
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	base := findingOf(metaPrivileged, webDeploy, "spec.x", cluster.Position{File: "a.yaml", Line: 3, Column: 1}, "m")
	moved := base
	moved.Position = cluster.Position{File: "b.yaml", Line: 90, Column: 5}
	moved.Message = "reworded"
	otherField := base
	otherField.Field = "spec.y"
	otherObj := base
	otherObj.Object.Namespace = "dev"
	otherCheck := base
	otherCheck.CheckID = "pss/other"
	tests := []struct {
		name string
		f    check.Finding
		same bool
	}{
		{"moved and reworded", moved, true},
		{"other field", otherField, false},
		{"other namespace", otherObj, false},
		{"other check", otherCheck, false},
	}
	for _, tt := range tests {
		if got := fingerprint(&tt.f) == fingerprint(&base); got != tt.same {
			t.Errorf("%s: same fingerprint = %v, want %v", tt.name, got, tt.same)
		}
	}
}

func TestArtifactURI(t *testing.T) {
	tests := []struct{ path, want string }{
		{"k8s/web.yaml", "k8s/web.yaml"},
		{"./k8s/web.yaml", "./k8s/web.yaml"},
		{"my manifests/web#1.yaml", "my%20manifests/web%231.yaml"},
		{"/abs/web.yaml", "/abs/web.yaml"},
		{"charts/app/templates/deploy.yaml", "charts/app/templates/deploy.yaml"},
	}
	for _, tt := range tests {
		if got := artifactURI(tt.path); got != tt.want {
			t.Errorf("artifactURI(%q) = %q, want %q", tt.path, got, tt.want)
		}
	}
}
