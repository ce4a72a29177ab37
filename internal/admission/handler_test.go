package admission

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/palisade-sec/palisade/internal/check"
)

func TestReview(t *testing.T) {
	waived := func(expires string) *check.Config {
		return &check.Config{Waivers: []check.Waiver{{
			Checks:   []string{"pss/*"},
			Selector: check.Selector{Namespace: "shop", Name: "root"},
			Reason:   "node agent", Owner: "sre@example.com", Expires: expires,
		}}}
	}
	annotated := strings.Replace(privilegedPod, "metadata: {name: root, namespace: shop}",
		"metadata: {name: root, namespace: shop, annotations: {palisade.dev/waive: \"pss/privileged -- device plugin\"}}", 1)
	controllerPod := strings.Replace(privilegedPod, "metadata: {name: root, namespace: shop}",
		"metadata: {name: root, namespace: shop, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-1, uid: 6d1f, controller: true}]}", 1)
	relabelled := strings.Replace(privilegedPod, "metadata: {name: root, namespace: shop}", "metadata: {name: root, namespace: shop, labels: {tier: x}}", 1)

	tests := []struct {
		name     string
		mode     Mode
		min      check.Severity
		cfg      *check.Config
		req      reviewRequest
		allowed  bool
		decision string
		// message (deny), warnings and audit annotations must contain these.
		message     []string
		warnings    []string
		annotations map[string]string
	}{
		{name: "privileged pod denied", mode: ModeDeny, min: check.SeverityHigh, req: reviewRequest{object: privilegedPod},
			decision:    decisionDenied,
			message:     []string{"pod/root -n shop fails 1 check at or above high", "pss/privileged (critical) at spec.containers[0].securityContext.privileged", "fix: Remove securityContext.privileged", "palisade.dev/waive"},
			annotations: map[string]string{"mode": "deny", "decision": "denied", "findings": `"check":"pss/privileged"`}},
		{name: "restricted pod admitted", mode: ModeDeny, min: check.SeverityMedium, req: reviewRequest{object: restrictedPod},
			allowed: true, decision: decisionAllowed, annotations: map[string]string{"decision": "allowed"}},
		{name: "latest image warned", mode: ModeWarn, min: check.SeverityMedium, req: reviewRequest{object: latestDeployment},
			allowed: true, decision: decisionWarned,
			warnings: []string{`palisade: supplychain/image-tag-mutable (medium) at spec.template.spec.containers[0].image: container "web" image "nginx:latest"`}},
		{name: "latest image below threshold", mode: ModeWarn, min: check.SeverityHigh, req: reviewRequest{object: latestDeployment},
			allowed: true, decision: decisionAllowed},
		{name: "audit mode admits with annotations only", mode: ModeAudit, min: check.SeverityHigh, req: reviewRequest{object: privilegedPod},
			allowed: true, decision: decisionAudited, annotations: map[string]string{"mode": "audit", "decision": "audited", "findings": "pss/privileged"}},
		{name: "annotation waiver admits", mode: ModeDeny, min: check.SeverityHigh, req: reviewRequest{object: annotated},
			allowed: true, decision: decisionAllowed, annotations: map[string]string{"waived": "pss/privileged"}},
		{name: "config waiver before expiry admits", mode: ModeDeny, min: check.SeverityHigh, cfg: waived("2026-12-31"), req: reviewRequest{object: privilegedPod},
			allowed: true, decision: decisionAllowed, annotations: map[string]string{"waived": "pss/privileged"}},
		{name: "expired config waiver rejects", mode: ModeDeny, min: check.SeverityHigh, cfg: waived("2026-01-31"), req: reviewRequest{object: privilegedPod},
			decision: decisionDenied, message: []string{"pss/privileged", `the waiver for pss/* (owner "sre@example.com") expired on 2026-01-31`}},
		{name: "expired waiver in warn mode", mode: ModeWarn, min: check.SeverityHigh, cfg: waived("2026-01-31"), req: reviewRequest{object: privilegedPod},
			allowed: true, decision: decisionWarned, warnings: []string{"pss/privileged", "expired on 2026-01-31"}},
		{name: "update keeping a finding admitted with a warning", mode: ModeDeny, min: check.SeverityHigh,
			req:     reviewRequest{op: admissionv1.Update, object: relabelled, old: privilegedPod},
			allowed: true, decision: decisionWarned, warnings: []string{"already present before this update, not blocking it: pss/privileged"},
			annotations: map[string]string{"preexisting": "pss/privileged"}},
		{name: "update adding a finding denied", mode: ModeDeny, min: check.SeverityHigh,
			req:      reviewRequest{op: admissionv1.Update, object: privilegedPod, old: restrictedPod},
			decision: decisionDenied, message: []string{"pss/privileged"}},
		{name: "delete not judged", mode: ModeDeny, min: check.SeverityHigh, req: reviewRequest{op: admissionv1.Delete, old: privilegedPod},
			allowed: true, decision: decisionNotJudged},
		{name: "kind no check reads", mode: ModeDeny, min: check.SeverityInfo,
			req:     reviewRequest{object: "apiVersion: v1\nkind: Endpoints\nmetadata: {name: e, namespace: shop}\n"},
			allowed: true, decision: decisionNotJudged},
		{name: "pod a controller makes is judged through its owner", mode: ModeDeny, min: check.SeverityHigh,
			req:     reviewRequest{object: controllerPod, user: "system:serviceaccount:kube-system:replicaset-controller"},
			allowed: true, decision: decisionAudited, annotations: map[string]string{"judged-through-owner": "true", "findings": "pss/privileged"}},
		{name: "owner reference alone does not exempt", mode: ModeDeny, min: check.SeverityHigh, req: reviewRequest{object: controllerPod},
			decision: decisionDenied},
		{name: "dry run judged the same", mode: ModeDeny, min: check.SeverityHigh, req: reviewRequest{object: privilegedPod, dryRun: true},
			decision: decisionDenied, message: []string{"pss/privileged"}},
		{name: "cluster-admin binding denied", mode: ModeDeny, min: check.SeverityHigh, req: reviewRequest{object: adminBinding},
			decision: decisionDenied, message: []string{"rbac/cluster-admin (critical) at roleRef"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := testHandler(tt.cfg, tt.mode, tt.min)
			code, resp, body := post(t, h, tt.mode.Path(), reviewJSON(t, tt.req))
			if code != http.StatusOK {
				t.Fatalf("status %d: %s", code, body)
			}
			if resp.UID != "4264aa8c-0f26-4b1f-9a36-41c1e2a94e1a" {
				t.Errorf("uid %q not echoed", resp.UID)
			}
			if resp.Allowed != tt.allowed {
				t.Fatalf("allowed = %v, want %v\n%s", resp.Allowed, tt.allowed, body)
			}
			if !tt.allowed && (resp.Result == nil || resp.Result.Code != http.StatusForbidden) {
				t.Errorf("a rejection needs a 403 status: %+v", resp.Result)
			}
			if got := resp.AuditAnnotations["decision"]; tt.decision != decisionNotJudged && got != tt.decision {
				t.Errorf("decision annotation %q, want %q", got, tt.decision)
			}
			for _, want := range tt.message {
				if resp.Result == nil || !strings.Contains(resp.Result.Message, want) {
					t.Errorf("message lacks %q:\n%v", want, resp.Result)
				}
			}
			joined := strings.Join(resp.Warnings, "\n")
			for _, want := range tt.warnings {
				if !strings.Contains(joined, want) {
					t.Errorf("warnings lack %q:\n%s", want, joined)
				}
			}
			if len(tt.warnings) == 0 && len(resp.Warnings) > 0 {
				t.Errorf("unexpected warnings:\n%s", joined)
			}
			for k, want := range tt.annotations {
				if !strings.Contains(resp.AuditAnnotations[k], want) {
					t.Errorf("audit annotation %q = %q, want it to contain %q", k, resp.AuditAnnotations[k], want)
				}
			}
		})
	}
}

func TestModeByPath(t *testing.T) {
	h, _ := testHandler(nil, ModeAudit, check.SeverityHigh)
	body := reviewJSON(t, reviewRequest{object: privilegedPod})
	for path, allowed := range map[string]bool{"/validate": true, "/validate/audit": true, "/validate/warn": true, "/validate/deny": false} {
		_, resp, _ := post(t, h, path, body)
		if resp.Allowed != allowed {
			t.Errorf("%s: allowed = %v, want %v", path, resp.Allowed, allowed)
		}
	}
}

func TestUndecodableObject(t *testing.T) {
	body := reviewJSON(t, reviewRequest{object: privilegedPod})
	// An object the decoder refuses: nested deeper than scan allows.
	deep := strings.Repeat(`{"a":`, 80) + "1" + strings.Repeat("}", 80)
	body = bytes.Replace(body, []byte(`"spec":{`), []byte(`"x":`+deep+`,"spec":{`), 1)
	for _, mode := range Modes() {
		h, _ := testHandler(nil, mode, check.SeverityHigh)
		code, resp, text := post(t, h, mode.Path(), body)
		if code != http.StatusOK {
			t.Fatalf("%s: status %d: %s", mode, code, text)
		}
		if resp.Allowed == (mode == ModeDeny) {
			t.Errorf("%s: allowed = %v", mode, resp.Allowed)
		}
		if resp.AuditAnnotations["decision"] != decisionError {
			t.Errorf("%s: decision %q", mode, resp.AuditAnnotations["decision"])
		}
	}
}

func TestBadRequests(t *testing.T) {
	h, _ := testHandler(nil, ModeDeny, check.SeverityHigh)
	small := NewHandler(NewEvaluator(EvaluatorOptions{}), HandlerOptions{MaxRequestBytes: 1024})
	valid := reviewJSON(t, reviewRequest{object: privilegedPod})
	tests := []struct {
		name        string
		h           http.Handler
		method      string
		path        string
		contentType string
		body        string
		status      int
		message     string
	}{
		{"GET", h, http.MethodGet, "/validate", "", "", http.StatusMethodNotAllowed, "POST an admission.k8s.io/v1 AdmissionReview"},
		{"unknown path", h, http.MethodPost, "/mutate", "application/json", string(valid), http.StatusNotFound, ""},
		{"wrong content type", h, http.MethodPost, "/validate", "application/yaml", string(valid), http.StatusBadRequest, "send application/json"},
		{"empty body", h, http.MethodPost, "/validate", "application/json", "", http.StatusBadRequest, "empty body"},
		{"not JSON", h, http.MethodPost, "/validate", "application/json", "kind: AdmissionReview", http.StatusBadRequest, "not a JSON AdmissionReview"},
		{"truncated JSON", h, http.MethodPost, "/validate", "application/json", string(valid[:len(valid)/2]), http.StatusBadRequest, "not a JSON AdmissionReview"},
		{"v1beta1", h, http.MethodPost, "/validate", "application/json", `{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"1"}}`, http.StatusBadRequest, "admissionReviewVersions: [v1]"},
		{"no request", h, http.MethodPost, "/validate", "application/json", `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`, http.StatusBadRequest, "no request"},
		{"no uid", h, http.MethodPost, "/validate", "application/json", `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{}}`, http.StatusBadRequest, "no uid"},
		{"oversized", small, http.MethodPost, "/validate", "application/json", string(valid) + strings.Repeat(" ", 2048), http.StatusBadRequest, "larger than 1024 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			mux := http.NewServeMux()
			tt.h.(*Handler).Register(mux)
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, rec.Body.String())
			}
			if !strings.Contains(rec.Body.String(), tt.message) {
				t.Errorf("body %q lacks %q", rec.Body.String(), tt.message)
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	h, m := testHandler(nil, ModeDeny, check.SeverityHigh)
	post(t, h, "/validate", reviewJSON(t, reviewRequest{object: privilegedPod}))
	post(t, h, "/validate", reviewJSON(t, reviewRequest{object: privilegedPod, dryRun: true}))
	post(t, h, "/validate", []byte("{"))
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	text := rec.Body.String()
	for _, want := range []string{
		`palisade_webhook_requests_total{decision="denied",dry_run="false",mode="deny"} 1`,
		`palisade_webhook_requests_total{decision="denied",dry_run="true",mode="deny"} 1`,
		`palisade_webhook_requests_total{decision="bad_request",dry_run="false",mode="deny"} 1`,
		`palisade_webhook_check_decisions_total{check="pss/privileged",decision="denied"} 1`,
		`palisade_webhook_check_decisions_total{check="pss/hostPathVolumes",decision="denied"} 0`,
		`palisade_webhook_bad_requests_total{reason="malformed"} 1`,
		`palisade_webhook_request_duration_seconds_bucket{mode="deny",le="0.001"}`,
		`process_resident_memory_bytes`,
		`go_memstats_heap_inuse_bytes`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
