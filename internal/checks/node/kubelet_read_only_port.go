package node

import (
	"strconv"

	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/palisade-sec/palisade/internal/check"
)

/*
The kubelet must not serve its unauthenticated read-only port.

**Settings read:** --read-only-port (flag default 10255) or readOnlyPort
(config file default 0, off).

**Allowed values:** 0 (CIS 4.2.4).
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "kubelet-read-only-port",
			Title: "Kubelet serves the read-only port",
			Description: "Reads the kubelet's --read-only-port flag or readOnlyPort in its config file; the flag defaults to 10255, the " +
				"config file to 0 (off). Allowed: 0. The read-only port answers without authentication or authorization over plain " +
				"HTTP: anyone who reaches the node lists every pod on it with its full spec — images, environment variables and the " +
				"credentials people put there — and its metrics (CIS 4.2.4).",
			Severity: check.SeverityHigh,
			Vector:   check.VectorAPIExposure,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"4.2.4"},
				NSA:   []string{nsaWorkerNodes, nsaAuthn},
				MITRE: []string{"T1613", "T1552"},
			},
			Remediation: "Set readOnlyPort: 0 in the kubelet config file (and drop --read-only-port from its flags); scrape metrics " +
				"from the authenticated port 10250.",
		},
		Cluster: onKubelets(kubeletReadOnlyPort),
	})
}

func kubeletReadOnlyPort(k *kubelet) []check.Violation {
	s, na := k.decide("read-only-port", "readOnlyPort", func(c *kubeletv1beta1.KubeletConfiguration) (string, bool) {
		return strconv.Itoa(int(c.ReadOnlyPort)), c.ReadOnlyPort != 0
	}, "0", "10255")
	if na != nil {
		return []check.Violation{*na}
	}
	if s.value == "0" {
		return nil
	}
	return []check.Violation{s.violation("%s (CIS 4.2.4): the kubelet serves every pod's spec, environment included, over plain HTTP "+
		"without authentication", s.text)}
}
