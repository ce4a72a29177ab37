package node

import (
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/palisade-sec/palisade/internal/check"
)

/*
The kubelet must authenticate client certificates against a CA.

**Settings read:** --client-ca-file or authentication.x509.clientCAFile
(no default).

**Allowed values:** set (CIS 4.2.3).
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "kubelet-client-ca",
			Title: "Kubelet does not authenticate client certificates",
			Description: "Reads the kubelet's --client-ca-file flag or authentication.x509.clientCAFile in its config file. Allowed: set. " +
				"Without a client CA the kubelet cannot authenticate the API server's client certificate, so the API server's calls " +
				"(exec, logs, port-forward) are only authenticated if token webhook authentication is on, and fall back to anonymous " +
				"otherwise (CIS 4.2.3).",
			Severity: check.SeverityMedium,
			Vector:   check.VectorAPIExposure,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"4.2.3"},
				NSA:   []string{nsaAuthn, nsaWorkerNodes},
				MITRE: []string{"T1557"},
			},
			Remediation: "Set authentication.x509.clientCAFile to the cluster CA (kubeadm: /etc/kubernetes/pki/ca.crt).",
		},
		Cluster: onKubelets(kubeletClientCA),
	})
}

func kubeletClientCA(k *kubelet) []check.Violation {
	s, na := k.decide("client-ca-file", "authentication.x509.clientCAFile", func(c *kubeletv1beta1.KubeletConfiguration) (string, bool) {
		return c.Authentication.X509.ClientCAFile, c.Authentication.X509.ClientCAFile != ""
	}, `""`, `""`)
	if na != nil {
		return []check.Violation{*na}
	}
	if s.value != `""` && s.value != "" {
		return nil
	}
	return []check.Violation{s.violation("%s (CIS 4.2.3): the kubelet does not authenticate client certificates, not even the API server's", s.text)}
}
