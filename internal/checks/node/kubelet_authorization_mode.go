package node

import (
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/palisade-sec/palisade/internal/check"
)

/*
The kubelet must ask the API server whether each request is allowed.

**Settings read:** --authorization-mode (flag default AlwaysAllow) or
authorization.mode (config file default Webhook).

**Allowed values:** Webhook (CIS 4.2.2).
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "kubelet-authorization-mode",
			Title: "Kubelet allows every request",
			Description: "Reads the kubelet's --authorization-mode flag or authorization.mode in its config file; the flag defaults to " +
				"AlwaysAllow, the config file to Webhook. Allowed: Webhook, which asks the API server (SubjectAccessReview) whether " +
				"the caller may use nodes/proxy, nodes/log and the rest. With AlwaysAllow every authenticated caller — and every " +
				"anonymous one when anonymous access is on — may exec into any pod on the node, read its logs and its secrets " +
				"(CIS 4.2.2).",
			Severity: check.SeverityCritical,
			Vector:   check.VectorAPIExposure,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"4.2.2"},
				NSA:   []string{nsaAuthn, nsaWorkerNodes},
				MITRE: []string{"T1609", "T1611"},
			},
			Remediation: "Set authorization.mode: Webhook in the kubelet config file (and drop --authorization-mode from its flags).",
		},
		Cluster: onKubelets(kubeletAuthorizationModeCheck),
	})
}

// kubeletAuthorizationMode decides the kubelet's authorization mode.
func kubeletAuthorizationMode(k *kubelet) (setting, *check.Violation) {
	return k.decide("authorization-mode", "authorization.mode", func(c *kubeletv1beta1.KubeletConfiguration) (string, bool) {
		return string(c.Authorization.Mode), c.Authorization.Mode != ""
	}, "Webhook", "AlwaysAllow")
}

func kubeletAuthorizationModeCheck(k *kubelet) []check.Violation {
	s, na := kubeletAuthorizationMode(k)
	if na != nil {
		return []check.Violation{*na}
	}
	if s.value != "AlwaysAllow" {
		return nil
	}
	return []check.Violation{s.violation("%s (CIS 4.2.2): every caller the kubelet authenticates may run commands in, and read the logs "+
		"and secrets of, every pod on the node", s.text)}
}
