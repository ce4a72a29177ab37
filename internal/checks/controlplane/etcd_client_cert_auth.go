package controlplane

import (
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source/node"
)

/*
etcd must require a client certificate signed by its CA.

**Flags read (etcd, or ETCD_CLIENT_CERT_AUTH):** --client-cert-auth
(default false), --config-file (not assessed when set).

**Allowed values:** --client-cert-auth=true (CIS 2.2).
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "etcd-client-cert-auth",
			Title: "etcd accepts clients without a certificate",
			Description: "Reads etcd's --client-cert-auth (or ETCD_CLIENT_CERT_AUTH), which defaults to false. Allowed: true. Without " +
				"it, anyone who reaches etcd's client port reads and writes every key — every Secret, every RBAC rule, every " +
				"object of the cluster — with no Kubernetes authentication or authorization in the way (CIS 2.2). With --config-file etcd ignores " +
				"its flags: not assessed.",
			Severity: check.SeverityCritical,
			Vector:   check.VectorAPIExposure,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"2.2"},
				NSA:   []string{nsaEtcd},
				MITRE: []string{"T1552.007", "T1190"},
			},
			Remediation: "Set --client-cert-auth=true and --trusted-ca-file to the etcd CA, and give the API server a client certificate " +
				"from it (--etcd-certfile, --etcd-keyfile).",
		},
		Pod: onComponent(node.Etcd, etcdClientCertAuth),
	})
}

func etcdClientCertAuth(_ *check.Context, c *node.Component) []check.Violation {
	if na := etcdConfigFile(c); na != nil {
		return na
	}
	auth, na := readBool(c, "client-cert-auth", false)
	if na != nil {
		return []check.Violation{*na}
	}
	if auth.value {
		return nil
	}
	return []check.Violation{at(c, "client-cert-auth", "%s (CIS 2.2): anyone who reaches etcd's client port reads and writes every Secret of the cluster", auth.text)}
}
