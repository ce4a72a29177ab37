package controlplane

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/checks/checktest"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source/node"
)

// staticPod is a kube-system pod whose only container runs the component
// with the flags; /etc/kubernetes is mounted from the node.
func staticPod(component string, flags ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `apiVersion: v1
kind: Pod
metadata: {name: %[1]s, namespace: kube-system, labels: {component: %[1]s}}
spec:
  containers:
  - name: %[1]s
    image: registry.k8s.io/%[1]s:v1.37.2
    volumeMounts:
    - {name: k8s, mountPath: /etc/kubernetes}
    command:
    - %[1]s
`, component)
	for _, f := range flags {
		fmt.Fprintf(&b, "    - %q\n", f)
	}
	b.WriteString("  volumes:\n  - {name: k8s, hostPath: {path: /etc/kubernetes}}\n")
	return b.String()
}

// want is an expected finding: "severity: words of its message".
type want = string

type testCase struct {
	name string
	yaml string
	want []want
}

// runCases runs one check over each case's manifests and compares the
// findings: as many as wanted, each with the severity and text wanted.
func runCases(t *testing.T, id string, cases []testCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			compare(t, checktest.Run(t, id, nil, tc.yaml), tc.want)
		})
	}
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
			t.Errorf("unexpected %s finding on %s: %s", f.Severity, f.Field, f.Message)
		}
	}
}

// runOnNode writes a node's files under a temporary root, reads it with
// the node source and runs one check over it.
func runOnNode(t *testing.T, id string, files map[string]string) []check.Finding {
	t.Helper()
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	res, err := node.Load(node.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Errors {
		t.Logf("input error: %s", e.Error())
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
