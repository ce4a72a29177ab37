package controlplane

import (
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source/node"
)

/*
The API server must audit the requests that matter, at the right level,
to a backend.

**Flags read (kube-apiserver):** --audit-policy-file, --audit-log-path,
--audit-webhook-config-file, and the audit Policy file (audit.k8s.io/v1)
the first names, read from the node through the container's hostPath
mounts.

**Allowed values:** a policy file and a log or webhook backend (CIS
3.2.1). The policy, evaluated as the API server does (first matching rule
wins; users, groups, verbs, resources by name, by a star, as
"resource/*" or as a star with a subresource, namespaces and non-resource
URLs), asked for an ordinary user and a
service account in namespace default, must log: every verb on secrets,
configmaps and tokenreviews at exactly Metadata (above it the log holds
their values; high for secrets and tokens); create/get of pods/exec,
pods/attach and pods/portforward at Metadata or above; create, update,
patch and delete of Roles, RoleBindings, ClusterRoles and
ClusterRoleBindings at RequestResponse (CIS 3.2.2). A catch-all rule at
level None placed before those rules is named as the cause.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "audit-policy",
			Title: "Audit policy missing, without a backend, or blind to what matters",
			Description: "Reads kube-apiserver's --audit-policy-file, --audit-log-path and --audit-webhook-config-file, and evaluates the " +
				"audit Policy read from the node the way the API server does (first matching rule wins; no match is level None), for an " +
				"ordinary user and for a service account. Flagged (high): no policy file, or no log or webhook backend, so nothing is " +
				"audited (CIS 3.2.1); secrets or tokenreviews logged at Request or RequestResponse, which writes Secret values and " +
				"bearer tokens into the log. Flagged (medium, CIS 3.2.2): secrets, configmaps or tokenreviews below Metadata; " +
				"configmaps above it; pods/exec, attach or portforward below Metadata; RBAC changes below RequestResponse; and, named " +
				"as such, a catch-all rule at level None placed before the rules for them. A policy file Palisade could not read is not " +
				"assessed, with the reason.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuditLogging,
			References: check.References{
				CIS:   []string{"3.2.1", "3.2.2"},
				NSA:   []string{nsaLogging},
				MITRE: []string{"T1562", "T1609"},
			},
			Remediation: "Give kube-apiserver --audit-policy-file and --audit-log-path (or a webhook). In the policy, put first: " +
				"secrets, configmaps and tokenreviews at Metadata; pods/exec, pods/attach and pods/portforward at Metadata or above; " +
				"RBAC resources at RequestResponse for writes; and only then any catch-all rule.",
		},
		Pod: onComponent(node.APIServer, auditPolicy),
	})
}

func auditPolicy(ctx *check.Context, c *node.Component) []check.Violation {
	f, ok := c.Flags.Last("audit-policy-file")
	if !ok || f.Value == "" {
		return []check.Violation{at(c, "audit-policy-file", "--audit-policy-file is not set (CIS 3.2.1): the API server audits nothing")}
	}
	if len(missingFlags(c, "audit-log-path")) > 0 && len(missingFlags(c, "audit-webhook-config-file")) > 0 {
		return []check.Violation{at(c, "audit-policy-file", "%s is set but neither --audit-log-path nor --audit-webhook-config-file is (CIS 3.2.1): "+
			"audit events go nowhere", f)}
	}
	obj, na := referencedConfig(ctx, c, f)
	if na != nil {
		return []check.Violation{*na}
	}
	p, ok := obj.Typed.(*auditv1.Policy)
	if !ok {
		return []check.Violation{check.NotAssessed(nil, f.Arg.Field, f.String()+" does not name an audit Policy")}
	}
	var out []check.Violation
	for _, v := range judgeAuditPolicy(obj, p) {
		if v.Severity == nil {
			v = graded(v, check.SeverityMedium)
		}
		out = append(out, v)
	}
	return out
}
