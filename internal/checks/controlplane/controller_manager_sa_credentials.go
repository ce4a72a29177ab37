package controlplane

import (
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source/node"
)

/*
Each controller must act with its own service account.

**Flags read (kube-controller-manager):** --use-service-account-credentials
(default false).

**Allowed values:** true (CIS 1.3.3).
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "controller-manager-service-account-credentials",
			Title: "Controllers share the controller manager's credential",
			Description: "Reads kube-controller-manager's --use-service-account-credentials, which defaults to false. Allowed: true. " +
				"Without it every controller calls the API server with the controller manager's own, very broad credential, so RBAC " +
				"cannot tell controllers apart, the audit log cannot either, and a flaw in any one controller carries all of their " +
				"permissions (CIS 1.3.3).",
			Severity: check.SeverityMedium,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"1.3.3"},
				NSA:   []string{nsaAuthn},
				MITRE: []string{"T1078"},
			},
			Remediation: "Set --use-service-account-credentials=true on kube-controller-manager (kubeadm does).",
		},
		Pod: onComponent(node.ControllerManager, controllerManagerSACredentials),
	})
}

func controllerManagerSACredentials(_ *check.Context, c *node.Component) []check.Violation {
	use, na := readBool(c, "use-service-account-credentials", false)
	if na != nil {
		return []check.Violation{*na}
	}
	if use.value {
		return nil
	}
	return []check.Violation{at(c, "use-service-account-credentials", "%s (CIS 1.3.3): every controller acts with the controller manager's own broad credential", use.text)}
}
