package controlplane

import (
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source/node"
)

/*
The API server must serve a certificate it was given and authenticate
client certificates against a CA.

**Flags read (kube-apiserver):** --tls-cert-file, --tls-private-key-file,
--client-ca-file.

**Allowed values:** all set (CIS 1.2.24, 1.2.25).
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "apiserver-tls",
			Title: "API server serving certificate or client CA not configured",
			Description: "Reads kube-apiserver's --tls-cert-file, --tls-private-key-file and --client-ca-file. Flagged: no serving " +
				"certificate and key (CIS 1.2.24): the API server makes up a self-signed one at start, which clients cannot verify, so " +
				"they either fail or learn to skip verification and accept an impostor; no client CA (CIS 1.2.25, low): client " +
				"certificates are not accepted, and components fall back to weaker credentials.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorNetworkAttack,
			Strategy: check.StrategyEncryption,
			References: check.References{
				CIS:   []string{"1.2.24", "1.2.25"},
				NSA:   []string{nsaControlPlane, nsaEncryption},
				MITRE: []string{"T1557"},
			},
			Remediation: "Set --tls-cert-file and --tls-private-key-file to a certificate signed by the cluster CA, and --client-ca-file to that CA.",
		},
		Pod: onComponent(node.APIServer, apiserverTLS),
	})
}

func apiserverTLS(_ *check.Context, c *node.Component) []check.Violation {
	var out []check.Violation
	if missing := missingFlags(c, "tls-cert-file", "tls-private-key-file"); len(missing) > 0 {
		out = append(out, at(c, missing[0][2:], "%s not set (CIS 1.2.24): the API server serves a self-signed certificate clients cannot verify", joinFlags(missing)))
	}
	if len(missingFlags(c, "client-ca-file")) > 0 {
		out = append(out, graded(at(c, "client-ca-file", "--client-ca-file is not set (CIS 1.2.25): client certificates are not accepted"), check.SeverityLow))
	}
	return out
}
