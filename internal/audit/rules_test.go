package audit

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"

	"github.com/palisade-sec/palisade/internal/check"
)

const privilegedPodJSON = `{"kind":"Pod","apiVersion":"v1","metadata":{"name":"miner","namespace":"shop"},"spec":{"hostPID":true,"containers":[{"name":"c","image":"x:1","securityContext":{"privileged":true}}]}}`

const plainDeploymentJSON = `{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","namespace":"shop"},"spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x:1"}]}}}}`

func TestBuiltinRules(t *testing.T) {
	sa := func(ns, name string) opt {
		return user("system:serviceaccount:"+ns+":"+name, "system:serviceaccounts", "system:serviceaccounts:"+ns, "system:authenticated")
	}
	anon := user("system:anonymous", "system:unauthenticated")
	events := []*auditv1.Event{
		/* 1 */ mk("list", "/api/v1/namespaces/shop/pods", ref("pods", "shop", "")),
		/* 2 */ mk("list", "/api/v1/namespaces/default/pods", anon, ref("pods", "default", "")),
		/* 3 */ mk("get", "/healthz", anon),
		/* 4 */ mk("list", "/api/v1/secrets", anon, ref("secrets", "", ""), code(403)),
		/* 5 */ mk("create", "/api/v1/namespaces/shop/pods/web/exec?command=sh&command=-c&command=id&container=c", ref("pods", "shop", "web"), sub("exec"), code(101), stage(auditv1.StageResponseStarted), id("exec-1")),
		/* 6 */ mk("create", "/api/v1/namespaces/shop/pods/web/exec?command=sh&command=-c&command=id&container=c", ref("pods", "shop", "web"), sub("exec"), code(500), id("exec-1")),
		/* 7 */ mk("get", "/api/v1/namespaces/shop/secrets/db", user("bob"), ref("secrets", "shop", "db")),
		/* 8 */ mk("get", "/api/v1/namespaces/shop/secrets/db", user("bob"), ref("secrets", "shop", "db")),
		/* 9 */ mk("list", "/api/v1/secrets", user("mallory"), ref("secrets", "", "")),
		/* 10 */ mk("get", "/api/v1/namespaces/kube-system/secrets/bootstrap-token-abc", user("mallory"), ref("secrets", "kube-system", "bootstrap-token-abc"), code(403)),
		/* 11 */ mk("list", "/api/v1/secrets", user("system:kube-controller-manager"), ref("secrets", "", "")),
		/* 12 */ mk("create", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", ref("clusterrolebindings", "", "pwn"), apiGroup("rbac.authorization.k8s.io"),
			reqObj(`{"kind":"ClusterRoleBinding","metadata":{"name":"pwn"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"User","name":"mallory"}]}`), code(201)),
		/* 13 */ mk("create", "/apis/rbac.authorization.k8s.io/v1/clusterroles", ref("clusterroles", "", "all"), apiGroup("rbac.authorization.k8s.io"),
			reqObj(`{"kind":"ClusterRole","metadata":{"name":"all"},"rules":[{"apiGroups":[""],"resources":["pods"],"verbs":["get"]},{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}]}`), code(201)),
		/* 14 */ mk("create", "/apis/rbac.authorization.k8s.io/v1/namespaces/shop/roles", ref("roles", "shop", "imp"), apiGroup("rbac.authorization.k8s.io"),
			reqObj(`{"kind":"Role","metadata":{"name":"imp"},"rules":[{"apiGroups":[""],"resources":["serviceaccounts"],"verbs":["impersonate"]}]}`), code(201)),
		/* 15 */ mk("list", "/api/v1/nodes", ref("nodes", "", ""), impersonate("bob", "system:masters")),
		/* 16 */ mk("create", "/api/v1/namespaces/shop/pods", ref("pods", "shop", "miner"), reqObj(privilegedPodJSON), code(201)),
		/* 17 */ mk("create", "/api/v1/namespaces/shop/serviceaccounts/web/token", ref("serviceaccounts", "shop", "web"), sub("token"), reqObj(`{"kind":"TokenRequest","spec":{"audiences":["api"],"expirationSeconds":86400}}`), code(201)),
		/* 18 */ mk("create", "/api/v1/namespaces/shop/serviceaccounts/web/token", user("system:node:n1", "system:nodes", "system:authenticated"), ref("serviceaccounts", "shop", "web"), sub("token"), code(201)),
		/* 19 */ mk("deletecollection", "/api/v1/namespaces/shop/events", ref("events", "shop", "")),
		/* 20 */ mk("delete", "/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/deny-all", ref("networkpolicies", "shop", "deny-all"), apiGroup("networking.k8s.io")),
		/* 21 */ mk("update", "/apis/certificates.k8s.io/v1/certificatesigningrequests/csr-1/approval", ref("certificatesigningrequests", "", "csr-1"), apiGroup("certificates.k8s.io"), sub("approval"),
			reqObj(`{"kind":"CertificateSigningRequest","metadata":{"name":"csr-1"},"spec":{"signerName":"kubernetes.io/kube-apiserver-client","request":"","usages":["client auth"]},"status":{"conditions":[{"type":"Approved","status":"True"}]}}`)),
		/* 22 */ mk("create", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", ref("mutatingwebhookconfigurations", "", "hook"), apiGroup("admissionregistration.k8s.io"), code(201)),
		/* 23 */ mk("get", "/api/v1/namespaces/shop/configmaps/x", sa("shop", "web"), ref("configmaps", "shop", "x"), ua("curl/8.5.0")),
		/* 24 */ mk("create", "/apis/apps/v1/namespaces/shop/deployments", sa("kubernetes-dashboard", "kubernetes-dashboard"), ref("deployments", "shop", "web"), apiGroup("apps"), reqObj(plainDeploymentJSON), code(201)),
		/* 25 */ mk("get", "/api/v1/namespaces/shop/pods/x", ref("pods", "shop", "x"), stage(auditv1.StageRequestReceived), anon),
	}
	// 26-45: a burst of refusals from one address.
	for i := 0; i < 20; i++ {
		events = append(events, mk("get", "/api/v1/namespaces/shop/pods/p", user("eve"), ref("pods", "shop", "p"), code(403), ip("192.0.2.7"), at(time.Hour+time.Duration(i)*time.Second)))
	}
	res := analyze(t, nil, logOf(t, events...))
	got := summaries(res.Findings)
	want := []string{
		"critical audit/cluster-admin-binding 12 requestObject.roleRef.name",
		"critical audit/dashboard-creates-workload 24 user.username",
		"critical audit/impersonation 15 impersonatedUser.username",
		"critical audit/insecure-pod-created 16 requestObject.spec.containers[0].securityContext.privileged",
		"high audit/anonymous-access 2 user.username",
		"high audit/csr-approved 21 objectRef.subresource",
		"high audit/defence-deleted 20 verb",
		"high audit/denied-burst 45 responseStatus.code",
		"high audit/escalation-verbs-granted 14 requestObject.rules[0].verbs",
		"high audit/pod-exec 5 objectRef.subresource",
		"high audit/sa-token-request 17 objectRef.subresource",
		"high audit/secrets-listed-cluster-wide 9 objectRef.namespace",
		"high audit/webhook-config-changed 22 verb",
		"high audit/wildcard-role 13 requestObject.rules[1]",
		"medium audit/events-deleted 19 verb",
		"medium audit/kube-system-secrets 10 requestURI",
		"medium audit/sa-unusual-user-agent 23 userAgent",
		"medium audit/secrets-listed-cluster-wide 4 objectRef.namespace",
		"medium audit/unusual-secret-reader 7 user.username",
		"medium audit/unusual-secret-reader 9 user.username",
		"low audit/anonymous-probe 4 responseStatus.code",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	messages := map[string]string{}
	for _, f := range res.Findings {
		messages[f.CheckID] += f.Message + "\n"
		if f.Object.Kind != EventKind || f.Object.APIVersion != EventAPIVersion || f.Position.File != "audit.log" || f.Position.Column != 1 {
			t.Errorf("%s: object %v at %v", f.CheckID, f.Object, f.Position)
		}
	}
	for id, words := range map[string]string{
		"audit/pod-exec":              `user "alice" ran "sh -c id" in pod shop/web (container c) (101 Switching Protocols) from 10.0.0.5 with kubectl/v1.37.2`,
		"audit/cluster-admin-binding": `user "alice" created clusterrolebindings.rbac.authorization.k8s.io pwn binding cluster-admin to User mallory (201 Created)`,
		"audit/insecure-pod-created":  `user "alice" created pod shop/miner that fails pss/privileged: privileged (container "c" must not set securityContext.privileged=true); pss/hostNamespaces: host namespaces (hostPID=true) (201 Created)`,
		"audit/denied-burst":          `20 requests from 192.0.2.7 refused within 19s (users eve; e.g. read pods shop/p (refused: 403 Forbidden)`,
		"audit/impersonation":         `user "alice" (as user "bob") listed nodes in every namespace (200 OK)`,
		"audit/sa-unusual-user-agent": `service account shop/web read configmaps shop/x (200 OK) from 10.0.0.5 with curl/8.5.0 at 2026-06-01T12:`,
		"audit/sa-token-request":      `user "alice" requested a token for service account shop/web valid for 86400s for audiences api (201 Created)`,
		"audit/kube-system-secrets":   `user "mallory" read secrets kube-system/bootstrap-token-abc (refused: 403 Forbidden)`,
		"audit/anonymous-access":      `anonymous request succeeded: the anonymous user listed pods in namespace default (200 OK)`,
	} {
		if !strings.Contains(messages[id], words) {
			t.Errorf("%s: message\n%s\ndoes not contain\n%s", id, messages[id], words)
		}
	}
}

func TestFindingsAreBoundedPerSubject(t *testing.T) {
	var events []*auditv1.Event
	for i := 0; i < 25; i++ {
		events = append(events, mk("create", "/api/v1/namespaces/shop/pods/web/exec?command=sh", ref("pods", "shop", "web"), sub("exec")))
	}
	events = append(events, mk("create", "/api/v1/namespaces/shop/pods/web/exec?command=sh", user("bob"), ref("pods", "shop", "web"), sub("exec")))
	res := analyze(t, nil, logOf(t, events...))
	if len(res.Findings) != DefaultMaxPerSubject+1 {
		t.Fatalf("%d findings, want %d", len(res.Findings), DefaultMaxPerSubject+1)
	}
	if m := res.Findings[0].Message; !strings.Contains(m, "[and 15 more like it from this subject, the last at audit.log:25:1]") {
		t.Errorf("first finding does not count the rest: %s", m)
	}
}

func TestSecretBaselineLearns(t *testing.T) {
	events := []*auditv1.Event{
		mk("get", "/api/v1/namespaces/shop/secrets/a", user("app"), ref("secrets", "shop", "a"), at(0)),
		mk("get", "/api/v1/namespaces/shop/secrets/a", user("app"), ref("secrets", "shop", "a"), at(2*time.Hour)),
		mk("get", "/api/v1/namespaces/data/secrets/a", user("app"), ref("secrets", "data", "a"), at(2*time.Hour)),
		mk("list", "/api/v1/namespaces/shop/secrets", user("ci"), ref("secrets", "shop", ""), at(3*time.Hour)),
		mk("list", "/api/v1/namespaces/shop/secrets", user("cert-manager"), ref("secrets", "shop", ""), at(3*time.Hour)),
	}
	cfg := &Config{Learn: metav1.Duration{Duration: time.Hour}, SecretReaders: Subjects{Users: []string{"cert-*"}}}
	res := analyze(t, cfg, logOf(t, events...))
	got := summaries(res.Findings)
	want := []string{"medium audit/unusual-secret-reader 3 user.username", "medium audit/unusual-secret-reader 4 user.username"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestMetadataLevelRBACIsNotAssessed(t *testing.T) {
	log := logOf(t,
		mk("create", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", ref("clusterrolebindings", "", "x"), apiGroup("rbac.authorization.k8s.io")),
		mk("create", "/api/v1/namespaces/shop/pods", ref("pods", "shop", "x")),
		mk("create", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", user("system:apiserver", "system:masters"), ref("clusterrolebindings", "", "cluster-admin"), apiGroup("rbac.authorization.k8s.io"),
			reqObj(`{"roleRef":{"kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"Group","name":"system:masters"}]}`)),
	)
	log += logOf(t, mk("patch", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/cluster-admin", ref("clusterrolebindings", "", "cluster-admin"),
		apiGroup("rbac.authorization.k8s.io"), reqObj(`{"subjects":[{"kind":"User","name":"mallory"}]}`)))
	res := analyze(t, nil, log)
	if got := summaries(res.Findings); len(got) != 1 || got[0] != "critical audit/cluster-admin-binding 4 objectRef.name" {
		t.Errorf("findings: %q", got)
	}
	want := []string{
		"audit/cluster-admin-binding: RBAC bindings logged without their object (log rbac.authorization.k8s.io at Request level, patches at RequestResponse): their roleRef could not be judged (1 event)",
		"audit/insecure-pod-created: pods and workloads written without their object in the log (log them at Request level): they could not be judged (1 event)",
	}
	if !reflect.DeepEqual(res.Notices, want) {
		t.Errorf("notices:\n%q\nwant\n%q", res.Notices, want)
	}
}

func TestRequestReceivedOnlyIsNotAssessed(t *testing.T) {
	res := analyze(t, nil, logOf(t, mk("create", "/api/v1/namespaces/shop/pods/web/exec", ref("pods", "shop", "web"), sub("exec"), stage(auditv1.StageRequestReceived))))
	if len(res.Findings) != 0 || len(res.Notices) != 1 || !strings.HasPrefix(res.Notices[0], "all 1 event are of stage RequestReceived") {
		t.Errorf("findings %q, notices %q", summaries(res.Findings), res.Notices)
	}
}

func TestCustomCELRules(t *testing.T) {
	cfg := &Config{
		Rules: []RuleConfig{{
			ID: "custom/prod-configmap-deleted", Title: "ConfigMap deleted in prod", Severity: "high",
			Match:   `verb == "delete" && objectRef.resource == "configmaps" && objectRef.namespace == "prod" && responseStatus.code < 300`,
			Message: `user.username + " deleted " + objectRef.name + " from " + sourceIPs[0]`,
			Field:   "objectRef.name", MITRE: []string{"T1485"},
		}, {
			ID: "custom/big-replicas", Title: "Many replicas", Severity: "low",
			Match: `objectRef.resource == "deployments" && requestObject.spec.replicas > 50`,
		}, {
			ID: "custom/from-curl", Title: "curl", Severity: "info",
			Match: `userAgent.lowerAscii().startsWith("curl") && "dev" in user.groups && has(annotations.x) == false && requestReceivedTimestamp > timestamp("2026-01-01T00:00:00Z")`,
		}},
		Disable: []string{"audit/sa-*", "audit/unusual-secret-reader"},
	}
	log := logOf(t,
		mk("delete", "/api/v1/namespaces/prod/configmaps/settings", ref("configmaps", "prod", "settings")),
		mk("delete", "/api/v1/namespaces/dev/configmaps/settings", ref("configmaps", "dev", "settings")),
		mk("create", "/apis/apps/v1/namespaces/shop/deployments", ref("deployments", "shop", "web"), apiGroup("apps"), reqObj(`{"spec":{"replicas":100}}`)),
		mk("create", "/apis/apps/v1/namespaces/shop/deployments", ref("deployments", "shop", "web"), apiGroup("apps")), // no requestObject: evaluation fails
		mk("get", "/api/v1/namespaces/shop/pods", ref("pods", "shop", ""), ua("curl/8.0")),
	)
	res := analyze(t, cfg, log)
	got := summaries(res.Findings)
	want := []string{"high custom/prod-configmap-deleted 1 objectRef.name", "low custom/big-replicas 3 requestURI", "info custom/from-curl 5 requestURI"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if m := res.Findings[0].Message; m != "alice deleted settings from 10.0.0.5" {
		t.Errorf("message %q", m)
	}
	if !slices.ContainsFunc(res.Notices, func(n string) bool {
		return strings.Contains(n, "custom/big-replicas: the CEL expression failed on 1 event")
	}) {
		t.Errorf("notices %q", res.Notices)
	}
	rs, _ := NewRuleSet(cfg)
	ids := []string{}
	for _, m := range rs.Metadata() {
		ids = append(ids, m.ID)
	}
	if slices.Contains(ids, "audit/sa-token-request") || !slices.Contains(ids, "custom/from-curl") || !slices.IsSorted(ids) {
		t.Errorf("rule ids %v", ids)
	}
}

func TestBadCustomRules(t *testing.T) {
	for _, tt := range []struct {
		rule RuleConfig
		want string
	}{
		{RuleConfig{ID: "x", Title: "t", Severity: "high", Match: "true"}, `check id "x"`},
		{RuleConfig{ID: "a/b", Title: "t", Severity: "severe", Match: "true"}, "unknown severity"},
		{RuleConfig{ID: "a/b", Title: "t", Severity: "high", Match: `verb + 1`}, "match: ERROR"},
		{RuleConfig{ID: "a/b", Title: "t", Severity: "high", Match: `verb`}, "gives a string, not a bool"},
		{RuleConfig{ID: "a/b", Title: "t", Severity: "high", Match: `true`, Message: `1`}, "message: the expression gives a int"},
		{RuleConfig{ID: "audit/pod-exec", Title: "t", Severity: "high", Match: `true`}, "taken by another rule"},
		{RuleConfig{ID: "a/b", Title: "t", Severity: "high"}, "match: a CEL expression"},
		{RuleConfig{ID: "a/b", Title: "t", Severity: "high", Match: "true", Vector: "nope"}, `unknown vector "nope"`},
	} {
		_, err := NewRuleSet(&Config{Rules: []RuleConfig{tt.rule}})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: error %v, want %q", tt.rule, err, tt.want)
		}
	}
	if _, err := NewRuleSet(&Config{Disable: []string{"audit/nope"}}); err == nil {
		t.Error("disabling an unknown rule is an error")
	}
}

func TestWaiversSuppressAuditFindings(t *testing.T) {
	rs, _ := NewRuleSet(nil)
	a, _ := NewAnalyzer(Options{Rules: rs, Now: t0, Waivers: []check.Waiver{
		{Checks: []string{"audit/pod-exec"}, Selector: check.Selector{Labels: map[string]string{LabelUser: "alice"}}, Reason: "on call", Expires: "2026-12-31"},
		{Checks: []string{"audit/*"}, Selector: check.Selector{Namespace: "old"}, Reason: "gone", Expires: "2026-01-01"},
	}})
	log := logOf(t,
		mk("create", "/api/v1/namespaces/shop/pods/web/exec", ref("pods", "shop", "web"), sub("exec")),
		mk("create", "/api/v1/namespaces/shop/pods/web/exec", user("bob"), ref("pods", "shop", "web"), sub("exec")),
		mk("create", "/api/v1/namespaces/old/pods/web/exec", user("bob"), ref("pods", "old", "web"), sub("exec")),
	)
	if _, err := Read("a", strings.NewReader(log), Limits{}, func(e *Event) error { a.Analyze(e); return nil }); err != nil {
		t.Fatal(err)
	}
	res := a.Result()
	var got []string
	for _, f := range res.Findings {
		got = append(got, fmt.Sprintf("%d %v", f.Position.Line, f.Suppression != nil))
	}
	if !reflect.DeepEqual(got, []string{"1 true", "2 false", "3 false"}) {
		t.Errorf("suppressed: %v", got)
	}
	if len(res.ExpiredWaivers) != 1 || res.ExpiredWaivers[0].Matches != 1 {
		t.Errorf("expired waivers %+v", res.ExpiredWaivers)
	}
}

func TestBuiltinRulesAreValid(t *testing.T) {
	for _, r := range Builtin() {
		if err := validateMetadata(r.Metadata); err != nil {
			t.Error(err)
		}
		if len(r.Fields) == 0 || (r.judge == nil) == (r.newJudge == nil) || len(r.References.MITRE) == 0 {
			t.Errorf("%s: fields %v, one judge, MITRE ids", r.ID, r.Fields)
		}
	}
}
