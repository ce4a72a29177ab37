// Package pss surfaces the Pod Security Standards as Palisade checks.
//
// It does not re-implement them: every baseline and restricted check of
// k8s.io/pod-security-admission/policy, at the newest policy version, is
// registered as "pss/<upstream check id>" and evaluated by the upstream
// function, so a finding here is exactly what the API server's Pod Security
// Admission would forbid. The upstream forbidden reason and detail are kept
// in the message.
package pss

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	psaapi "k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

// Prefix is the area of every PSS check id.
const Prefix = "pss/"

// upstream holds, per Palisade check id, the upstream check at its newest
// version, and which baseline checks it overrides at the restricted level.
var upstream = map[string]entry{}

type entry struct {
	level     psaapi.Level
	fn        policy.CheckPodFn
	overrides []string
}

func init() {
	for _, c := range policy.DefaultChecks() {
		newest := c.Versions[len(c.Versions)-1]
		id := Prefix + string(c.ID)
		e := entry{level: c.Level, fn: newest.CheckPod}
		for _, o := range newest.OverrideCheckIDs {
			e.overrides = append(e.overrides, Prefix+string(o))
		}
		upstream[id] = e
		check.Register(newCheck(id, c.Level, newest.CheckPod))
	}
}

func newCheck(id string, level psaapi.Level, fn policy.CheckPodFn) *check.Check {
	info := describe(id, level)
	return &check.Check{
		Metadata: info,
		Pod: func(_ *check.Context, pod *cluster.PodTemplate) []check.Violation {
			pod = withAPIDefaults(pod)
			res := fn(pod.Meta, pod.Spec)
			if res.Allowed {
				return nil
			}
			return violations(id, fn, pod, res)
		},
	}
}

// violations names the containers at fault. A check that fails for the
// whole pod is re-run on each container alone (with the pod-level settings
// kept), so each offending container gets its own finding and field path;
// when no single container fails, the fault is pod-level.
func violations(id string, fn policy.CheckPodFn, pod *cluster.PodTemplate, whole policy.CheckResult) []check.Violation {
	var out []check.Violation
	if field, perContainer := containerFields[strings.TrimPrefix(id, Prefix)]; perContainer {
		for _, ref := range pod.Containers() {
			if res := fn(pod.Meta, onlyContainer(pod.Spec, ref)); !res.Allowed {
				out = append(out, check.Violation{
					Field:   ref.Field(field),
					Message: reason(res),
				})
			}
		}
	}
	if len(out) == 0 {
		out = append(out, check.Violation{
			Field:   pod.Field(podField(strings.TrimPrefix(id, Prefix), pod.Spec)),
			Message: reason(whole),
		})
	}
	return out
}

func reason(r policy.CheckResult) string {
	if r.ForbiddenDetail == "" {
		return r.ForbiddenReason
	}
	return r.ForbiddenReason + " (" + r.ForbiddenDetail + ")"
}

// onlyContainer returns a copy of spec that runs only the given container.
func onlyContainer(spec *corev1.PodSpec, ref cluster.ContainerRef) *corev1.PodSpec {
	s := *spec
	s.InitContainers, s.Containers, s.EphemeralContainers = nil, nil, nil
	switch {
	case ref.Init:
		s.InitContainers = []corev1.Container{*ref.Container}
	case ref.Ephemeral:
		s.EphemeralContainers = []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon(*ref.Container)}}
	default:
		s.Containers = []corev1.Container{*ref.Container}
	}
	return &s
}

// Overrides returns the baseline checks a restricted check replaces at the
// restricted level (upstream's OverrideCheckIDs).
func Overrides(id string) []string { return upstream[id].overrides }

// Level returns the PSS level of a pss/ check id.
func Level(id string) (psaapi.Level, bool) {
	e, ok := upstream[id]
	return e.level, ok
}

// Allows reports whether a pod with findings from these pss/ check ids is
// admitted at a level, as Pod Security Admission decides: baseline counts
// baseline checks; restricted counts restricted checks and the baseline
// checks no restricted check overrides.
func Allows(level psaapi.Level, failed []string) bool {
	if level == psaapi.LevelPrivileged {
		return true
	}
	overridden := map[string]bool{}
	if level == psaapi.LevelRestricted {
		for _, e := range upstream {
			if e.level == psaapi.LevelRestricted {
				for _, o := range e.overrides {
					overridden[o] = true
				}
			}
		}
	}
	for _, id := range failed {
		e, ok := upstream[id]
		if !ok {
			continue
		}
		if e.level == psaapi.LevelBaseline && !overridden[id] {
			return false
		}
		if e.level == psaapi.LevelRestricted && level == psaapi.LevelRestricted {
			return false
		}
	}
	return true
}

// withAPIDefaults returns the pod as the API server stores it, for the
// defaults Pod Security Admission's verdict depends on: a volume that names
// no source is an emptyDir. The pod is copied only when a default applies.
func withAPIDefaults(pod *cluster.PodTemplate) *cluster.PodTemplate {
	for i := range pod.Spec.Volumes {
		if pod.Spec.Volumes[i].VolumeSource != (corev1.VolumeSource{}) {
			continue
		}
		spec := *pod.Spec
		spec.Volumes = append([]corev1.Volume(nil), spec.Volumes...)
		for j := range spec.Volumes {
			if spec.Volumes[j].VolumeSource == (corev1.VolumeSource{}) {
				spec.Volumes[j].EmptyDir = &corev1.EmptyDirVolumeSource{}
			}
		}
		copied := *pod
		copied.Spec = &spec
		return &copied
	}
	return pod
}
