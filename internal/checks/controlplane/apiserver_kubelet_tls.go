package controlplane

import (
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source/node"
)

/*
The API server must authenticate to kubelets with a client certificate and
verify the kubelets' serving certificates.

**Flags read (kube-apiserver):** --kubelet-client-certificate,
--kubelet-client-key, --kubelet-certificate-authority.

**Allowed values:** all set (CIS 1.2.4, 1.2.5).
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "apiserver-kubelet-tls",
			Title: "API server reaches kubelets without mutual TLS",
			Description: "Reads kube-apiserver's --kubelet-client-certificate, --kubelet-client-key and --kubelet-certificate-authority. " +
				"Flagged: no client certificate and key (CIS 1.2.4), so kubelets must serve the API server's exec, attach, logs and " +
				"port-forward calls without knowing who calls; no kubelet CA (CIS 1.2.5), so the API server does not verify the kubelet " +
				"it talks to, and someone on the path can pose as a node and read every exec session and log stream. kubeadm leaves " +
				"the CA unset unless kubelets get signed serving certificates (serverTLSBootstrap).",
			Severity: check.SeverityMedium,
			Vector:   check.VectorNetworkAttack,
			Strategy: check.StrategyEncryption,
			References: check.References{
				CIS:   []string{"1.2.4", "1.2.5"},
				NSA:   []string{nsaControlPlane, nsaEncryption},
				MITRE: []string{"T1557"},
			},
			Remediation: "Set --kubelet-client-certificate and --kubelet-client-key; give kubelets CA-signed serving certificates " +
				"(serverTLSBootstrap: true and an approver) and set --kubelet-certificate-authority to that CA.",
		},
		Pod: onComponent(node.APIServer, apiserverKubeletTLS),
	})
}

func apiserverKubeletTLS(_ *check.Context, c *node.Component) []check.Violation {
	var out []check.Violation
	if missing := missingFlags(c, "kubelet-client-certificate", "kubelet-client-key"); len(missing) > 0 {
		out = append(out, at(c, missing[0][2:], "%s not set (CIS 1.2.4): the API server calls kubelets without a client certificate", joinFlags(missing)))
	}
	if len(missingFlags(c, "kubelet-certificate-authority")) > 0 {
		out = append(out, at(c, "kubelet-certificate-authority", "--kubelet-certificate-authority is not set (CIS 1.2.5): the API server does not "+
			"verify kubelets' serving certificates, so exec, attach and log traffic can be intercepted"))
	}
	return out
}
