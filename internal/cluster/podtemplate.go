package cluster

import (
	"slices"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PodTemplate is the pod a workload runs, whatever its kind, with the field
// paths that lead to it, so a pod check is written once for every kind.
type PodTemplate struct {
	// Object is the workload (Pod, Deployment, CronJob, ...).
	Object *Object
	// Meta is the pod's metadata: the template's for controllers, the
	// object's own for a Pod.
	Meta *metav1.ObjectMeta
	// Spec is the pod spec.
	Spec *corev1.PodSpec
	// SpecPath is the path of Spec inside Object ("spec.template.spec").
	SpecPath string
	// MetaPath is the path of Meta inside Object ("spec.template.metadata").
	MetaPath string
}

// Namespace is the namespace the pod runs in.
func (p *PodTemplate) Namespace() string { return p.Object.ID.Namespace }

// ServiceAccount is the service account the pods run as:
// spec.serviceAccountName, else the deprecated spec.serviceAccount, else
// "default", as the API server defaults it.
func (p *PodTemplate) ServiceAccount() string {
	if sa := p.Spec.ServiceAccountName; sa != "" {
		return sa
	}
	if sa := p.Spec.DeprecatedServiceAccount; sa != "" {
		return sa
	}
	return "default"
}

// Field returns the path of a field of the pod spec inside the workload:
// Field("hostPID") is "spec.template.spec.hostPID" for a Deployment.
func (p *PodTemplate) Field(specField string) string {
	if specField == "" {
		return p.SpecPath
	}
	return p.SpecPath + "." + specField
}

// ContainerRef is one container of a pod with its place in the spec.
type ContainerRef struct {
	Container *corev1.Container
	// Path is the container's path inside the workload,
	// "spec.template.spec.initContainers[0]".
	Path string
	// Init is true for init containers, Ephemeral for ephemeral containers.
	Init, Ephemeral bool
}

// Field returns the path of a field of this container:
// Field("securityContext.privileged").
func (c ContainerRef) Field(containerField string) string {
	if containerField == "" {
		return c.Path
	}
	return c.Path + "." + containerField
}

// Images lists the distinct images the pod's init, regular and ephemeral
// containers name, in that order; empty names are left out.
func (p *PodTemplate) Images() []string {
	var out []string
	for _, c := range p.Containers() {
		if img := c.Container.Image; img != "" && !slices.Contains(out, img) {
			out = append(out, img)
		}
	}
	return out
}

// Containers lists init containers, then containers, then ephemeral
// containers, each with its path.
func (p *PodTemplate) Containers() []ContainerRef {
	s := p.Spec
	out := make([]ContainerRef, 0, len(s.InitContainers)+len(s.Containers)+len(s.EphemeralContainers))
	for i := range s.InitContainers {
		out = append(out, ContainerRef{Container: &s.InitContainers[i], Path: p.SpecPath + ".initContainers[" + strconv.Itoa(i) + "]", Init: true})
	}
	for i := range s.Containers {
		out = append(out, ContainerRef{Container: &s.Containers[i], Path: p.SpecPath + ".containers[" + strconv.Itoa(i) + "]"})
	}
	for i := range s.EphemeralContainers {
		c := (*corev1.Container)(&s.EphemeralContainers[i].EphemeralContainerCommon)
		out = append(out, ContainerRef{Container: c, Path: p.SpecPath + ".ephemeralContainers[" + strconv.Itoa(i) + "]", Ephemeral: true})
	}
	return out
}

// PodTemplateOf returns the pod template of a workload object, or nil when
// the object runs no pods.
func PodTemplateOf(o *Object) *PodTemplate {
	tmpl := func(t *corev1.PodTemplateSpec, prefix string) *PodTemplate {
		return &PodTemplate{Object: o, Meta: &t.ObjectMeta, Spec: &t.Spec, SpecPath: prefix + ".spec", MetaPath: prefix + ".metadata"}
	}
	switch w := o.Typed.(type) {
	case *corev1.Pod:
		return &PodTemplate{Object: o, Meta: &w.ObjectMeta, Spec: &w.Spec, SpecPath: "spec", MetaPath: "metadata"}
	case *appsv1.Deployment:
		return tmpl(&w.Spec.Template, "spec.template")
	case *appsv1.ReplicaSet:
		return tmpl(&w.Spec.Template, "spec.template")
	case *appsv1.StatefulSet:
		return tmpl(&w.Spec.Template, "spec.template")
	case *appsv1.DaemonSet:
		return tmpl(&w.Spec.Template, "spec.template")
	case *batchv1.Job:
		return tmpl(&w.Spec.Template, "spec.template")
	case *batchv1.CronJob:
		return tmpl(&w.Spec.JobTemplate.Spec.Template, "spec.jobTemplate.spec.template")
	case *corev1.ReplicationController:
		if w.Spec.Template == nil {
			return nil
		}
		return tmpl(w.Spec.Template, "spec.template")
	}
	return nil
}
