package controlplane

import (
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source/node"
)

/*
etcd must require peers to present a certificate signed by its CA.

**Flags read (etcd, or ETCD_PEER_CLIENT_CERT_AUTH):**
--peer-client-cert-auth (default false), --listen-peer-urls,
--config-file (not assessed when set).

**Allowed values:** --peer-client-cert-auth=true (CIS 2.5). Low instead of
high when etcd only listens for peers on loopback.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "etcd-peer-client-cert-auth",
			Title: "etcd accepts peers without a certificate",
			Description: "Reads etcd's --peer-client-cert-auth (or ETCD_PEER_CLIENT_CERT_AUTH), which defaults to false. Allowed: true. " +
				"Without it any host that reaches the peer port can talk to the member as a peer and receive the replicated database " +
				"(CIS 2.5); low when peers are only heard on loopback. With --config-file etcd ignores its flags: not assessed.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorNetworkAttack,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"2.5"},
				NSA:   []string{nsaEtcd},
				MITRE: []string{"T1557"},
			},
			Remediation: "Set --peer-client-cert-auth=true and --peer-trusted-ca-file to the etcd CA.",
		},
		Pod: onComponent(node.Etcd, etcdPeerClientCertAuth),
	})
}

func etcdPeerClientCertAuth(_ *check.Context, c *node.Component) []check.Violation {
	if na := etcdConfigFile(c); na != nil {
		return na
	}
	auth, na := readBool(c, "peer-client-cert-auth", false)
	if na != nil {
		return []check.Violation{*na}
	}
	if auth.value {
		return nil
	}
	v := at(c, "peer-client-cert-auth", "%s (CIS 2.5): any host that reaches the peer port is taken for a member", auth.text)
	if peersLoopbackOnly(c) {
		v.Message += " (peers are only heard on loopback here)"
		return []check.Violation{graded(v, check.SeverityLow)}
	}
	return []check.Violation{v}
}
