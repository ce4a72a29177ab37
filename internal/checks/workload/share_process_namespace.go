package workload

import (
	"fmt"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

/*
Containers of a pod must not share one process namespace.

**Fields read:**

spec.shareProcessNamespace

**Allowed values:** unset or false.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "share-process-namespace",
			Title: "Containers share a process namespace",
			Description: "Reads spec.shareProcessNamespace. Allowed: unset or false. With a shared process namespace every container sees " +
				"every other container's processes: an attacker in one container can signal them, read their environment and command " +
				"lines (and the credentials in them) under /proc, reach their root filesystems through /proc/PID/root when the UIDs " +
				"match, and with SYS_PTRACE inject code into them, so compromising the weakest sidecar compromises the pod.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyPodSecurity,
			References: check.References{
				NSA:   []string{nsaPodSecurity},
				MITRE: []string{"T1055", "T1552"},
			},
			Remediation: "Remove spec.shareProcessNamespace (or set it to false). To debug a running pod, use an ephemeral container " +
				"targeting one container (kubectl debug --target) instead.",
		},
		Pod: shareProcessNamespace,
	})
}

func shareProcessNamespace(_ *check.Context, pod *cluster.PodTemplate) []check.Violation {
	if s := pod.Spec.ShareProcessNamespace; s == nil || !*s {
		return nil
	}
	var names []string
	for _, ref := range pod.Containers() {
		if !ref.Init {
			names = append(names, ref.Container.Name)
		}
	}
	field := pod.Field("shareProcessNamespace")
	return []check.Violation{{
		Field:   field,
		Message: fmt.Sprintf("shareProcessNamespace is true: containers %s see, signal and read each other's processes", quoteJoin(names)),
		Fix:     []check.PatchOp{{Op: "remove", Path: cluster.JSONPointer(field)}},
	}}
}
