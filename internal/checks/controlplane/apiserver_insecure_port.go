package controlplane

import (
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source/node"
)

/*
The API server must not serve its unauthenticated insecure port.

**Flags read (kube-apiserver):** --insecure-port, --insecure-bind-address,
--port (their old alias).

**Allowed values:** none of them set, or the port set to 0. These flags
were removed in Kubernetes v1.24 (before that, from v1.20, only 0 was
accepted); a manifest that sets them runs an old API server whose
insecure port serves the whole API with no authentication or
authorization. Critical when the port is open on a non-loopback address,
high on loopback (every pod with host networking and every local user
reaches it).
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "apiserver-insecure-port",
			Title: "API server serves the insecure port",
			Description: "Reads kube-apiserver's --insecure-port (or its old alias --port) and --insecure-bind-address. Allowed: not set, or port 0. " +
				"The insecure port serves the whole API over plain HTTP with no authentication and no authorization: cluster-admin for " +
				"anyone who reaches it. The flags were removed in Kubernetes v1.24, so a manifest that sets them also runs an API server " +
				"that is out of support. Critical when bound beyond loopback (--insecure-bind-address other than 127.0.0.1), high on " +
				"loopback, where every hostNetwork pod and local user still reaches it. The CIS Benchmark dropped these recommendations " +
				"when the flags were removed.",
			Severity: check.SeverityCritical,
			Vector:   check.VectorAPIExposure,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				NSA:   []string{nsaControlPlane, nsaAuthn},
				MITRE: []string{"T1190", "T1133"},
			},
			Remediation: "Remove --insecure-port, --port and --insecure-bind-address and upgrade the API server to a supported version; " +
				"reach the API only through the authenticated secure port.",
		},
		Pod: onComponent(node.APIServer, apiserverInsecurePort),
	})
}

func apiserverInsecurePort(_ *check.Context, c *node.Component) []check.Violation {
	name := "insecure-port"
	port, ok := c.Flags.Last(name)
	if !ok {
		if port, ok = c.Flags.Last("port"); !ok {
			return nil
		}
		name = "port"
	}
	if strings.TrimSpace(port.Value) == "0" {
		return nil
	}
	bind, bindText, _ := stringFlag(c, "insecure-bind-address", "127.0.0.1")
	v := at(c, name, "%s with %s: the whole API is served over plain HTTP with no authentication or authorization", port, bindText)
	if isLoopback(bind) {
		v.Message += " to every local process and hostNetwork pod; the flag was removed in v1.24, so this API server is also out of support"
		return []check.Violation{graded(v, check.SeverityHigh)}
	}
	v.Message += " to everyone who reaches the address: cluster-admin without credentials"
	return []check.Violation{v}
}
