package controlplane

import (
	"fmt"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/checks/checktest"
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
			checktest.Expect(t, checktest.Run(t, id, nil, tc.yaml), tc.want)
		})
	}
}

// runOnNode writes a node's files under a temporary root, reads it with
// the node source and runs one check over it.
func runOnNode(t *testing.T, id string, files map[string]string) []check.Finding {
	t.Helper()
	res, err := node.Load(node.Options{Root: checktest.WriteTree(t, files)})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Errors {
		t.Logf("input error: %s", e.Error())
	}
	return checktest.RunObjects(t, id, nil, res.Objects)
}
