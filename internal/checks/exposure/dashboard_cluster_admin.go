package exposure

import (
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/rbac"
)

// clusterAdmin is the built-in ClusterRole that may do everything.
const clusterAdmin = "cluster-admin"

// dashboardClusterAdmin reads the service account of every dashboard
// workload (spec.serviceAccountName, else the deprecated
// spec.serviceAccount, else "default") and the roleRef and subjects of
// every ClusterRoleBinding and RoleBinding. Allowed: no binding grants the
// ClusterRole cluster-admin to that account. Forbidden: a binding of
// cluster-admin whose subject is the account (a ServiceAccount subject, the
// user system:serviceaccount:<ns>:<name>, or one of the groups
// system:serviceaccounts, system:serviceaccounts:<ns>, system:authenticated).
// The finding is on the binding's subject.
func dashboardClusterAdmin(ctx *check.Context) []check.Violation {
	dash := dashboards(ctx.Snapshot)
	if len(dash) == 0 {
		return nil
	}
	var out []check.Violation
	for _, o := range ctx.Snapshot.OfKind("ClusterRoleBinding") {
		if b, ok := o.Typed.(*rbacv1.ClusterRoleBinding); ok {
			out = append(out, adminBindings(o, b.RoleRef, b.Subjects, "", dash)...)
		}
	}
	for _, o := range ctx.Snapshot.OfKind("RoleBinding") {
		if b, ok := o.Typed.(*rbacv1.RoleBinding); ok {
			out = append(out, adminBindings(o, b.RoleRef, b.Subjects, o.ID.Namespace, dash)...)
		}
	}
	return out
}

// adminBindings returns one violation per subject of a cluster-admin
// binding that covers a dashboard's service account. bindingNS is "" for
// a ClusterRoleBinding.
func adminBindings(o *cluster.Object, ref rbacv1.RoleRef, subjects []rbacv1.Subject, bindingNS string, dash []dashboard) []check.Violation {
	if ref.Kind != "ClusterRole" || ref.Name != clusterAdmin {
		return nil
	}
	scope := "in the whole cluster"
	if bindingNS != "" {
		scope = fmt.Sprintf("in namespace %q", bindingNS)
	}
	var out []check.Violation
	for i, s := range subjects {
		var names []string
		for _, d := range dash {
			if rbac.SubjectApplies(rbac.ServiceAccount(d.pod.Namespace(), d.serviceAccount()), s, bindingNS) {
				names = append(names, d.String())
			}
		}
		if len(names) == 0 {
			continue
		}
		v := check.Violation{
			Object: o,
			Field:  fmt.Sprintf("subjects[%d]", i),
			Message: fmt.Sprintf("%s %q binds ClusterRole cluster-admin to %s, the service account of %s: whoever uses the dashboard acts as cluster-admin %s",
				o.ID.Kind, o.ID.Name, subjectName(s, bindingNS), strings.Join(names, " and "), scope),
		}
		if s.Kind != rbacv1.GroupKind {
			v.Fix = []check.PatchOp{{Op: "remove", Path: fmt.Sprintf("/subjects/%d", i)}}
		}
		out = append(out, v)
	}
	return out
}

// subjectName names a subject for messages: "ServiceAccount kube-system/dash".
func subjectName(s rbacv1.Subject, bindingNS string) string {
	if s.Kind == rbacv1.ServiceAccountKind {
		ns := s.Namespace
		if ns == "" {
			ns = bindingNS
		}
		return fmt.Sprintf("ServiceAccount %s/%s", ns, s.Name)
	}
	return fmt.Sprintf("%s %q", s.Kind, s.Name)
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "exposure/dashboard-cluster-admin",
			Title: "Kubernetes dashboard runs as cluster-admin",
			Description: "Reads the service account of every Kubernetes dashboard workload (spec.serviceAccountName, \"default\" " +
				"when unset) and the roleRef and subjects of every ClusterRoleBinding and RoleBinding. " +
				"Allowed: no binding of the ClusterRole cluster-admin covers that account. Flagged: a binding of cluster-admin " +
				"whose subject is the account itself, its system:serviceaccount user name, or a group that contains it " +
				"(system:serviceaccounts, system:serviceaccounts:<namespace>, system:authenticated). " +
				"With skip-login, or a stolen session, the dashboard hands its token's power to the visitor: " +
				"bound to cluster-admin it is full control of the cluster, every Secret included.",
			Severity: check.SeverityCritical,
			Vector:   check.VectorAPIExposure,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"5.1.1"},
				NSA:   []string{"Authentication and authorization: Role-based access control"},
				MITRE: []string{"T1078"},
			},
			Remediation: "Remove the dashboard's service account from the cluster-admin binding; give it only the minimal " +
				"permissions of the upstream manifest and have users sign in with their own tokens, so the dashboard acts with each user's rights.",
		},
		Cluster: dashboardClusterAdmin,
	})
}
