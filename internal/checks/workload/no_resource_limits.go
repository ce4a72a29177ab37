package workload

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

/*
Every container must have a CPU and a memory limit.

**Fields read:**

spec.containers[*].resources.limits.cpu
spec.containers[*].resources.limits.memory
spec.initContainers[*].resources.limits.{cpu,memory}
spec.resources.limits.{cpu,memory} (pod-level resources)

**Allowed values:** a non-zero quantity, on the container or, for the whole
pod, in spec.resources.limits. Ephemeral containers cannot have resources
and are not read.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "no-resource-limits",
			Title: "Container without CPU or memory limits",
			Description: "Reads resources.limits.cpu and resources.limits.memory of every container and init container, and the pod-level spec.resources.limits. " +
				"Allowed: a non-zero limit for both, on the container or on the pod. " +
				"A container without limits can take every CPU cycle and byte of memory of its node: a cryptominer dropped into it runs at full speed on the organisation's bill, " +
				"and a leak or a request flood starves or gets evicted every other pod on the node.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyPodSecurity,
			References: check.References{
				NSA:   []string{nsaNetworkSeparation, nsaResourcePolicy},
				MITRE: []string{"T1496", "T1499"},
			},
			Remediation: "Set resources.limits.cpu and resources.limits.memory on every container (sized from observed usage), " +
				"or set a LimitRange in the namespace so that containers get default limits.",
		},
		Pod: noResourceLimits,
	})
}

func noResourceLimits(_ *check.Context, pod *cluster.PodTemplate) []check.Violation {
	var podLimits corev1.ResourceList
	if pod.Spec.Resources != nil {
		podLimits = pod.Spec.Resources.Limits
	}
	var out []check.Violation
	for _, ref := range pod.Containers() {
		if ref.Ephemeral {
			continue
		}
		var missing []string
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if !hasLimit(ref.Container.Resources.Limits, r) && !hasLimit(podLimits, r) {
				missing = append(missing, string(r))
			}
		}
		switch len(missing) {
		case 0:
			continue
		case 1:
			out = append(out, check.Violation{
				Field:   ref.Field("resources.limits." + missing[0]),
				Message: fmt.Sprintf("%s %q has no %s limit", kindOf(ref), ref.Container.Name, limitName(missing[0])),
			})
		default:
			out = append(out, check.Violation{
				Field:   ref.Field("resources.limits"),
				Message: fmt.Sprintf("%s %q has no CPU and no memory limit", kindOf(ref), ref.Container.Name),
			})
		}
	}
	return out
}

func hasLimit(l corev1.ResourceList, r corev1.ResourceName) bool {
	q, ok := l[r]
	return ok && !q.IsZero()
}

func limitName(r string) string {
	if r == string(corev1.ResourceCPU) {
		return "CPU"
	}
	return strings.ToLower(r)
}
