package admission

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/palisade-sec/palisade/internal/check"
)

// Decisions, as the requests metric counts them.
const (
	decisionAllowed    = "allowed"     // no finding counted
	decisionDenied     = "denied"      // rejected (deny mode)
	decisionWarned     = "warned"      // admitted with warnings (warn mode, or findings an update did not add)
	decisionAudited    = "audited"     // admitted, findings in audit annotations only (audit mode)
	decisionNotJudged  = "not_judged"  // a kind or operation no check reads
	decisionBadRequest = "bad_request" // malformed or oversized AdmissionReview (HTTP 400)
	decisionError      = "error"       // the object could not be judged
)

// Metrics are the webhook's Prometheus metrics. Every label has a bounded
// set of values: modes, decisions, check ids of the registry.
type Metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	checks   *prometheus.CounterVec
	bad      *prometheus.CounterVec
	reloads  *prometheus.CounterVec
}

// NewMetrics registers the webhook's metrics, with the Go runtime and
// process collectors (memory, CPU, open files), in a registry of their
// own. The check-decision counters of every check in reg start at zero, so
// a check that never fires still shows up.
func NewMetrics(reg *check.Registry) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "palisade_webhook_requests_total",
			Help: "AdmissionReview requests by mode (deny, warn, audit), decision (allowed, denied, warned, audited, not_judged, bad_request, error) and whether the request was a dry run.",
		}, []string{"mode", "decision", "dry_run"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "palisade_webhook_request_duration_seconds",
			Help:    "Time from reading an AdmissionReview to writing the response, by mode.",
			Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1},
		}, []string{"mode"}),
		checks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "palisade_webhook_check_decisions_total",
			Help: "Findings at or above the severity threshold by check and what became of them: denied, warned, audited, waived, or preexisting (already on the object an update changes). Dry runs are not counted.",
		}, []string{"check", "decision"}),
		bad: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "palisade_webhook_bad_requests_total",
			Help: "Requests answered with HTTP 400 (or 405), by reason.",
		}, []string{"reason"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "palisade_webhook_reloads_total",
			Help: "Reloads of the serving certificate and of the config file, by what and result (ok, error).",
		}, []string{"what", "result"}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.checks, m.bad, m.reloads,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if reg != nil {
		for _, c := range reg.All() {
			if ScopeOf(c).Applies {
				for _, d := range []string{decisionDenied, decisionWarned, decisionAudited, "waived", "preexisting"} {
					m.checks.WithLabelValues(c.ID, d)
				}
			}
		}
	}
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Registry is the registry the metrics are in, for tests and embedding.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

func (m *Metrics) observe(mode Mode, decision string, dryRun bool, took time.Duration) {
	if m == nil {
		return
	}
	dr := "false"
	if dryRun {
		dr = "true"
	}
	m.requests.WithLabelValues(string(mode), decision, dr).Inc()
	m.latency.WithLabelValues(string(mode)).Observe(took.Seconds())
}

func (m *Metrics) checkDecision(id, decision string) {
	if m != nil {
		m.checks.WithLabelValues(id, decision).Inc()
	}
}

func (m *Metrics) badRequest(reason string) {
	if m != nil {
		m.bad.WithLabelValues(reason).Inc()
	}
}

func (m *Metrics) reload(what string, err error) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.reloads.WithLabelValues(what, result).Inc()
}
