package workload

import (
	"fmt"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

/*
No container may be told to run as UID 0.

**Fields read:**

spec.securityContext.runAsUser
spec.containers[*].securityContext.runAsUser
spec.initContainers[*].securityContext.runAsUser
spec.ephemeralContainers[*].securityContext.runAsUser
spec.os.name

**Allowed values:** unset or non-zero; a container's value overrides the
pod's. runAsGroup is not read. Windows pods are not read (runAsUser does
not apply to them).
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "runs-as-root-uid",
			Title: "Container explicitly runs as UID 0",
			Description: "Reads runAsUser of the pod's securityContext and of every container's (a container's value overrides the pod's; Windows pods are skipped). " +
				"Allowed: unset or a non-zero UID. A manifest that asks for UID 0 makes a process root inside the container on purpose, whatever " +
				"the image says: every kernel bug, mounted host path, added capability or writable /proc entry then works for the attacker " +
				"as root, and with a user namespace missing, as root of the node. runAsGroup: 0 is not flagged: group 0 grants file access " +
				"only, not root's privileges. pss/runAsUser reports the same field at the restricted level; this check fires in every namespace, at high severity.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyPodSecurity,
			References: check.References{
				CIS:   []string{"5.2.7"},
				NSA:   []string{nsaPodSecurity, nsaNonRoot},
				MITRE: []string{"T1611"},
			},
			Remediation: "Set runAsUser to a non-zero UID the image's files allow (or remove it and set runAsNonRoot: true with a non-root USER in the image). " +
				"If the process needs a root-only operation, grant the one capability it needs instead.",
		},
		Pod: runsAsRootUID,
	})
}

func runsAsRootUID(_ *check.Context, pod *cluster.PodTemplate) []check.Violation {
	if isWindows(pod.Spec) {
		return nil
	}
	podRoot := pod.Spec.SecurityContext != nil && pod.Spec.SecurityContext.RunAsUser != nil && *pod.Spec.SecurityContext.RunAsUser == 0
	var out []check.Violation
	var inherit []string
	for _, ref := range pod.Containers() {
		sc := ref.Container.SecurityContext
		if sc != nil && sc.RunAsUser != nil {
			if *sc.RunAsUser == 0 {
				out = append(out, check.Violation{
					Field:   ref.Field("securityContext.runAsUser"),
					Message: fmt.Sprintf("%s %q runs as UID 0 (securityContext.runAsUser: 0)", kindOf(ref), ref.Container.Name),
				})
			}
			continue
		}
		if podRoot {
			inherit = append(inherit, ref.Container.Name)
		}
	}
	if len(inherit) > 0 {
		out = append(out, check.Violation{
			Field: pod.Field("securityContext.runAsUser"),
			Message: fmt.Sprintf("the pod's securityContext.runAsUser is 0, so %s %s %s as UID 0",
				plural(len(inherit), "container", "containers"), quoteJoin(inherit), plural(len(inherit), "runs", "run")),
		})
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
