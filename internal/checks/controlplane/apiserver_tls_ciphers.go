package controlplane

import (
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source/node"
)

/*
The API server must not negotiate old TLS versions or weak cipher suites.

**Flags read (kube-apiserver):** --tls-min-version (default: TLS 1.2, Go's
default for servers), --tls-cipher-suites (default: Go's secure list).

**Allowed values:** a minimum of VersionTLS12 or VersionTLS13; no suite
Go marks insecure (RC4, 3DES, CBC with SHA-256) and no CBC suite with
static RSA key exchange (CIS 1.2.29). Unset is allowed: the defaults are
strong.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "apiserver-tls-ciphers",
			Title: "API server allows old TLS versions or weak cipher suites",
			Description: "Reads kube-apiserver's --tls-min-version and --tls-cipher-suites. Flagged: a minimum below TLS 1.2 (VersionTLS10, " +
				"VersionTLS11; high), whose known attacks let a network attacker downgrade and read traffic; suites Go marks insecure " +
				"(RC4, 3DES, CBC with SHA-256) or CBC suites with static RSA key exchange, which lack forward secrecy (CIS 1.2.29). " +
				"Unset flags are allowed: the defaults are TLS 1.2 and Go's secure suites.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorNetworkAttack,
			Strategy: check.StrategyEncryption,
			References: check.References{
				CIS:   []string{"1.2.29"},
				NSA:   []string{nsaEncryption},
				MITRE: []string{"T1557"},
			},
			Remediation: "Set --tls-min-version=VersionTLS12 (or 13) and either leave --tls-cipher-suites unset or list only ECDHE suites " +
				"with AES-GCM or ChaCha20-Poly1305.",
		},
		Pod: onComponent(node.APIServer, func(_ *check.Context, c *node.Component) []check.Violation {
			return tlsCipherViolations(c, "1.2.29")
		}),
	})
}

// tlsCipherViolations judges a component's --tls-min-version and
// --tls-cipher-suites.
func tlsCipherViolations(c *node.Component, cis string) []check.Violation {
	var out []check.Violation
	if f, ok := c.Flags.Last("tls-min-version"); ok && OldTLSVersion(f.Value) {
		out = append(out, graded(at(c, "tls-min-version", "%s (CIS %s): clients may negotiate TLS below 1.2, which has known downgrade and decryption attacks", f, cis), check.SeverityHigh))
	}
	if weak := WeakCipherSuites(c.Flags.List("tls-cipher-suites")); len(weak) > 0 {
		out = append(out, at(c, "tls-cipher-suites", "--tls-cipher-suites includes weak suites %s (CIS %s)", strings.Join(weak, ", "), cis))
	}
	return out
}
