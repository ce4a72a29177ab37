package controlplane

import (
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source/node"
)

/*
The API server must not authenticate users from static credential files.

**Flags read (kube-apiserver):** --token-auth-file, --basic-auth-file.

**Allowed values:** neither set (or set empty).
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "apiserver-static-credentials",
			Title: "API server authenticates from a static token or password file",
			Description: "Reads kube-apiserver's --token-auth-file and --basic-auth-file. Allowed: neither set. A static token file holds " +
				"long-lived bearer tokens in clear text on the control-plane node: they never expire, cannot be revoked without editing " +
				"the file and restarting the API server, and are a prize for anyone who reads the node's disk or backups (CIS 1.2.2). " +
				"The basic-auth password file is the same with passwords, and was removed in Kubernetes v1.19.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorAPIExposure,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"1.2.2"},
				NSA:   []string{nsaAuthn},
				MITRE: []string{"T1552.001", "T1078"},
			},
			Remediation: "Remove --token-auth-file and --basic-auth-file; authenticate people through OIDC or another identity provider " +
				"and workloads through service account tokens.",
		},
		Pod: onComponent(node.APIServer, apiserverStaticCredentials),
	})
}

func apiserverStaticCredentials(_ *check.Context, c *node.Component) []check.Violation {
	var out []check.Violation
	if f, ok := c.Flags.Last("token-auth-file"); ok && f.Value != "" {
		out = append(out, at(c, "token-auth-file", "%s (CIS 1.2.2): static bearer tokens in a file on the node, which never expire and cannot be revoked without a restart", f))
	}
	if f, ok := c.Flags.Last("basic-auth-file"); ok && f.Value != "" {
		out = append(out, at(c, "basic-auth-file", "%s: passwords in clear text in a file on the node (basic authentication was removed in v1.19)", f))
	}
	return out
}
