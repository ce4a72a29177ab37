package controlplane

import (
	"strconv"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source/node"
)

/*
The controller manager must keep kubelet serving certificate rotation on.

**Flags read (kube-controller-manager):** --feature-gates, key
RotateKubeletServerCertificate (beta, default true).

**Allowed values:** not set to false (CIS 1.3.6).
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "controller-manager-rotate-kubelet-server-certificate",
			Title: "Kubelet serving certificate rotation turned off",
			Description: "Reads the RotateKubeletServerCertificate key of kube-controller-manager's --feature-gates (default true). " +
				"Flagged: false (CIS 1.3.6). Kubelets then cannot get CA-signed serving certificates renewed through the certificates " +
				"API, so they fall back to self-signed ones the API server cannot verify.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorNetworkAttack,
			Strategy: check.StrategyEncryption,
			References: check.References{
				CIS:   []string{"1.3.6"},
				NSA:   []string{nsaControlPlane, nsaEncryption},
				MITRE: []string{"T1557"},
			},
			Remediation: "Remove RotateKubeletServerCertificate=false from --feature-gates of kube-controller-manager.",
		},
		Pod: onComponent(node.ControllerManager, controllerManagerRotateServerCert),
	})
}

func controllerManagerRotateServerCert(_ *check.Context, c *node.Component) []check.Violation {
	e, ok := c.Flags.Map("feature-gates")["RotateKubeletServerCertificate"]
	if !ok {
		return nil
	}
	if on, err := strconv.ParseBool(e.Value); err == nil && !on {
		return []check.Violation{{Field: e.Flag.Arg.Field, Message: "--feature-gates sets RotateKubeletServerCertificate=" + e.Value +
			" (CIS 1.3.6): kubelet serving certificates are not renewed through the certificates API"}}
	}
	return nil
}
