package live

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
)

// item is one typed object of a list: *corev1.Pod, *appsv1.Deployment, ...
type item interface {
	runtime.Object
	metav1.Object
}

// listFunc lists one page of a kind in namespace ns ("" for all namespaces
// and for cluster-scoped kinds) and returns its items and continue token.
type listFunc func(ctx context.Context, c kubernetes.Interface, ns string, o metav1.ListOptions) ([]item, string, error)

// kind is a resource Palisade reads.
type kind struct {
	resource   string // plural, as RBAC and kubectl name it: "deployments"
	gvk        schema.GroupVersionKind
	namespaced bool
	// owners are the controller kinds whose objects this kind's objects are
	// made from (see the package doc): an object whose controller is of one
	// of these kinds is not kept when that kind was listed completely.
	owners []schema.GroupKind
	list   listFunc
	// forbiddenNotice, when set, makes a list the user may not make a
	// notice (Result.Notices) instead of an input error: the kind serves
	// only checks that are optional in live mode.
	forbiddenNotice string
	// then reads what the kind's objects lead to once they are listed,
	// outside the kind's slot of the semaphore: each Node's kubelet
	// configuration.
	then func(l *loader, ctx context.Context, st *listing)
}

// groupVersion is "apps/v1", or "v1" for the core group.
func (k *kind) groupVersion() string { return k.gvk.GroupVersion().String() }

var (
	gkDeployment = schema.GroupKind{Group: "apps", Kind: "Deployment"}
	gkReplicaSet = schema.GroupKind{Group: "apps", Kind: "ReplicaSet"}
	gkStatefulSt = schema.GroupKind{Group: "apps", Kind: "StatefulSet"}
	gkDaemonSet  = schema.GroupKind{Group: "apps", Kind: "DaemonSet"}
	gkJob        = schema.GroupKind{Group: "batch", Kind: "Job"}
	gkCronJob    = schema.GroupKind{Group: "batch", Kind: "CronJob"}
	gkRC         = schema.GroupKind{Group: "", Kind: "ReplicationController"}
)

// kinds are the resources the checks need, in the order their objects
// appear in a Result.
func kinds() []*kind {
	core := corev1.SchemeGroupVersion
	apps := appsv1.SchemeGroupVersion
	batch := batchv1.SchemeGroupVersion
	netw := networkingv1.SchemeGroupVersion
	rbac := rbacv1.SchemeGroupVersion
	return []*kind{
		{resource: "namespaces", gvk: core.WithKind("Namespace"),
			list: func(ctx context.Context, c kubernetes.Interface, _ string, o metav1.ListOptions) ([]item, string, error) {
				l, err := c.CoreV1().Namespaces().List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return items(l.Items), l.Continue, nil
			}},
		// Nodes are read for their kubelet configuration (see kubelet.go).
		{resource: "nodes", gvk: core.WithKind("Node"),
			forbiddenNotice: noticeNodesForbidden,
			then:            (*loader).readKubelets,
			list: func(ctx context.Context, c kubernetes.Interface, _ string, o metav1.ListOptions) ([]item, string, error) {
				l, err := c.CoreV1().Nodes().List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				for i := range l.Items {
					// The images a node holds are often most of its
					// object, and no check reads them.
					l.Items[i].Status.Images = nil
				}
				return items(l.Items), l.Continue, nil
			}},
		{resource: "pods", gvk: core.WithKind("Pod"), namespaced: true,
			owners: []schema.GroupKind{gkReplicaSet, gkStatefulSt, gkDaemonSet, gkJob, gkRC},
			list: func(ctx context.Context, c kubernetes.Interface, ns string, o metav1.ListOptions) ([]item, string, error) {
				l, err := c.CoreV1().Pods(ns).List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return items(l.Items), l.Continue, nil
			}},
		{resource: "deployments", gvk: apps.WithKind("Deployment"), namespaced: true,
			list: func(ctx context.Context, c kubernetes.Interface, ns string, o metav1.ListOptions) ([]item, string, error) {
				l, err := c.AppsV1().Deployments(ns).List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return items(l.Items), l.Continue, nil
			}},
		{resource: "replicasets", gvk: apps.WithKind("ReplicaSet"), namespaced: true,
			owners: []schema.GroupKind{gkDeployment},
			list: func(ctx context.Context, c kubernetes.Interface, ns string, o metav1.ListOptions) ([]item, string, error) {
				l, err := c.AppsV1().ReplicaSets(ns).List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return items(l.Items), l.Continue, nil
			}},
		{resource: "statefulsets", gvk: apps.WithKind("StatefulSet"), namespaced: true,
			list: func(ctx context.Context, c kubernetes.Interface, ns string, o metav1.ListOptions) ([]item, string, error) {
				l, err := c.AppsV1().StatefulSets(ns).List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return items(l.Items), l.Continue, nil
			}},
		{resource: "daemonsets", gvk: apps.WithKind("DaemonSet"), namespaced: true,
			list: func(ctx context.Context, c kubernetes.Interface, ns string, o metav1.ListOptions) ([]item, string, error) {
				l, err := c.AppsV1().DaemonSets(ns).List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return items(l.Items), l.Continue, nil
			}},
		{resource: "jobs", gvk: batch.WithKind("Job"), namespaced: true,
			owners: []schema.GroupKind{gkCronJob},
			list: func(ctx context.Context, c kubernetes.Interface, ns string, o metav1.ListOptions) ([]item, string, error) {
				l, err := c.BatchV1().Jobs(ns).List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return items(l.Items), l.Continue, nil
			}},
		{resource: "cronjobs", gvk: batch.WithKind("CronJob"), namespaced: true,
			list: func(ctx context.Context, c kubernetes.Interface, ns string, o metav1.ListOptions) ([]item, string, error) {
				l, err := c.BatchV1().CronJobs(ns).List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return items(l.Items), l.Continue, nil
			}},
		{resource: "replicationcontrollers", gvk: core.WithKind("ReplicationController"), namespaced: true,
			list: func(ctx context.Context, c kubernetes.Interface, ns string, o metav1.ListOptions) ([]item, string, error) {
				l, err := c.CoreV1().ReplicationControllers(ns).List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return items(l.Items), l.Continue, nil
			}},
		{resource: "services", gvk: core.WithKind("Service"), namespaced: true,
			list: func(ctx context.Context, c kubernetes.Interface, ns string, o metav1.ListOptions) ([]item, string, error) {
				l, err := c.CoreV1().Services(ns).List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return items(l.Items), l.Continue, nil
			}},
		{resource: "ingresses", gvk: netw.WithKind("Ingress"), namespaced: true,
			list: func(ctx context.Context, c kubernetes.Interface, ns string, o metav1.ListOptions) ([]item, string, error) {
				l, err := c.NetworkingV1().Ingresses(ns).List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return items(l.Items), l.Continue, nil
			}},
		{resource: "networkpolicies", gvk: netw.WithKind("NetworkPolicy"), namespaced: true,
			list: func(ctx context.Context, c kubernetes.Interface, ns string, o metav1.ListOptions) ([]item, string, error) {
				l, err := c.NetworkingV1().NetworkPolicies(ns).List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return items(l.Items), l.Continue, nil
			}},
		{resource: "serviceaccounts", gvk: core.WithKind("ServiceAccount"), namespaced: true,
			list: func(ctx context.Context, c kubernetes.Interface, ns string, o metav1.ListOptions) ([]item, string, error) {
				l, err := c.CoreV1().ServiceAccounts(ns).List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return items(l.Items), l.Continue, nil
			}},
		{resource: "secrets", gvk: core.WithKind("Secret"), namespaced: true,
			list: func(ctx context.Context, c kubernetes.Interface, ns string, o metav1.ListOptions) ([]item, string, error) {
				l, err := c.CoreV1().Secrets(ns).List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				for i := range l.Items {
					scrubSecret(&l.Items[i])
				}
				return items(l.Items), l.Continue, nil
			}},
		{resource: "configmaps", gvk: core.WithKind("ConfigMap"), namespaced: true,
			list: func(ctx context.Context, c kubernetes.Interface, ns string, o metav1.ListOptions) ([]item, string, error) {
				l, err := c.CoreV1().ConfigMaps(ns).List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return items(l.Items), l.Continue, nil
			}},
		{resource: "roles", gvk: rbac.WithKind("Role"), namespaced: true,
			list: func(ctx context.Context, c kubernetes.Interface, ns string, o metav1.ListOptions) ([]item, string, error) {
				l, err := c.RbacV1().Roles(ns).List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return items(l.Items), l.Continue, nil
			}},
		{resource: "clusterroles", gvk: rbac.WithKind("ClusterRole"),
			list: func(ctx context.Context, c kubernetes.Interface, _ string, o metav1.ListOptions) ([]item, string, error) {
				l, err := c.RbacV1().ClusterRoles().List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return items(l.Items), l.Continue, nil
			}},
		{resource: "rolebindings", gvk: rbac.WithKind("RoleBinding"), namespaced: true,
			list: func(ctx context.Context, c kubernetes.Interface, ns string, o metav1.ListOptions) ([]item, string, error) {
				l, err := c.RbacV1().RoleBindings(ns).List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return items(l.Items), l.Continue, nil
			}},
		{resource: "clusterrolebindings", gvk: rbac.WithKind("ClusterRoleBinding"),
			list: func(ctx context.Context, c kubernetes.Interface, _ string, o metav1.ListOptions) ([]item, string, error) {
				l, err := c.RbacV1().ClusterRoleBindings().List(ctx, o)
				if err != nil {
					return nil, "", err
				}
				return items(l.Items), l.Continue, nil
			}},
	}
}

// items returns a pointer to a copy of each element of a list's items, so
// the list's array is not kept alive by the objects Palisade keeps.
func items[T any, P interface {
	*T
	item
}](s []T) []item {
	out := make([]item, len(s))
	for i := range s {
		v := new(T)
		*v = s[i]
		out[i] = P(v)
	}
	return out
}
