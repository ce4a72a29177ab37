package rbac

import (
	_ "embed"
	"fmt"
	"sync"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// bootstrapYAML holds the ClusterRoles the API server creates when it
// starts (cluster-admin, admin, edit, view, the system:* roles and the
// aggregate-to-* roles admin, edit and view are built from), read from
// the pinned kube-apiserver by test/e2e, which also proves it current.
//
//go:embed bootstrap_clusterroles.yaml
var bootstrapYAML []byte

// BootstrapOrigin is the Origin.File of the built-in ClusterRoles.
const BootstrapOrigin = "kube-apiserver bootstrap policy"

var (
	bootstrapOnce  sync.Once
	bootstrapRoles []*cluster.Object
)

// BootstrapClusterRoles returns the ClusterRoles every cluster has,
// whether or not the manifests define them: a RoleBinding of ClusterRole
// edit in a Helm chart grants what edit grants in the cluster it is
// installed in. The objects are shared; do not modify them.
func BootstrapClusterRoles() []*cluster.Object {
	bootstrapOnce.Do(func() {
		var list rbacv1.ClusterRoleList
		if err := yaml.UnmarshalStrict(bootstrapYAML, &list); err != nil {
			panic(fmt.Sprintf("rbac: the embedded bootstrap ClusterRoles do not decode: %v", err))
		}
		for i := range list.Items {
			cr := &list.Items[i]
			cr.APIVersion, cr.Kind = rbacv1.SchemeGroupVersion.String(), "ClusterRole"
			bootstrapRoles = append(bootstrapRoles, &cluster.Object{
				ID:     cluster.ObjectID{APIVersion: cr.APIVersion, Kind: cr.Kind, Name: cr.Name},
				Typed:  cr,
				Meta:   cr,
				Origin: cluster.Origin{File: BootstrapOrigin},
			})
		}
	})
	return bootstrapRoles
}
