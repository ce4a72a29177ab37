package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

func init() { register("sarif", func(Options) Writer { return WriterFunc(writeSARIF) }) }

// fingerprintKey names Palisade's entry in result.partialFingerprints. The
// suffix is the version of the hash recipe (see fingerprint).
const fingerprintKey = "palisadeFinding/v1"

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(s check.Severity) string {
	switch {
	case s >= check.SeverityHigh:
		return sarif.LevelError
	case s == check.SeverityMedium:
		return sarif.LevelWarning
	default:
		return sarif.LevelNote
	}
}

// securitySeverity is the CVSS-like score GitHub code scanning reads from a
// rule's "security-severity" property to rank alerts.
func securitySeverity(s check.Severity) string {
	switch s {
	case check.SeverityCritical:
		return "9.5"
	case check.SeverityHigh:
		return "8.0"
	case check.SeverityMedium:
		return "5.5"
	case check.SeverityLow:
		return "3.0"
	default:
		return "0.0"
	}
}

// suppressionKind maps a waiver's source to a SARIF suppression kind: an
// annotation sits in the scanned file ("inSource"), a config waiver does not.
func suppressionKind(source string) string {
	if source == "annotation" {
		return "inSource"
	}
	return "external"
}

// fingerprint identifies a finding across scans: it depends on the check,
// the object and the field, never on the line the field is on.
func fingerprint(f *check.Finding) string {
	h := sha256.New()
	for _, part := range []string{f.CheckID, f.Object.String(), f.Field} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// artifactURI turns a path as the user named it into a URI reference: the
// path stays relative when it was, with forward slashes and reserved
// characters percent-encoded.
func artifactURI(path string) string {
	return (&url.URL{Path: filepath.ToSlash(path)}).String()
}

func ruleTags(m *check.Metadata) []string {
	tags := []string{"security", "vector/" + string(m.Vector), "strategy/" + string(m.Strategy)}
	for _, id := range m.References.CIS {
		tags = append(tags, "external/cis/"+id)
	}
	for _, s := range m.References.NSA {
		tags = append(tags, "external/nsa/"+s)
	}
	for _, id := range m.References.MITRE {
		tags = append(tags, "external/mitre/"+id)
	}
	if m.References.PSS != "" {
		tags = append(tags, "pss/"+m.References.PSS)
	}
	return tags
}

// ruleHelpMarkdown is the rule's help as Markdown: remediation first, then
// the description and the framework references.
func ruleHelpMarkdown(m *check.Metadata) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**Remediation.** %s\n\n%s\n", m.Remediation, m.Description)
	refs := []struct {
		name string
		ids  []string
	}{
		{"CIS Kubernetes Benchmark", m.References.CIS},
		{"NSA/CISA Kubernetes Hardening Guide", m.References.NSA},
		{"MITRE ATT&CK", m.References.MITRE},
	}
	if m.References.PSS != "" {
		refs = append(refs, struct {
			name string
			ids  []string
		}{"Pod Security Standards", []string{m.References.PSS}})
	}
	first := true
	for _, r := range refs {
		if len(r.ids) == 0 {
			continue
		}
		if first {
			b.WriteString("\n**References**\n\n")
			first = false
		}
		fmt.Fprintf(&b, "- %s: %s\n", r.name, strings.Join(r.ids, ", "))
	}
	return b.String()
}

func sarifRule(m *check.Metadata) *sarif.ReportingDescriptor {
	rule := sarif.NewRule(m.ID)
	rule.Name = ptr(m.ID)
	rule.ShortDescription = sarif.NewMultiformatMessageString().WithText(m.Title)
	rule.FullDescription = sarif.NewMultiformatMessageString().WithText(m.Description)
	rule.Help = sarif.NewMultiformatMessageString().WithText(m.Remediation).WithMarkdown(ruleHelpMarkdown(m))
	cfg := sarif.NewReportingConfiguration()
	cfg.Level = sarifLevel(m.Severity)
	rule.DefaultConfiguration = cfg
	props := sarif.NewPropertyBag()
	props.Tags = ruleTags(m)
	props.Properties["security-severity"] = securitySeverity(m.Severity)
	rule.Properties = props
	return rule
}

func sarifLogicalLocation(id cluster.ObjectID) *sarif.LogicalLocation {
	loc := sarif.NewLogicalLocation()
	loc.Name = ptr(id.Name)
	loc.Kind = ptr(id.Kind)
	loc.FullyQualifiedName = ptr(id.String())
	props := sarif.NewPropertyBag()
	props.Properties["apiVersion"] = id.APIVersion
	if id.Namespace != "" {
		props.Properties["namespace"] = id.Namespace
	}
	loc.Properties = props
	return loc
}

// sarifRegion is the region of a known line, or nil.
func sarifRegion(line, column int) *sarif.Region {
	if line <= 0 {
		return nil
	}
	region := sarif.NewRegion()
	region.StartLine = ptr(line)
	if column > 0 {
		region.StartColumn = ptr(column)
	}
	return region
}

func sarifPhysicalLocation(file string, line, column int) *sarif.PhysicalLocation {
	pl := sarif.NewPhysicalLocation()
	pl.ArtifactLocation = sarif.NewSimpleArtifactLocation(artifactURI(file))
	pl.Region = sarifRegion(line, column)
	return pl
}

func sarifResult(f *check.Finding, ruleIndex map[string]int) *sarif.Result {
	res := sarif.NewRuleResult(f.CheckID)
	if i, ok := ruleIndex[f.CheckID]; ok {
		res.RuleIndex = i
	}
	res.Level = sarifLevel(f.Severity)
	res.Message = sarif.NewTextMessage(f.Message + " (" + f.Object.String() + ")")

	loc := sarif.NewLocation()
	if f.Position.File != "" {
		loc.PhysicalLocation = sarifPhysicalLocation(f.Position.File, f.Position.Line, f.Position.Column)
	}
	loc.LogicalLocations = append(loc.LogicalLocations, sarifLogicalLocation(f.Object))
	res.Locations = append(res.Locations, loc)

	res.PartialFingerprints = map[string]string{fingerprintKey: fingerprint(f)}
	props := sarif.NewPropertyBag()
	props.Properties["severity"] = f.Severity.String()
	props.Properties["vector"] = string(f.Vector)
	props.Properties["strategy"] = string(f.Strategy)
	if f.Field != "" {
		props.Properties["field"] = f.Field
	}
	if l := f.Live; l != nil {
		// Read from a cluster: no file to point at; the logical location
		// names the object, these name the cluster and its version.
		props.Properties["cluster"] = l.Cluster
		if l.Server != "" {
			props.Properties["server"] = l.Server
		}
		if l.ResourceVersion != "" {
			props.Properties["resourceVersion"] = l.ResourceVersion
		}
	}
	res.Properties = props

	if s := f.Suppression; s != nil {
		sup := sarif.NewSuppression()
		sup.Kind = ptr(suppressionKind(s.Source))
		sup.Status = ptr("accepted")
		sup.Justification = ptr(s.Reason)
		sp := sarif.NewPropertyBag()
		sp.Properties["source"] = s.Source
		if s.Owner != "" {
			sp.Properties["owner"] = s.Owner
		}
		if s.Expires != "" {
			sp.Properties["expires"] = s.Expires
		}
		sup.Properties = sp
		res.Suppressions = append(res.Suppressions, sup)
	}
	return res
}

func writeSARIF(w io.Writer, r *Report) error {
	log := sarif.NewReport()
	run := sarif.NewRun()
	run.Tool = sarif.NewTool()
	driver := sarif.NewToolComponent()
	driver.Name = ptr(r.Tool.Name)
	if r.Tool.Version != "" {
		driver.Version = ptr(r.Tool.Version)
	}
	if r.Tool.URI != "" {
		driver.InformationURI = ptr(r.Tool.URI)
	}
	run.Tool.Driver = driver
	// Columns come from the YAML parser, which counts characters.
	run.ColumnKind = ptr("unicodeCodePoints")

	ruleIndex := make(map[string]int, len(r.Checks))
	for i := range r.Checks {
		ruleIndex[r.Checks[i].ID] = len(driver.Rules)
		driver.Rules = append(driver.Rules, sarifRule(&r.Checks[i]))
	}
	for i := range r.Findings {
		run.AddResult(sarifResult(&r.Findings[i], ruleIndex))
	}

	inv := sarif.NewInvocation()
	inv.ExecutionSuccessful = ptr(len(r.InputErrors) == 0)
	if !r.GeneratedAt.IsZero() {
		inv.StartTimeUtc = ptr(r.GeneratedAt.UTC().Format("2006-01-02T15:04:05Z"))
	}
	for _, e := range r.InputErrors {
		n := sarif.NewNotification()
		n.Level = sarif.LevelError
		n.Message = sarif.NewTextMessage(e.Message)
		if e.File != "" {
			loc := sarif.NewLocation()
			loc.PhysicalLocation = sarifPhysicalLocation(e.File, e.Line, 0)
			n.Locations = append(n.Locations, loc)
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
	}
	for _, text := range r.Notices {
		n := sarif.NewNotification()
		n.Level = sarif.LevelNote
		n.Message = sarif.NewTextMessage(text)
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
	}
	for _, ew := range r.ExpiredWaivers {
		n := sarif.NewNotification()
		n.Level = sarif.LevelWarning
		n.Message = sarif.NewTextMessage(fmt.Sprintf("waiver for %s (%s) expired on %s; it no longer waives %s",
			strings.Join(ew.Waiver.Checks, ","), selectorString(ew.Waiver.Selector), ew.Waiver.Expires, plural(ew.Matches, "finding")))
		inv.ToolConfigurationNotifications = append(inv.ToolConfigurationNotifications, n)
	}
	run.AddInvocation(inv)

	log.AddRun(run)
	if err := log.PrettyWrite(w); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func ptr[T any](v T) *T { return &v }
