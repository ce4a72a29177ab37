package workload

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

/*
A pod that runs as its namespace's default service account must not have
that account's token mounted.

**Fields read:**

spec.serviceAccountName (and its deprecated alias spec.serviceAccount)
spec.automountServiceAccountToken
automountServiceAccountToken of the ServiceAccount "default" in the pod's
namespace, when the snapshot holds it and the pod does not decide

**Allowed values:** a service account other than "default"; or
automountServiceAccountToken: false on the pod; or, when the pod leaves it
unset, automountServiceAccountToken: false on the default ServiceAccount.
The pod's field wins over the ServiceAccount's.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "service-account-token-automount",
			Title: "Default service account token mounted",
			Description: "Reads spec.serviceAccountName and spec.automountServiceAccountToken, and when the pod leaves the latter unset, " +
				"automountServiceAccountToken of the ServiceAccount named default in the pod's namespace (the pod's field wins). " +
				"Allowed: a dedicated service account, or automountServiceAccountToken: false on the pod or on the default ServiceAccount. " +
				"Every pod that does not choose a service account runs as default and gets its API token at " +
				"/var/run/secrets/kubernetes.io/serviceaccount/token: an attacker in any of them holds a credential for the API server, " +
				"and whatever RoleBinding anyone ever gave to default in that namespace is theirs.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"5.1.5", "5.1.6"},
				NSA:   []string{nsaPodSecurity, nsaSATokens},
				MITRE: []string{"T1528", "T1552.007"},
			},
			Remediation: "Set automountServiceAccountToken: false in the pod spec (or on the namespace's default ServiceAccount). " +
				"A pod that needs the API gets its own ServiceAccount with only the permissions it needs.",
		},
		Pod: serviceAccountTokenAutomount,
	})
}

func serviceAccountTokenAutomount(ctx *check.Context, pod *cluster.PodTemplate) []check.Violation {
	if pod.ServiceAccount() != "default" {
		return nil
	}
	field := pod.Field("automountServiceAccountToken")
	fix := []check.PatchOp{{Op: "add", Path: cluster.JSONPointer(field), Value: false}}
	where := "the \"default\" service account" + inNamespace(pod.Namespace())
	if a := pod.Spec.AutomountServiceAccountToken; a != nil {
		if !*a {
			return nil
		}
		return []check.Violation{{
			Field:   field,
			Message: fmt.Sprintf("automountServiceAccountToken is true and the pod runs as %s: every container gets its API token", where),
			Fix:     fix,
		}}
	}
	why := "no ServiceAccount \"default\" object in the snapshot sets it to false"
	if obj, acct := defaultServiceAccount(ctx, pod.Namespace()); acct != nil {
		if a := acct.AutomountServiceAccountToken; a != nil && !*a {
			return nil
		}
		why = fmt.Sprintf("ServiceAccount %q%s does not set it to false", obj.ID.Name, inNamespace(obj.ID.Namespace))
	}
	return []check.Violation{{
		Field:   field,
		Message: fmt.Sprintf("the pod runs as %s and its API token is mounted: automountServiceAccountToken is not set on the pod, and %s", where, why),
		Fix:     fix,
	}}
}

// inNamespace is ` of namespace "ns"`, or nothing when ns is empty.
func inNamespace(ns string) string {
	if ns == "" {
		return ""
	}
	return fmt.Sprintf(" of namespace %q", ns)
}

// defaultServiceAccount finds the ServiceAccount "default" of a namespace
// in the snapshot. A pod without a namespace matches a ServiceAccount
// without one: both land in the same namespace when applied.
func defaultServiceAccount(ctx *check.Context, namespace string) (*cluster.Object, *corev1.ServiceAccount) {
	if ctx == nil || ctx.Snapshot == nil {
		return nil, nil
	}
	for _, o := range ctx.Snapshot.OfKind("ServiceAccount") {
		if o.ID.Name != "default" || o.ID.Namespace != namespace {
			continue
		}
		if sa, ok := o.Typed.(*corev1.ServiceAccount); ok {
			return o, sa
		}
	}
	return nil, nil
}
