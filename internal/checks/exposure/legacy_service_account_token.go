package exposure

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

// legacyTokenInvalidSince is the label the legacy token cleaner sets on a
// token it has invalidated; the API server rejects such tokens.
const legacyTokenInvalidSince = "kubernetes.io/legacy-token-invalid-since"

// legacyServiceAccountToken reads type, the annotation
// kubernetes.io/service-account.name and the label
// kubernetes.io/legacy-token-invalid-since of every Secret, never its
// data. Allowed: any other Secret type, or a token already invalidated.
// Forbidden: type kubernetes.io/service-account-token.
func legacyServiceAccountToken(_ *check.Context, obj *cluster.Object) []check.Violation {
	s, ok := obj.Typed.(*corev1.Secret)
	if !ok || s.Type != corev1.SecretTypeServiceAccountToken {
		return nil
	}
	if _, invalid := s.Labels[legacyTokenInvalidSince]; invalid {
		return nil
	}
	sa := fmt.Sprintf("ServiceAccount %q", s.Annotations[corev1.ServiceAccountNameKey])
	if s.Annotations[corev1.ServiceAccountNameKey] == "" {
		sa = "a ServiceAccount (no " + corev1.ServiceAccountNameKey + " annotation)"
	}
	return []check.Violation{{
		Field: "type",
		Message: fmt.Sprintf("Secret %q is of type %s: a long-lived token of %s that never expires and works until the Secret is deleted",
			s.Name, s.Type, sa),
	}}
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "exposure/legacy-service-account-token",
			Title: "Long-lived service account token Secret",
			Description: "Reads type, the annotation kubernetes.io/service-account.name and the label " +
				"kubernetes.io/legacy-token-invalid-since of every Secret; never its data. " +
				"Allowed: other Secret types, and tokens the legacy token cleaner already invalidated. " +
				"Flagged: type kubernetes.io/service-account-token. Such a token never expires and is not bound to a pod: " +
				"once copied out of a backup, a CI log or a repository it keeps working from anywhere until someone deletes the Secret.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				NSA:   []string{"Kubernetes Pod security: Protecting Pod service account tokens"},
				MITRE: []string{"T1528"},
			},
			Remediation: "Delete the Secret. Pods get short-lived, auto-rotated tokens through projected volumes; " +
				"for use outside the cluster issue a bounded token with `kubectl create token --duration` (TokenRequest) " +
				"or use workload identity federation.",
		},
		Kinds:  []string{"Secret"},
		Object: legacyServiceAccountToken,
	})
}
