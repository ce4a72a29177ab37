package node

import (
	"strconv"

	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/palisade-sec/palisade/internal/check"
)

/*
The kubelet must record events at a rate that keeps them.

**Settings read:** --event-qps or eventRecordQPS (default 50; 0 means no
limit).

**Allowed values:** at least 5 per second (fewer drops the events that
show what happened on the node) and not 0, which lets a burst of events
flood the API server (CIS 4.2.8).
*/

// minEventQPS is the lowest event rate allowed.
const minEventQPS = 5

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "kubelet-event-qps",
			Title: "Kubelet event rate drops events or is unlimited",
			Description: "Reads the kubelet's --event-qps flag or eventRecordQPS in its config file (default 50 per second). Flagged: " +
				"below 5, which drops events — the record of pulls, kills, evictions and probe failures an investigation starts from — " +
				"and 0, no limit at all, which lets a flood of events load the API server (CIS 4.2.8).",
			Severity: check.SeverityLow,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuditLogging,
			References: check.References{
				CIS: []string{"4.2.8"},
				NSA: []string{nsaLogging},
			},
			Remediation: "Leave eventRecordQPS at its default (50), or set it to a rate that keeps the node's events.",
		},
		Cluster: onKubelets(kubeletEventQPS),
	})
}

func kubeletEventQPS(k *kubelet) []check.Violation {
	s, na := k.decide("event-qps", "eventRecordQPS", func(c *kubeletv1beta1.KubeletConfiguration) (string, bool) {
		if c.EventRecordQPS == nil {
			return "", false
		}
		return strconv.Itoa(int(*c.EventRecordQPS)), true
	}, "50", "50")
	if na != nil {
		return []check.Violation{*na}
	}
	qps, err := strconv.Atoi(s.value)
	switch {
	case err != nil:
		return nil
	case qps == 0:
		return []check.Violation{s.violation("%s (CIS 4.2.8): events are not rate-limited, so a flood of them can load the API server", s.text)}
	case qps < minEventQPS:
		return []check.Violation{s.violation("%s (CIS 4.2.8): events beyond %d per second are dropped, and with them the record of what happened on the node", s.text, qps)}
	}
	return nil
}
