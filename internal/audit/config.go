package audit

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/palisade-sec/palisade/internal/check"
)

// Config is the audit: section of .palisade.yaml: rules of the user's own,
// and what the built-in rules take as normal in this cluster.
//
//	audit:
//	  agents:                  # the cluster's own agents, beyond the control plane
//	    users: ["system:serviceaccount:argocd:*"]
//	  secretReaders:           # subjects that read secrets as their job
//	    users: ["system:serviceaccount:cert-manager:cert-manager"]
//	  learn: 1h                # subjects seen reading secrets in the first hour are usual readers
//	  burst: {threshold: 20, window: 1m}
//	  disable: [audit/sa-unusual-user-agent]
//	  rules:
//	  - id: custom/configmap-deleted-in-prod
//	    title: ConfigMap deleted in prod
//	    severity: high
//	    match: verb == "delete" && objectRef.resource == "configmaps" && objectRef.namespace == "prod"
//	    message: '"deleted by " + user.username'
type Config struct {
	// Rules are detections of the user's own, each a CEL expression over
	// the event.
	Rules []RuleConfig `json:"rules,omitempty"`
	// Disable turns built-in or custom rules off, by id or shell pattern.
	Disable []string `json:"disable,omitempty"`
	// Agents are the cluster's own agents (GitOps controllers, operators)
	// besides the control plane and the nodes, which are always agents.
	// Rules about what people and stolen credentials do (reading
	// secrets, minting tokens, changing RBAC and webhooks, approving
	// certificates, deleting events) do not fire for them.
	Agents Subjects `json:"agents,omitempty"`
	// SecretReaders are subjects that read secrets as their job; they are
	// always usual secret readers.
	SecretReaders Subjects `json:"secretReaders,omitempty"`
	// Learn is how long, from the first event analysed, secret reads teach
	// who the usual readers are instead of being judged. Zero means every
	// subject but the agents and SecretReaders is judged from the start.
	Learn metav1.Duration `json:"learn,omitempty"`
	// Burst tunes audit/denied-burst.
	Burst Burst `json:"burst,omitempty"`
	// SuspiciousUserAgents are user agents (parts of the User-Agent
	// header, compared without case) a service account's credentials
	// should never be used with; they replace the built-in list.
	SuspiciousUserAgents []string `json:"suspiciousUserAgents,omitempty"`
	// DashboardServiceAccounts are shell patterns over the user names of
	// the Kubernetes dashboard's service accounts; they replace the
	// built-in ones.
	DashboardServiceAccounts []string `json:"dashboardServiceAccounts,omitempty"`
	// PodSeverity is the least severity of a pod check's finding that
	// makes audit/insecure-pod-created report a created pod; the default
	// is high.
	PodSeverity string `json:"podSeverity,omitempty"`
}

// Subjects pick users by name and by group, with shell patterns.
type Subjects struct {
	Users  []string `json:"users,omitempty"`
	Groups []string `json:"groups,omitempty"`
}

// Burst is the threshold of audit/denied-burst: Threshold refused requests
// (401 or 403) from one source within Window.
type Burst struct {
	Threshold int             `json:"threshold,omitempty"`
	Window    metav1.Duration `json:"window,omitempty"`
}

// Defaults of Burst.
const (
	DefaultBurstThreshold = 20
	DefaultBurstWindow    = time.Minute
)

// RuleConfig is a rule of the user's own.
type RuleConfig struct {
	// ID is "area/name" in lower-case words; it must not be a built-in
	// rule's id.
	ID    string `json:"id"`
	Title string `json:"title"`
	// Severity is info, low, medium, high or critical.
	Severity string `json:"severity"`
	// Match is a CEL expression over the event that is true for the events
	// the rule reports. See the package documentation for the variables.
	Match string `json:"match"`
	// Message, when set, is a CEL expression that makes the finding's
	// message (a string); the default names the request, its user and
	// its outcome.
	Message string `json:"message,omitempty"`
	// Field is the event field the finding cites (objectRef.name,
	// requestObject.spec); the default is "requestURI".
	Field       string `json:"field,omitempty"`
	Description string `json:"description,omitempty"`
	Remediation string `json:"remediation,omitempty"`
	// Vector is the attack vector; the default is api-exposure.
	Vector string `json:"vector,omitempty"`
	// MITRE lists MITRE ATT&CK technique ids.
	MITRE []string `json:"mitre,omitempty"`
}

// LoadConfig reads a .palisade.yaml as every command does
// (check.LoadConfig: shared settings and waivers), and its audit: section
// (nil when it has none). Unknown fields are errors, so a typo does not
// silently change nothing.
func LoadConfig(file string) (*check.Config, *Config, error) {
	shared, err := check.LoadConfig(file)
	if err != nil {
		return nil, nil, err
	}
	if len(shared.Audit) == 0 || string(shared.Audit) == "null" {
		return shared, nil, nil
	}
	var c Config
	if err := yaml.UnmarshalStrict(shared.Audit, &c); err != nil {
		return nil, nil, fmt.Errorf("%s: audit: %w", file, err)
	}
	if err := c.validate(); err != nil {
		return nil, nil, fmt.Errorf("%s: audit: %w", file, err)
	}
	return shared, &c, nil
}

func (c *Config) validate() error {
	var errs []error
	if c.Burst.Threshold < 0 {
		errs = append(errs, fmt.Errorf("burst.threshold must not be negative, got %d", c.Burst.Threshold))
	}
	if c.Burst.Window.Duration < 0 {
		errs = append(errs, fmt.Errorf("burst.window must not be negative, got %s", c.Burst.Window.Duration))
	}
	if c.Learn.Duration < 0 {
		errs = append(errs, fmt.Errorf("learn must not be negative, got %s", c.Learn.Duration))
	}
	if c.PodSeverity != "" {
		if _, err := check.ParseSeverity(c.PodSeverity); err != nil {
			errs = append(errs, fmt.Errorf("podSeverity: %w", err))
		}
	}
	for _, p := range append(append(append(append([]string(nil), c.Disable...), c.Agents.Users...), c.Agents.Groups...), c.DashboardServiceAccounts...) {
		if _, err := path.Match(p, ""); err != nil {
			errs = append(errs, fmt.Errorf("pattern %q: %w", p, err))
		}
	}
	for _, p := range append(append([]string(nil), c.SecretReaders.Users...), c.SecretReaders.Groups...) {
		if _, err := path.Match(p, ""); err != nil {
			errs = append(errs, fmt.Errorf("pattern %q: %w", p, err))
		}
	}
	for _, ua := range c.SuspiciousUserAgents {
		if strings.TrimSpace(ua) == "" {
			errs = append(errs, errors.New("suspiciousUserAgents: an empty user agent would match every request"))
		}
	}
	// Rules are checked, and compiled, by NewRuleSet.
	return errors.Join(errs...)
}

// subjectMatcher matches users and groups against shell patterns, with the
// common cases (exact names, "prefix*") answered without path.Match.
type subjectMatcher struct {
	users, groups patternSet
}

type patternSet struct {
	exact    map[string]bool
	prefixes []string
	globs    []string
}

func newPatternSet(patterns []string) patternSet {
	s := patternSet{exact: map[string]bool{}}
	for _, p := range patterns {
		switch i := strings.IndexAny(p, `*?[\`); {
		case i < 0:
			s.exact[p] = true
		case i == len(p)-1 && p[i] == '*':
			s.prefixes = append(s.prefixes, p[:i])
		default:
			s.globs = append(s.globs, p)
		}
	}
	return s
}

func (s *patternSet) match(name string) bool {
	if s.exact[name] {
		return true
	}
	for _, p := range s.prefixes {
		// path.Match's "*" does not cross "/"; neither does this.
		if strings.HasPrefix(name, p) && !strings.Contains(name[len(p):], "/") {
			return true
		}
	}
	for _, g := range s.globs {
		if ok, _ := path.Match(g, name); ok {
			return true
		}
	}
	return false
}

func newSubjectMatcher(parts ...Subjects) *subjectMatcher {
	var users, groups []string
	for _, p := range parts {
		users = append(users, p.Users...)
		groups = append(groups, p.Groups...)
	}
	return &subjectMatcher{users: newPatternSet(users), groups: newPatternSet(groups)}
}

// matches reports whether the event's user (as impersonated, when it was)
// or one of its groups is picked.
func (m *subjectMatcher) matches(e *Event) bool {
	if m.users.match(e.Username()) {
		return true
	}
	for _, g := range e.Groups() {
		if m.groups.match(g) {
			return true
		}
	}
	return false
}

// controlPlane are the agents every cluster has: the control plane's
// components, the controllers' service accounts, and the nodes.
var controlPlane = Subjects{
	Users: []string{
		"system:apiserver",
		"system:kube-controller-manager",
		"system:kube-scheduler",
		"system:kube-proxy",
		"system:serviceaccount:kube-system:*",
	},
	Groups: []string{"system:nodes"},
}

// defaultSuspiciousUserAgents are the tools an attacker uses with a stolen
// service account token; the cluster's own workloads use client libraries
// that name themselves.
var defaultSuspiciousUserAgents = []string{
	"curl/", "wget/", "python-requests/", "python-urllib", "python-httpx/", "aiohttp/", "httpie/",
	"postmanruntime/", "insomnia/", "powershell", "libwww-perl/", "go-http-client/",
}

// defaultDashboards are the user names of the Kubernetes dashboard's
// service accounts in its usual installations.
var defaultDashboards = []string{
	"system:serviceaccount:*:kubernetes-dashboard",
	"system:serviceaccount:*:kubernetes-dashboard-*",
	"system:serviceaccount:*:dashboard",
	"system:serviceaccount:kubernetes-dashboard:*",
}
