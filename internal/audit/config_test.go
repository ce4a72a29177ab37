package audit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	shared, cfg, err := LoadConfig(write(`allowedRegistries: [ghcr.io/acme]
waivers:
- checks: [audit/pod-exec]
  reason: on call
audit:
  learn: 90m
  burst: {threshold: 5, window: 30s}
  agents: {users: ["system:serviceaccount:argocd:*"], groups: [ops]}
  rules:
  - {id: custom/x, title: X, severity: low, match: 'verb == "get"'}
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(shared.AllowedRegistries) != 1 || len(shared.Waivers) != 1 || cfg.Learn.Duration != 90*time.Minute ||
		cfg.Burst.Threshold != 5 || cfg.Burst.Window.Duration != 30*time.Second || len(cfg.Rules) != 1 {
		t.Errorf("shared %+v, audit %+v", shared, cfg)
	}
	if _, cfg, err := LoadConfig(write("waivers: []\n")); err != nil || cfg != nil {
		t.Errorf("no audit section: %+v, %v", cfg, err)
	}
	for body, want := range map[string]string{
		"audit:\n  lern: 1h\n":                                    `unknown field "lern"`,
		"waivers:\n- checks: [a/b]\n":                             "a waiver needs a reason",
		"waivers:\n- reason: r\n":                                 "name at least one check id",
		"waivers:\n- {checks: [a/b], reason: r, expires: soon}\n": "not a YYYY-MM-DD date",
		"audit:\n  learn: -1h\n":                                  "learn must not be negative",
		"audit:\n  podSeverity: severe\n":                         "podSeverity: unknown severity",
		"audit:\n  agents: {users: ['[']}\n":                      `pattern "["`,
		"audit:\n  suspiciousUserAgents: ['  ']\n":                "would match every request",
	} {
		if _, _, err := LoadConfig(write(body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", body, err, want)
		}
	}
}

func TestSubjectPatterns(t *testing.T) {
	m := newSubjectMatcher(Subjects{Users: []string{"alice", "system:serviceaccount:argocd:*", "ci-?"}, Groups: []string{"ops"}})
	for user, want := range map[string]bool{
		"alice": true, "system:serviceaccount:argocd:server": true, "ci-1": true, "ci-12": false, "bob": false,
		"system:serviceaccount:argocd:a/b": false,
	} {
		e := &Event{}
		e.User.Username = user
		if got := m.matches(e); got != want {
			t.Errorf("%s: %v, want %v", user, got, want)
		}
	}
	e := &Event{}
	e.User.Username, e.User.Groups = "zed", []string{"dev", "ops"}
	if !m.matches(e) {
		t.Error("group ops not matched")
	}
}
