package node

import (
	"time"

	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/palisade-sec/palisade/internal/check"
)

/*
The kubelet must close idle streaming connections.

**Settings read:** --streaming-connection-idle-timeout or
streamingConnectionIdleTimeout (default 4h).

**Allowed values:** a duration above 0 (CIS 4.2.5). In the config file 0
cannot be written (the kubelet replaces it with 4h), so only the flag can
turn the timeout off. Recent kubelets ignore the setting (it is deprecated
in the config file API); older ones honour it.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "kubelet-streaming-idle-timeout",
			Title: "Kubelet never closes idle exec and port-forward streams",
			Description: "Reads the kubelet's --streaming-connection-idle-timeout flag or streamingConnectionIdleTimeout in its config " +
				"file (default 4h). Flagged: 0, which keeps idle exec, attach and port-forward connections open forever, leaving " +
				"forgotten sessions into pods and letting clients exhaust the kubelet's connections (CIS 4.2.5). A config file cannot " +
				"express 0 (the kubelet reads it as unset), so only the flag can; recent kubelets ignore the setting altogether.",
			Severity: check.SeverityLow,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"4.2.5"},
				NSA:   []string{nsaWorkerNodes},
				MITRE: []string{"T1609"},
			},
			Remediation: "Remove --streaming-connection-idle-timeout=0, or set it to a few minutes (e.g. 5m).",
		},
		Cluster: onKubelets(kubeletStreamingTimeout),
	})
}

func kubeletStreamingTimeout(k *kubelet) []check.Violation {
	s, na := k.decide("streaming-connection-idle-timeout", "streamingConnectionIdleTimeout", func(c *kubeletv1beta1.KubeletConfiguration) (string, bool) {
		d := c.StreamingConnectionIdleTimeout.Duration
		return d.String(), d != 0
	}, "4h0m0s", "4h0m0s")
	if na != nil {
		return []check.Violation{*na}
	}
	if d, err := time.ParseDuration(s.value); err != nil || d != 0 {
		return nil
	}
	return []check.Violation{s.violation("%s (CIS 4.2.5): idle exec, attach and port-forward connections stay open forever", s.text)}
}
