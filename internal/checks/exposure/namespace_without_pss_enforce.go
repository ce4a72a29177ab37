package exposure

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	psaapi "k8s.io/pod-security-admission/api"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

// namespaceWithoutPSSEnforce reads the label
// pod-security.kubernetes.io/enforce of every Namespace object except
// kube-system. Allowed: baseline or restricted (and any value Pod Security
// Admission cannot parse, which it enforces as restricted). Forbidden: the
// label missing, or privileged. Namespaces that hold workloads but were
// not read as Namespace objects are not assessed.
func namespaceWithoutPSSEnforce(_ *check.Context, obj *cluster.Object) []check.Violation {
	ns, ok := obj.Typed.(*corev1.Namespace)
	if !ok || ns.Name == "kube-system" {
		return nil
	}
	field := fmt.Sprintf("metadata.labels[%q]", psaapi.EnforceLevelLabel)
	fix := []check.PatchOp{{Op: "add", Path: cluster.JSONPointer(field), Value: string(psaapi.LevelBaseline)}}
	if ns.Labels == nil {
		fix = []check.PatchOp{{Op: "add", Path: "/metadata/labels", Value: map[string]string{psaapi.EnforceLevelLabel: string(psaapi.LevelBaseline)}}}
	}
	value, set := ns.Labels[psaapi.EnforceLevelLabel]
	if !set {
		return []check.Violation{{
			Field: field,
			Message: fmt.Sprintf("namespace %q has no label %s: Pod Security Admission enforces only the cluster-wide default here (privileged unless configured otherwise), so privileged pods may be admitted",
				ns.Name, psaapi.EnforceLevelLabel),
			Fix: fix,
		}}
	}
	if level, err := psaapi.ParseLevel(value); err == nil && level == psaapi.LevelPrivileged {
		return []check.Violation{{
			Field: field,
			Message: fmt.Sprintf("namespace %q sets %s=%s: Pod Security Admission admits privileged, host-namespace and hostPath pods here",
				ns.Name, psaapi.EnforceLevelLabel, value),
			Fix: fix,
		}}
	}
	return nil
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "exposure/namespace-without-pss-enforce",
			Title: "Namespace without Pod Security enforcement",
			Description: "Reads the label pod-security.kubernetes.io/enforce of every Namespace object except kube-system. " +
				"Allowed: baseline or restricted (a value Pod Security Admission cannot parse is enforced as restricted). " +
				"Flagged: the label missing, or privileged. Only Namespace objects are assessed: a namespace that is merely " +
				"referenced by workloads is not, and a cluster-wide default in the PodSecurity admission configuration is " +
				"not visible here. Without enforcement anyone allowed to create a pod in the namespace can create a " +
				"privileged or hostPath pod and take over its node.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyPodSecurity,
			References: check.References{
				CIS:   []string{"5.2.1"},
				NSA:   []string{"Kubernetes Pod security: Pod security enforcement"},
				MITRE: []string{"T1610", "T1611"},
			},
			Remediation: "Label the namespace pod-security.kubernetes.io/enforce=baseline (restricted where the workloads " +
				"allow it); try the level first with the warn and audit labels to see what would be rejected.",
		},
		Kinds:  []string{"Namespace"},
		Object: namespaceWithoutPSSEnforce,
	})
}
