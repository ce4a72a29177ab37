package check

import (
	"path"
	"strings"
	"time"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// WaiveAnnotation waives checks on the annotated object:
//
//	palisade.dev/waive: "workload/no-resource-limits,pss/runAsNonRoot -- batch job, owned by data team"
const WaiveAnnotation = "palisade.dev/waive"

// WaiveExpiresAnnotation ends the annotation's waiver: the last day
// (YYYY-MM-DD, UTC) it applies, as a config waiver's expires. After it, or
// when it is not a date, the annotation stops waiving and is reported as
// an expired waiver.
//
//	palisade.dev/waive-expires: "2027-03-31"
const WaiveExpiresAnnotation = "palisade.dev/waive-expires"

// ParseWaiveAnnotation splits the annotation into check ids (or patterns)
// and the reason after " -- ". ok is false when no check id is named.
func ParseWaiveAnnotation(value string) (checks []string, reason string, ok bool) {
	ids, reason, _ := strings.Cut(value, "--")
	for _, id := range strings.Split(ids, ",") {
		if id = strings.TrimSpace(id); id != "" {
			checks = append(checks, id)
		}
	}
	return checks, strings.TrimSpace(reason), len(checks) > 0
}

// applyWaivers marks waived findings and returns the expired waivers. The
// first matching waiver wins; an annotation beats the config file because
// it sits next to the object it excuses.
func applyWaivers(findings []Finding, snap *cluster.Snapshot, cfg *Config, now time.Time) []ExpiredWaiver {
	matches := make([]int, len(cfg.Waivers))
	// Expired annotations, one per object, in the order first met.
	var expiredAnnotations []ExpiredWaiver
	annotationAt := map[*cluster.Object]int{}
	for i := range findings {
		f := &findings[i]
		annotations := f.object.Annotations()
		if ids, reason, ok := ParseWaiveAnnotation(annotations[WaiveAnnotation]); ok && matchesAny(ids, f.CheckID) {
			w := Waiver{Checks: ids, Reason: reason, Expires: annotations[WaiveExpiresAnnotation],
				Selector: Selector{Namespace: f.object.ID.Namespace, Kind: f.object.ID.Kind, Name: f.object.ID.Name}}
			if !w.Expired(now) {
				f.Suppression = &Suppression{Source: "annotation", Reason: reason, Expires: w.Expires}
				continue
			}
			at, seen := annotationAt[f.object]
			if !seen {
				at = len(expiredAnnotations)
				annotationAt[f.object] = at
				expiredAnnotations = append(expiredAnnotations, ExpiredWaiver{Waiver: w})
			}
			expiredAnnotations[at].Matches++
		}
		for j := range cfg.Waivers {
			w := &cfg.Waivers[j]
			if !w.Covers(f.CheckID, f.object) {
				continue
			}
			if w.Expired(now) {
				matches[j]++
				continue
			}
			f.Suppression = &Suppression{Source: "config", Reason: w.Reason, Owner: w.Owner, Expires: w.Expires}
			break
		}
	}
	var expired []ExpiredWaiver
	for j := range cfg.Waivers {
		if cfg.Waivers[j].Expired(now) {
			expired = append(expired, ExpiredWaiver{Waiver: cfg.Waivers[j], Matches: matches[j]})
		}
	}
	return append(expired, expiredAnnotations...)
}

// Names reports whether the waiver names the check, by id or by pattern.
func (w *Waiver) Names(checkID string) bool { return matchesAny(w.Checks, checkID) }

// Covers reports whether the waiver names the check and selects the
// object; whether it has expired is Expired's question.
func (w *Waiver) Covers(checkID string, o *cluster.Object) bool {
	return w.Names(checkID) && w.Selector.Matches(o)
}

// Matches reports whether the selector picks the object.
func (s Selector) Matches(o *cluster.Object) bool {
	if !globMatch(s.Namespace, o.ID.Namespace) || !globMatch(s.Kind, o.ID.Kind) || !globMatch(s.Name, o.ID.Name) {
		return false
	}
	labels := o.Labels()
	for k, v := range s.Labels {
		if got, ok := labels[k]; !ok || got != v {
			return false
		}
	}
	return true
}

func matchesAny(patterns []string, id string) bool {
	for _, p := range patterns {
		if globMatch(p, id) {
			return true
		}
	}
	return false
}

// globMatch matches a shell pattern; the empty pattern matches everything.
func globMatch(pattern, s string) bool {
	if pattern == "" || pattern == s {
		return true
	}
	ok, err := path.Match(pattern, s)
	return err == nil && ok
}
