package controlplane

import (
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source/node"
)

/*
etcd must serve its clients over TLS with a certificate it was given.

**Flags read (etcd, or its ETCD_* environment variables):** --cert-file,
--key-file, --auto-tls (default false), --listen-client-urls,
--config-file (when set, etcd ignores its flags: not assessed).

**Allowed values:** --cert-file and --key-file set (CIS 2.1); --auto-tls
not true (CIS 2.3); no http:// client URL (high beyond loopback, low on
loopback).
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "etcd-client-tls",
			Title: "etcd serves clients without proper TLS",
			Description: "Reads etcd's --cert-file, --key-file, --auto-tls and --listen-client-urls (or the ETCD_* environment variables " +
				"etcd takes in their place). Flagged: no certificate and key (CIS 2.1), or an http:// client URL, so every Secret read " +
				"or written by the API server crosses the network in plain text (high; low when the URL is loopback only); --auto-tls=true " +
				"(CIS 2.3, medium), a self-signed certificate no client can verify. With --config-file etcd ignores its flags, and " +
				"Palisade does not read that file: not assessed.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorNetworkAttack,
			Strategy: check.StrategyEncryption,
			References: check.References{
				CIS:   []string{"2.1", "2.3"},
				NSA:   []string{nsaEtcd, nsaEncryption},
				MITRE: []string{"T1557", "T1040"},
			},
			Remediation: "Set --cert-file and --key-file to a certificate signed by the etcd CA, --auto-tls=false, and only https:// " +
				"URLs in --listen-client-urls and --advertise-client-urls.",
		},
		Pod: onComponent(node.Etcd, etcdClientTLS),
	})
}

func etcdClientTLS(_ *check.Context, c *node.Component) []check.Violation {
	if na := etcdConfigFile(c); na != nil {
		return na
	}
	var out []check.Violation
	if missing := missingFlags(c, "cert-file", "key-file"); len(missing) > 0 {
		out = append(out, at(c, missing[0][2:], "%s not set (CIS 2.1): etcd serves its clients without TLS", joinFlags(missing)))
	}
	auto, na := readBool(c, "auto-tls", false)
	if na != nil {
		out = append(out, *na)
	} else if auto.value {
		out = append(out, graded(at(c, "auto-tls", "%s (CIS 2.3): etcd serves clients a self-signed certificate no client can verify", auto.text), check.SeverityMedium))
	}
	loopback, exposed := plaintextURLs(c, "listen-client-urls")
	if len(exposed) > 0 {
		out = append(out, at(c, "listen-client-urls", "--listen-client-urls includes %s (CIS 2.1): clients reach etcd in plain text over the network", strings.Join(exposed, ", ")))
	}
	if len(loopback) > 0 {
		out = append(out, graded(at(c, "listen-client-urls", "--listen-client-urls includes %s (CIS 2.1): every local process and hostNetwork pod reaches etcd in plain text", strings.Join(loopback, ", ")), check.SeverityLow))
	}
	return out
}
