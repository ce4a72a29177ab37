package node

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

/*
Control-plane and node files must not be open to other users of the node.

**Read:** the mode of every NodeFile the node source recorded: static pod
manifests, the etcd data directory, the admin, scheduler and
controller-manager kubeconfigs, PKI certificates and keys, the kubelet's
unit files, kubeconfig, client CA and config file, kube-proxy's kubeconfig
and config, the encryption config and the audit policy.

**Allowed values:** no bit beyond the role's mode — 0600 for manifests,
kubeconfigs, certificates, keys, the kubelet's files and the encryption
config; 0700 for the etcd data directory; 0644 for kube-proxy's config,
the audit policy and the kubelet's environment files (CIS 1.1.1, 1.1.3,
1.1.5, 1.1.7, 1.1.11, 1.1.13, 1.1.15, 1.1.17, 1.1.20, 1.1.21, 4.1.1,
4.1.3, 4.1.5, 4.1.7, 4.1.9). Graded: write for group or others is
critical; read of a file holding credentials or keys is high; the rest
(reading a certificate or manifest, execute bits) is low. A file that
could not be examined is not assessed.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "file-permissions",
			Title: "Control-plane or node file is open to other users",
			Description: "Reads the mode of the files the node source examined (palisade node): static pod manifests, the etcd data " +
				"directory, kubeconfigs, PKI certificates and keys, the kubelet's unit, kubeconfig, client CA and config, kube-proxy's " +
				"kubeconfig and config, the encryption config, the audit policy. Allowed: 0600 (0700 for the etcd data directory; " +
				"0644 for kube-proxy's config, the audit policy and the kubelet's environment files). Critical when the group or " +
				"others may write: a static pod manifest, a unit file or a kubelet config that others rewrite is root on the node, a " +
				"CA certificate they replace makes components trust an impostor. High when they may read a credential or key (the " +
				"admin kubeconfig is cluster-admin). Low for reading a certificate or manifest and for execute bits.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"1.1.1", "1.1.3", "1.1.5", "1.1.7", "1.1.11", "1.1.13", "1.1.15", "1.1.17", "1.1.20", "1.1.21", "4.1.1", "4.1.3", "4.1.5", "4.1.7", "4.1.9"},
				NSA:   []string{nsaKubeconfig, nsaControlPlane},
				MITRE: []string{"T1552.001", "T1611"},
			},
			Remediation: "chmod the file to the mode its role allows (chmod 600 /etc/kubernetes/admin.conf, chmod 700 /var/lib/etcd, " +
				"chmod 600 /etc/kubernetes/pki/*.key ...), and keep it so in the node's configuration management.",
		},
		Kinds:  []string{cluster.KindNodeFile},
		Object: filePermissions,
	})
}

func filePermissions(_ *check.Context, obj *cluster.Object) []check.Violation {
	f, ok := obj.Typed.(*cluster.NodeFile)
	if !ok {
		return nil
	}
	rule, holds, cis, _ := rulesOf(f)
	if rule.max == 0 {
		return nil
	}
	if f.Error != "" {
		return []check.Violation{check.NotAssessed(nil, "", fmt.Sprintf("%s could not be examined: %s", f.Path, f.Error))}
	}
	excess := f.Mode.Perm() &^ rule.max
	if excess == 0 {
		return nil
	}
	var sev check.Severity
	var what string
	switch {
	case excess&0o022 != 0:
		sev, what = check.SeverityCritical, who(excess&0o022, "write")+" it"
	case excess&0o044 != 0 && rule.secret:
		sev, what = check.SeverityHigh, who(excess&0o044, "read")+" it"
	case excess&0o044 != 0:
		sev, what = check.SeverityLow, who(excess&0o044, "read")+" it"
	default:
		sev, what = check.SeverityLow, "it has execute bits it does not need"
	}
	v := check.Violation{
		Message: fmt.Sprintf("%s %s has mode %s, wider than %s%s: %s, and it holds %s", kindOf(f), f.Path, f.ModeString(),
			cluster.FormatMode(rule.max), cisNote(cis), what, strings.Join(holds, "; ")),
		Severity: &sev,
	}
	return []check.Violation{v}
}

// who says who gains an access from the excess bits: "others can read",
// "its group and others can write".
func who(bits fs.FileMode, access string) string {
	group, other := bits&0o070 != 0, bits&0o007 != 0
	switch {
	case group && other:
		return "its group and every other user can " + access
	case other:
		return "every user on the node can " + access
	}
	return "its group can " + access
}
