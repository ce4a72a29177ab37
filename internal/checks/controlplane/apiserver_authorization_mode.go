package controlplane

import (
	"fmt"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source/node"
)

/*
The API server must authorize every request, with the Node and RBAC
authorizers.

**Flags read (kube-apiserver):** --authorization-mode (a list; it defaults
to AlwaysAllow unless --authorization-config is given),
--authorization-config.

**Allowed values:** a list without AlwaysAllow that includes Node and
RBAC. Each miss is its own finding: AlwaysAllow (critical), no RBAC
(high), no Node (medium). With --authorization-config the authorizer chain
is in that file, which Palisade does not read: not assessed.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "apiserver-authorization-mode",
			Title: "API server authorization is missing or allows everything",
			Description: "Reads kube-apiserver's --authorization-mode, which defaults to AlwaysAllow when neither it nor --authorization-config " +
				"is given. Allowed: a list without AlwaysAllow that includes Node and RBAC. AlwaysAllow anywhere in the list lets every " +
				"authenticated request through, since the other authorizers never deny (critical, CIS 1.2.6); without RBAC, roles and " +
				"bindings are not enforced (high, CIS 1.2.8); without Node, a kubelet's credential is judged by RBAC alone and typically " +
				"reads every Secret of the cluster instead of only those of its own pods (medium, CIS 1.2.7). When --authorization-config " +
				"is given the chain is in that file, which Palisade does not read: not assessed.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorAPIExposure,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"1.2.6", "1.2.7", "1.2.8"},
				NSA:   []string{nsaAuthn},
				MITRE: []string{"T1078", "T1609"},
			},
			Remediation: "Set --authorization-mode=Node,RBAC on kube-apiserver (Webhook may follow when an external authorizer is used).",
		},
		Pod: onComponent(node.APIServer, apiserverAuthorizationMode),
	})
}

// authorizationModes returns the authorizers in force, how to name them
// in a message, and whether they come from --authorization-config.
func authorizationModes(c *node.Component) (modes []string, text string, byConfig bool) {
	if f, ok := c.Flags.Last("authorization-config"); ok && f.Value != "" && !c.Flags.Has("authorization-mode") {
		return nil, f.String(), true
	}
	if modes = c.Flags.List("authorization-mode"); len(modes) > 0 {
		return modes, "--authorization-mode=" + strings.Join(modes, ","), false
	}
	return []string{"AlwaysAllow"}, "--authorization-mode is not set, and defaults to AlwaysAllow", false
}

func apiserverAuthorizationMode(_ *check.Context, c *node.Component) []check.Violation {
	modes, text, byConfig := authorizationModes(c)
	if byConfig {
		return []check.Violation{check.NotAssessed(nil, c.FlagField("authorization-config"),
			fmt.Sprintf("the authorizers are configured by %s, which Palisade does not read", text))}
	}
	var out []check.Violation
	if slices.Contains(modes, "AlwaysAllow") {
		out = append(out, graded(at(c, "authorization-mode", "%s (CIS 1.2.6): every authenticated request is allowed, whatever RBAC says", text), check.SeverityCritical))
	}
	if !slices.Contains(modes, "RBAC") {
		out = append(out, at(c, "authorization-mode", "%s does not include RBAC (CIS 1.2.8): Roles and RoleBindings are not enforced", text))
	}
	if !slices.Contains(modes, "Node") {
		out = append(out, graded(at(c, "authorization-mode", "%s does not include Node (CIS 1.2.7): kubelets are not limited to the objects of their own pods, "+
			"so one node's credential reads Secrets meant for others", text), check.SeverityMedium))
	}
	return out
}
