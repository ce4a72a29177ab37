package node

import (
	"io/fs"
	"slices"
	"strings"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// fileRule is what a node file's role requires of it.
type fileRule struct {
	// max is the widest mode allowed; 0 means the mode is not judged.
	max     fs.FileMode
	permCIS string
	// owners are the owner:group pairs allowed; none means not judged.
	owners   []string
	ownerCIS string
	// secret files hold credentials or keys: reading one is a breach.
	secret bool
	// holds says what the file holds, for messages.
	holds string
}

var rootOnly = []string{"root:root"}

// fileRules are the CIS Benchmark's file recommendations (1.1.x for the
// control plane, 4.1.x for nodes), and the same care for the files it
// does not number (other static pods, the encryption config, kube-proxy's
// and the audit policy's files, the kubelet's environment files).
var fileRules = map[cluster.FileRole]fileRule{
	cluster.RoleAPIServerManifest:         {0o600, "1.1.1", rootOnly, "1.1.2", false, "the kube-apiserver pod the kubelet runs, as root, with the cluster's keys mounted"},
	cluster.RoleControllerManagerManifest: {0o600, "1.1.3", rootOnly, "1.1.4", false, "the kube-controller-manager pod the kubelet runs"},
	cluster.RoleSchedulerManifest:         {0o600, "1.1.5", rootOnly, "1.1.6", false, "the kube-scheduler pod the kubelet runs"},
	cluster.RoleEtcdManifest:              {0o600, "1.1.7", rootOnly, "1.1.8", false, "the etcd pod the kubelet runs, with the whole database mounted"},
	cluster.RoleStaticPodManifest:         {0o600, "", rootOnly, "", false, "a pod the kubelet runs with no API server in the way"},
	cluster.RoleEtcdDataDir:               {0o700, "1.1.11", []string{"etcd:etcd", "root:root"}, "1.1.12", true, "etcd's database: every Secret of the cluster"},
	cluster.RoleAdminKubeconfig:           {0o600, "1.1.13", rootOnly, "1.1.14", true, "a cluster-admin credential"},
	cluster.RoleSchedulerKubeconfig:       {0o600, "1.1.15", rootOnly, "1.1.16", true, "kube-scheduler's credential"},
	cluster.RoleControllerManagerKubeconf: {0o600, "1.1.17", rootOnly, "1.1.18", true, "kube-controller-manager's credential, which reads every Secret"},
	cluster.RolePKIDir:                    {0, "", rootOnly, "1.1.19", false, "the cluster's certificates and keys"},
	cluster.RolePKICert:                   {0o600, "1.1.20", rootOnly, "1.1.19", false, "a certificate the components trust"},
	cluster.RolePKIKey:                    {0o600, "1.1.21", rootOnly, "1.1.19", true, "a private key of the cluster's PKI"},
	cluster.RolePKIFile:                   {0, "", rootOnly, "1.1.19", false, "part of the cluster's PKI"},
	cluster.RoleKubeletService:            {0o600, "4.1.1", rootOnly, "4.1.2", false, "how the kubelet is started, as root"},
	cluster.RoleKubeletEnv:                {0o644, "", rootOnly, "", false, "flags the kubelet is started with, as root"},
	cluster.RoleKubeletKubeconfig:         {0o600, "4.1.5", rootOnly, "4.1.6", true, "the kubelet's credential"},
	cluster.RoleKubeletClientCA:           {0o600, "4.1.7", rootOnly, "4.1.8", false, "the CA the kubelet trusts to authenticate its callers"},
	cluster.RoleKubeletConfig:             {0o600, "4.1.9", rootOnly, "4.1.10", false, "the kubelet's configuration"},
	cluster.RoleProxyKubeconfig:           {0o600, "4.1.3", rootOnly, "4.1.4", true, "kube-proxy's credential"},
	cluster.RoleProxyConfig:               {0o644, "", rootOnly, "", false, "kube-proxy's configuration"},
	cluster.RoleEncryptionConfig:          {0o600, "", rootOnly, "", true, "the keys that encrypt Secrets in etcd"},
	cluster.RoleAuditPolicy:               {0o644, "", rootOnly, "", false, "what the API server audits"},
}

// rulesOf merges the rules of a file's roles: the narrowest mode, the
// owners every role allows, every CIS id, and secret when any role is.
func rulesOf(f *cluster.NodeFile) (r fileRule, holds []string, permCIS, ownerCIS []string) {
	r.max = fs.ModePerm
	judged := false
	for _, role := range f.Roles {
		rule, ok := fileRules[role]
		if !ok {
			continue
		}
		if rule.max != 0 {
			r.max &= rule.max
			judged = true
		}
		if len(rule.owners) > 0 {
			if r.owners == nil {
				r.owners = rule.owners
			} else {
				r.owners = slices.DeleteFunc(slices.Clone(r.owners), func(o string) bool { return !slices.Contains(rule.owners, o) })
			}
		}
		r.secret = r.secret || rule.secret
		holds = appendNew(holds, rule.holds)
		permCIS = appendNew(permCIS, rule.permCIS)
		ownerCIS = appendNew(ownerCIS, rule.ownerCIS)
	}
	if !judged {
		r.max = 0
	}
	return r, holds, permCIS, ownerCIS
}

func appendNew(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// cisNote is " (CIS 1.1.13)", or "" without ids.
func cisNote(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return " (CIS " + strings.Join(ids, ", ") + ")"
}

// kindOf names a node file for messages: "directory" or "file".
func kindOf(f *cluster.NodeFile) string {
	if f.IsDir {
		return "directory"
	}
	return "file"
}
