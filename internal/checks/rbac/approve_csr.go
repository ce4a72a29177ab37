package rbac

import (
	"fmt"

	"github.com/palisade-sec/palisade/internal/check"
	authz "github.com/palisade-sec/palisade/internal/rbac"
)

// csrApproval is the permission to approve CertificateSigningRequests.
var csrApproval = risk{
	verbs:   []string{"update", "patch"},
	targets: []target{{group: "certificates.k8s.io", resource: "certificatesigningrequests", subresource: "approval", clusterScoped: true}},
}

// approveCSR reads every non-built-in ClusterRoleBinding and the rules of
// the role it binds, and asks the engine what each of its subjects may do
// with signers. Allowed: approval of CertificateSigningRequests without
// approve on the kubernetes.io/kube-apiserver-client signer (or
// kubernetes.io/*), or neither. Flagged: both: the subject can approve a
// client certificate for any user and group, system:masters included.
func approveCSR(ctx *check.Context) []check.Violation {
	m := authz.For(ctx.Snapshot)
	var out []check.Violation
	for _, g := range grantsOf(m, csrApproval) {
		for _, s := range g.binding.Subjects {
			subject := authz.PrincipalOf(s, g.binding.Namespace).Subject()
			signer, ok := m.Allowed(subject, authz.Request{Verb: "approve", APIGroup: "certificates.k8s.io", Resource: "signers", Name: "kubernetes.io/kube-apiserver-client"})
			if !ok {
				signer, ok = m.Allowed(subject, authz.Request{Verb: "approve", APIGroup: "certificates.k8s.io", Resource: "signers", Name: "kubernetes.io/*"})
			}
			if !ok {
				continue
			}
			v := g.violation("approve certificate requests", nil)
			v.Message += fmt.Sprintf(", and %s may approve for the API server's client signer (%s): it can mint a client certificate for the group system:masters",
				authz.PrincipalOf(s, g.binding.Namespace), signer)
			out = append(out, v)
			break
		}
	}
	return out
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "rbac/approve-csr",
			Title: "Subject can approve client certificates",
			Description: "Reads every ClusterRoleBinding and the rules of the role it binds, and asks the RBAC engine about signers. " +
				"Flagged: update on certificatesigningrequests/approval together with approve on the signer " +
				"kubernetes.io/kube-apiserver-client (or kubernetes.io/*). Such a subject approves a certificate it requested " +
				"for any name and group, system:masters included, and so authenticates as cluster-admin for a year.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				NSA:   []string{"Authentication and authorization"},
				MITRE: []string{"T1649"},
			},
			Remediation: "Keep CSR approval with the controller manager; where a custom approver is needed, grant approve only on " +
				"its own signer name.",
		},
		Cluster: approveCSR,
	})
}
