package admission

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/palisade-sec/palisade/internal/check"

	_ "github.com/palisade-sec/palisade/internal/checks" // registers every check
)

// testNow is the day waivers are judged on in these tests.
var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// reviewRequest describes one AdmissionReview to send.
type reviewRequest struct {
	op        admissionv1.Operation
	namespace string
	object    string // YAML
	old       string // YAML, for updates
	user      string
	dryRun    bool
}

// reviewJSON builds an admission.k8s.io/v1 AdmissionReview as the API
// server sends it.
func reviewJSON(t testing.TB, r reviewRequest) []byte {
	t.Helper()
	toJSON := func(y string) []byte {
		if y == "" {
			return nil
		}
		js, err := yaml.YAMLToJSON([]byte(y))
		if err != nil {
			t.Fatalf("test object: %v", err)
		}
		return js
	}
	obj := toJSON(r.object)
	var tm struct {
		metav1.TypeMeta `json:",inline"`
		Metadata        metav1.ObjectMeta `json:"metadata"`
	}
	if obj != nil {
		if err := json.Unmarshal(obj, &tm); err != nil {
			t.Fatal(err)
		}
	} else if r.old != "" {
		_ = json.Unmarshal(toJSON(r.old), &tm)
	}
	gvk := tm.GroupVersionKind()
	op := r.op
	if op == "" {
		op = admissionv1.Create
	}
	ns := r.namespace
	if ns == "" {
		ns = tm.Metadata.Namespace
	}
	user := r.user
	if user == "" {
		user = "alice"
	}
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       "4264aa8c-0f26-4b1f-9a36-41c1e2a94e1a",
			Kind:      metav1.GroupVersionKind{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind},
			Name:      tm.Metadata.Name,
			Namespace: ns,
			Operation: op,
			UserInfo:  authenticationv1.UserInfo{Username: user},
			Object:    runtime.RawExtension{Raw: obj},
			OldObject: runtime.RawExtension{Raw: toJSON(r.old)},
			DryRun:    &r.dryRun,
		},
	}
	data, err := json.Marshal(review)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// testHandler is a handler over the default registry, judging waivers on
// testNow.
func testHandler(cfg *check.Config, mode Mode, min check.Severity) (*Handler, *Metrics) {
	eval := NewEvaluator(EvaluatorOptions{Config: cfg, Now: func() time.Time { return testNow }})
	m := NewMetrics(check.Default())
	return NewHandler(eval, HandlerOptions{DefaultMode: mode, MinSeverity: min, Metrics: m}), m
}

// post sends a body to the handler and returns the status and the decoded
// response (nil for a non-200 status).
func post(t testing.TB, h http.Handler, path string, body []byte) (int, *admissionv1.AdmissionResponse, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return rec.Code, nil, rec.Body.String()
	}
	var out admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("response is not an AdmissionReview: %v\n%s", err, rec.Body.String())
	}
	if out.APIVersion != "admission.k8s.io/v1" || out.Kind != "AdmissionReview" || out.Response == nil {
		t.Fatalf("response is not a v1 AdmissionReview with a response: %s", rec.Body.String())
	}
	return rec.Code, out.Response, rec.Body.String()
}

// Test objects.
const (
	privilegedPod = `apiVersion: v1
kind: Pod
metadata: {name: root, namespace: shop}
spec:
  containers:
  - name: app
    image: registry.example.com/app:1.0
    securityContext: {privileged: true}
`
	// restrictedPod passes every check at medium and above.
	restrictedPod = `apiVersion: v1
kind: Pod
metadata: {name: tidy, namespace: shop}
spec:
  automountServiceAccountToken: false
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    seccompProfile: {type: RuntimeDefault}
  containers:
  - name: app
    image: registry.example.com/app:1.0
    resources:
      limits: {cpu: 500m, memory: 128Mi}
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      capabilities: {drop: [ALL]}
`
	latestDeployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        seccompProfile: {type: RuntimeDefault}
      containers:
      - name: web
        image: nginx:latest
        resources:
          limits: {cpu: 500m, memory: 128Mi}
        securityContext:
          allowPrivilegeEscalation: false
          readOnlyRootFilesystem: true
          capabilities: {drop: [ALL]}
`
	adminBinding = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: bob-admin}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {kind: User, name: bob, apiGroup: rbac.authorization.k8s.io}
`
)
