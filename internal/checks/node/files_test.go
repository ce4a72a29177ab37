package node

import (
	"github.com/palisade-sec/palisade/internal/checks/checktest"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/palisade-sec/palisade/internal/check"

	nodesrc "github.com/palisade-sec/palisade/internal/source/node"
)

func TestFilePermissions(t *testing.T) {
	files := map[string]string{
		"etc/kubernetes/admin.conf":                    "x",
		"etc/kubernetes/manifests/kube-apiserver.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver}\nspec:\n  containers: [{name: a, image: a, command: [kube-apiserver]}]\n",
		"etc/kubernetes/pki/ca.crt":                    "x",
		"etc/kubernetes/pki/ca.key":                    "x",
		"etc/kubernetes/pki/sa.pub":                    "x",
	}
	runNodeCases(t, Prefix+"file-permissions", []nodeCase{
		{name: "all 0600", files: files, modes: map[string]string{"etc/kubernetes/pki/sa.pub": "0644 root:root"}},
		{name: "loose", files: files, modes: map[string]string{
			"etc/kubernetes/admin.conf":                    "0644 root:root",
			"etc/kubernetes/manifests/kube-apiserver.yaml": "0664 root:root",
			"etc/kubernetes/pki/ca.crt":                    "0644 root:root",
			"etc/kubernetes/pki/ca.key":                    "0640 root:root",
		}, want: []want{
			"high: file /etc/kubernetes/admin.conf has mode 0644, wider than 0600 (CIS 1.1.13): its group and every other user can read it, and it holds a cluster-admin credential",
			"critical: file /etc/kubernetes/manifests/kube-apiserver.yaml has mode 0664, wider than 0600 (CIS 1.1.1): its group can write it",
			"low: file /etc/kubernetes/pki/ca.crt has mode 0644, wider than 0600 (CIS 1.1.20)",
			"high: file /etc/kubernetes/pki/ca.key has mode 0640, wider than 0600 (CIS 1.1.21): its group can read it",
		}},
		{name: "execute bit", files: files, modes: map[string]string{"etc/kubernetes/admin.conf": "0700 root:root"},
			want: []want{"low: it has execute bits it does not need"}},
	})
	etcd := map[string]string{
		"etc/kubernetes/manifests/etcd.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: etcd}\nspec:\n  containers:\n  - name: etcd\n    image: e\n    command: [etcd, --data-dir=/var/lib/etcd]\n" +
			"    volumeMounts: [{name: d, mountPath: /var/lib/etcd}]\n  volumes: [{name: d, hostPath: {path: /var/lib/etcd}}]\n",
		"var/lib/etcd/": "",
	}
	runNodeCases(t, Prefix+"file-permissions", []nodeCase{
		{name: "etcd data 0700", files: etcd, modes: map[string]string{"var/lib/etcd": "0700 etcd:etcd"}},
		{name: "etcd data 0755", files: etcd, want: []want{"high: directory /var/lib/etcd has mode 0755, wider than 0700 (CIS 1.1.11)"}},
	})
}

func TestFilePermissionsNotAssessed(t *testing.T) {
	root := map[string]string{"etc/kubernetes/admin.conf": "x"}
	got := runNode(t, Prefix+"file-permissions", root, nil)
	if len(got) != 0 {
		t.Fatalf("unexpected: %+v", got)
	}
	// A file the node source could not examine says so.
	res := runWithStatError(t, Prefix+"file-permissions")
	checktest.Expect(t, res, []want{"info: not assessed: /etc/kubernetes/admin.conf could not be examined: permission denied"})
}

func TestFileOwnership(t *testing.T) {
	files := map[string]string{"etc/kubernetes/admin.conf": "x", "etc/kubernetes/pki/ca.crt": "x"}
	runNodeCases(t, Prefix+"file-ownership", []nodeCase{
		{name: "root", files: files},
		{name: "not root", files: files, modes: map[string]string{"etc/kubernetes/admin.conf": "0600 jane:staff", "etc/kubernetes/pki/ca.crt": "0600 root:kube"}, want: []want{
			"medium: file /etc/kubernetes/admin.conf is owned by jane:staff, not root:root (CIS 1.1.14)",
			"medium: file /etc/kubernetes/pki/ca.crt is owned by root:kube, not root:root (CIS 1.1.19)",
		}},
		{name: "unknown owner", files: files, modes: map[string]string{"etc/kubernetes/admin.conf": "0600 :"}, want: []want{"info: not assessed: the owner of /etc/kubernetes/admin.conf could not be read"}},
	})
}

// runWithStatError runs a check over a node whose admin.conf cannot be
// examined.
func runWithStatError(t *testing.T, id string) []check.Finding {
	t.Helper()
	root := t.TempDir()
	p := filepath.Join(root, "etc", "kubernetes", "admin.conf")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := nodesrc.Load(nodesrc.Options{Root: root, Stat: func(nodePath, diskPath string) (nodesrc.FileStat, error) {
		if nodePath == "/etc/kubernetes/admin.conf" {
			return nodesrc.FileStat{}, &fs.PathError{Op: "stat", Path: p, Err: fs.ErrPermission}
		}
		info, err := os.Stat(diskPath)
		if err != nil {
			return nodesrc.FileStat{}, err
		}
		return nodesrc.FileStat{Mode: info.Mode(), Owner: "root", Group: "root"}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	return checktest.RunObjects(t, id, nil, res.Objects)
}

func TestEtcdDataDirOwnership(t *testing.T) {
	etcd := map[string]string{
		"etc/kubernetes/manifests/etcd.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: etcd}\nspec:\n  containers:\n  - name: etcd\n    image: e\n    command: [etcd, --data-dir=/var/lib/etcd]\n" +
			"    volumeMounts: [{name: d, mountPath: /var/lib/etcd}]\n  volumes: [{name: d, hostPath: {path: /var/lib/etcd}}]\n",
		"var/lib/etcd/": "",
	}
	runNodeCases(t, Prefix+"file-ownership", []nodeCase{
		{name: "etcd", files: etcd, modes: map[string]string{"var/lib/etcd": "0700 etcd:etcd"}},
		{name: "root (kubeadm)", files: etcd, modes: map[string]string{"var/lib/etcd": "0700 root:root"}},
		{name: "someone else", files: etcd, modes: map[string]string{"var/lib/etcd": "0700 jane:jane"}, want: []want{"medium: directory /var/lib/etcd is owned by jane:jane, not etcd:etcd or root:root (CIS 1.1.12)"}},
	})
}
