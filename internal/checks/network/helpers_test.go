package network_test

import (
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/checks/checktest"
	_ "github.com/palisade-sec/palisade/internal/checks/network"
)

func namespace(name, labels string) string {
	s := "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + name + "\n"
	if labels != "" {
		s += "  labels: " + labels + "\n"
	}
	return s
}

// deployment is a workload whose pods carry {app: name}; extra is appended
// to its pod spec (indented by 6).
func deployment(ns, name, extra string) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ` + name + `
  namespace: ` + ns + `
spec:
  selector:
    matchLabels: {app: ` + name + `}
  template:
    metadata:
      labels: {app: ` + name + `}
    spec:
      containers:
      - name: app
        image: ghcr.io/acme/` + name + `:1.0
        ports:
        - {name: http, containerPort: 8080}
` + extra
}

func policy(ns, name, spec string) string {
	return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\nspec:\n" + spec
}

func join(docs ...string) string { return strings.Join(docs, "---\n") }

// want is one expected finding: object ("Kind/name"), exact field, and
// strings the message must contain.
type want struct {
	object string
	field  string
	sev    check.Severity
	msg    []string
}

type testCase struct {
	name  string
	yaml  string
	wants []want
}

func run(t *testing.T, id string, cases []testCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, id, checktest.Run(t, id, nil, tc.yaml), tc.wants)
		})
	}
}

func expect(t *testing.T, id string, got []check.Finding, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		for _, f := range got {
			t.Logf("got %s %s/%s %s: %s", f.Severity, f.Object.Kind, f.Object.Name, f.Field, f.Message)
		}
		t.Fatalf("%s: %d findings, want %d", id, len(got), len(wants))
	}
	used := make([]bool, len(got))
next:
	for _, w := range wants {
		for i, f := range got {
			if !used[i] && f.Object.Kind+"/"+f.Object.Name == w.object && f.Field == w.field && f.Severity == w.sev && containsAll(f.Message, w.msg) {
				used[i] = true
				continue next
			}
		}
		t.Errorf("%s: no %s finding on %s at %s with message containing %q; got:", id, w.sev, w.object, w.field, w.msg)
		for _, f := range got {
			t.Logf("  %s %s/%s %s: %s", f.Severity, f.Object.Kind, f.Object.Name, f.Field, f.Message)
		}
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
