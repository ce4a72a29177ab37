package node

import (
	"strings"

	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/checks/controlplane"
)

/*
The kubelet must not negotiate old TLS versions or weak cipher suites.

**Settings read:** tlsMinVersion (--tls-min-version) and tlsCipherSuites
(--tls-cipher-suites); both default to Go's strong settings.

**Allowed values:** a minimum of VersionTLS12 or above; no suite Go marks
insecure and no CBC suite with static RSA key exchange (CIS 4.2.12).
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "kubelet-tls-ciphers",
			Title: "Kubelet allows old TLS versions or weak cipher suites",
			Description: "Reads the kubelet's tlsMinVersion and tlsCipherSuites (or --tls-min-version and --tls-cipher-suites). Flagged: " +
				"a minimum below TLS 1.2 (high), and suites Go marks insecure (RC4, 3DES, CBC with SHA-256) or CBC suites with static " +
				"RSA key exchange, which lack forward secrecy (CIS 4.2.12). Unset is allowed: the defaults are TLS 1.2 and Go's secure suites.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorNetworkAttack,
			Strategy: check.StrategyEncryption,
			References: check.References{
				CIS:   []string{"4.2.12"},
				NSA:   []string{nsaEncryption},
				MITRE: []string{"T1557"},
			},
			Remediation: "Set tlsMinVersion: VersionTLS12 (or 13) and either leave tlsCipherSuites unset or list only ECDHE suites with " +
				"AES-GCM or ChaCha20-Poly1305.",
		},
		Cluster: onKubelets(kubeletTLSCiphers),
	})
}

func kubeletTLSCiphers(k *kubelet) []check.Violation {
	var out []check.Violation
	minVer, na := k.decide("tls-min-version", "tlsMinVersion", func(c *kubeletv1beta1.KubeletConfiguration) (string, bool) {
		return c.TLSMinVersion, c.TLSMinVersion != ""
	}, "", "")
	if na != nil {
		return []check.Violation{*na}
	}
	if controlplane.OldTLSVersion(minVer.value) {
		out = append(out, graded(minVer.violation("%s (CIS 4.2.12): clients may negotiate TLS below 1.2, which has known downgrade and decryption attacks", minVer.text), check.SeverityHigh))
	}
	suites, _ := k.decide("tls-cipher-suites", "tlsCipherSuites", func(c *kubeletv1beta1.KubeletConfiguration) (string, bool) {
		return strings.Join(c.TLSCipherSuites, ","), len(c.TLSCipherSuites) > 0
	}, "", "")
	if weak := controlplane.WeakCipherSuites(strings.Split(suites.value, ",")); len(weak) > 0 {
		field := suites.field
		out = append(out, check.Violation{Object: suites.obj, Field: field, Message: "the kubelet's cipher suites include weak " + strings.Join(weak, ", ") + " (CIS 4.2.12)"})
	}
	return out
}
