package audit

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/palisade-sec/palisade/internal/check"
)

// Rule is one detection over audit events: the metadata every report
// shows (as for a check), the event fields it reads and cites, and how it
// judges an event.
type Rule struct {
	check.Metadata
	// Fields are the event fields the rule reads; a finding cites the
	// first unless the hit names another.
	Fields []string
	// Resources, when set, limit the rule to events about these resources
	// (objectRef.resource); otherwise it sees every event.
	Resources []string

	// judge judges one event. A stateful rule has newJudge instead, which
	// makes the judge, with its own state, for one analysis.
	judge    func(x *Context, e *Event) []Hit
	newJudge func(x *Context) func(x *Context, e *Event) []Hit
	// custom is set for rules from .palisade.yaml.
	custom bool
}

// Hit is what a rule reports about one event.
type Hit struct {
	// Field is the event field the finding cites; "" means the rule's
	// first field.
	Field   string
	Message string
	// Severity, when set, replaces the rule's severity for this hit.
	Severity *check.Severity
	// Subject is who the finding is about, for bounding identical
	// findings; "" means the event's user (or, when it has none, its
	// source address).
	Subject string
}

// Context is what a rule may read besides the event: the settings of the
// analysis, and where to count what could not be assessed.
type Context struct {
	*Settings
	notAssessed map[string]int
	evalErrors  map[string]*evalError
	// start is the time of the first event with a time.
	start time.Time
	// seq numbers the events, so per-event values are made once.
	seq uint64
	act *activation
	// userAgents remembers which user agents are suspicious.
	userAgents map[string]bool
}

type evalError struct {
	count int
	first string
}

// notAssessedf counts events a rule could not judge, by reason.
func (x *Context) notAssessedf(format string, args ...any) {
	x.notAssessed[fmt.Sprintf(format, args...)]++
}

// learning reports whether the event falls in the learning period.
func (x *Context) learning(e *Event) bool {
	if x.Learn <= 0 {
		return false
	}
	t := e.RequestReceivedTimestamp.Time
	if t.IsZero() || x.start.IsZero() {
		return true
	}
	return t.Sub(x.start) < x.Learn
}

// Settings are what the built-in rules take as normal in a cluster, made
// from the audit: section of .palisade.yaml.
type Settings struct {
	// Agents are the control plane, the nodes and the configured agents.
	Agents *subjectMatcher
	// SecretReaders are subjects whose secret reads are always usual.
	SecretReaders *subjectMatcher
	Learn         time.Duration
	BurstCount    int
	BurstWindow   time.Duration
	UserAgents    []string
	Dashboards    *subjectMatcher
	PodSeverity   check.Severity
	// pods judges pods and pod templates.
	pods *podJudge
}

// RuleSet is the rules of one analysis: the built-in ones and the user's,
// compiled once, less the disabled ones.
type RuleSet struct {
	Rules    []*Rule
	Settings *Settings
}

// Builtin returns the built-in rules, sorted by id.
func Builtin() []*Rule {
	out := builtinRules()
	slices.SortFunc(out, func(a, b *Rule) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// NewRuleSet compiles the built-in rules and the config's own (cfg may be
// nil) and drops the disabled ones. Its errors name the rule at fault.
func NewRuleSet(cfg *Config) (*RuleSet, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Settings{
		Agents:        newSubjectMatcher(controlPlane, cfg.Agents),
		SecretReaders: newSubjectMatcher(cfg.SecretReaders),
		Learn:         cfg.Learn.Duration,
		BurstCount:    cfg.Burst.Threshold,
		BurstWindow:   cfg.Burst.Window.Duration,
		UserAgents:    lowerAll(cfg.SuspiciousUserAgents),
		PodSeverity:   check.SeverityHigh,
	}
	if s.BurstCount == 0 {
		s.BurstCount = DefaultBurstThreshold
	}
	if s.BurstWindow == 0 {
		s.BurstWindow = DefaultBurstWindow
	}
	if len(s.UserAgents) == 0 {
		s.UserAgents = defaultSuspiciousUserAgents
	}
	dashboards := cfg.DashboardServiceAccounts
	if len(dashboards) == 0 {
		dashboards = defaultDashboards
	}
	s.Dashboards = newSubjectMatcher(Subjects{Users: dashboards})
	if cfg.PodSeverity != "" {
		s.PodSeverity, _ = check.ParseSeverity(cfg.PodSeverity)
	}
	s.pods = newPodJudge()

	rules := Builtin()
	ids := map[string]bool{}
	for _, r := range rules {
		ids[r.ID] = true
	}
	for i, rc := range cfg.Rules {
		r, err := compileRule(rc)
		if err != nil {
			return nil, fmt.Errorf("rules[%d] (%s): %w", i, rc.ID, err)
		}
		if ids[r.ID] {
			return nil, fmt.Errorf("rules[%d]: id %s is taken by another rule", i, r.ID)
		}
		ids[r.ID] = true
		rules = append(rules, r)
	}
	var kept []*Rule
	for _, r := range rules {
		if !matchesAnyPattern(cfg.Disable, r.ID) {
			kept = append(kept, r)
		}
	}
	for _, p := range cfg.Disable {
		if !slices.ContainsFunc(rules, func(r *Rule) bool { return matchesAnyPattern([]string{p}, r.ID) }) {
			return nil, fmt.Errorf("disable: %q names no rule (see palisade audit rules)", p)
		}
	}
	slices.SortFunc(kept, func(a, b *Rule) int { return strings.Compare(a.ID, b.ID) })
	return &RuleSet{Rules: kept, Settings: s}, nil
}

// Metadata lists the rules' metadata, for report.Report.Checks.
func (rs *RuleSet) Metadata() []check.Metadata {
	out := make([]check.Metadata, len(rs.Rules))
	for i, r := range rs.Rules {
		out[i] = r.Metadata
	}
	return out
}

func matchesAnyPattern(patterns []string, id string) bool {
	for _, p := range patterns {
		if p == id {
			return true
		}
		if ok, _ := path.Match(p, id); ok {
			return true
		}
	}
	return false
}

func lowerAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = strings.ToLower(s)
	}
	return out
}

// validateMetadata applies the registry's rules for a check's metadata.
func validateMetadata(m check.Metadata) error {
	c := &check.Check{Metadata: m, Cluster: func(*check.Context) []check.Violation { return nil }}
	return c.Validate()
}

func severityPtr(s check.Severity) *check.Severity { return &s }
