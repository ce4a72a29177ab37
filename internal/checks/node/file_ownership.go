package node

import (
	"fmt"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

/*
Control-plane and node files must be owned by root (the etcd data
directory by etcd, or by root when etcd runs as root).

**Read:** the owner and group of every NodeFile the node source recorded,
as names from the node's own /etc/passwd and /etc/group.

**Allowed values:** root:root (CIS 1.1.2, 1.1.4, 1.1.6, 1.1.8, 1.1.14,
1.1.16, 1.1.18, 1.1.19, 4.1.2, 4.1.4, 4.1.6, 4.1.8, 4.1.10); the etcd data
directory etcd:etcd or root:root (CIS 1.1.12 asks for etcd:etcd; kubeadm
runs etcd as root and leaves the directory to root, which is just as
closed, so both pass). An owner Palisade could not read (a platform
without owners) is not assessed.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "file-ownership",
			Title: "Control-plane or node file is not owned by root",
			Description: "Reads the owner and group of the files the node source examined, named from the node's own /etc/passwd and " +
				"/etc/group. Allowed: root:root; for the etcd data directory etcd:etcd or root:root (CIS 1.1.12 names etcd:etcd, but " +
				"kubeadm runs etcd as root, which is just as closed). Another owner can change the file's mode and content whatever " +
				"its permission bits say, so the file is only as safe as that account.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"1.1.2", "1.1.4", "1.1.6", "1.1.8", "1.1.12", "1.1.14", "1.1.16", "1.1.18", "1.1.19", "4.1.2", "4.1.4", "4.1.6", "4.1.8", "4.1.10"},
				NSA:   []string{nsaKubeconfig, nsaControlPlane},
				MITRE: []string{"T1552.001"},
			},
			Remediation: "chown root:root the file (chown -R root:root /etc/kubernetes/pki), or etcd:etcd the etcd data directory " +
				"when etcd runs as that user.",
		},
		Kinds:  []string{cluster.KindNodeFile},
		Object: fileOwnership,
	})
}

func fileOwnership(_ *check.Context, obj *cluster.Object) []check.Violation {
	f, ok := obj.Typed.(*cluster.NodeFile)
	if !ok || f.Error != "" { // file-permissions reports what could not be examined
		return nil
	}
	rule, holds, _, cis := rulesOf(f)
	if len(rule.owners) == 0 {
		return nil
	}
	if f.Owner == "" || f.Group == "" {
		return []check.Violation{check.NotAssessed(nil, "", fmt.Sprintf("the owner of %s could not be read on this platform", f.Path))}
	}
	if slices.Contains(rule.owners, f.Ownership()) {
		return nil
	}
	return []check.Violation{{Message: fmt.Sprintf("%s %s is owned by %s, not %s%s: that account can change it whatever its mode, and it holds %s",
		kindOf(f), f.Path, f.Ownership(), strings.Join(rule.owners, " or "), cisNote(cis), strings.Join(holds, "; "))}}
}
