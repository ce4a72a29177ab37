package workload

import (
	"fmt"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

/*
Containers must run with a read-only root filesystem.

**Fields read:**

spec.containers[*].securityContext.readOnlyRootFilesystem
spec.initContainers[*].securityContext.readOnlyRootFilesystem
spec.ephemeralContainers[*].securityContext.readOnlyRootFilesystem
spec.os.name

**Allowed values:** true. Pods with spec.os.name: windows are not read:
Windows does not support a read-only root filesystem.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "writable-root-filesystem",
			Title: "Writable root filesystem",
			Description: "Reads securityContext.readOnlyRootFilesystem of every container (Linux pods only). Allowed: true. " +
				"With a writable root filesystem, an attacker who gets code execution in the container can download tools, " +
				"replace the application's binaries and scripts to persist across requests, and stage payloads; a read-only root " +
				"limits them to the volumes the pod mounts.",
			Severity: check.SeverityLow,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyPodSecurity,
			References: check.References{
				NSA:   []string{nsaPodSecurity, nsaImmutableFS},
				MITRE: []string{"T1105"},
			},
			Remediation: "Set securityContext.readOnlyRootFilesystem: true on every container, and mount an emptyDir volume " +
				"at the paths the application must write to (/tmp, caches).",
		},
		Pod: writableRootFilesystem,
	})
}

func writableRootFilesystem(_ *check.Context, pod *cluster.PodTemplate) []check.Violation {
	if isWindows(pod.Spec) {
		return nil
	}
	var out []check.Violation
	for _, ref := range pod.Containers() {
		sc := ref.Container.SecurityContext
		if sc != nil && sc.ReadOnlyRootFilesystem != nil && *sc.ReadOnlyRootFilesystem {
			continue
		}
		state := "unset"
		fix := check.PatchOp{Op: "add", Path: cluster.JSONPointer(ref.Field("securityContext")), Value: map[string]any{"readOnlyRootFilesystem": true}}
		if sc != nil {
			fix = check.PatchOp{Op: "add", Path: cluster.JSONPointer(ref.Field("securityContext.readOnlyRootFilesystem")), Value: true}
			if sc.ReadOnlyRootFilesystem != nil {
				state = "false"
			}
		}
		out = append(out, check.Violation{
			Field:   ref.Field("securityContext.readOnlyRootFilesystem"),
			Message: fmt.Sprintf("%s %q has a writable root filesystem (readOnlyRootFilesystem is %s)", kindOf(ref), ref.Container.Name, state),
			Fix:     []check.PatchOp{fix},
		})
	}
	return out
}
