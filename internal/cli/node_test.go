package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const insecureAPIServer = `apiVersion: v1
kind: Pod
metadata: {name: kube-apiserver, namespace: kube-system, labels: {component: kube-apiserver}}
spec:
  containers:
  - name: kube-apiserver
    image: registry.k8s.io/kube-apiserver:v1.37.2
    command: [kube-apiserver, --authorization-mode=AlwaysAllow, --encryption-provider-config=/etc/kubernetes/enc.yaml]
    volumeMounts: [{name: k8s, mountPath: /etc/kubernetes}]
  volumes: [{name: k8s, hostPath: {path: /etc/kubernetes}}]
`

func TestNodeCommand(t *testing.T) {
	root := writeFiles(t, map[string]string{
		"etc/kubernetes/manifests/kube-apiserver.yaml": insecureAPIServer,
		"var/lib/kubelet/config.yaml":                  "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 10255\n",
	})
	if err := os.Chmod(filepath.Join(root, "etc", "kubernetes", "manifests", "kube-apiserver.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, "", "node", "--root", root, "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	var rep struct {
		Findings []struct {
			CheckID  string `json:"checkID"`
			Severity string `json:"severity"`
			Message  string `json:"message"`
			Position struct {
				File string `json:"file"`
			} `json:"position"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, f := range rep.Findings {
		if _, dup := seen[f.CheckID]; !dup { // the most severe comes first
			seen[f.CheckID] = f.Severity + " " + f.Message + " @" + f.Position.File
		}
	}
	for id, words := range map[string]string{
		"controlplane/apiserver-authorization-mode": "critical --authorization-mode=AlwaysAllow",
		"controlplane/encryption-at-rest":           "info not assessed: --encryption-provider-config=/etc/kubernetes/enc.yaml names /etc/kubernetes/enc.yaml, which is missing under --root",
		"node/kubelet-read-only-port":               "high readOnlyPort: 10255",
		"node/file-permissions":                     "low file /etc/kubernetes/manifests/kube-apiserver.yaml has mode 0644",
	} {
		if !strings.HasPrefix(seen[id], words) {
			t.Errorf("%s: got %q, want it to start with %q", id, seen[id], words)
		}
	}
	if f := seen["node/kubelet-read-only-port"]; !strings.Contains(f, filepath.Join(root, "var", "lib", "kubelet", "config.yaml")) {
		t.Errorf("position of a kubelet finding: %s", f)
	}
	if code, _, _ := run(t, "", "node", "--root", root, "--fail-on", "critical"); code != ExitFindings {
		t.Errorf("--fail-on critical: exit %d, want %d", code, ExitFindings)
	}
}

func TestNodeCommandBadRoot(t *testing.T) {
	empty := writeFiles(t, map[string]string{"home/notes.txt": "x"})
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"missing root", []string{"node", "--root", filepath.Join(empty, "nope")}, "no such file or directory"},
		{"no Kubernetes files", []string{"node", "--root", empty}, "no Kubernetes node files found: expected a node's filesystem"},
		{"a file, not a folder", []string{"node", "--root", filepath.Join(empty, "home", "notes.txt")}, "not a directory"},
		{"positional argument", []string{"node", empty}, "unknown command"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, "", tt.args...)
			if code != ExitInput || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, ExitInput, tt.want)
			}
		})
	}
}

func TestNodeCommandInputErrorStillJudges(t *testing.T) {
	root := writeFiles(t, map[string]string{
		"etc/kubernetes/manifests/kube-apiserver.yaml": insecureAPIServer,
		"etc/kubernetes/manifests/broken.yaml":         "apiVersion: v1\nkind: [oops\n",
	})
	code, stdout, stderr := run(t, "", "node", "--root", root, "-o", "json")
	if code != ExitInput || !strings.Contains(stderr, "broken.yaml") || !strings.Contains(stdout, "apiserver-authorization-mode") {
		t.Errorf("exit %d; stderr %q", code, stderr)
	}
}
