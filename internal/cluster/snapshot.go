package cluster

import (
	"sort"
	"sync"

	corev1 "k8s.io/api/core/v1"
)

// Snapshot is the typed, indexed picture of a cluster that analyses read.
// It is built once and then only read, so it is safe for concurrent use.
type Snapshot struct {
	objects      []*Object
	byKind       map[string][]*Object
	namespaces   map[string]*corev1.Namespace
	podTemplates []*PodTemplate
	podOf        map[*Object]*PodTemplate

	derivedMu sync.Mutex
	derived   map[any]*derivedValue
}

// derivedValue is one model built from the snapshot, built once.
type derivedValue struct {
	once  sync.Once
	value any
}

// NewSnapshot indexes objects. The order of objects is kept.
func NewSnapshot(objects []*Object) *Snapshot {
	s := &Snapshot{
		objects:    objects,
		byKind:     map[string][]*Object{},
		namespaces: map[string]*corev1.Namespace{},
		podOf:      map[*Object]*PodTemplate{},
	}
	for _, o := range objects {
		s.byKind[o.ID.Kind] = append(s.byKind[o.ID.Kind], o)
		if ns, ok := o.Typed.(*corev1.Namespace); ok {
			s.namespaces[ns.Name] = ns
		}
		if pt := PodTemplateOf(o); pt != nil {
			s.podTemplates = append(s.podTemplates, pt)
			s.podOf[o] = pt
		}
	}
	return s
}

// Objects returns every object, in the order they were read.
func (s *Snapshot) Objects() []*Object { return s.objects }

// OfKind returns the objects of one kind ("Deployment"), in read order.
func (s *Snapshot) OfKind(kind string) []*Object { return s.byKind[kind] }

// Len is the number of objects.
func (s *Snapshot) Len() int { return len(s.objects) }

// PodTemplates returns the pod template of every workload in the snapshot:
// Pods, Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs, CronJobs
// and ReplicationControllers.
func (s *Snapshot) PodTemplates() []*PodTemplate { return s.podTemplates }

// PodTemplate returns the pod template of a workload of the snapshot, or
// nil when the object runs no pods.
func (s *Snapshot) PodTemplate(o *Object) *PodTemplate { return s.podOf[o] }

// Namespace returns the Namespace object of that name, if one was read.
func (s *Snapshot) Namespace(name string) (*corev1.Namespace, bool) {
	ns, ok := s.namespaces[name]
	return ns, ok
}

// NamespaceLabels returns the labels of a namespace as the API server would
// see them: the Namespace object's labels plus the immutable
// kubernetes.io/metadata.name label the API server always sets.
func (s *Snapshot) NamespaceLabels(name string) map[string]string {
	out := map[string]string{corev1.LabelMetadataName: name}
	if ns, ok := s.namespaces[name]; ok {
		for k, v := range ns.Labels {
			out[k] = v
		}
	}
	return out
}

// Namespaces lists, sorted, every namespace that was declared by a
// Namespace object or that holds at least one namespaced object.
func (s *Snapshot) Namespaces() []string {
	seen := map[string]bool{}
	for name := range s.namespaces {
		seen[name] = true
	}
	for _, o := range s.objects {
		if o.ID.Namespace != "" {
			seen[o.ID.Namespace] = true
		}
	}
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Derived returns the model that build makes from this snapshot, building
// it on the first call for key and returning the same value afterwards, so
// every check that asks the RBAC or NetworkPolicy engine a question shares
// one index. Concurrent callers of the same key wait for the one build.
// key should be an unexported type of the package that owns the model, so
// two packages never collide; build must only read the snapshot.
func (s *Snapshot) Derived(key any, build func(*Snapshot) any) any {
	s.derivedMu.Lock()
	if s.derived == nil {
		s.derived = map[any]*derivedValue{}
	}
	d := s.derived[key]
	if d == nil {
		d = &derivedValue{}
		s.derived[key] = d
	}
	s.derivedMu.Unlock()
	d.once.Do(func() { d.value = build(s) })
	return d.value
}
