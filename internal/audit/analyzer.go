package audit

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

// Bounds of what an analysis keeps.
const (
	// DefaultMaxPerSubject is how many findings of one rule about one
	// subject are kept; the rest are counted on the first of them.
	DefaultMaxPerSubject = 10
	// DefaultMaxFindings is how many findings an analysis keeps in all;
	// the rest are counted.
	DefaultMaxFindings = 50_000
)

// Options configure an analysis.
type Options struct {
	// Rules are the rules to run; nil means the built-in rules.
	Rules *RuleSet
	// Waivers accept findings, as in palisade scan: by rule id and by a
	// selector over the event's object (namespace, kind AuditEvent, name =
	// auditID, and the labels audit.palisade.dev/user, verb, resource and
	// source-ip).
	Waivers []check.Waiver
	// Now decides which waivers have expired; zero means time.Now().
	Now time.Time
	// MaxPerSubject and MaxFindings bound the findings kept; zero means
	// the defaults, a negative value no bound.
	MaxPerSubject int
	MaxFindings   int
	// OnFinding, when set, is called with each finding as it is made (a
	// live feed for --follow and the sink); the finding's message may
	// still gain a count of the findings like it later.
	OnFinding func(check.Finding)
}

// Result is what an analysis found.
type Result struct {
	// Findings, sorted: most severe first, then by rule and place in the log.
	Findings []check.Finding
	// Events is how many events were analysed.
	Events int
	// ExpiredWaivers are waivers whose expiry date passed.
	ExpiredWaivers []check.ExpiredWaiver
	// Notices say what could not be assessed and what was counted rather
	// than kept.
	Notices []string
}

// Analyzer judges events one at a time. It is not safe for concurrent use.
type Analyzer struct {
	opts       Options
	x          *Context
	rules      []*Rule
	judges     []func(x *Context, e *Event) []Hit
	byResource map[string][]int
	anyRules   []int
	fired      *recentSet
	groups     map[groupKey]*group
	findings   []check.Finding
	events     int
	judged     int // events of a stage that says how the request ended
	dropped    int
	matches    []int // of each waiver, while expired
	now        time.Time
}

type groupKey struct {
	rule    int
	subject string
}

// group is the findings of one rule about one subject.
type group struct {
	first int // index of the first kept finding
	kept  int
	more  int
	last  cluster.Position
}

// NewAnalyzer starts an analysis.
func NewAnalyzer(opts Options) (*Analyzer, error) {
	if opts.Rules == nil {
		rs, err := NewRuleSet(nil)
		if err != nil {
			return nil, err
		}
		opts.Rules = rs
	}
	if opts.MaxPerSubject == 0 {
		opts.MaxPerSubject = DefaultMaxPerSubject
	}
	if opts.MaxFindings == 0 {
		opts.MaxFindings = DefaultMaxFindings
	}
	a := &Analyzer{
		opts:       opts,
		x:          &Context{Settings: opts.Rules.Settings, notAssessed: map[string]int{}, evalErrors: map[string]*evalError{}, userAgents: map[string]bool{}},
		rules:      opts.Rules.Rules,
		byResource: map[string][]int{},
		fired:      newRecentSet(1 << 16),
		groups:     map[groupKey]*group{},
		matches:    make([]int, len(opts.Waivers)),
		now:        opts.Now,
	}
	if a.now.IsZero() {
		a.now = time.Now()
	}
	for i, r := range a.rules {
		judge := r.judge
		if r.newJudge != nil {
			judge = r.newJudge(a.x)
		}
		a.judges = append(a.judges, judge)
		if len(r.Resources) == 0 {
			a.anyRules = append(a.anyRules, i)
			continue
		}
		for _, res := range r.Resources {
			if !slices.Contains(a.byResource[res], i) {
				a.byResource[res] = append(a.byResource[res], i)
			}
		}
	}
	return a, nil
}

// Analyze judges one event. The event is not kept.
func (a *Analyzer) Analyze(e *Event) {
	a.events++
	a.x.seq++
	if a.x.start.IsZero() && !e.RequestReceivedTimestamp.IsZero() {
		a.x.start = e.RequestReceivedTimestamp.Time
	}
	if !e.decisive() {
		return
	}
	a.judged++
	for _, i := range a.anyRules {
		a.judge(i, e)
	}
	for _, i := range a.byResource[e.Resource()] {
		a.judge(i, e)
	}
}

func (a *Analyzer) judge(i int, e *Event) {
	hits := a.judges[i](a.x, e)
	if len(hits) == 0 {
		return
	}
	if id := string(e.AuditID); id != "" {
		if a.fired.has(i, id) {
			return // the request was reported at an earlier stage
		}
		a.fired.add(i, id)
	}
	for _, h := range hits {
		a.add(i, e, h)
	}
}

func (a *Analyzer) add(i int, e *Event, h Hit) {
	r := a.rules[i]
	subject := h.Subject
	if subject == "" {
		if subject = e.Username(); subject == "" {
			subject = "ip:" + e.SourceIP()
		}
	}
	key := groupKey{i, subject}
	g := a.groups[key]
	if g != nil && a.opts.MaxPerSubject > 0 && g.kept >= a.opts.MaxPerSubject {
		g.more++
		g.last = e.Position()
		return
	}
	if a.opts.MaxFindings > 0 && len(a.findings) >= a.opts.MaxFindings {
		a.dropped++
		return
	}
	sev := r.Severity
	if h.Severity != nil {
		sev = *h.Severity
	}
	field := h.Field
	if field == "" && len(r.Fields) > 0 {
		field = r.Fields[0]
	}
	f := check.Finding{
		CheckID:     r.ID,
		Title:       r.Title,
		Severity:    sev,
		Vector:      r.Vector,
		Strategy:    r.Strategy,
		Object:      cluster.ObjectID{APIVersion: EventAPIVersion, Kind: EventKind, Namespace: e.Namespace(), Name: string(e.AuditID)},
		Field:       field,
		Position:    e.Position(),
		Message:     h.Message,
		Remediation: r.Remediation,
	}
	if len(a.opts.Waivers) > 0 {
		a.waive(&f, e.Object())
	}
	if g == nil {
		g = &group{first: len(a.findings)}
		a.groups[key] = g
	}
	g.kept++
	a.findings = append(a.findings, f)
	if a.opts.OnFinding != nil {
		a.opts.OnFinding(f)
	}
}

// waive marks a finding that a waiver accepts, as palisade scan does: the
// first matching waiver that has not expired wins.
func (a *Analyzer) waive(f *check.Finding, obj *cluster.Object) {
	for j := range a.opts.Waivers {
		w := &a.opts.Waivers[j]
		if !w.Covers(f.CheckID, obj) {
			continue
		}
		if w.Expired(a.now) {
			a.matches[j]++
			continue
		}
		f.Suppression = &check.Suppression{Source: "config", Reason: w.Reason, Owner: w.Owner, Expires: w.Expires}
		return
	}
}

// Events is how many events were analysed so far.
func (a *Analyzer) Events() int { return a.events }

// Result ends the analysis: the findings, sorted, with the counts of
// those like them that were not kept, and what could not be assessed.
func (a *Analyzer) Result() *Result {
	findings := slices.Clone(a.findings)
	for _, g := range a.groups {
		if g.more > 0 {
			f := &findings[g.first]
			f.Message += fmt.Sprintf(" [and %d more like it from this subject, the last at %s]", g.more, g.last)
		}
	}
	slices.SortFunc(findings, compareFindings)

	res := &Result{Findings: findings, Events: a.events}
	for j := range a.opts.Waivers {
		if a.opts.Waivers[j].Expired(a.now) {
			res.ExpiredWaivers = append(res.ExpiredWaivers, check.ExpiredWaiver{Waiver: a.opts.Waivers[j], Matches: a.matches[j]})
		}
	}
	for reason, n := range a.x.notAssessed {
		res.Notices = append(res.Notices, fmt.Sprintf("%s (%s)", reason, plural(n, "event")))
	}
	for id, ee := range a.x.evalErrors {
		res.Notices = append(res.Notices, fmt.Sprintf("%s: the CEL expression failed on %s and did not match them; the first failure: %s", id, plural(ee.count, "event"), ee.first))
	}
	if a.judged == 0 && a.events > 0 {
		res.Notices = append(res.Notices, fmt.Sprintf("all %s are of stage RequestReceived, which does not say how a request ended, so no rule judged them: make the audit policy log ResponseComplete (do not list it in omitStages)", plural(a.events, "event")))
	}
	if a.dropped > 0 {
		res.Notices = append(res.Notices, fmt.Sprintf("%d more findings beyond the first %d were counted, not kept", a.dropped, a.opts.MaxFindings))
	}
	sort.Strings(res.Notices)
	return res
}

// compareFindings orders findings most severe first, then by rule, then by
// place in the log (which is time order within a file).
func compareFindings(a, b check.Finding) int {
	if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
		return c
	}
	if c := strings.Compare(a.CheckID, b.CheckID); c != 0 {
		return c
	}
	if c := strings.Compare(a.Position.File, b.Position.File); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Position.Line, b.Position.Line); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Position.Column, b.Position.Column); c != 0 {
		return c
	}
	if c := strings.Compare(a.Object.Name, b.Object.Name); c != 0 {
		return c
	}
	return strings.Compare(a.Message, b.Message)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// recentSet remembers which rules fired on which requests, for the last
// requests only: two generations of at most size entries each, the older
// dropped when the newer fills. A request's stages are logged close
// together, so this is enough to report each request once.
type recentSet struct {
	size     int
	cur, old map[recentKey]struct{}
}

type recentKey struct {
	rule int
	id   string
}

func newRecentSet(size int) *recentSet {
	return &recentSet{size: size, cur: map[recentKey]struct{}{}, old: map[recentKey]struct{}{}}
}

func (s *recentSet) has(rule int, id string) bool {
	k := recentKey{rule, id}
	if _, ok := s.cur[k]; ok {
		return true
	}
	_, ok := s.old[k]
	return ok
}

func (s *recentSet) add(rule int, id string) {
	if len(s.cur) >= s.size {
		s.old, s.cur = s.cur, make(map[recentKey]struct{}, s.size/4)
	}
	s.cur[recentKey{rule, id}] = struct{}{}
}
