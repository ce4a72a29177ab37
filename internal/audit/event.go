// Package audit reads Kubernetes audit logs (audit.k8s.io/v1 events, as
// the API server's log and webhook backends write them) and finds the
// attacks in them.
//
// Events are read from files (JSON lines, or an EventList, plain or
// gzip-compressed), from a file that is still being written (Follow), or
// from the API server's audit webhook (Sink). Each event is judged by the
// rules of a RuleSet as it arrives and then dropped: an Analyzer keeps
// only findings (a bounded number of them) and bounded detector state, so
// memory does not grow with the size of the log.
//
// A finding is an ordinary check.Finding about an object of kind
// AuditEvent (apiVersion audit.k8s.io/v1, named by the event's auditID, in
// the namespace of the object the request was about), positioned at the
// event's line in the log, so every report format works unchanged.
package audit

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// Event is one audit event and where it was read.
type Event struct {
	auditv1.Event
	// File is the input the event was read from as the user named it ("-"
	// for standard input), or the name of the sink it was received by.
	File string
	// Line and Column are where the event starts in File, 1-based.
	Line, Column int
}

// The kind and apiVersion findings give the events they are about.
const (
	EventAPIVersion = "audit.k8s.io/v1"
	EventKind       = "AuditEvent"
)

// Labels set on the object of an event, so a waiver in .palisade.yaml can
// select the events it accepts by who made them and what they did.
const (
	LabelUser     = "audit.palisade.dev/user"
	LabelVerb     = "audit.palisade.dev/verb"
	LabelResource = "audit.palisade.dev/resource"
	LabelSourceIP = "audit.palisade.dev/source-ip"
)

// Object is the event as a cluster object, for findings and waivers.
func (e *Event) Object() *cluster.Object {
	ns := ""
	resource := ""
	if r := e.ObjectRef; r != nil {
		ns = r.Namespace
		resource = r.Resource
		if r.Subresource != "" {
			resource += "/" + r.Subresource
		}
	}
	meta := &metav1.ObjectMeta{
		Name:      string(e.AuditID),
		Namespace: ns,
		Labels: map[string]string{
			LabelUser:     e.Username(),
			LabelVerb:     e.Verb,
			LabelResource: resource,
			LabelSourceIP: e.SourceIP(),
		},
	}
	return &cluster.Object{
		ID:     cluster.ObjectID{APIVersion: EventAPIVersion, Kind: EventKind, Namespace: ns, Name: string(e.AuditID)},
		Typed:  &e.Event,
		Meta:   meta,
		Origin: cluster.Origin{File: e.File},
	}
}

// Position is where the event starts.
func (e *Event) Position() cluster.Position {
	return cluster.Position{File: e.File, Line: e.Line, Column: e.Column}
}

// Username is the user the request acted as: the impersonated user when
// there was one, else the authenticated user.
func (e *Event) Username() string {
	if e.ImpersonatedUser != nil && e.ImpersonatedUser.Username != "" {
		return e.ImpersonatedUser.Username
	}
	return e.User.Username
}

// Groups are the groups the request acted as.
func (e *Event) Groups() []string {
	if e.ImpersonatedUser != nil && e.ImpersonatedUser.Username != "" {
		return e.ImpersonatedUser.Groups
	}
	return e.User.Groups
}

// SourceIP is the client's address as the API server saw it (the first of
// sourceIPs; the rest are proxies' claims), or "".
func (e *Event) SourceIP() string {
	if len(e.SourceIPs) == 0 {
		return ""
	}
	return e.SourceIPs[0]
}

// Code is the response's HTTP status code, or 0 when the event has none
// (stage RequestReceived).
func (e *Event) Code() int {
	if e.ResponseStatus == nil {
		return 0
	}
	return int(e.ResponseStatus.Code)
}

// Refused reports whether the request was refused: 401 or 403.
func (e *Event) Refused() bool {
	c := e.Code()
	return c == 401 || c == 403
}

// Succeeded reports whether the request succeeded (a 1xx, 2xx or 3xx
// code; an event without a status has not succeeded yet).
func (e *Event) Succeeded() bool {
	c := e.Code()
	return c > 0 && c < 400
}

// Resource is the objectRef's resource ("pods"), "" for a non-resource
// request.
func (e *Event) Resource() string {
	if e.ObjectRef == nil {
		return ""
	}
	return e.ObjectRef.Resource
}

// Subresource is the objectRef's subresource ("exec"), or "".
func (e *Event) Subresource() string {
	if e.ObjectRef == nil {
		return ""
	}
	return e.ObjectRef.Subresource
}

// Namespace is the objectRef's namespace, or "".
func (e *Event) Namespace() string {
	if e.ObjectRef == nil {
		return ""
	}
	return e.ObjectRef.Namespace
}

// Name is the objectRef's name, or "".
func (e *Event) Name() string {
	if e.ObjectRef == nil {
		return ""
	}
	return e.ObjectRef.Name
}

// APIGroup is the objectRef's API group ("" for the core group).
func (e *Event) APIGroup() string {
	if e.ObjectRef == nil {
		return ""
	}
	return e.ObjectRef.APIGroup
}

// InGroup reports whether the request acted with that group.
func (e *Event) InGroup(group string) bool {
	for _, g := range e.Groups() {
		if g == group {
			return true
		}
	}
	return false
}

// IsAnonymous reports whether the request was not authenticated: the
// anonymous user, the unauthenticated group, or (a failed
// authentication) no user at all.
func (e *Event) IsAnonymous() bool {
	return e.User.Username == "system:anonymous" || e.User.Username == "" || e.InGroup("system:unauthenticated")
}

// ServiceAccount splits a service account's user name into its namespace
// and name; ok is false for other users.
func ServiceAccount(username string) (namespace, name string, ok bool) {
	rest, found := strings.CutPrefix(username, "system:serviceaccount:")
	if !found {
		return "", "", false
	}
	namespace, name, ok = strings.Cut(rest, ":")
	return namespace, name, ok && namespace != "" && name != ""
}

// Target names what the request was about the way kubectl would:
// "pods/exec shop/web", "clusterrolebindings.rbac.authorization.k8s.io/x",
// or the URI of a non-resource request.
func (e *Event) Target() string {
	r := e.ObjectRef
	if r == nil || r.Resource == "" {
		return pathOf(e.RequestURI)
	}
	var b strings.Builder
	b.WriteString(r.Resource)
	if r.APIGroup != "" {
		b.WriteString(".")
		b.WriteString(r.APIGroup)
	}
	if r.Subresource != "" {
		b.WriteString("/")
		b.WriteString(r.Subresource)
	}
	switch {
	case r.Namespace != "" && r.Name != "":
		b.WriteString(" " + r.Namespace + "/" + r.Name)
	case r.Name != "":
		b.WriteString(" " + r.Name)
	case r.Namespace != "":
		b.WriteString(" in namespace " + r.Namespace)
	default:
		b.WriteString(" in every namespace")
	}
	return b.String()
}

// pathOf is a request URI without its query.
func pathOf(uri string) string {
	if i := strings.IndexByte(uri, '?'); i >= 0 {
		return uri[:i]
	}
	return uri
}

// decisive reports whether the event says how its request ended (or, for
// a long-running request, that it started): rules and detectors judge these
// stages only, so a request logged at several stages counts once.
func (e *Event) decisive() bool {
	return e.Stage != auditv1.StageRequestReceived
}
