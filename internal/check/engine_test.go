package check_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/checks/checktest"
	"github.com/palisade-sec/palisade/internal/cluster"
)

// testRegistry holds two small checks: a pod check on hostPID and an
// object check on Services of type NodePort.
func testRegistry() *check.Registry {
	reg := check.NewRegistry()
	meta := func(id string, sev check.Severity) check.Metadata {
		return check.Metadata{ID: id, Title: id, Description: "d", Remediation: "r", Severity: sev,
			Vector: check.VectorInsecureConfig, Strategy: check.StrategyPodSecurity}
	}
	reg.MustAdd(&check.Check{Metadata: meta("test/host-pid", check.SeverityHigh),
		Pod: func(_ *check.Context, p *cluster.PodTemplate) []check.Violation {
			if p.Spec.HostPID {
				return []check.Violation{{Field: p.Field("hostPID"), Message: "hostPID"}}
			}
			return nil
		}})
	reg.MustAdd(&check.Check{Metadata: meta("test/nodeport", check.SeverityLow), Kinds: []string{"Service"},
		Object: func(_ *check.Context, o *cluster.Object) []check.Violation {
			if o.Typed.(*corev1.Service).Spec.Type == corev1.ServiceTypeNodePort {
				return []check.Violation{{Field: "spec.type", Message: "NodePort"}}
			}
			return nil
		}})
	return reg
}

const manifests = `apiVersion: v1
kind: Pod
metadata:
  name: a
  namespace: shop
  annotations:
    palisade.dev/waive: "test/host-pid -- node exporter needs it"
spec:
  hostPID: true
  containers: [{name: c, image: c:1}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: b, namespace: shop, labels: {team: data}}
spec:
  template:
    spec:
      hostPID: true
      containers: [{name: c, image: c:1}]
---
apiVersion: v1
kind: Service
metadata: {name: s, namespace: web}
spec: {type: NodePort}
`

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func TestRunFindsSortsAndPositions(t *testing.T) {
	res := check.Run(checktest.Snapshot(t, manifests), check.Options{Registry: testRegistry(), Now: now})
	var got []string
	for _, f := range res.Findings {
		got = append(got, fmt.Sprintf("%s %s %s %d:%d", f.CheckID, f.Object, f.Field, f.Position.Line, f.Position.Column))
	}
	want := []string{
		"test/host-pid deployment.apps/b -n shop spec.template.spec.hostPID 18:7",
		"test/host-pid pod/a -n shop spec.hostPID 9:3",
		"test/nodeport service/s -n web spec.type 24:8",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRunIsDeterministicAcrossWorkerCounts(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 600; i++ {
		fmt.Fprintf(&b, "---\napiVersion: v1\nkind: Pod\nmetadata: {name: p%d, namespace: ns%d}\nspec: {hostPID: %v, containers: [{name: c, image: c}]}\n", i, i%7, i%3 == 0)
	}
	snap := checktest.Snapshot(t, b.String())
	one := check.Run(snap, check.Options{Registry: testRegistry(), Workers: 1, Now: now})
	many := check.Run(snap, check.Options{Registry: testRegistry(), Workers: 8, Now: now})
	if len(one.Findings) != 200 {
		t.Fatalf("got %d findings, want 200", len(one.Findings))
	}
	if !reflect.DeepEqual(one.Findings, many.Findings) {
		t.Fatal("findings differ between 1 and 8 workers")
	}
}

func TestWaivers(t *testing.T) {
	cfg := &check.Config{Waivers: []check.Waiver{
		{Checks: []string{"test/*"}, Selector: check.Selector{Namespace: "shop", Labels: map[string]string{"team": "data"}},
			Reason: "batch nodes", Owner: "data-team", Expires: "2026-12-31"},
		{Checks: []string{"test/nodeport"}, Selector: check.Selector{Kind: "Service"}, Reason: "legacy LB", Owner: "net", Expires: "2026-05-31"},
	}}
	res := check.Run(checktest.Snapshot(t, manifests), check.Options{Registry: testRegistry(), Config: cfg, Now: now})
	got := map[string]*check.Suppression{}
	for i := range res.Findings {
		got[res.Findings[i].Object.Name] = res.Findings[i].Suppression
	}
	if s := got["a"]; s == nil || s.Source != "annotation" || s.Reason != "node exporter needs it" {
		t.Errorf("pod a: want annotation waiver, got %+v", s)
	}
	if s := got["b"]; s == nil || s.Source != "config" || s.Owner != "data-team" {
		t.Errorf("deployment b: want config waiver, got %+v", s)
	}
	if s := got["s"]; s != nil {
		t.Errorf("service s: waiver expired on 2026-05-31 must not waive, got %+v", s)
	}
	if len(res.ExpiredWaivers) != 1 || res.ExpiredWaivers[0].Matches != 1 || res.ExpiredWaivers[0].Waiver.Reason != "legacy LB" {
		t.Errorf("expired waivers = %+v, want the legacy LB waiver with 1 match", res.ExpiredWaivers)
	}
}

func TestWaiverLastDayStillWaives(t *testing.T) {
	cfg := &check.Config{Waivers: []check.Waiver{{Checks: []string{"test/nodeport"}, Reason: "r", Expires: "2026-06-01"}}}
	res := check.Run(checktest.Snapshot(t, manifests), check.Options{Registry: testRegistry(), Config: cfg, Now: now})
	for _, f := range res.Findings {
		if f.CheckID == "test/nodeport" && !f.Suppressed() {
			t.Fatal("a waiver applies through its expiry day")
		}
	}
	if len(res.ExpiredWaivers) != 0 {
		t.Fatalf("not expired yet: %+v", res.ExpiredWaivers)
	}
}

func TestParseWaiveAnnotation(t *testing.T) {
	tests := []struct {
		in     string
		checks []string
		reason string
		ok     bool
	}{
		{"a/b, c/d -- because", []string{"a/b", "c/d"}, "because", true},
		{"a/b", []string{"a/b"}, "", true},
		{" -- just a reason", nil, "just a reason", false},
		{"", nil, "", false},
	}
	for _, tt := range tests {
		checks, reason, ok := check.ParseWaiveAnnotation(tt.in)
		if !reflect.DeepEqual(checks, tt.checks) || reason != tt.reason || ok != tt.ok {
			t.Errorf("ParseWaiveAnnotation(%q) = %v, %q, %v", tt.in, checks, reason, ok)
		}
	}
}

func TestRegistryRejectsBadChecks(t *testing.T) {
	bad := []*check.Check{
		{Metadata: check.Metadata{ID: "NoArea", Title: "t", Description: "d", Remediation: "r", Vector: check.VectorInsecureConfig, Strategy: check.StrategyPodSecurity}, Cluster: func(*check.Context) []check.Violation { return nil }},
		{Metadata: check.Metadata{ID: "a/b", Title: "t", Description: "d", Remediation: "r", Vector: "nope", Strategy: check.StrategyPodSecurity}, Cluster: func(*check.Context) []check.Violation { return nil }},
		{Metadata: check.Metadata{ID: "a/b", Title: "t", Description: "d", Remediation: "r", Vector: check.VectorInsecureConfig, Strategy: check.StrategyPodSecurity}, Object: func(*check.Context, *cluster.Object) []check.Violation { return nil }},
	}
	for _, c := range bad {
		if c.Validate() == nil {
			t.Errorf("check %q validated", c.ID)
		}
	}
}

func TestLoadConfigRejectsTypos(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/c.yaml"
	for _, body := range []string{
		"waivers:\n- checks: [a/b]\n  reasn: typo\n",
		"waivers:\n- checks: [a/b]\n  reason: r\n  expires: next year\n",
		"waivers:\n- reason: no checks\n",
	} {
		if err := writeFile(path, body); err != nil {
			t.Fatal(err)
		}
		if _, err := check.LoadConfig(path); err == nil {
			t.Errorf("config accepted:\n%s", body)
		}
	}
}

func TestViolationSeverityOverridesTheCheck(t *testing.T) {
	reg := check.NewRegistry()
	reg.MustAdd(&check.Check{
		Metadata: check.Metadata{ID: "test/graded", Title: "t", Description: "d", Remediation: "r", Severity: check.SeverityHigh,
			Vector: check.VectorInsecureConfig, Strategy: check.StrategyPodSecurity},
		Pod: func(_ *check.Context, p *cluster.PodTemplate) []check.Violation {
			crit := check.SeverityCritical
			return []check.Violation{
				{Field: p.Field("hostPID"), Message: "graded", Severity: &crit},
				check.NotAssessed(nil, p.Field(""), "no evidence"),
				{Field: p.Field(""), Message: "default"},
			}
		}})
	res := check.Run(checktest.Snapshot(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: c}]}\n"),
		check.Options{Registry: reg, Now: now})
	got := map[string]check.Severity{}
	for _, f := range res.Findings {
		got[f.Message] = f.Severity
	}
	want := map[string]check.Severity{"graded": check.SeverityCritical, "not assessed: no evidence": check.SeverityInfo, "default": check.SeverityHigh}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("severities = %v, want %v", got, want)
	}
}

func TestWaiveAnnotationExpires(t *testing.T) {
	pod := func(name, expires string) string {
		return fmt.Sprintf("apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n  namespace: shop\n  annotations:\n    palisade.dev/waive: \"test/host-pid -- debugging\"\n    palisade.dev/waive-expires: %q\nspec: {hostPID: true, containers: [{name: c, image: c:1}]}\n---\n", name, expires)
	}
	// now is 2026-06-01: the last day still waives, the day before it has
	// passed, and what is not a date never waives.
	snap := checktest.Snapshot(t, pod("future", "2026-12-31")+pod("last-day", "2026-06-01")+pod("past", "2026-05-31")+pod("garbled", "next week"))
	res := check.Run(snap, check.Options{Registry: testRegistry(), Now: now})
	got := map[string]*check.Suppression{}
	for i := range res.Findings {
		got[res.Findings[i].Object.Name] = res.Findings[i].Suppression
	}
	for _, name := range []string{"future", "last-day"} {
		if s := got[name]; s == nil || s.Source != "annotation" || s.Expires == "" {
			t.Errorf("pod %s: want an annotation waiver with its expiry, got %+v", name, s)
		}
	}
	for _, name := range []string{"past", "garbled"} {
		if s := got[name]; s != nil {
			t.Errorf("pod %s: an expired annotation must not waive, got %+v", name, s)
		}
	}
	var expired []string
	for _, w := range res.ExpiredWaivers {
		expired = append(expired, fmt.Sprintf("%s %s %s %d", w.Waiver.Selector.Name, strings.Join(w.Waiver.Checks, ","), w.Waiver.Expires, w.Matches))
	}
	want := []string{"past test/host-pid 2026-05-31 1", "garbled test/host-pid next week 1"}
	if !reflect.DeepEqual(expired, want) {
		t.Errorf("expired waivers = %q, want %q", expired, want)
	}
}
