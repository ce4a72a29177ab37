package audit

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/palisade-sec/palisade/internal/check"
)

// Helpers that word findings: who made the request, what it did, how it
// ended, and from where and when.

// who names the request's user: `user "alice"`, `service account
// shop/web`, `the anonymous user`; an impersonated user is named with the
// user who impersonated it.
func who(e *Event) string {
	if e.ImpersonatedUser != nil && e.ImpersonatedUser.Username != "" {
		return subjectName(e.User.Username) + " (as " + subjectName(e.ImpersonatedUser.Username) + ")"
	}
	if e.User.Username == "" {
		return "an unauthenticated client"
	}
	return subjectName(e.User.Username)
}

// subjectName names a user name the way people read it.
func subjectName(username string) string {
	if ns, name, ok := ServiceAccount(username); ok {
		return "service account " + ns + "/" + name
	}
	switch {
	case username == "system:anonymous":
		return "the anonymous user"
	case strings.HasPrefix(username, "system:node:"):
		return "node " + strings.TrimPrefix(username, "system:node:")
	}
	return "user " + strconv.Quote(username)
}

// pastTense words a request verb: "listed", "read".
var pastTense = map[string]string{
	"get": "read", "list": "listed", "watch": "watched", "create": "created", "update": "updated",
	"patch": "patched", "delete": "deleted", "deletecollection": "deleted all", "proxy": "proxied to",
	"impersonate": "impersonated", "bind": "bound", "escalate": "escalated",
}

// did words what the request did: "listed secrets in every namespace".
func did(e *Event) string {
	if e.ObjectRef == nil || e.ObjectRef.Resource == "" {
		method := strings.ToUpper(e.Verb)
		if method == "" {
			method = "requested"
		}
		return method + " " + pathOf(e.RequestURI)
	}
	verb, ok := pastTense[e.Verb]
	if !ok {
		verb = "made a " + strconv.Quote(e.Verb) + " request on"
	}
	return verb + " " + e.Target()
}

// outcome words how the request ended: " (403 Forbidden)"; "" when the
// event does not say.
func outcome(e *Event) string {
	code := e.Code()
	if code == 0 {
		return ""
	}
	text := strconv.Itoa(code)
	if st := http.StatusText(code); st != "" {
		text += " " + st
	}
	switch {
	case code == 401 || code == 403:
		return " (refused: " + text + ")"
	case code >= 400:
		if msg := e.ResponseStatus.Message; msg != "" {
			text += ": " + clip(msg, 160)
		}
		return " (failed: " + text + ")"
	}
	return " (" + text + ")"
}

// whereWhen words the request's source address, client and time:
// " from 10.0.0.5 with curl/8.5.0 at 2026-06-01T12:00:00Z".
func whereWhen(e *Event) string {
	var b strings.Builder
	if ip := e.SourceIP(); ip != "" {
		b.WriteString(" from ")
		b.WriteString(ip)
	}
	if e.UserAgent != "" {
		b.WriteString(" with ")
		b.WriteString(clip(e.UserAgent, 80))
	}
	if t := e.RequestReceivedTimestamp.Time; !t.IsZero() {
		b.WriteString(" at ")
		b.WriteString(t.UTC().Format(time.RFC3339))
	}
	return b.String()
}

// sentence is the usual message: who did what, how it ended, from where
// and when.
func sentence(e *Event) string {
	return who(e) + " " + did(e) + outcome(e) + whereWhen(e)
}

// clip shortens s to at most n bytes, on a rune boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// query returns the values of a query parameter of the request URI.
func query(e *Event, key string) []string {
	_, q, ok := strings.Cut(e.RequestURI, "?")
	if !ok {
		return nil
	}
	v, _ := url.ParseQuery(q)
	return v[key]
}

// lowerOnce lowers a severity by one step when the request was refused or
// failed: the attempt is still worth reporting, but nothing changed.
func lowerOnce(e *Event, sev check.Severity) *check.Severity {
	if e.Succeeded() || e.Code() == 0 || sev == 0 {
		return nil
	}
	s := sev - 1
	return &s
}
