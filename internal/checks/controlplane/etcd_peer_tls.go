package controlplane

import (
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source/node"
)

/*
etcd members must talk to each other over TLS with certificates they were
given.

**Flags read (etcd, or its ETCD_* environment variables):**
--peer-cert-file, --peer-key-file, --peer-auto-tls (default false),
--listen-peer-urls, --config-file (not assessed when set).

**Allowed values:** --peer-cert-file and --peer-key-file set (CIS 2.4);
--peer-auto-tls not true (CIS 2.6); no http:// peer URL beyond loopback.
Low instead of high when every peer URL is loopback (a single member
that no peer can reach).
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "etcd-peer-tls",
			Title: "etcd peers talk without proper TLS",
			Description: "Reads etcd's --peer-cert-file, --peer-key-file, --peer-auto-tls and --listen-peer-urls (or the ETCD_* " +
				"environment variables). Flagged: no peer certificate and key (CIS 2.4) or an http:// peer URL beyond loopback, so the " +
				"replication stream — the whole database, Secrets included — crosses the network in plain text (high; low when etcd " +
				"only listens for peers on loopback); --peer-auto-tls=true (CIS 2.6, medium), self-signed peer certificates nobody " +
				"can verify. With --config-file etcd ignores its flags: not assessed.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorNetworkAttack,
			Strategy: check.StrategyEncryption,
			References: check.References{
				CIS:   []string{"2.4", "2.6"},
				NSA:   []string{nsaEtcd, nsaEncryption},
				MITRE: []string{"T1557", "T1040"},
			},
			Remediation: "Set --peer-cert-file and --peer-key-file to certificates signed by the etcd CA, --peer-auto-tls=false, and " +
				"only https:// URLs in --listen-peer-urls and --initial-advertise-peer-urls.",
		},
		Pod: onComponent(node.Etcd, etcdPeerTLS),
	})
}

// peersLoopbackOnly reports whether etcd listens for peers on loopback
// only (its default, http://localhost:2380, included).
func peersLoopbackOnly(c *node.Component) bool {
	urls := c.Flags.List("listen-peer-urls")
	if len(urls) == 0 {
		return true
	}
	for _, u := range urls {
		if !isLoopback(hostOf(u)) {
			return false
		}
	}
	return true
}

func etcdPeerTLS(_ *check.Context, c *node.Component) []check.Violation {
	if na := etcdConfigFile(c); na != nil {
		return na
	}
	var out []check.Violation
	if missing := missingFlags(c, "peer-cert-file", "peer-key-file"); len(missing) > 0 {
		v := at(c, missing[0][2:], "%s not set (CIS 2.4): etcd members replicate the whole database, Secrets included, without TLS", joinFlags(missing))
		if peersLoopbackOnly(c) {
			v.Message += " (peers are only heard on loopback here)"
			v = graded(v, check.SeverityLow)
		}
		out = append(out, v)
	}
	auto, na := readBool(c, "peer-auto-tls", false)
	if na != nil {
		out = append(out, *na)
	} else if auto.value {
		out = append(out, graded(at(c, "peer-auto-tls", "%s (CIS 2.6): members use self-signed certificates no peer can verify", auto.text), check.SeverityMedium))
	}
	if _, exposed := plaintextURLs(c, "listen-peer-urls"); len(exposed) > 0 {
		out = append(out, at(c, "listen-peer-urls", "--listen-peer-urls includes %s (CIS 2.4): replication crosses the network in plain text", strings.Join(exposed, ", ")))
	}
	return out
}
