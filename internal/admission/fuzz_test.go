package admission

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/palisade-sec/palisade/internal/check"
)

// fuzzHandler answers like the server: small body limit so the fuzzer
// reaches it.
func fuzzHandler() http.Handler {
	h := NewHandler(NewEvaluator(EvaluatorOptions{}), HandlerOptions{DefaultMode: ModeDeny, MinSeverity: check.SeverityLow, MaxRequestBytes: 64 << 10, Metrics: NewMetrics(nil)})
	mux := http.NewServeMux()
	h.Register(mux)
	return mux
}

// checkAnswer asserts what every answer must be: a 200 with a v1
// AdmissionReview response for the request's uid, or a 4xx with a
// message.
func checkAnswer(t *testing.T, rec *httptest.ResponseRecorder, uid string) {
	t.Helper()
	switch rec.Code {
	case http.StatusOK:
		var out admissionv1.AdmissionReview
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("200 without an AdmissionReview: %v: %q", err, rec.Body.String())
		}
		if out.Response == nil || string(out.Response.UID) != uid {
			t.Fatalf("200 without the response for uid %q: %q", uid, rec.Body.String())
		}
		if !out.Response.Allowed && (out.Response.Result == nil || out.Response.Result.Message == "") {
			t.Fatalf("a rejection without a message: %q", rec.Body.String())
		}
	case http.StatusBadRequest, http.StatusMethodNotAllowed:
		if rec.Body.Len() == 0 {
			t.Fatalf("%d without a message", rec.Code)
		}
	default:
		t.Fatalf("status %d: %q", rec.Code, rec.Body.String())
	}
}

// FuzzHandler sends arbitrary bodies: whatever arrives, the handler answers
// 200 with a well-formed AdmissionReview or 400 with a message, and never
// panics.
//
//	go test -run '^$' -fuzz FuzzHandler ./internal/admission/
func FuzzHandler(f *testing.F) {
	for _, obj := range []string{privilegedPod, restrictedPod, latestDeployment, adminBinding} {
		f.Add(reviewJSON(f, reviewRequest{object: obj}))
	}
	f.Add(reviewJSON(f, reviewRequest{op: admissionv1.Update, object: privilegedPod, old: restrictedPod}))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{"containers":[{"name":"c","image":"x"}]}}}}`))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"kind":"Pod"},"operation":"CREATE","object":[1,2]}}`))
	f.Add([]byte(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"kind":"Pod"},"operation":"CREATE","object":"---\n- a"}}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`null`))
	h := fuzzHandler()
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/validate", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		uid := ""
		var in admissionv1.AdmissionReview
		if json.Unmarshal(body, &in) == nil && in.Request != nil {
			uid = string(in.Request.UID)
		}
		checkAnswer(t, rec, uid)
	})
}

// FuzzReviewObject wraps arbitrary JSON as request.object of a valid
// review, so the fuzzer spends its time in the object decoder and the
// checks rather than in the envelope.
//
//	go test -run '^$' -fuzz FuzzReviewObject ./internal/admission/
func FuzzReviewObject(f *testing.F) {
	seeds := []string{privilegedPod, restrictedPod, latestDeployment, adminBinding}
	for _, s := range seeds {
		var review admissionv1.AdmissionReview
		if err := json.Unmarshal(reviewJSON(f, reviewRequest{object: s}), &review); err != nil {
			f.Fatal(err)
		}
		f.Add(review.Request.Kind.Kind, []byte(review.Request.Object.Raw), true)
	}
	f.Add("Pod", []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","deletionTimestamp":"2020-01-01T00:00:00Z"}}`), false)
	f.Add("Service", []byte(`{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","annotations":{"service.beta.kubernetes.io/load-balancer-source-ranges":"0.0.0.0/0,::/0"}},"spec":{"type":"LoadBalancer"}}`), false)
	h := fuzzHandler()
	f.Fuzz(func(t *testing.T, kind string, obj []byte, update bool) {
		if !json.Valid(obj) {
			return
		}
		op := admissionv1.Create
		var old runtime.RawExtension
		if update {
			op, old = admissionv1.Update, runtime.RawExtension{Raw: obj}
		}
		review := admissionv1.AdmissionReview{
			TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
			Request: &admissionv1.AdmissionRequest{
				UID: "fuzz", Kind: metav1.GroupVersionKind{Version: "v1", Kind: kind}, Namespace: "shop", Operation: op,
				Object: runtime.RawExtension{Raw: obj}, OldObject: old,
			},
		}
		body, err := json.Marshal(review)
		if err != nil {
			return
		}
		for _, path := range []string{ModeDeny.Path(), ModeWarn.Path()} {
			req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			checkAnswer(t, rec, "fuzz")
		}
	})
}
