package node

import (
	"github.com/palisade-sec/palisade/internal/checks/checktest"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/check"
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
			checktest.Expect(t, runNode(t, id, tc.files, tc.modes), tc.want)
		})
	}
}

func runNode(t *testing.T, id string, files, modes map[string]string) []check.Finding {
	t.Helper()
	root := checktest.WriteTree(t, files)
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
	return checktest.RunObjects(t, id, nil, res.Objects)
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
