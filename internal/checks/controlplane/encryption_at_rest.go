package controlplane

import (
	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source/node"
)

/*
Secrets must be encrypted at rest in etcd, with a strong provider.

**Flags read (kube-apiserver):** --encryption-provider-config, and the
EncryptionConfiguration file it names (apiserver.config.k8s.io/v1), read
from the node through the container's hostPath mounts.

**Allowed values:** the flag set (CIS 1.2.27); the first resource entry
that covers secrets ("secrets", "*." or "*.*") writes with kms apiVersion
v2, secretbox or aesgcm (CIS 1.2.28; aesgcm is reported at info: its keys
need rotation). Flagged: no flag (Secrets in plain text), no entry for
secrets, identity first, aescbc, kms v1. A file Palisade could not read
is not assessed, with the reason.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "encryption-at-rest",
			Title: "Secrets are not encrypted at rest, or weakly",
			Description: "Reads kube-apiserver's --encryption-provider-config and judges the EncryptionConfiguration it names, read from the " +
				"node (palisade node). The API server writes Secrets with the first provider of the first resource entry that covers " +
				"them. Flagged (high): no --encryption-provider-config (CIS 1.2.27), no entry covering secrets, or identity as the " +
				"first provider — Secrets then sit in etcd, its backups and its disks in plain text. Flagged (medium): aescbc, which " +
				"upstream no longer recommends, and kms apiVersion v1 (or unset), deprecated and off by default since v1.29. Passed: " +
				"kms v2 and secretbox; aesgcm passes with an info note that its keys must be rotated. When the file is not on a hostPath " +
				"volume, missing under --root, unreadable, or the scan did not read the node, it is not assessed, with the reason.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyEncryption,
			References: check.References{
				CIS:   []string{"1.2.27", "1.2.28"},
				NSA:   []string{nsaEncryption, nsaSecrets},
				MITRE: []string{"T1552"},
			},
			Remediation: "Write an EncryptionConfiguration whose first entry covers secrets with a kms provider at apiVersion v2 (or " +
				"secretbox), point --encryption-provider-config at it, restart the API server and rewrite existing Secrets " +
				"(kubectl get secrets -A -o json | kubectl replace -f -).",
		},
		Pod: onComponent(node.APIServer, encryptionAtRest),
	})
}

func encryptionAtRest(ctx *check.Context, c *node.Component) []check.Violation {
	f, ok := c.Flags.Last("encryption-provider-config")
	if !ok || f.Value == "" {
		return []check.Violation{at(c, "encryption-provider-config", "--encryption-provider-config is not set (CIS 1.2.27): Secrets are stored in etcd in plain text")}
	}
	obj, na := referencedConfig(ctx, c, f)
	if na != nil {
		return []check.Violation{*na}
	}
	cfg, ok := obj.Typed.(*apiserverv1.EncryptionConfiguration)
	if !ok {
		return []check.Violation{check.NotAssessed(nil, f.Arg.Field, f.String()+" does not name an EncryptionConfiguration")}
	}
	return judgeEncryption(obj, cfg)
}
