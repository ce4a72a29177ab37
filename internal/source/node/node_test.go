package node

import (
	"errors"
	"github.com/palisade-sec/palisade/internal/checks/checktest"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// writeTree writes files under a temporary root; a name ending in "/" is
// a directory. Each file gets mode 0600 unless modes says otherwise.
func writeTree(t *testing.T, files map[string]string, modes map[string]fs.FileMode) string {
	t.Helper()
	root := checktest.WriteTree(t, files)
	for name, mode := range modes {
		if err := os.Chmod(filepath.Join(root, filepath.FromSlash(name)), mode); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const apiserverManifest = `apiVersion: v1
kind: Pod
metadata: {name: kube-apiserver, namespace: kube-system, labels: {component: kube-apiserver}}
spec:
  containers:
  - name: kube-apiserver
    image: registry.k8s.io/kube-apiserver:v1.37.2
    command:
    - kube-apiserver
    - --encryption-provider-config=/etc/kubernetes/enc/enc.yaml
    - --audit-policy-file=/etc/kubernetes/audit/policy.yaml
    volumeMounts:
    - {name: k8s, mountPath: /etc/kubernetes, readOnly: true}
  volumes:
  - {name: k8s, hostPath: {path: /etc/kubernetes}}
`

const etcdManifest = `apiVersion: v1
kind: Pod
metadata: {name: etcd, namespace: kube-system}
spec:
  containers:
  - name: etcd
    image: registry.k8s.io/etcd:3.6.16-0
    command: [etcd, --data-dir=/data]
    volumeMounts:
    - {name: data, mountPath: /data}
  volumes:
  - {name: data, hostPath: {path: /var/lib/etcd}}
`

const encryptionConfig = `apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
- resources: [secrets]
  providers:
  - secretbox: {keys: [{name: k, secret: cGxhY2Vob2xkZXI=}]}
`

const kubeletDropIn = `[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS \
  $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS ${KUBELET_EXTRA_ARGS} --v=2
`

func objectOf(res *Result, kind, name string) *cluster.Object {
	for _, o := range res.Objects {
		if o.ID.Kind == kind && o.ID.Name == name {
			return o
		}
	}
	return nil
}

func nodeFile(t *testing.T, res *Result, path string) *cluster.NodeFile {
	t.Helper()
	o := objectOf(res, cluster.KindNodeFile, cluster.NodeObjectName(path))
	if o == nil {
		t.Fatalf("no NodeFile for %s", path)
	}
	return o.Typed.(*cluster.NodeFile)
}

func TestLoadNode(t *testing.T) {
	uid, gid := os.Getuid(), os.Getgid()
	root := writeTree(t, map[string]string{
		"etc/kubernetes/manifests/kube-apiserver.yaml":             apiserverManifest,
		"etc/kubernetes/manifests/etcd.yaml":                       etcdManifest,
		"etc/kubernetes/manifests/.swp":                            "ignored",
		"etc/kubernetes/enc/enc.yaml":                              encryptionConfig,
		"etc/kubernetes/admin.conf":                                "kubeconfig",
		"etc/kubernetes/kubelet.conf":                              "kubeconfig",
		"etc/kubernetes/pki/ca.crt":                                "cert",
		"etc/kubernetes/pki/ca.key":                                "key",
		"etc/kubernetes/pki/etcd/ca.key":                           "key",
		"etc/kubernetes/pki/sa.pub":                                "pub",
		"var/lib/etcd/":                                            "",
		"usr/lib/systemd/system/kubelet.service":                   "[Service]\nExecStart=/usr/bin/kubelet\n",
		"etc/systemd/system/kubelet.service.d/10-kubeadm.conf":     kubeletDropIn,
		"usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf": "[Service]\nExecStart=/usr/bin/kubelet --shadowed\n",
		"var/lib/kubelet/kubeadm-flags.env":                        "# kubeadm\nKUBELET_KUBEADM_ARGS=\"--read-only-port=10255 --node-ip=10.0.0.1\"\n",
		"etc/default/kubelet":                                      "KUBELET_EXTRA_ARGS=--max-pods=50\n",
		"var/lib/kubelet/config.yaml":                              "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 0\nauthentication:\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\n",
		"etc/passwd":                                               "root:x:0:0::/root:/bin/sh\ntester:x:" + strconv.Itoa(uid) + ":" + strconv.Itoa(gid) + "::/:/bin/sh\n",
		"etc/group":                                                "root:x:0:\ntesters:x:" + strconv.Itoa(gid) + ":\n",
	}, map[string]fs.FileMode{"etc/kubernetes/admin.conf": 0o640, "etc/kubernetes/pki/ca.crt": 0o644, "var/lib/etcd": 0o750})
	res, err := Load(Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Errors {
		t.Errorf("input error: %s", e.Error())
	}

	// File facts, as the OS has them.
	admin := nodeFile(t, res, "/etc/kubernetes/admin.conf")
	if admin.Mode.Perm() != 0o640 || admin.Owner == "" || !admin.HasRole(cluster.RoleAdminKubeconfig) {
		t.Errorf("admin.conf: %+v", admin)
	}
	if uid != 0 && admin.Ownership() != "tester:testers" {
		t.Errorf("owner named from the root's own /etc/passwd: %s", admin.Ownership())
	}
	if f := nodeFile(t, res, "/etc/kubernetes/pki/ca.crt"); f.Mode.Perm() != 0o644 || !f.HasRole(cluster.RolePKICert) || !f.HasRole(cluster.RoleKubeletClientCA) {
		t.Errorf("ca.crt: %+v", f)
	}
	if f := nodeFile(t, res, "/etc/kubernetes/pki/etcd/ca.key"); !f.HasRole(cluster.RolePKIKey) {
		t.Errorf("etcd/ca.key: %+v", f)
	}
	if f := nodeFile(t, res, "/etc/kubernetes/pki/sa.pub"); !f.HasRole(cluster.RolePKIFile) {
		t.Errorf("sa.pub: %+v", f)
	}
	if f := nodeFile(t, res, "/var/lib/etcd"); !f.IsDir || f.Mode.Perm() != 0o750 || !f.HasRole(cluster.RoleEtcdDataDir) {
		t.Errorf("etcd data dir, through the etcd pod's --data-dir and hostPath: %+v", f)
	}
	if f := nodeFile(t, res, "/etc/kubernetes/manifests/kube-apiserver.yaml"); !f.HasRole(cluster.RoleAPIServerManifest) {
		t.Errorf("apiserver manifest: %+v", f)
	}
	if objectOf(res, cluster.KindNodeFile, "etc/kubernetes/manifests/.swp") != nil {
		t.Error("a dot file of the manifests folder was read")
	}

	// Static pods keep their positions.
	pod := objectOf(res, "Pod", "kube-apiserver")
	if pod == nil || pod.Origin.Doc == nil || !strings.HasSuffix(pod.Origin.File, filepath.FromSlash("manifests/kube-apiserver.yaml")) {
		t.Fatalf("static pod: %+v", pod)
	}

	// The file the API server's flag names, decoded; the missing one absent.
	enc := nodeFile(t, res, "/etc/kubernetes/enc/enc.yaml")
	if _, ok := enc.Content.Typed.(*apiserverv1.EncryptionConfiguration); !ok || !enc.HasRole(cluster.RoleEncryptionConfig) {
		t.Errorf("encryption config: %+v", enc)
	}
	if objectOf(res, cluster.KindNodeFile, "etc/kubernetes/audit/policy.yaml") != nil {
		t.Error("a missing file was recorded")
	}

	// The kubelet: drop-in in /etc shadows the one in /usr/lib; env files
	// expand; every word says where it was written.
	k := res.Facts.Kubelet
	if k == nil || k.ConfigPath != "/var/lib/kubelet/config.yaml" || k.Unit == nil {
		t.Fatalf("kubelet facts: %+v", k)
	}
	if _, ok := k.Config.Typed.(*kubeletv1beta1.KubeletConfiguration); !ok {
		t.Errorf("kubelet config not typed: %T", k.Config.Typed)
	}
	var got []string
	for _, a := range k.Args {
		got = append(got, a.Value+"@"+a.Where())
	}
	want := []string{
		"--kubeconfig=/etc/kubernetes/kubelet.conf@/etc/systemd/system/kubelet.service.d/10-kubeadm.conf:2",
		"--config=/var/lib/kubelet/config.yaml@/etc/systemd/system/kubelet.service.d/10-kubeadm.conf:3",
		"--read-only-port=10255@/var/lib/kubelet/kubeadm-flags.env:2",
		"--node-ip=10.0.0.1@/var/lib/kubelet/kubeadm-flags.env:2",
		"--max-pods=50@/etc/default/kubelet:1",
		"--v=2@/etc/systemd/system/kubelet.service.d/10-kubeadm.conf:7",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("kubelet args:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, p := range []string{"/usr/lib/systemd/system/kubelet.service", "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"} {
		if !nodeFile(t, res, p).HasRole(cluster.RoleKubeletService) {
			t.Errorf("%s is not a kubelet service file", p)
		}
	}
	if objectOf(res, cluster.KindNodeFile, "usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf") != nil {
		t.Error("a shadowed drop-in was read")
	}
	if f := nodeFile(t, res, "/etc/kubernetes/kubelet.conf"); !f.HasRole(cluster.RoleKubeletKubeconfig) {
		t.Errorf("kubelet.conf: %+v", f)
	}

	// The facts are an object of the snapshot, last.
	snap := cluster.NewSnapshot(res.Objects)
	if snap.Node() != res.Facts || snap.NodeFile("/etc/kubernetes/admin.conf") == nil || snap.NodeFile("/nope") != nil {
		t.Error("snapshot accessors")
	}
	if last := res.Objects[len(res.Objects)-1]; last.ID.Kind != cluster.KindNodeFacts {
		t.Errorf("last object is %s", last.ID)
	}
}

func TestLoadNodeOverridesStat(t *testing.T) {
	root := writeTree(t, map[string]string{"etc/kubernetes/admin.conf": "x"}, nil)
	res, err := Load(Options{Root: root, Stat: func(nodePath, diskPath string) (FileStat, error) {
		if _, err := os.Stat(diskPath); err != nil {
			return FileStat{}, err
		}
		return FileStat{Mode: 0o604, Owner: "kube", Group: "wheel"}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if f := nodeFile(t, res, "/etc/kubernetes/admin.conf"); f.ModeString() != "0604" || f.Ownership() != "kube:wheel" {
		t.Errorf("stat override ignored: %s %s", f.ModeString(), f.Ownership())
	}
}

func TestLoadNodeBadInput(t *testing.T) {
	if _, err := Load(Options{Root: filepath.Join(t.TempDir(), "missing")}); err == nil {
		t.Error("a missing root loaded")
	}
	_, err := Load(Options{Root: writeTree(t, map[string]string{"home/user/notes.txt": "x"}, nil)})
	if !errors.Is(err, ErrNoNodeFiles) || !strings.Contains(err.Error(), "/etc/kubernetes/manifests") {
		t.Errorf("a root with no Kubernetes files: %v", err)
	}

	// A config file that does not decode is an input error and a reason
	// on the file; a link out of the root is not followed.
	root := writeTree(t, map[string]string{
		"var/lib/kubelet/config.yaml": "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: [oops]\n",
	}, nil)
	outside := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(outside, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "etc/kubernetes"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "etc/kubernetes/admin.conf")); err != nil {
		t.Fatal(err)
	}
	res, err := Load(Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Errors) != 1 || !strings.Contains(res.Errors[0].Error(), "config.yaml") {
		t.Errorf("errors: %v", res.Errors)
	}
	if f := nodeFile(t, res, "/var/lib/kubelet/config.yaml"); f.ContentError == "" || f.Content != nil {
		t.Errorf("undecodable config: %+v", f)
	}
	if res.Facts.Kubelet == nil || res.Facts.Kubelet.Config != nil {
		t.Errorf("kubelet facts: %+v", res.Facts.Kubelet)
	}
	if f := nodeFile(t, res, "/etc/kubernetes/admin.conf"); f.Error == "" {
		t.Errorf("a link out of the root was followed: %+v", f)
	}
}

func TestDecodeConfigWrongKind(t *testing.T) {
	root := writeTree(t, map[string]string{
		"etc/kubernetes/manifests/kube-apiserver.yaml": apiserverManifest,
		"etc/kubernetes/enc/enc.yaml":                  "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
	}, nil)
	res, err := Load(Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if f := nodeFile(t, res, "/etc/kubernetes/enc/enc.yaml"); !strings.Contains(f.ContentError, "expected apiserver.config.k8s.io/v1 EncryptionConfiguration") {
		t.Errorf("content error: %q", f.ContentError)
	}
}
