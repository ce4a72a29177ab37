package admission

import (
	"sort"

	"github.com/palisade-sec/palisade/internal/check"
)

// Resource is an API resource the webhook is registered for.
type Resource struct {
	Group, Version, Resource, Kind string
	// Namespaced is false for cluster-scoped resources (Namespace,
	// ClusterRoleBinding).
	Namespaced bool
	// Subresources are judged too: pods/ephemeralcontainers adds
	// containers to a running pod.
	Subresources []string
}

// apiResources are the built-in kinds checks may read, by kind, as the API
// server serves them. Kinds checks read that are not API objects (NodeFile,
// KubeletConfiguration, KubeProxyConfiguration) are absent: nothing admits
// them.
var apiResources = map[string]Resource{
	"Pod":                   {Version: "v1", Resource: "pods", Kind: "Pod", Namespaced: true, Subresources: []string{"ephemeralcontainers"}},
	"ReplicationController": {Version: "v1", Resource: "replicationcontrollers", Kind: "ReplicationController", Namespaced: true},
	"Service":               {Version: "v1", Resource: "services", Kind: "Service", Namespaced: true},
	"ConfigMap":             {Version: "v1", Resource: "configmaps", Kind: "ConfigMap", Namespaced: true},
	"Secret":                {Version: "v1", Resource: "secrets", Kind: "Secret", Namespaced: true},
	"ServiceAccount":        {Version: "v1", Resource: "serviceaccounts", Kind: "ServiceAccount", Namespaced: true},
	"Namespace":             {Version: "v1", Resource: "namespaces", Kind: "Namespace"},
	"Deployment":            {Group: "apps", Version: "v1", Resource: "deployments", Kind: "Deployment", Namespaced: true},
	"ReplicaSet":            {Group: "apps", Version: "v1", Resource: "replicasets", Kind: "ReplicaSet", Namespaced: true},
	"StatefulSet":           {Group: "apps", Version: "v1", Resource: "statefulsets", Kind: "StatefulSet", Namespaced: true},
	"DaemonSet":             {Group: "apps", Version: "v1", Resource: "daemonsets", Kind: "DaemonSet", Namespaced: true},
	"Job":                   {Group: "batch", Version: "v1", Resource: "jobs", Kind: "Job", Namespaced: true},
	"CronJob":               {Group: "batch", Version: "v1", Resource: "cronjobs", Kind: "CronJob", Namespaced: true},
	"Ingress":               {Group: "networking.k8s.io", Version: "v1", Resource: "ingresses", Kind: "Ingress", Namespaced: true},
	"NetworkPolicy":         {Group: "networking.k8s.io", Version: "v1", Resource: "networkpolicies", Kind: "NetworkPolicy", Namespaced: true},
	"Role":                  {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "roles", Kind: "Role", Namespaced: true},
	"RoleBinding":           {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "rolebindings", Kind: "RoleBinding", Namespaced: true},
	"ClusterRole":           {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterroles", Kind: "ClusterRole"},
	"ClusterRoleBinding":    {Group: "rbac.authorization.k8s.io", Version: "v1", Resource: "clusterrolebindings", Kind: "ClusterRoleBinding"},
}

// WorkloadKinds are the kinds that run pods, whose pod template every Pod
// check reads (see cluster.PodTemplateOf).
var WorkloadKinds = []string{"Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicationController"}

// ResourceOf returns the API resource of a built-in kind.
func ResourceOf(kind string) (Resource, bool) {
	r, ok := apiResources[kind]
	return r, ok
}

// Kinds returns, sorted, the kinds the webhook judges: the workload kinds
// when any Pod check applies at admission, the Kinds of every Object check
// that are API objects, and the kinds the Cluster checks that apply at
// admission read (bindings).
func Kinds(reg *check.Registry) []string {
	seen := map[string]bool{}
	for _, c := range reg.All() {
		scope := ScopeOf(c)
		if !scope.Applies {
			continue
		}
		for _, k := range scope.Kinds {
			seen[k] = true
		}
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
