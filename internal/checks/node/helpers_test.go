package node

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	nodesrc "github.com/palisade-sec/palisade/internal/source/node"
)

// want is an expected finding: "severity: words of its message".
type want = string

// nodeCase is a node's files and the findings one check must report.
type nodeCase struct {
	name  string
	files map[string]string
	// modes gives files a mode and owner ("0644 root:root"), as a fixture's
	// modes.txt does; other files are 0600 root:root.
	modes map[string]string
	want  []want
}

func runNodeCases(t *testing.T, id string, cases []nodeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			compare(t, runNode(t, id, tc.files, tc.modes), tc.want)
		})
	}
}

func runNode(t *testing.T, id string, files, modes map[string]string) []check.Finding {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	stat := func(nodePath, diskPath string) (nodesrc.FileStat, error) {
		info, err := os.Stat(diskPath)
		if err != nil {
			return nodesrc.FileStat{}, err
		}
		spec, ok := modes[strings.TrimPrefix(nodePath, "/")]
		if !ok {
			spec = "0600 root:root"
			if info.IsDir() {
				spec = "0755 root:root"
			}
		}
		var mode uint32
		for _, c := range strings.Fields(spec)[0] {
			mode = mode*8 + uint32(c-'0')
		}
		owner, group, _ := strings.Cut(strings.Fields(spec)[1], ":")
		return nodesrc.FileStat{Mode: info.Mode().Type() | fs.FileMode(mode), Owner: owner, Group: group}, nil
	}
	res, err := nodesrc.Load(nodesrc.Options{Root: root, Stat: stat})
	if err != nil {
		t.Fatal(err)
	}
	return runObjects(t, id, res.Objects)
}

func runObjects(t *testing.T, id string, objs []*cluster.Object) []check.Finding {
	t.Helper()
	c, ok := check.Default().Get(id)
	if !ok {
		t.Fatalf("check %s is not registered", id)
	}
	reg := check.NewRegistry()
	reg.MustAdd(c)
	return check.Run(cluster.NewSnapshot(objs), check.Options{Registry: reg, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}).Findings
}

func compare(t *testing.T, got []check.Finding, wants []want) {
	t.Helper()
	used := make([]bool, len(got))
	for _, w := range wants {
		sev, text, _ := strings.Cut(w, ": ")
		found := false
		for i, f := range got {
			if !used[i] && f.Severity.String() == sev && strings.Contains(f.Message, text) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("missing %s finding %q", sev, text)
		}
	}
	for i, f := range got {
		if !used[i] {
			t.Errorf("unexpected %s finding on %s %s: %s", f.Severity, f.Object, f.Field, f.Message)
		}
	}
}

const dropIn = "[Service]\nEnvironment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\n" +
	"EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS\n"

// kubeletNode is a node whose kubelet reads config (the fields after the
// header; "" for a file with none, "-" for no file at all) and has the
// extra flags in kubeadm-flags.env.
func kubeletNode(config string, flags ...string) map[string]string {
	files := map[string]string{
		"etc/systemd/system/kubelet.service.d/10-kubeadm.conf": dropIn,
		"var/lib/kubelet/kubeadm-flags.env":                    `KUBELET_KUBEADM_ARGS="` + strings.Join(flags, " ") + `"` + "\n",
	}
	if config != "-" {
		files["var/lib/kubelet/config.yaml"] = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n" + config
	}
	return files
}

// flagsOnlyNode is a node whose kubelet reads no config file.
func flagsOnlyNode(flags ...string) map[string]string {
	return map[string]string{
		"etc/systemd/system/kubelet.service": "[Service]\nExecStart=/usr/bin/kubelet " + strings.Join(flags, " ") + "\n",
	}
}
