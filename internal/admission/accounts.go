package admission

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// ServiceAccountCache keeps the "default" ServiceAccount of every namespace,
// watched through the API server with a field selector on the name, so it
// needs only list and watch on serviceaccounts named "default" (RBAC
// resourceNames apply to a list or watch that selects metadata.name). Only
// what the checks read is kept: the object's metadata (without managed
// fields) and automountServiceAccountToken.
type ServiceAccountCache struct {
	informer cache.SharedIndexInformer
}

// NewServiceAccountCache watches the default ServiceAccounts; Run starts it.
func NewServiceAccountCache(cs kubernetes.Interface) *ServiceAccountCache {
	lw := cache.NewFilteredListWatchFromClient(cs.CoreV1().RESTClient(), "serviceaccounts", metav1.NamespaceAll, func(o *metav1.ListOptions) {
		o.FieldSelector = "metadata.name=default"
	})
	inf := cache.NewSharedIndexInformer(lw, &corev1.ServiceAccount{}, 0, cache.Indexers{})
	_ = inf.SetTransform(func(obj any) (any, error) {
		sa, ok := obj.(*corev1.ServiceAccount)
		if !ok {
			return obj, nil
		}
		return &corev1.ServiceAccount{
			TypeMeta: sa.TypeMeta,
			ObjectMeta: metav1.ObjectMeta{
				Name: sa.Name, Namespace: sa.Namespace, UID: sa.UID, ResourceVersion: sa.ResourceVersion,
				Labels: sa.Labels, Annotations: sa.Annotations,
			},
			AutomountServiceAccountToken: sa.AutomountServiceAccountToken,
		}, nil
	})
	return &ServiceAccountCache{informer: inf}
}

// Run watches until ctx ends.
func (c *ServiceAccountCache) Run(ctx context.Context) { c.informer.Run(ctx.Done()) }

// HasSynced reports whether the first list has been read.
func (c *ServiceAccountCache) HasSynced() bool { return c.informer.HasSynced() }

// ServiceAccount returns a cached ServiceAccount.
func (c *ServiceAccountCache) ServiceAccount(namespace, name string) (*corev1.ServiceAccount, bool) {
	obj, ok, err := c.informer.GetStore().GetByKey(namespace + "/" + name)
	if err != nil || !ok {
		return nil, false
	}
	sa, ok := obj.(*corev1.ServiceAccount)
	return sa, ok
}
