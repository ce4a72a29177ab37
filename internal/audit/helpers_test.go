package audit

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"

	"github.com/palisade-sec/palisade/internal/check"
)

// t0 is when the test logs start.
var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// mk builds an event as the API server logs it; opts change it.
type opt func(*auditv1.Event)

var idSeq int

func mk(verb, uri string, opts ...opt) *auditv1.Event {
	idSeq++
	e := &auditv1.Event{
		TypeMeta:                 metav1.TypeMeta{Kind: "Event", APIVersion: "audit.k8s.io/v1"},
		Level:                    auditv1.LevelMetadata,
		AuditID:                  types.UID(fmt.Sprintf("id-%04d", idSeq)),
		Stage:                    auditv1.StageResponseComplete,
		RequestURI:               uri,
		Verb:                     verb,
		User:                     authnv1.UserInfo{Username: "alice", Groups: []string{"dev", "system:authenticated"}},
		SourceIPs:                []string{"10.0.0.5"},
		UserAgent:                "kubectl/v1.37.2 (linux/amd64) kubernetes/abcdef",
		ResponseStatus:           &metav1.Status{Code: 200},
		RequestReceivedTimestamp: metav1.NewMicroTime(t0.Add(time.Duration(idSeq) * time.Second)),
		StageTimestamp:           metav1.NewMicroTime(t0.Add(time.Duration(idSeq) * time.Second)),
	}
	for _, o := range opts {
		o(e)
	}
	return e
}

func user(name string, groups ...string) opt {
	return func(e *auditv1.Event) { e.User = authnv1.UserInfo{Username: name, Groups: groups} }
}

func ref(resource, ns, name string) opt {
	return func(e *auditv1.Event) {
		if e.ObjectRef == nil {
			e.ObjectRef = &auditv1.ObjectReference{APIVersion: "v1"}
		}
		e.ObjectRef.Resource, e.ObjectRef.Namespace, e.ObjectRef.Name = resource, ns, name
	}
}

func apiGroup(g string) opt {
	return func(e *auditv1.Event) { e.ObjectRef.APIGroup = g }
}

func sub(s string) opt { return func(e *auditv1.Event) { e.ObjectRef.Subresource = s } }

func code(c int32) opt { return func(e *auditv1.Event) { e.ResponseStatus = &metav1.Status{Code: c} } }

func stage(s auditv1.Stage) opt { return func(e *auditv1.Event) { e.Stage = s } }

func ua(s string) opt { return func(e *auditv1.Event) { e.UserAgent = s } }

func ip(s string) opt { return func(e *auditv1.Event) { e.SourceIPs = []string{s} } }

func at(d time.Duration) opt {
	return func(e *auditv1.Event) { e.RequestReceivedTimestamp = metav1.NewMicroTime(t0.Add(d)) }
}

func id(s string) opt { return func(e *auditv1.Event) { e.AuditID = types.UID(s) } }

func reqObj(js string) opt {
	return func(e *auditv1.Event) {
		e.Level = auditv1.LevelRequest
		e.RequestObject = &runtime.Unknown{Raw: []byte(js)}
	}
}

func respObj(js string) opt {
	return func(e *auditv1.Event) {
		e.Level = auditv1.LevelRequestResponse
		e.ResponseObject = &runtime.Unknown{Raw: []byte(js)}
	}
}

func impersonate(name string, groups ...string) opt {
	return func(e *auditv1.Event) { e.ImpersonatedUser = &authnv1.UserInfo{Username: name, Groups: groups} }
}

// logOf writes events as JSON lines.
func logOf(t testing.TB, events ...*auditv1.Event) string {
	t.Helper()
	var b strings.Builder
	for _, e := range events {
		data, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
		b.WriteByte('\n')
	}
	return b.String()
}

// analyze runs the rules over a log and returns the result.
func analyze(t testing.TB, cfg *Config, log string) *Result {
	t.Helper()
	rs, err := NewRuleSet(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := NewAnalyzer(Options{Rules: rs})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Read("audit.log", strings.NewReader(log), Limits{}, func(e *Event) error {
		a.Analyze(e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Errors {
		t.Errorf("input error: %s", e.Error())
	}
	return a.Result()
}

// summary is a finding in one line: "severity rule line: message".
func summary(f check.Finding) string {
	return fmt.Sprintf("%s %s %d %s", f.Severity, f.CheckID, f.Position.Line, f.Field)
}

func summaries(fs []check.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, summary(f))
	}
	return out
}
