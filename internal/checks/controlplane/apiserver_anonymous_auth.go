package controlplane

import (
	"fmt"
	"slices"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source/node"
)

/*
The API server must not serve requests that carry no credentials.

**Flags read (kube-apiserver):** --anonymous-auth (default true),
--authentication-config, --authorization-mode.

**Allowed values:** --anonymous-auth=false. When it is not given and
--authentication-config names a file, anonymous access may be configured
there: not assessed. Critical instead of medium when the authorization
mode also allows every request (AlwaysAllow, given or by default).
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "apiserver-anonymous-auth",
			Title: "API server accepts anonymous requests",
			Description: "Reads kube-apiserver's --anonymous-auth, which defaults to true. Allowed: false. With anonymous access on, a request " +
				"without credentials is served as user system:anonymous in group system:unauthenticated: harmless only as long as no " +
				"RBAC binding ever names them, and a single such binding (or an AlwaysAllow authorizer, which makes this finding critical) " +
				"opens the API to anyone who reaches the port. When --anonymous-auth is not given but --authentication-config is, " +
				"anonymous access may be configured in that file, which Palisade does not read: not assessed.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorAPIExposure,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"1.2.1"},
				NSA:   []string{nsaAuthn, nsaControlPlane},
				MITRE: []string{"T1190", "T1613"},
			},
			Remediation: "Set --anonymous-auth=false on kube-apiserver (or anonymous.enabled: false in its AuthenticationConfiguration, " +
				"limited to /livez, /readyz and /healthz if load balancers need them).",
		},
		Pod: onComponent(node.APIServer, apiserverAnonymousAuth),
	})
}

func apiserverAnonymousAuth(_ *check.Context, c *node.Component) []check.Violation {
	if !c.Flags.Has("anonymous-auth") {
		if f, ok := c.Flags.Last("authentication-config"); ok && f.Value != "" {
			return []check.Violation{check.NotAssessed(nil, f.Arg.Field,
				fmt.Sprintf("--anonymous-auth is not set and %s may configure anonymous access; Palisade does not read that file", f))}
		}
	}
	anon, na := readBool(c, "anonymous-auth", true)
	if na != nil {
		return []check.Violation{*na}
	}
	if !anon.value {
		return nil
	}
	v := at(c, "anonymous-auth", "%s (CIS 1.2.1): requests without credentials are served as system:anonymous, so any RBAC binding to "+
		"system:anonymous or system:unauthenticated is open to whoever reaches the API server", anon.text)
	if modes, _, byConfig := authorizationModes(c); !byConfig && slices.Contains(modes, "AlwaysAllow") {
		v.Message += ", and the AlwaysAllow authorizer lets them do anything"
		return []check.Violation{graded(v, check.SeverityCritical)}
	}
	return []check.Violation{v}
}
