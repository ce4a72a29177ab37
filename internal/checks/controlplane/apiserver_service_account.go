package controlplane

import (
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source/node"
)

/*
The API server must check that a service account token's account still
exists, and verify tokens with keys it is given explicitly.

**Flags read (kube-apiserver):** --service-account-lookup (default true),
--service-account-key-file.

**Allowed values:** --service-account-lookup not false (CIS 1.2.21);
--service-account-key-file set (CIS 1.2.22; without it the API server
verifies tokens with its TLS serving key, which cannot be rotated apart).
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "apiserver-service-account-tokens",
			Title: "API server service account token validation is weakened",
			Description: "Reads kube-apiserver's --service-account-lookup (default true) and --service-account-key-file. Flagged: lookup " +
				"disabled (CIS 1.2.21), so a token stays valid after its service account or Secret is deleted, until it expires; no " +
				"key file (CIS 1.2.22, low), so tokens are verified with the API server's TLS serving key and the signing keys cannot be " +
				"rotated on their own schedule.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorAPIExposure,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"1.2.21", "1.2.22"},
				NSA:   []string{nsaAuthn},
				MITRE: []string{"T1528"},
			},
			Remediation: "Leave --service-account-lookup at true and set --service-account-key-file to the public key(s) that match " +
				"--service-account-signing-key-file.",
		},
		Pod: onComponent(node.APIServer, apiserverServiceAccount),
	})
}

func apiserverServiceAccount(_ *check.Context, c *node.Component) []check.Violation {
	var out []check.Violation
	lookup, na := readBool(c, "service-account-lookup", true)
	if na != nil {
		out = append(out, *na)
	} else if !lookup.value {
		out = append(out, at(c, "service-account-lookup", "%s (CIS 1.2.21): tokens of deleted service accounts stay valid until they expire", lookup.text))
	}
	if len(missingFlags(c, "service-account-key-file")) > 0 {
		out = append(out, graded(at(c, "service-account-key-file", "--service-account-key-file is not set (CIS 1.2.22): tokens are verified with "+
			"the TLS serving key, and the signing keys cannot be rotated on their own"), check.SeverityLow))
	}
	return out
}
