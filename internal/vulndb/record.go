package vulndb

import (
	"errors"
	"fmt"
	gocvss20 "github.com/pandatix/go-cvss/20"
	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/google/osv-scalibr/semantic"
	osvpb "github.com/ossf/osv-schema/bindings/go/osvschema"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/palisade-sec/palisade/internal/imagefacts"
)

// advisory is what the store keeps of an OSV record for reporting.
type advisory struct {
	Aliases  []string            `json:"a,omitempty"`
	Summary  string              `json:"s,omitempty"`
	Severity imagefacts.Severity `json:"v,omitempty"`
	Score    float64             `json:"c,omitempty"`
	Vector   string              `json:"cv,omitempty"`
	// Ecosystems are the full ecosystem names the record affects.
	Ecosystems []string `json:"e,omitempty"`
	// Keys are the record's index key prefixes (base \0 name \0), so the
	// record's index entries can be found from its id.
	Keys []string `json:"k,omitempty"`
}

// affected is one affected[] entry of a record, for one package.
type affected struct {
	// Ecosystem is the full ecosystem name ("Debian:12").
	Ecosystem string   `json:"e"`
	Versions  []string `json:"v,omitempty"`
	Ranges    []vrange `json:"r,omitempty"`
	// Severity is a rating the entry itself carries, when it does.
	Severity imagefacts.Severity `json:"s,omitempty"`
}

// vrange is an ECOSYSTEM or SEMVER range with its events sorted by
// version (introduced first on a tie), as OSV's evaluation wants them.
type vrange struct {
	Semver bool    `json:"sv,omitempty"`
	Events []event `json:"ev"`
}

// Event kinds.
const (
	evIntroduced   = "i"
	evFixed        = "f"
	evLastAffected = "l"
	evLimit        = "x"
)

type event struct {
	Kind    string `json:"k"`
	Version string `json:"v"`
}

// converted is one OSV record ready to store.
type converted struct {
	id  string
	adv advisory
	// byKey maps index key prefixes (base \0 name) to the record's
	// affected entries for that package.
	byKey map[string][]affected
	keys  []string // byKey's keys in first-seen order
}

var unmarshalOSV = protojson.UnmarshalOptions{DiscardUnknown: true}

// decodeRecord decodes and converts one OSV JSON record. withdrawn is true
// for a withdrawn record (conv then has only its id).
func decodeRecord(data []byte) (conv *converted, withdrawn bool, err error) {
	var v osvpb.Vulnerability
	if err := unmarshalOSV.Unmarshal(data, &v); err != nil {
		return nil, false, fmt.Errorf("not an OSV record: %v", err)
	}
	if v.GetId() == "" {
		return nil, false, errors.New("record has no id")
	}
	if v.GetWithdrawn() != nil && v.GetWithdrawn().AsTime().Unix() > 0 {
		return &converted{id: v.GetId()}, true, nil
	}
	c, err := convert(&v)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", v.GetId(), err)
	}
	return c, false, nil
}

func convert(v *osvpb.Vulnerability) (*converted, error) {
	c := &converted{id: v.GetId(), byKey: map[string][]affected{}}
	c.adv.Aliases = sortAliases(slices.Clone(v.GetAliases()), c.id)
	c.adv.Summary = summary(v)
	c.adv.Vector, c.adv.Score = pickCVSS(v.GetSeverity())
	c.adv.Severity = recordRating(v)
	for i, a := range v.GetAffected() {
		pkg := a.GetPackage()
		if pkg == nil || (pkg.GetName() == "" && pkg.GetEcosystem() == "") {
			// A GIT-only entry (commits, no package): nothing a package
			// inventory can match.
			continue
		}
		if pkg.GetName() == "" {
			return nil, fmt.Errorf("affected[%d]: package has no name", i)
		}
		if pkg.GetEcosystem() == "" {
			return nil, fmt.Errorf("affected[%d] (%s): package has no ecosystem", i, pkg.GetName())
		}
		eco := pkg.GetEcosystem()
		base := baseEcosystem(eco)
		e := affected{Ecosystem: eco, Versions: a.GetVersions(), Severity: entryRating(a)}
		for j, r := range a.GetRanges() {
			var semver bool
			switch r.GetType() {
			case osvpb.Range_GIT:
				continue
			case osvpb.Range_SEMVER:
				semver = true
			case osvpb.Range_ECOSYSTEM:
			default:
				return nil, fmt.Errorf("affected[%d] (%s %s): ranges[%d] has an unknown type (want ECOSYSTEM, SEMVER or GIT)", i, eco, pkg.GetName(), j)
			}
			vr, err := convertRange(r, semver, eco)
			if err != nil {
				return nil, fmt.Errorf("affected[%d] (%s %s): ranges[%d]: %w", i, eco, pkg.GetName(), j, err)
			}
			e.Ranges = append(e.Ranges, vr)
		}
		if len(e.Versions) == 0 && len(e.Ranges) == 0 {
			continue
		}
		key := indexPrefix(base, lookupName(base, pkg.GetName()))
		if _, ok := c.byKey[key]; !ok {
			c.keys = append(c.keys, key)
		}
		c.byKey[key] = append(c.byKey[key], e)
		if !slices.Contains(c.adv.Ecosystems, eco) {
			c.adv.Ecosystems = append(c.adv.Ecosystems, eco)
		}
	}
	c.adv.Keys = c.keys
	return c, nil
}

func convertRange(r *osvpb.Range, semver bool, eco string) (vrange, error) {
	vr := vrange{Semver: semver}
	if len(r.GetEvents()) == 0 {
		return vr, errors.New("range has no events")
	}
	for k, ev := range r.GetEvents() {
		switch {
		case ev.GetIntroduced() != "":
			vr.Events = append(vr.Events, event{evIntroduced, ev.GetIntroduced()})
		case ev.GetFixed() != "":
			vr.Events = append(vr.Events, event{evFixed, ev.GetFixed()})
		case ev.GetLastAffected() != "":
			vr.Events = append(vr.Events, event{evLastAffected, ev.GetLastAffected()})
		case ev.GetLimit() != "":
			vr.Events = append(vr.Events, event{evLimit, ev.GetLimit()})
		default:
			return vr, fmt.Errorf("events[%d] names no version", k)
		}
	}
	// Sort the events by version with the ecosystem's comparator, so that
	// matching is one walk. Ecosystems the comparator does not know keep
	// their order (only their explicit versions can match then).
	parsed := make([]semantic.Version, len(vr.Events))
	for k, ev := range vr.Events {
		if ev.Kind == evIntroduced && ev.Version == "0" {
			continue
		}
		if ev.Kind == evLimit && ev.Version == "*" {
			continue
		}
		pv, err := parseVersion(ev.Version, eco, semver)
		if errors.Is(err, semantic.ErrUnsupportedEcosystem) {
			return vr, nil
		}
		if err != nil {
			return vr, fmt.Errorf("%s version %q: %v", eventName(ev.Kind), ev.Version, err)
		}
		parsed[k] = pv
	}
	idx := make([]int, len(vr.Events))
	for k := range idx {
		idx[k] = k
	}
	rank := func(k int) int { // nil (introduced 0) lowest, limit * highest
		switch {
		case parsed[k] != nil:
			return 1
		case vr.Events[k].Kind == evIntroduced:
			return 0
		default:
			return 2
		}
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ka, kb := idx[a], idx[b]
		ra, rb := rank(ka), rank(kb)
		if ra != rb || ra != 1 {
			return ra < rb
		}
		d, err := parsed[ka].Compare(parsed[kb])
		if err != nil || d == 0 {
			return vr.Events[ka].Kind == evIntroduced && vr.Events[kb].Kind != evIntroduced
		}
		return d < 0
	})
	sorted := make([]event, len(idx))
	for k, i := range idx {
		sorted[k] = vr.Events[i]
	}
	vr.Events = sorted
	return vr, nil
}

func eventName(kind string) string {
	switch kind {
	case evIntroduced:
		return "introduced"
	case evFixed:
		return "fixed"
	case evLastAffected:
		return "last_affected"
	default:
		return "limit"
	}
}

// parseVersion parses a version of ecosystem eco, or as SemVer for a SEMVER
// range.
func parseVersion(v, eco string, semver bool) (semantic.Version, error) {
	if semver {
		return semantic.ParseSemverVersion(v), nil
	}
	return semantic.Parse(v, eco)
}

// summary is the record's summary, else the first line of its details.
func summary(v *osvpb.Vulnerability) string {
	s := strings.TrimSpace(v.GetSummary())
	if s == "" {
		s = strings.TrimSpace(v.GetDetails())
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = strings.TrimSpace(s[:i])
		}
	}
	if len(s) > 200 {
		cut := 197
		for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}

// sortAliases puts CVE ids first, then the rest, each group sorted, without
// duplicates or the record's own id.
func sortAliases(aliases []string, id string) []string {
	out := aliases[:0]
	for _, a := range aliases {
		if a != "" && a != id && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		ci, cj := strings.HasPrefix(out[i], "CVE-"), strings.HasPrefix(out[j], "CVE-")
		if ci != cj {
			return ci
		}
		return out[i] < out[j]
	})
	if len(out) == 0 {
		return nil
	}
	return out
}

// pickCVSS returns the CVSS vector a record carries, v3 first, then v4,
// then v2, with its base score computed by go-cvss. A vector that does
// not parse keeps score 0, so severity then comes from the ratings the
// record carries.
func pickCVSS(sevs []*osvpb.Severity) (vector string, score float64) {
	for _, want := range []osvpb.Severity_Type{osvpb.Severity_CVSS_V3, osvpb.Severity_CVSS_V4, osvpb.Severity_CVSS_V2} {
		for _, s := range sevs {
			if s.GetType() == want && s.GetScore() != "" {
				return s.GetScore(), cvssScore(s.GetScore())
			}
		}
	}
	return "", 0
}

// cvssScore is the base score of a CVSS v2, v3.0, v3.1 or v4.0 vector, or 0
// when it does not parse.
func cvssScore(vector string) float64 {
	switch {
	case strings.HasPrefix(vector, "CVSS:3.1/"):
		if c, err := gocvss31.ParseVector(vector); err == nil {
			return c.BaseScore()
		}
	case strings.HasPrefix(vector, "CVSS:3.0/"):
		if c, err := gocvss30.ParseVector(vector); err == nil {
			return c.BaseScore()
		}
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		if c, err := gocvss40.ParseVector(vector); err == nil {
			return c.Score()
		}
	default:
		if c, err := gocvss20.ParseVector(vector); err == nil {
			return c.BaseScore()
		}
	}
	return 0
}

// recordRating is the record-wide rating: database_specific.severity, or a
// severity entry of type Ubuntu.
func recordRating(v *osvpb.Vulnerability) imagefacts.Severity {
	if s := structRating(v.GetDatabaseSpecific()); s != "" {
		return s
	}
	return typedRating(v.GetSeverity())
}

// entryRating is a rating an affected[] entry carries.
func entryRating(a *osvpb.Affected) imagefacts.Severity {
	if s := structRating(a.GetEcosystemSpecific()); s != "" {
		return s
	}
	if s := structRating(a.GetDatabaseSpecific()); s != "" {
		return s
	}
	return typedRating(a.GetSeverity())
}

func typedRating(sevs []*osvpb.Severity) imagefacts.Severity {
	for _, s := range sevs {
		if s.GetType() == osvpb.Severity_Ubuntu {
			if r := rating(s.GetScore()); r != "" {
				return r
			}
		}
	}
	return ""
}

func structRating(s *structpb.Struct) imagefacts.Severity {
	if s == nil {
		return ""
	}
	f, ok := s.GetFields()["severity"]
	if !ok {
		return ""
	}
	return rating(f.GetStringValue())
}

// rating maps an ecosystem's severity word to a Severity; "" when the word
// is not one.
func rating(word string) imagefacts.Severity {
	switch strings.ToLower(strings.TrimSpace(word)) {
	case "critical":
		return imagefacts.SeverityCritical
	case "high", "important":
		return imagefacts.SeverityHigh
	case "medium", "moderate":
		return imagefacts.SeverityMedium
	case "low", "negligible", "unimportant":
		return imagefacts.SeverityLow
	}
	return ""
}

// severityFromScore maps a CVSS base score to a Severity.
func severityFromScore(score float64) imagefacts.Severity {
	switch {
	case score >= 9:
		return imagefacts.SeverityCritical
	case score >= 7:
		return imagefacts.SeverityHigh
	case score >= 4:
		return imagefacts.SeverityMedium
	case score > 0:
		return imagefacts.SeverityLow
	}
	return imagefacts.SeverityUnknown
}

// baseEcosystem is the ecosystem name without its release ("Debian:12" ->
// "Debian").
func baseEcosystem(eco string) string {
	base, _, _ := strings.Cut(eco, ":")
	return base
}

var pypiSeparators = regexp.MustCompile(`[-_.]+`)

// lookupName normalizes a package name the way its ecosystem compares
// names: PyPI names per PEP 503; others as they are.
func lookupName(base, name string) string {
	if base == "PyPI" {
		return pypiSeparators.ReplaceAllString(strings.ToLower(name), "-")
	}
	return name
}

// indexPrefix is the key prefix of a package's index entries.
func indexPrefix(base, name string) string {
	return base + "\x00" + name + "\x00"
}
