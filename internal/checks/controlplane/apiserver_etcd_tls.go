package controlplane

import (
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source/node"
)

/*
The API server must talk to etcd over TLS, with a client certificate, and
verify etcd's certificate.

**Flags read (kube-apiserver):** --etcd-certfile, --etcd-keyfile,
--etcd-cafile, --etcd-servers.

**Allowed values:** all three files set (CIS 1.2.23, 1.2.26); no http://
URL in --etcd-servers.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "apiserver-etcd-tls",
			Title: "API server reaches etcd without mutual TLS",
			Description: "Reads kube-apiserver's --etcd-certfile, --etcd-keyfile, --etcd-cafile and --etcd-servers. Allowed: the client " +
				"certificate and key set (CIS 1.2.23), so etcd can demand one from every client; the CA set (CIS 1.2.26), so the API " +
				"server verifies it is talking to the real etcd; no http:// server. Without them every Secret of the cluster crosses " +
				"the network readable and changeable by whoever sits between the two, and etcd must accept clients without certificates.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorNetworkAttack,
			Strategy: check.StrategyEncryption,
			References: check.References{
				CIS:   []string{"1.2.23", "1.2.26"},
				NSA:   []string{nsaEtcd, nsaEncryption},
				MITRE: []string{"T1557", "T1040"},
			},
			Remediation: "Set --etcd-certfile, --etcd-keyfile and --etcd-cafile on kube-apiserver (kubeadm uses apiserver-etcd-client.crt/.key " +
				"and etcd/ca.crt) and list https:// URLs in --etcd-servers.",
		},
		Pod: onComponent(node.APIServer, apiserverEtcdTLS),
	})
}

func apiserverEtcdTLS(_ *check.Context, c *node.Component) []check.Violation {
	var out []check.Violation
	if missing := missingFlags(c, "etcd-certfile", "etcd-keyfile"); len(missing) > 0 {
		out = append(out, at(c, missing[0][2:], "%s not set (CIS 1.2.23): the API server presents no client certificate to etcd, so etcd must "+
			"accept clients without one", joinFlags(missing)))
	}
	if len(missingFlags(c, "etcd-cafile")) > 0 {
		out = append(out, at(c, "etcd-cafile", "--etcd-cafile is not set (CIS 1.2.26): the API server does not verify etcd's certificate, "+
			"so whoever sits on the path can pose as etcd"))
	}
	if _, exposed := plaintextURLs(c, "etcd-servers"); len(exposed) > 0 {
		out = append(out, at(c, "etcd-servers", "--etcd-servers lists %s (CIS 1.2.23): every Secret crosses the network in plain text", strings.Join(exposed, ", ")))
	}
	return out
}
