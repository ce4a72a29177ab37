package controlplane

import (
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source/node"
)

/*
The controller manager must be given the service account signing key and
the cluster's root CA.

**Flags read (kube-controller-manager):** --service-account-private-key-file,
--root-ca-file.

**Allowed values:** both set (CIS 1.3.4, 1.3.5).
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "controller-manager-keys",
			Title: "Controller manager lacks the service account key or root CA",
			Description: "Reads kube-controller-manager's --service-account-private-key-file and --root-ca-file. Flagged: no private key " +
				"(CIS 1.3.4), so the token controller signs no service account tokens and the keys cannot be rotated with the API " +
				"server's --service-account-key-file; no root CA (CIS 1.3.5), so the ca.crt published to pods may not hold the CA that " +
				"signed the API server's certificate, and pods cannot verify they talk to the real API server.",
			Severity: check.SeverityLow,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"1.3.4", "1.3.5"},
				NSA:   []string{nsaAuthn, nsaControlPlane},
				MITRE: []string{"T1557"},
			},
			Remediation: "Set --service-account-private-key-file (kubeadm: /etc/kubernetes/pki/sa.key) and --root-ca-file " +
				"(/etc/kubernetes/pki/ca.crt) on kube-controller-manager.",
		},
		Pod: onComponent(node.ControllerManager, controllerManagerKeys),
	})
}

func controllerManagerKeys(_ *check.Context, c *node.Component) []check.Violation {
	var out []check.Violation
	if len(missingFlags(c, "service-account-private-key-file")) > 0 {
		out = append(out, at(c, "service-account-private-key-file", "--service-account-private-key-file is not set (CIS 1.3.4): the controller "+
			"manager signs no service account tokens"))
	}
	if len(missingFlags(c, "root-ca-file")) > 0 {
		out = append(out, at(c, "root-ca-file", "--root-ca-file is not set (CIS 1.3.5): pods may not get the CA that lets them verify the API server"))
	}
	return out
}
