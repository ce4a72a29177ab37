package node

import (
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/palisade-sec/palisade/internal/check"
)

/*
The kubelet must not serve requests that carry no credentials.

**Settings read:** --anonymous-auth (flag default true) or
authentication.anonymous.enabled (config file default false); the
authorization mode, to grade.

**Allowed values:** false (CIS 4.2.1). Critical instead of high when the
authorization mode is AlwaysAllow: then anyone who reaches port 10250
runs commands in every pod on the node.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "kubelet-anonymous-auth",
			Title: "Kubelet accepts anonymous requests",
			Description: "Reads the kubelet's --anonymous-auth flag or authentication.anonymous.enabled in its config file; the flag " +
				"defaults to true, the config file to false. Allowed: false. With anonymous access on, requests to the kubelet's port " +
				"without credentials are served as system:anonymous: with Webhook authorization they are still checked against RBAC, " +
				"with AlwaysAllow (critical) anyone who reaches the node lists its pods, reads their logs and runs commands in them " +
				"(CIS 4.2.1).",
			Severity: check.SeverityHigh,
			Vector:   check.VectorAPIExposure,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"4.2.1"},
				NSA:   []string{nsaAuthn, nsaWorkerNodes},
				MITRE: []string{"T1609", "T1190"},
			},
			Remediation: "Set authentication.anonymous.enabled: false in the kubelet config file (and drop --anonymous-auth from its flags).",
		},
		Cluster: onKubelets(kubeletAnonymousAuth),
	})
}

func kubeletAnonymousAuth(k *kubelet) []check.Violation {
	s, na := k.decide("anonymous-auth", "authentication.anonymous.enabled",
		func(c *kubeletv1beta1.KubeletConfiguration) (string, bool) {
			return boolPtr(c.Authentication.Anonymous.Enabled)
		}, "false", "true")
	if na != nil {
		return []check.Violation{*na}
	}
	if s.value != "true" {
		return nil
	}
	v := s.violation("%s (CIS 4.2.1): requests without credentials reach the kubelet's API as system:anonymous", s.text)
	if mode, _ := kubeletAuthorizationMode(k); mode.value == "AlwaysAllow" {
		v.Message += ", and the kubelet's AlwaysAllow authorization lets them run commands in every pod on the node"
		return []check.Violation{graded(v, check.SeverityCritical)}
	}
	return []check.Violation{v}
}
