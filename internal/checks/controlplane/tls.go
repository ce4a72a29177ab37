package controlplane

import (
	"crypto/tls"
	"strings"
)

// insecureSuites are the cipher suites Go itself marks insecure (RC4,
// 3DES, CBC with SHA-256).
var insecureSuites = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range tls.InsecureCipherSuites() {
		m[s.Name] = true
	}
	return m
}()

// WeakCipherSuites returns the suites of a --tls-cipher-suites list (or a
// kubelet's tlsCipherSuites) that are weak: those Go marks insecure (RC4,
// 3DES, CBC with SHA-256), and CBC suites with static RSA key exchange
// (TLS_RSA_WITH_*_CBC_*), which have no forward secrecy and are prone to
// padding-oracle attacks. TLS 1.3 suites are not configurable and never
// listed.
func WeakCipherSuites(suites []string) []string {
	var out []string
	for _, s := range suites {
		if insecureSuites[s] || strings.HasPrefix(s, "TLS_RSA_WITH_") && strings.Contains(s, "_CBC_") {
			out = append(out, s)
		}
	}
	return out
}

// OldTLSVersion reports whether a --tls-min-version value (VersionTLS10,
// VersionTLS11, ...) allows a TLS version below 1.2.
func OldTLSVersion(v string) bool {
	return v == "VersionTLS10" || v == "VersionTLS11" || v == "VersionSSL30"
}
