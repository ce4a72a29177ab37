package audit

import (
	"fmt"
	"slices"
	"strings"
	"time"

	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
)

// Stateful rules. Their state is bounded whatever the size of the log: a
// baseline of at most maxBaseline (subject, namespace) pairs, and the
// recent refusals of at most maxBurstSources sources.

// maxBaseline bounds the secret-reader baseline.
const maxBaseline = 200_000

type baselineKey struct{ subject, namespace string }

// secretBaseline is audit/unusual-secret-reader's memory: the (subject,
// namespace) pairs whose secret reads are usual, because they were seen
// during the learning period or were already reported.
type secretBaseline struct {
	known map[baselineKey]struct{}
}

func newSecretBaseline(*Context) func(x *Context, e *Event) []Hit {
	b := &secretBaseline{known: map[baselineKey]struct{}{}}
	return b.judge
}

var readVerbs = map[string]bool{"get": true, "list": true, "watch": true}

func (b *secretBaseline) judge(x *Context, e *Event) []Hit {
	if !readVerbs[e.Verb] || !e.Succeeded() || e.Subresource() != "" {
		return nil
	}
	if x.Agents.matches(e) || x.SecretReaders.matches(e) {
		return nil
	}
	key := baselineKey{e.Username(), e.Namespace()}
	if _, ok := b.known[key]; ok {
		return nil
	}
	if len(b.known) < maxBaseline {
		b.known[key] = struct{}{}
	} else {
		x.notAssessedf("%s: more than %d (subject, namespace) pairs read secrets; pairs beyond them are reported at every read", Prefix+"unusual-secret-reader", maxBaseline)
	}
	if x.learning(e) {
		return nil
	}
	where := "namespace " + e.Namespace()
	if e.Namespace() == "" {
		where = "every namespace"
	}
	return []Hit{{Message: fmt.Sprintf("first secret read in %s by this subject: %s", where, sentence(e))}}
}

// maxBurstSources bounds the sources audit/denied-burst follows at once.
const maxBurstSources = 50_000

// burstDetector is audit/denied-burst's memory: for each source, the times
// of its last Threshold refused requests.
type burstDetector struct {
	threshold int
	window    int64 // nanoseconds
	sources   map[string]*burstState
}

type burstState struct {
	times  []int64 // ring of refusal times
	next   int
	full   bool
	newest int64
	quiet  int64 // reported; not again before this time
	users  []string
	tried  []string
}

func newBurstDetector(x *Context) func(x *Context, e *Event) []Hit {
	d := &burstDetector{threshold: x.BurstCount, window: int64(x.BurstWindow), sources: map[string]*burstState{}}
	return d.judge
}

// counted reports whether a refused event is the one record of its
// request: requests are counted at ResponseComplete (or Panic), except
// failed authentications, which the API server logs at ResponseStarted
// only.
func counted(e *Event) bool {
	switch e.Stage {
	case auditv1.StageResponseComplete, auditv1.StagePanic, "":
		return true
	case auditv1.StageResponseStarted:
		return e.Code() == 401
	}
	return false
}

func (d *burstDetector) judge(x *Context, e *Event) []Hit {
	if !e.Refused() || !counted(e) || isPublicPath(e) {
		return nil // refusals of the health paths are load balancers' probes
	}
	key := e.SourceIP()
	if key == "" {
		key = "user " + e.User.Username
	}
	t := e.RequestReceivedTimestamp.UnixNano()
	if e.RequestReceivedTimestamp.IsZero() {
		t = 0
	}
	s := d.sources[key]
	if s == nil {
		if len(d.sources) >= maxBurstSources {
			d.sweep(t)
			if len(d.sources) >= maxBurstSources {
				x.notAssessedf("%s: more than %d sources were refused within one window; the rest were not followed", Prefix+"denied-burst", maxBurstSources)
				return nil
			}
		}
		s = &burstState{times: make([]int64, d.threshold)}
		d.sources[key] = s
	}
	s.times[s.next] = t
	s.next++
	if s.next == len(s.times) {
		s.next, s.full = 0, true
	}
	s.newest = max(s.newest, t)
	// The last few users and requests, for the message.
	if !slices.Contains(s.users, e.User.Username) {
		s.users = lastFew(s.users, e.User.Username)
	}
	if t >= s.quiet {
		s.tried = lastFew(s.tried, did(e)+outcome(e))
	}
	if !s.full || t < s.quiet {
		return nil
	}
	lo, hi := slices.Min(s.times), slices.Max(s.times)
	if hi-lo > d.window {
		return nil
	}
	s.quiet = t + d.window
	users := make([]string, len(s.users))
	for i, u := range s.users {
		if u == "" {
			users[i] = "(no user: credentials rejected)"
		} else {
			users[i] = u
		}
	}
	source := "source " + key
	if ip := e.SourceIP(); ip != "" {
		source = ip
	}
	msg := fmt.Sprintf("%d requests from %s refused within %s (users %s; e.g. %s)",
		d.threshold, source, time.Duration(hi-lo).Round(time.Millisecond), strings.Join(users, ", "), strings.Join(s.tried, "; "))
	s.users, s.tried = s.users[:0], s.tried[:0]
	return []Hit{{Message: msg + whereWhen(e), Subject: "source " + key}}
}

// lastFew appends v, keeping the last three values.
func lastFew(list []string, v string) []string {
	if len(list) == 3 {
		copy(list, list[1:])
		list = list[:2]
	}
	return append(list, v)
}

// sweep forgets the sources with no refusal within a window of t.
func (d *burstDetector) sweep(t int64) {
	for k, s := range d.sources {
		if t-s.newest > d.window {
			delete(d.sources, k)
		}
	}
}
