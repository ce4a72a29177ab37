package audit

import (
	"fmt"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/palisade-sec/palisade/internal/check"
	_ "github.com/palisade-sec/palisade/internal/checks" // registers the pod checks judged here
	"github.com/palisade-sec/palisade/internal/cluster"
)

// A created pod or workload is judged by the pod checks palisade scan runs
// (pss/* and workload/* of check.Default()), through check.Run on a
// snapshot of that one object, so a pod means the same in a manifest and in
// the audit log.

// workloadKind is a resource that runs pods.
type workloadKind struct {
	group, apiVersion, kind string
	new                     func() runtime.Object
}

var workloadKinds = map[string]workloadKind{
	"pods":                   {"", "v1", "Pod", func() runtime.Object { return &corev1.Pod{} }},
	"replicationcontrollers": {"", "v1", "ReplicationController", func() runtime.Object { return &corev1.ReplicationController{} }},
	"deployments":            {"apps", "apps/v1", "Deployment", func() runtime.Object { return &appsv1.Deployment{} }},
	"replicasets":            {"apps", "apps/v1", "ReplicaSet", func() runtime.Object { return &appsv1.ReplicaSet{} }},
	"statefulsets":           {"apps", "apps/v1", "StatefulSet", func() runtime.Object { return &appsv1.StatefulSet{} }},
	"daemonsets":             {"apps", "apps/v1", "DaemonSet", func() runtime.Object { return &appsv1.DaemonSet{} }},
	"jobs":                   {"batch", "batch/v1", "Job", func() runtime.Object { return &batchv1.Job{} }},
	"cronjobs":               {"batch", "batch/v1", "CronJob", func() runtime.Object { return &batchv1.CronJob{} }},
}

func workloadResources() []string {
	out := make([]string, 0, len(workloadKinds))
	for r := range workloadKinds {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// podJudge holds the pod checks.
type podJudge struct {
	reg *check.Registry
}

// podCheckAreas are the check areas that judge pods.
var podCheckAreas = []string{"pss/", "workload/"}

func newPodJudge() *podJudge {
	reg := check.NewRegistry()
	for _, c := range check.Default().All() {
		if c.Pod == nil {
			continue
		}
		for _, area := range podCheckAreas {
			if strings.HasPrefix(c.ID, area) {
				reg.MustAdd(c)
			}
		}
	}
	return &podJudge{reg: reg}
}

// judgePodWrite judges the object of a create or update of a pod or
// workload.
func judgePodWrite(x *Context, e *Event) []Hit {
	if (e.Verb != "create" && e.Verb != "update" && e.Verb != "patch") || e.Subresource() != "" {
		return nil
	}
	wk, ok := workloadKinds[e.Resource()]
	if !ok || wk.group != e.APIGroup() || x.Agents.matches(e) {
		return nil
	}
	obj := wk.new()
	at := writtenObject(e, obj)
	if at == "" {
		if e.Verb != "patch" || e.ResponseObject == nil {
			x.notAssessedf("%s: pods and workloads written without their object in the log (log them at Request level): they could not be judged", Prefix+"insecure-pod-created")
		}
		return nil
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil
	}
	name := m.GetName()
	if name == "" {
		name = firstNonEmpty(e.Name(), m.GetGenerateName()+"*")
	}
	ns := firstNonEmpty(m.GetNamespace(), e.Namespace())
	obj.GetObjectKind().SetGroupVersionKind(schema.FromAPIVersionAndKind(wk.apiVersion, wk.kind))
	o := &cluster.Object{
		ID:     cluster.ObjectID{APIVersion: wk.apiVersion, Kind: wk.kind, Namespace: ns, Name: name},
		Typed:  obj,
		Meta:   m,
		Origin: cluster.Origin{File: e.File},
	}
	res := check.Run(cluster.NewSnapshot([]*cluster.Object{o}), check.Options{Registry: x.pods.reg, Workers: 1})
	var failed []check.Finding
	for _, f := range res.Findings {
		if f.Severity >= x.PodSeverity {
			failed = append(failed, f) // waivers on the object itself are not honoured: its author wrote them
		}
	}
	if len(failed) == 0 {
		return nil
	}
	// Findings come most severe first.
	worst := failed[0].Severity
	var parts []string
	for _, f := range failed {
		parts = append(parts, f.CheckID+": "+f.Message)
	}
	kind := strings.ToLower(wk.kind)
	msg := fmt.Sprintf("%s %s %s %s/%s that fails %s%s%s", who(e), pastTense[e.Verb], kind, ns, name, strings.Join(parts, "; "), outcome(e), whereWhen(e))
	sev := worst
	if low := lowerOnce(e, worst); low != nil {
		sev = *low
	}
	return []Hit{{Field: at + "." + failed[0].Field, Message: msg, Severity: &sev}}
}
