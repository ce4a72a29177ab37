package audit

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	certv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	kjson "sigs.k8s.io/json"

	"github.com/palisade-sec/palisade/internal/check"
)

// The built-in rules. Each is data: metadata, the fields it reads, the
// resources it is about, and a small judge. A rule that exempts "agents"
// exempts the control plane, the nodes and the agents of the config; the
// rules about anonymous access, exec, pods and bursts exempt no one.

// Prefix is the area of the built-in rules' ids.
const Prefix = "audit/"

// MITRE ATT&CK techniques the rules cite.
const (
	mitreValidAccounts       = "T1078"
	mitreExploitPublicApp    = "T1190"
	mitreContainerAdminCmd   = "T1609"
	mitreProtocolTunneling   = "T1572"
	mitreContainerAPICreds   = "T1552.007"
	mitreStealAccessToken    = "T1528"
	mitreDiscovery           = "T1613"
	mitreAccountManipulation = "T1098"
	mitreDeployContainer     = "T1610"
	mitreEscapeToHost        = "T1611"
	mitreIndicatorRemoval    = "T1070"
	mitreImpairDefenses      = "T1562"
	mitreForgeCertificates   = "T1649"
	mitreBruteForce          = "T1110"
	mitreUseAccessToken      = "T1550.001"
	mitreResourceHijacking   = "T1496"
	mitreAccessTokenManip    = "T1134"
)

const nsaAudit = "Audit Logging and Threat Detection"

func builtinRules() []*Rule {
	return []*Rule{
		anonymousAccessRule(),
		anonymousProbeRule(),
		podExecRule(),
		unusualSecretReaderRule(),
		secretsClusterWideRule(),
		kubeSystemSecretsRule(),
		clusterAdminBindingRule(),
		wildcardRoleRule(),
		escalationVerbsRule(),
		impersonationRule(),
		insecurePodRule(),
		tokenRequestRule(),
		eventsDeletedRule(),
		defenceDeletedRule(),
		csrApprovedRule(),
		webhookChangedRule(),
		deniedBurstRule(),
		userAgentRule(),
		dashboardWorkloadRule(),
	}
}

func ruleMeta(id, title string, sev check.Severity, vector check.Vector, mitre []string, description, remediation string) check.Metadata {
	return check.Metadata{
		ID:          Prefix + id,
		Title:       title,
		Description: description,
		Severity:    sev,
		Vector:      vector,
		Strategy:    check.StrategyAuditLogging,
		References:  check.References{NSA: []string{nsaAudit}, MITRE: mitre},
		Remediation: remediation,
	}
}

// publicPaths are the non-resource paths the API server serves to anyone
// by design (health checks, version, service account issuer discovery).
var publicPaths = []string{"/healthz", "/livez", "/readyz", "/version", "/.well-known/openid-configuration", "/openid/v1/jwks"}

func isPublicPath(e *Event) bool {
	if e.ObjectRef != nil && e.ObjectRef.Resource != "" {
		return false
	}
	p := pathOf(e.RequestURI)
	for _, pub := range publicPaths {
		if p == pub || strings.HasPrefix(p, pub+"/") {
			return true
		}
	}
	return false
}

// writeVerbs change the cluster.
var writeVerbs = map[string]bool{"create": true, "update": true, "patch": true, "delete": true, "deletecollection": true}

func anonymousAccessRule() *Rule {
	return &Rule{
		Metadata: ruleMeta("anonymous-access", "Anonymous request succeeded", check.SeverityHigh, check.VectorAPIExposure,
			[]string{mitreValidAccounts, mitreExploitPublicApp},
			"Reports requests made without credentials (user system:anonymous or group system:unauthenticated) that succeeded, "+
				"other than the health, version and issuer discovery paths every API server serves to anyone. Reads user.username, "+
				"user.groups, responseStatus.code and requestURI. Anything else an anonymous client can do, anyone who reaches the "+
				"API server can do: a write, or a read of secrets, is critical.",
			"Find the RoleBinding or ClusterRoleBinding that grants system:anonymous or system:unauthenticated and delete it "+
				"(kubectl get clusterrolebindings,rolebindings -A -o wide | grep -E 'system:(anonymous|unauthenticated)'); "+
				"start the API server with --anonymous-auth=false, or limit anonymous requests to the health paths with an "+
				"AuthenticationConfiguration anonymous.conditions list."),
		Fields: []string{"user.username", "responseStatus.code", "requestURI"},
		judge: func(x *Context, e *Event) []Hit {
			if !e.IsAnonymous() || !e.Succeeded() || isPublicPath(e) {
				return nil
			}
			h := Hit{Message: "anonymous request succeeded: " + sentence(e)}
			if writeVerbs[e.Verb] || e.Resource() == "secrets" {
				h.Severity = severityPtr(check.SeverityCritical)
			}
			return []Hit{h}
		},
	}
}

func anonymousProbeRule() *Rule {
	return &Rule{
		Metadata: ruleMeta("anonymous-probe", "Unauthenticated request refused", check.SeverityLow, check.VectorAPIExposure,
			[]string{mitreDiscovery, mitreExploitPublicApp},
			"Reports requests the API server refused without knowing who made them: the anonymous user refused with 403, or "+
				"credentials rejected with 401. Reads user.username, user.groups, responseStatus.code, requestURI and "+
				"sourceIPs. One is a client with an expired token as often as a probe; many from one address are also reported "+
				"by audit/denied-burst. The health, version and issuer discovery paths are left out.",
			"Find the client at the source address. If it is yours, renew its credentials; if it is not, block it before "+
				"the API server (firewall, private endpoint, authorized networks) — the API server should not be reachable "+
				"from where nobody needs it."),
		Fields: []string{"user.username", "responseStatus.code", "requestURI", "sourceIPs"},
		judge: func(x *Context, e *Event) []Hit {
			if !e.IsAnonymous() || !e.Refused() || isPublicPath(e) {
				return nil
			}
			what := "unauthenticated request refused: "
			if e.Code() == 401 {
				what = "credentials rejected: "
			}
			return []Hit{{Field: "responseStatus.code", Message: what + sentence(e), Subject: "ip:" + e.SourceIP()}}
		},
	}
}

func podExecRule() *Rule {
	return &Rule{
		Metadata: ruleMeta("pod-exec", "Exec, attach or port-forward into a pod", check.SeverityHigh, check.VectorAPIExposure,
			[]string{mitreContainerAdminCmd, mitreProtocolTunneling},
			"Reports every request to run a command in a container (pods/exec), attach to one (pods/attach), forward its ports "+
				"(pods/portforward, medium) or add a debug container to it (pods/ephemeralcontainers), whether or not it "+
				"succeeded: an attempt that the kubelet or RBAC refused is still an attempt. Reads objectRef.subresource, "+
				"objectRef.namespace, objectRef.name, user.username and the command and container in requestURI.",
			"Confirm with the user that the session was theirs and expected. Grant create on pods/exec, pods/attach, "+
				"pods/portforward and pods/ephemeralcontainers to as few subjects as possible, in as few namespaces as possible; "+
				"use break-glass roles for production access."),
		Fields:    []string{"objectRef.subresource", "objectRef.name", "user.username", "requestURI"},
		Resources: []string{"pods"},
		judge: func(x *Context, e *Event) []Hit {
			sub := e.Subresource()
			var action string
			var sev *check.Severity
			switch sub {
			case "exec":
				action = "ran a command in"
				if cmd := query(e, "command"); len(cmd) > 0 {
					action = "ran " + strconv.Quote(clip(strings.Join(cmd, " "), 120)) + " in"
				}
			case "attach":
				action = "attached to"
			case "portforward":
				action = "forwarded ports of"
				if ports := query(e, "ports"); len(ports) > 0 {
					action = "forwarded port " + strings.Join(ports, ",") + " of"
				}
				sev = severityPtr(check.SeverityMedium)
			case "ephemeralcontainers":
				if e.Verb != "update" && e.Verb != "patch" {
					return nil
				}
				action = "added a debug container to"
			default:
				return nil
			}
			target := "pod " + e.Namespace() + "/" + e.Name()
			if c := query(e, "container"); len(c) > 0 {
				target += " (container " + c[0] + ")"
			}
			return []Hit{{Message: who(e) + " " + action + " " + target + outcome(e) + whereWhen(e), Severity: sev}}
		},
	}
}

func unusualSecretReaderRule() *Rule {
	return &Rule{
		Metadata: ruleMeta("unusual-secret-reader", "Secrets read by a subject that does not usually read them", check.SeverityMedium, check.VectorAPIExposure,
			[]string{mitreContainerAPICreds, mitreStealAccessToken},
			"Reports the first successful read (get, list or watch) of secrets in a namespace by a subject that does not "+
				"usually read secrets there. Usual readers are the control plane, the nodes, the agents and secretReaders of "+
				"the config, and every subject seen reading secrets in that namespace during the learning period (audit.learn "+
				"in .palisade.yaml, counted from the first event; none by default). After that, each new (subject, namespace) "+
				"pair is reported once and then becomes usual, so a subject reading one namespace's secrets every minute is "+
				"reported once, not every minute. Reads user.username, objectRef.resource, objectRef.namespace, verb and "+
				"responseStatus.code.",
			"Confirm that the subject needs these secrets. If it does, add it to audit.secretReaders in .palisade.yaml; if "+
				"it does not, remove the Role or ClusterRole rule that lets it read secrets and rotate the secrets it read."),
		Fields:    []string{"user.username", "objectRef.namespace", "verb"},
		Resources: []string{"secrets"},
		newJudge:  newSecretBaseline,
	}
}

func secretsClusterWideRule() *Rule {
	return &Rule{
		Metadata: ruleMeta("secrets-listed-cluster-wide", "Secrets listed or watched in every namespace", check.SeverityHigh, check.VectorAPIExposure,
			[]string{mitreContainerAPICreds, mitreDiscovery},
			"Reports list and watch requests for secrets across every namespace (no objectRef.namespace) by anyone but the "+
				"agents: one request returns every credential in the cluster. A refused attempt is reported one step lower. "+
				"Reads verb, objectRef.resource, objectRef.namespace and user.username.",
			"Confirm that the subject needs every secret of the cluster; almost nothing does. Replace its ClusterRole rule on "+
				"secrets with Roles in the namespaces it serves, and rotate the secrets if the read was not expected."),
		Fields:    []string{"objectRef.namespace", "verb", "user.username"},
		Resources: []string{"secrets"},
		judge: func(x *Context, e *Event) []Hit {
			if (e.Verb != "list" && e.Verb != "watch") || e.Namespace() != "" || x.Agents.matches(e) {
				return nil
			}
			return []Hit{{Message: sentence(e), Severity: lowerOnce(e, check.SeverityHigh)}}
		},
	}
}

func kubeSystemSecretsRule() *Rule {
	return &Rule{
		Metadata: ruleMeta("kube-system-secrets", "Request for secrets in kube-system", check.SeverityHigh, check.VectorAPIExposure,
			[]string{mitreContainerAPICreds, mitreStealAccessToken},
			"Reports requests to /api/v1/namespaces/kube-system/secrets (any verb, any secret, watches included) by anyone but "+
				"the agents: kube-system holds the control plane's own credentials, bootstrap tokens and the keys of cluster "+
				"add-ons. A refused attempt is reported one step lower. Reads requestURI, objectRef.namespace, "+
				"objectRef.resource and user.username.",
			"Nobody but the control plane should need kube-system's secrets. Remove the binding that lets the subject read "+
				"them, and rotate what was read if the request succeeded."),
		Fields:    []string{"requestURI", "objectRef.namespace", "user.username"},
		Resources: []string{"secrets"},
		judge: func(x *Context, e *Event) []Hit {
			if e.Namespace() != "kube-system" || x.Agents.matches(e) {
				return nil
			}
			return []Hit{{Message: sentence(e), Severity: lowerOnce(e, check.SeverityHigh)}}
		},
	}
}

// writtenObject decodes the object a request wrote or answered with:
// the requestObject of a create or update, else the responseObject. It
// returns the field the object is at, "" when the event carries neither
// (it was logged at Metadata level) or it does not decode.
func writtenObject(e *Event, into any) string {
	if (e.Verb == "create" || e.Verb == "update") && e.RequestObject != nil && len(e.RequestObject.Raw) > 0 {
		if kjson.UnmarshalCaseSensitivePreserveInts(e.RequestObject.Raw, into) == nil {
			return "requestObject"
		}
	}
	if e.ResponseObject != nil && len(e.ResponseObject.Raw) > 0 && e.Succeeded() {
		if kjson.UnmarshalCaseSensitivePreserveInts(e.ResponseObject.Raw, into) == nil {
			return "responseObject"
		}
	}
	return ""
}

// rbacWrite reports whether the event writes an RBAC object.
func rbacWrite(e *Event) bool {
	return e.APIGroup() == rbacv1.GroupName && (e.Verb == "create" || e.Verb == "update" || e.Verb == "patch") && e.Subresource() == ""
}

func subjectsString(subjects []rbacv1.Subject) string {
	var parts []string
	for _, s := range subjects {
		name := s.Name
		if s.Namespace != "" {
			name = s.Namespace + "/" + s.Name
		}
		parts = append(parts, s.Kind+" "+name)
	}
	if len(parts) == 0 {
		return "no subject"
	}
	return strings.Join(parts, ", ")
}

func clusterAdminBindingRule() *Rule {
	return &Rule{
		Metadata: ruleMeta("cluster-admin-binding", "Binding to cluster-admin created or changed", check.SeverityCritical, check.VectorInsecureConfig,
			[]string{mitreAccountManipulation, mitreValidAccounts},
			"Reports creates, updates and patches of ClusterRoleBindings and RoleBindings whose roleRef is the ClusterRole "+
				"cluster-admin, by anyone but the agents (the API server's own bootstrap binding is not reported). The roleRef "+
				"and subjects are read from requestObject (create, update) or responseObject, so RBAC requests must be logged "+
				"at Request level or above (patches at RequestResponse; a patch of the bootstrap cluster-admin binding is "+
				"reported without it); otherwise the binding is counted as not assessed. A refused attempt is reported one "+
				"step lower.",
			"Delete the binding unless it was planned and approved, and find how its author got the right to bind "+
				"cluster-admin. Grant narrower roles; keep cluster-admin for break-glass accounts."),
		Fields:    []string{"requestObject.roleRef.name", "requestObject.subjects", "user.username"},
		Resources: []string{"clusterrolebindings", "rolebindings"},
		judge: func(x *Context, e *Event) []Hit {
			if !rbacWrite(e) || x.Agents.matches(e) {
				return nil
			}
			var b struct {
				RoleRef  rbacv1.RoleRef   `json:"roleRef"`
				Subjects []rbacv1.Subject `json:"subjects"`
			}
			at := writtenObject(e, &b)
			if at == "" && e.Verb == "patch" && e.Resource() == "clusterrolebindings" && e.Name() == "cluster-admin" {
				// A patch carries only what changes (roleRef cannot): a patch
				// of the bootstrap binding changes who is cluster-admin.
				return []Hit{{
					Field:    "objectRef.name",
					Message:  fmt.Sprintf("%s %s, the binding that makes its subjects cluster-admin%s%s", who(e), did(e), outcome(e), whereWhen(e)),
					Severity: lowerOnce(e, check.SeverityCritical),
				}}
			}
			if at == "" {
				x.notAssessedf("%s: RBAC bindings logged without their object (log rbac.authorization.k8s.io at Request level, patches at RequestResponse): their roleRef could not be judged", Prefix+"cluster-admin-binding")
				return nil
			}
			if b.RoleRef.Kind != "ClusterRole" || b.RoleRef.Name != "cluster-admin" {
				return nil
			}
			return []Hit{{
				Field:    at + ".roleRef.name",
				Message:  fmt.Sprintf("%s %s binding cluster-admin to %s%s%s", who(e), did(e), subjectsString(b.Subjects), outcome(e), whereWhen(e)),
				Severity: lowerOnce(e, check.SeverityCritical),
			}}
		},
	}
}

// roleRules decodes the rules of a written Role or ClusterRole.
func roleRules(e *Event) ([]rbacv1.PolicyRule, string) {
	var r struct {
		Rules []rbacv1.PolicyRule `json:"rules"`
	}
	at := writtenObject(e, &r)
	return r.Rules, at
}

func wildcardRoleRule() *Rule {
	return &Rule{
		Metadata: ruleMeta("wildcard-role", "Role with wildcard verbs or resources created or changed", check.SeverityHigh, check.VectorInsecureConfig,
			[]string{mitreAccountManipulation},
			"Reports creates, updates and patches of Roles and ClusterRoles with a rule whose verbs or resources hold \"*\", "+
				"by anyone but the agents: such a role grants what exists today and whatever is added later, escalate and "+
				"impersonate included. Reads requestObject.rules (create, update) or responseObject.rules; RBAC requests "+
				"logged at Metadata level are counted as not assessed. A refused attempt is reported one step lower.",
			"Replace the wildcards with the verbs and resources the role's subjects use (palisade audit rbac proposes them "+
				"from the audit log), and find out why the role was written."),
		Fields:    []string{"requestObject.rules", "user.username"},
		Resources: []string{"roles", "clusterroles"},
		judge: func(x *Context, e *Event) []Hit {
			if !rbacWrite(e) || x.Agents.matches(e) {
				return nil
			}
			rules, at := roleRules(e)
			if at == "" {
				x.notAssessedf("%s: RBAC roles logged without their object (log rbac.authorization.k8s.io at Request level): their rules could not be judged", Prefix+"wildcard-role")
				return nil
			}
			for i, r := range rules {
				if slices.Contains(r.Verbs, "*") || slices.Contains(r.Resources, "*") {
					return []Hit{{
						Field: fmt.Sprintf("%s.rules[%d]", at, i),
						Message: fmt.Sprintf("%s %s with rule %d granting verbs [%s] on resources [%s] of API groups [%s]%s%s",
							who(e), did(e), i, strings.Join(r.Verbs, ","), strings.Join(r.Resources, ","), strings.Join(r.APIGroups, ","), outcome(e), whereWhen(e)),
						Severity: lowerOnce(e, check.SeverityHigh),
					}}
				}
			}
			return nil
		},
	}
}

var escalationVerbs = []string{"escalate", "bind", "impersonate"}

func escalationVerbsRule() *Rule {
	return &Rule{
		Metadata: ruleMeta("escalation-verbs-granted", "Role granting escalate, bind or impersonate created or changed", check.SeverityHigh, check.VectorInsecureConfig,
			[]string{mitreAccountManipulation, mitreAccessTokenManip},
			"Reports creates, updates and patches of Roles and ClusterRoles, by anyone but the agents, with a rule that grants "+
				"escalate or bind (on roles and clusterroles: write RBAC beyond one's own rights) or impersonate (on users, groups "+
				"or serviceaccounts: act as someone else). Reads requestObject.rules or responseObject.rules; wildcards are "+
				"reported by audit/wildcard-role. A refused attempt is reported one step lower.",
			"Keep escalate, bind and impersonate for the control plane and break-glass roles; remove them from this role "+
				"unless its purpose is exactly that, and review who is bound to it."),
		Fields:    []string{"requestObject.rules", "user.username"},
		Resources: []string{"roles", "clusterroles"},
		judge: func(x *Context, e *Event) []Hit {
			if !rbacWrite(e) || x.Agents.matches(e) {
				return nil
			}
			rules, at := roleRules(e)
			if at == "" {
				return nil // counted by audit/wildcard-role
			}
			for i, r := range rules {
				var found []string
				for _, v := range escalationVerbs {
					if slices.Contains(r.Verbs, v) {
						found = append(found, v)
					}
				}
				if len(found) > 0 {
					return []Hit{{
						Field: fmt.Sprintf("%s.rules[%d].verbs", at, i),
						Message: fmt.Sprintf("%s %s with rule %d granting %s on [%s]%s%s",
							who(e), did(e), i, strings.Join(found, ", "), strings.Join(r.Resources, ","), outcome(e), whereWhen(e)),
						Severity: lowerOnce(e, check.SeverityHigh),
					}}
				}
			}
			return nil
		},
	}
}

func impersonationRule() *Rule {
	return &Rule{
		Metadata: ruleMeta("impersonation", "Request made by impersonating another user", check.SeverityMedium, check.VectorAPIExposure,
			[]string{mitreAccessTokenManip, mitreValidAccounts},
			"Reports requests that acted as another user (impersonatedUser is set: kubectl --as, Impersonate-User headers), "+
				"by anyone but the agents. Whatever the impersonated user may do, the impersonator may do. Reads "+
				"impersonatedUser.username, impersonatedUser.groups and user.username.",
			"Confirm that the impersonation was expected. Grant impersonate only on the exact users or groups needed "+
				"(resourceNames), never on system:masters or the control plane's users."),
		Fields: []string{"impersonatedUser.username", "impersonatedUser.groups", "user.username"},
		judge: func(x *Context, e *Event) []Hit {
			if e.ImpersonatedUser == nil || e.ImpersonatedUser.Username == "" || !e.decisive() {
				return nil
			}
			if x.Agents.users.match(e.User.Username) || slices.ContainsFunc(e.User.Groups, x.Agents.groups.match) {
				return nil
			}
			msg := sentence(e)
			if gs := e.ImpersonatedUser.Groups; len(gs) > 0 {
				msg += " with groups " + strings.Join(gs, ",")
			}
			sev := (*check.Severity)(nil)
			if slices.Contains(e.ImpersonatedUser.Groups, "system:masters") {
				sev = severityPtr(check.SeverityCritical)
			}
			return []Hit{{Message: msg, Severity: sev, Subject: e.User.Username}}
		},
	}
}

func insecurePodRule() *Rule {
	return &Rule{
		Metadata: ruleMeta("insecure-pod-created", "Pod or workload created with what hands over the node", check.SeverityCritical, check.VectorInsecureConfig,
			[]string{mitreDeployContainer, mitreEscapeToHost},
			"Judges every Pod, Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob and ReplicationController created "+
				"or updated through the API by anyone but the agents (pods that controllers and kubelets create are judged "+
				"through the workload a person created) with the same Pod Security Standards (pss/*) and workload (workload/*) checks as "+
				"palisade scan, run on the object in requestObject (or responseObject), and reports those that fail a check "+
				"at or above audit.podSeverity (high by default): privileged containers, hostPath volumes, host PID, IPC and "+
				"network namespaces, dangerous capabilities. The finding's severity is the gravest failed check's; its field "+
				"is the offending field under requestObject. Requests logged without their object (Metadata level) are "+
				"counted as not assessed. A refused attempt is reported one step lower.",
			"Delete the workload unless it was planned (node agents belong in their own namespace). Enforce the baseline "+
				"or restricted Pod Security Standard on the namespace (pod-security.kubernetes.io/enforce) so the API server "+
				"refuses such pods."),
		Fields:    []string{"requestObject.spec", "user.username"},
		Resources: workloadResources(),
		judge:     judgePodWrite,
	}
}

func tokenRequestRule() *Rule {
	return &Rule{
		Metadata: ruleMeta("sa-token-request", "Service account token minted outside the cluster's agents", check.SeverityHigh, check.VectorAPIExposure,
			[]string{mitreStealAccessToken, mitreValidAccounts},
			"Reports TokenRequests (create on serviceaccounts/token) and Secrets of type kubernetes.io/service-account-token "+
				"created by anyone but the agents: the kubelets and the control plane mint tokens for pods; a person or a "+
				"workload that mints one holds the service account's rights outside any pod, for as long as the token "+
				"lives. Reads objectRef.subresource, objectRef.name, requestObject.spec.expirationSeconds and "+
				"requestObject.type. A refused attempt is reported one step lower.",
			"Confirm that the token was needed and by whom; revoke it by deleting the Secret or, for a TokenRequest, by "+
				"recreating the service account if the token outlives its use. Limit create on serviceaccounts/token to the "+
				"few subjects that need it."),
		Fields:    []string{"objectRef.subresource", "objectRef.name", "user.username", "requestObject.spec.expirationSeconds"},
		Resources: []string{"serviceaccounts", "secrets"},
		judge: func(x *Context, e *Event) []Hit {
			if e.Verb != "create" || x.Agents.matches(e) {
				return nil
			}
			switch {
			case e.Resource() == "serviceaccounts" && e.Subresource() == "token":
				msg := fmt.Sprintf("%s requested a token for service account %s/%s", who(e), e.Namespace(), e.Name())
				var tr struct {
					Spec struct {
						Audiences         []string `json:"audiences"`
						ExpirationSeconds *int64   `json:"expirationSeconds"`
					} `json:"spec"`
				}
				if e.RequestObject != nil && kjson.UnmarshalCaseSensitivePreserveInts(e.RequestObject.Raw, &tr) == nil {
					if s := tr.Spec.ExpirationSeconds; s != nil {
						msg += fmt.Sprintf(" valid for %ds", *s)
					}
					if len(tr.Spec.Audiences) > 0 {
						msg += " for audiences " + strings.Join(tr.Spec.Audiences, ",")
					}
				}
				return []Hit{{Message: msg + outcome(e) + whereWhen(e), Severity: lowerOnce(e, check.SeverityHigh)}}
			case e.Resource() == "secrets" && e.Subresource() == "":
				var s corev1.Secret
				if e.RequestObject == nil || kjson.UnmarshalCaseSensitivePreserveInts(e.RequestObject.Raw, &s) != nil || s.Type != corev1.SecretTypeServiceAccountToken {
					return nil
				}
				sa := s.Annotations[corev1.ServiceAccountNameKey]
				return []Hit{{
					Field: "requestObject.type",
					Message: fmt.Sprintf("%s created long-lived token secret %s/%s for service account %s%s%s",
						who(e), e.Namespace(), firstNonEmpty(e.Name(), s.Name), sa, outcome(e), whereWhen(e)),
					Severity: lowerOnce(e, check.SeverityHigh),
				}}
			}
			return nil
		},
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func eventsDeletedRule() *Rule {
	return &Rule{
		Metadata: ruleMeta("events-deleted", "Events deleted", check.SeverityMedium, check.VectorAPIExposure,
			[]string{mitreIndicatorRemoval},
			"Reports delete and deletecollection of Events (core and events.k8s.io) by anyone but the agents. Events expire "+
				"on their own; deleting them erases the record of what happened to pods and nodes, which is what an intruder "+
				"cleaning up does. Reads verb, objectRef.resource, objectRef.namespace and user.username.",
			"Find out why the events were deleted. Nobody needs delete on events: remove it from the subject's roles, and "+
				"ship events and audit logs off the cluster so they outlive such a cleanup."),
		Fields:    []string{"verb", "objectRef.resource", "user.username"},
		Resources: []string{"events"},
		judge: func(x *Context, e *Event) []Hit {
			if (e.Verb != "delete" && e.Verb != "deletecollection") || x.Agents.matches(e) {
				return nil
			}
			return []Hit{{Message: sentence(e), Severity: lowerOnce(e, check.SeverityMedium)}}
		},
	}
}

// defences are the objects that enforce security decisions in the API.
var defences = []string{"networkpolicies", "validatingadmissionpolicies", "validatingadmissionpolicybindings",
	"mutatingadmissionpolicies", "mutatingadmissionpolicybindings", "adminnetworkpolicies", "baselineadminnetworkpolicies"}

func defenceDeletedRule() *Rule {
	return &Rule{
		Metadata: ruleMeta("defence-deleted", "NetworkPolicy or admission policy deleted", check.SeverityHigh, check.VectorInsecureConfig,
			[]string{mitreImpairDefenses},
			"Reports delete and deletecollection of NetworkPolicies, AdminNetworkPolicies and Validating or Mutating "+
				"AdmissionPolicies and their bindings by anyone but the agents: removing them opens the network or lets "+
				"through what admission refused. Webhook configurations are reported by audit/webhook-config-changed. Reads "+
				"verb, objectRef.resource, objectRef.name and user.username.",
			"Restore the policy from source control and find out who removed it and why. Keep policies in GitOps so a "+
				"deletion is reverted, and limit delete on them to the agents that manage them."),
		Fields:    []string{"verb", "objectRef.resource", "objectRef.name", "user.username"},
		Resources: defences,
		judge: func(x *Context, e *Event) []Hit {
			if (e.Verb != "delete" && e.Verb != "deletecollection") || x.Agents.matches(e) {
				return nil
			}
			return []Hit{{Message: sentence(e), Severity: lowerOnce(e, check.SeverityHigh)}}
		},
	}
}

func csrApprovedRule() *Rule {
	return &Rule{
		Metadata: ruleMeta("csr-approved", "Certificate signing request approved by hand", check.SeverityHigh, check.VectorAPIExposure,
			[]string{mitreForgeCertificates, mitreValidAccounts},
			"Reports approvals of CertificateSigningRequests (update or patch of certificatesigningrequests/approval that "+
				"succeeded) by anyone but the agents, whose controller approves the kubelets' own requests. An approved "+
				"request for the kube-apiserver-client signer is a client certificate the API server trusts for a year or "+
				"more, with whatever user and groups it names. A request whose requestObject marks it Denied is not "+
				"reported. Reads objectRef.subresource, objectRef.name, requestObject.status.conditions and user.username.",
			"Check the request's subject (kubectl get csr NAME -o jsonpath='{.spec.request}' | base64 -d | openssl req "+
				"-noout -subject): a certificate for system:masters or a node is a backdoor. Certificates cannot be revoked; "+
				"if it is one, rotate the signing CA. Limit approve on signers to the controllers that need it."),
		Fields:    []string{"objectRef.subresource", "objectRef.name", "requestObject.status.conditions", "user.username"},
		Resources: []string{"certificatesigningrequests"},
		judge: func(x *Context, e *Event) []Hit {
			if e.Subresource() != "approval" || (e.Verb != "update" && e.Verb != "patch") || !e.Succeeded() || x.Agents.matches(e) {
				return nil
			}
			var csr certv1.CertificateSigningRequest
			signer := ""
			if writtenObject(e, &csr) != "" {
				signer = csr.Spec.SignerName
				approved := false
				for _, c := range csr.Status.Conditions {
					if c.Type == certv1.CertificateDenied && c.Status != "False" {
						return nil
					}
					approved = approved || c.Type == certv1.CertificateApproved
				}
				if !approved && len(csr.Status.Conditions) > 0 {
					return nil
				}
			}
			msg := fmt.Sprintf("%s approved certificate signing request %s", who(e), e.Name())
			if signer != "" {
				msg += " for signer " + signer
			}
			return []Hit{{Message: msg + outcome(e) + whereWhen(e)}}
		},
	}
}

func webhookChangedRule() *Rule {
	return &Rule{
		Metadata: ruleMeta("webhook-config-changed", "Admission webhook configuration changed", check.SeverityHigh, check.VectorInsecureConfig,
			[]string{mitreImpairDefenses, "T1546"},
			"Reports creates, updates, patches and deletes of MutatingWebhookConfigurations and "+
				"ValidatingWebhookConfigurations by anyone but the agents. A new mutating webhook sees, and may change, "+
				"every object it matches (secrets included); a deleted or loosened validating webhook lets through what it "+
				"used to refuse. Reads verb, objectRef.resource, objectRef.name and user.username. A refused attempt is "+
				"reported one step lower.",
			"Compare the configuration with source control and revert what was not planned. Limit write access to webhook "+
				"configurations to the installers of the webhooks, and add their service accounts to audit.agents."),
		Fields:    []string{"verb", "objectRef.resource", "objectRef.name", "user.username"},
		Resources: []string{"mutatingwebhookconfigurations", "validatingwebhookconfigurations"},
		judge: func(x *Context, e *Event) []Hit {
			if !writeVerbs[e.Verb] || x.Agents.matches(e) {
				return nil
			}
			return []Hit{{Message: sentence(e), Severity: lowerOnce(e, check.SeverityHigh)}}
		},
	}
}

func deniedBurstRule() *Rule {
	return &Rule{
		Metadata: ruleMeta("denied-burst", "Burst of refused requests from one source", check.SeverityHigh, check.VectorAPIExposure,
			[]string{mitreBruteForce, mitreDiscovery},
			"Reports a source address (the first of sourceIPs; the user name when there is none) whose requests were refused "+
				"(401 or 403; the health and version paths, which load balancers probe, are not counted) at least audit.burst.threshold times (20 by default) within audit.burst.window (1m) of event "+
				"time: credential guessing, or a stolen identity feeling out what it may do. It is reported once per "+
				"window, on the request that crossed the threshold, naming the users and what they tried. Reads sourceIPs, "+
				"responseStatus.code, user.username and requestReceivedTimestamp.",
			"Find the client at the address. If it is not yours, block it before the API server and revoke any credential "+
				"it used; if it is yours, give it the permissions it keeps asking for, or stop it asking."),
		Fields:   []string{"responseStatus.code", "sourceIPs", "user.username", "requestReceivedTimestamp"},
		newJudge: newBurstDetector,
	}
}

func userAgentRule() *Rule {
	return &Rule{
		Metadata: ruleMeta("sa-unusual-user-agent", "Service account used from an HTTP tool", check.SeverityMedium, check.VectorAPIExposure,
			[]string{mitreUseAccessToken, mitreStealAccessToken},
			"Reports requests made with a service account's credentials by a generic HTTP client (curl, wget, "+
				"python-requests, Go's default client, ...; audit.suspiciousUserAgents replaces the list): the cluster's "+
				"workloads use client libraries that name themselves, and a token used from curl is usually a token "+
				"taken out of a pod. Reads user.username and userAgent.",
			"Find where the request came from (sourceIPs). If it was not a workload of yours, rotate the service "+
				"account's tokens (delete its token secrets, recreate the pods) and review what the requests did."),
		Fields: []string{"userAgent", "user.username", "sourceIPs"},
		judge: func(x *Context, e *Event) []Hit {
			if _, _, ok := ServiceAccount(e.User.Username); !ok || e.UserAgent == "" || !e.decisive() {
				return nil
			}
			suspicious, ok := x.userAgents[e.UserAgent]
			if !ok {
				suspicious = containsFold(e.UserAgent, x.UserAgents)
				if len(x.userAgents) < 4096 {
					x.userAgents[e.UserAgent] = suspicious
				}
			}
			if !suspicious {
				return nil
			}
			return []Hit{{Message: sentence(e)}}
		},
	}
}

// containsFold reports whether any of the lower-case needles is in s,
// ignoring case.
func containsFold(s string, needles []string) bool {
	var buf [256]byte
	lower := buf[:0]
	for i := 0; i < len(s) && i < len(buf); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower = append(lower, c)
	}
	ls := string(lower)
	for _, n := range needles {
		if strings.Contains(ls, n) {
			return true
		}
	}
	return false
}

func dashboardWorkloadRule() *Rule {
	return &Rule{
		Metadata: ruleMeta("dashboard-creates-workload", "Dashboard service account created a workload (the Tesla pattern)", check.SeverityCritical, check.VectorAPIExposure,
			[]string{mitreDeployContainer, mitreResourceHijacking, mitreValidAccounts},
			"Reports pods and workloads created, and commands run in pods, by the Kubernetes dashboard's service account "+
				"(audit.dashboardServiceAccounts; kubernetes-dashboard and dashboard by default). The dashboard acts for the "+
				"people logged in to it; when it acts as itself, someone reached it without logging in — in 2018, attackers "+
				"found Tesla's dashboard open to the internet and ran crypto-miners through it. Reads user.username, verb, "+
				"objectRef.resource and objectRef.name.",
			"Take the dashboard off the internet, disable --enable-skip-login, bind its service account to nothing beyond "+
				"the dashboard's own needs (never cluster-admin), delete the workloads it created and rotate the secrets "+
				"they could read."),
		Fields:    []string{"user.username", "verb", "objectRef.resource", "objectRef.name"},
		Resources: workloadResources(),
		judge: func(x *Context, e *Event) []Hit {
			isExec := e.Resource() == "pods" && (e.Subresource() == "exec" || e.Subresource() == "attach")
			if !isExec && (e.Verb != "create" || e.Subresource() != "") {
				return nil
			}
			if !x.Dashboards.users.match(e.User.Username) {
				return nil
			}
			return []Hit{{Message: "the dashboard acted as itself: " + sentence(e), Severity: lowerOnce(e, check.SeverityCritical)}}
		},
	}
}
