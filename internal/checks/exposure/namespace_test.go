package exposure_test

import (
	"testing"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/checks/checktest"
)

func namespace(name, labels string) string {
	s := "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + name + "\n"
	if labels != "" {
		s += "  labels:\n" + labels
	}
	return s
}

func TestNamespaceWithoutPSSEnforce(t *testing.T) {
	field := `metadata.labels["pod-security.kubernetes.io/enforce"]`
	run(t, "exposure/namespace-without-pss-enforce", []testCase{
		{
			name: "missing label or privileged",
			yaml: namespace("shop", "") + "---\n" +
				namespace("ci", "    pod-security.kubernetes.io/enforce: privileged\n    pod-security.kubernetes.io/warn: restricted\n") + "---\n" +
				namespace("audit-only", "    pod-security.kubernetes.io/audit: restricted\n"),
			wants: []want{
				{"Namespace/shop", field, []string{`namespace "shop" has no label pod-security.kubernetes.io/enforce`}},
				{"Namespace/ci", field, []string{`namespace "ci" sets pod-security.kubernetes.io/enforce=privileged`}},
				{"Namespace/audit-only", field, []string{`namespace "audit-only" has no label`}},
			},
		},
		{
			name: "enforced levels, unparseable level (enforced as restricted), kube-system",
			yaml: namespace("shop", "    pod-security.kubernetes.io/enforce: baseline\n") + "---\n" +
				namespace("pay", "    pod-security.kubernetes.io/enforce: restricted\n") + "---\n" +
				namespace("typo", "    pod-security.kubernetes.io/enforce: strict\n") + "---\n" +
				namespace("kube-system", ""),
		},
	})
	f := only(t, checktest.Run(t, "exposure/namespace-without-pss-enforce", nil, namespace("shop", "")))
	assertFix(t, f.Fix, []check.PatchOp{{Op: "add", Path: "/metadata/labels", Value: map[string]string{"pod-security.kubernetes.io/enforce": "baseline"}}})
	f = only(t, checktest.Run(t, "exposure/namespace-without-pss-enforce", nil, namespace("ci", "    pod-security.kubernetes.io/enforce: privileged\n")))
	assertFix(t, f.Fix, []check.PatchOp{{Op: "add", Path: "/metadata/labels/pod-security.kubernetes.io~1enforce", Value: "baseline"}})
}
