package admission

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "sigs.k8s.io/json"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/imagefacts"
)

// DefaultMaxRequestBytes bounds an AdmissionReview body. The API server
// refuses objects over about 3 MiB, and a review of an update carries the
// object twice.
const DefaultMaxRequestBytes = 7 << 20

// Handler answers admission.k8s.io/v1 AdmissionReview requests: on
// ValidatePath in the default mode, and on Mode.Path for each mode.
type Handler struct {
	eval        *Evaluator
	defaultMode Mode
	minSeverity check.Severity
	maxBytes    int64
	metrics     *Metrics
	bufs        sync.Pool
}

// HandlerOptions configure NewHandler.
type HandlerOptions struct {
	// DefaultMode is the mode of requests to ValidatePath: namespaces
	// without a valid EnforceLabel, and cluster-scoped objects.
	DefaultMode Mode
	// MinSeverity selects the findings that count: those at or above it.
	MinSeverity check.Severity
	// MaxRequestBytes bounds a request body; 0 means DefaultMaxRequestBytes.
	MaxRequestBytes int64
	// Metrics, when set, counts requests, latency and decisions by check.
	Metrics *Metrics
}

// NewHandler returns the handler of AdmissionReviews judged by eval.
func NewHandler(eval *Evaluator, opts HandlerOptions) *Handler {
	h := &Handler{eval: eval, defaultMode: opts.DefaultMode, minSeverity: opts.MinSeverity, maxBytes: opts.MaxRequestBytes, metrics: opts.Metrics}
	if h.defaultMode == "" {
		h.defaultMode = ModeWarn
	}
	if h.maxBytes <= 0 {
		h.maxBytes = DefaultMaxRequestBytes
	}
	h.bufs.New = func() any { return new(bytes.Buffer) }
	return h
}

// Register adds the handler's paths to a mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle(ValidatePath, h)
	for _, m := range Modes() {
		mux.Handle(m.Path(), h)
	}
}

// badRequest is an HTTP 400 with a message that says what to send.
type badRequest struct {
	status int
	reason string // metric label
	msg    string
}

func (e *badRequest) Error() string { return e.msg }

// ServeHTTP reads one AdmissionReview and writes its response. A body that
// is not a v1 AdmissionReview, or is larger than the limit, gets HTTP 400
// and a plain-text message; nothing a client sends makes it panic (see
// FuzzHandler).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	growStack()
	mode, ok := h.modeOf(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	buf := h.bufs.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 { // keep small buffers only, so one huge body does not stay pinned
			buf.Reset()
			h.bufs.Put(buf)
		}
	}()
	buf.Reset()
	review, err := h.read(w, r, buf)
	if err != nil {
		var br *badRequest
		if !errors.As(err, &br) {
			br = &badRequest{http.StatusBadRequest, "malformed", err.Error()}
		}
		h.metrics.badRequest(br.reason)
		h.metrics.observe(mode, decisionBadRequest, false, time.Since(start))
		http.Error(w, br.msg, br.status)
		return
	}
	req := review.Request
	resp, decision := h.ReviewContext(r.Context(), req, mode)
	out := admissionv1.AdmissionReview{TypeMeta: review.TypeMeta, Response: resp}
	buf.Reset()
	if err := json.NewEncoder(buf).Encode(&out); err != nil {
		http.Error(w, "encoding the AdmissionReview response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(buf.Bytes())
	h.metrics.observe(mode, decision, req.DryRun != nil && *req.DryRun, time.Since(start))
}

// stackSink keeps growStack's frame from being optimized away.
var stackSink byte

// growStack grows the goroutine's stack in one step, while it is still
// shallow and cheap to copy. HTTP/2 runs each request in a new goroutine,
// whose small stack would otherwise be copied several times as JSON
// decoding recurses; that showed as several percent of a review's CPU.
//
//go:noinline
func growStack() {
	var frame [24 << 10]byte
	frame[stackSink&1] = stackSink
	stackSink = frame[len(frame)-1-int(stackSink&1)]
}

func (h *Handler) modeOf(p string) (Mode, bool) {
	if p == ValidatePath {
		return h.defaultMode, true
	}
	for _, m := range Modes() {
		if p == m.Path() {
			return m, true
		}
	}
	return "", false
}

// read decodes the body into a v1 AdmissionReview with a request.
func (h *Handler) read(w http.ResponseWriter, r *http.Request, buf *bytes.Buffer) (*admissionv1.AdmissionReview, error) {
	if r.Method != http.MethodPost {
		return nil, &badRequest{http.StatusMethodNotAllowed, "method", fmt.Sprintf("method %s not allowed: POST an admission.k8s.io/v1 AdmissionReview", r.Method)}
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return nil, &badRequest{http.StatusBadRequest, "content_type", fmt.Sprintf("Content-Type %q not supported: send application/json", ct)}
		}
	}
	body := http.MaxBytesReader(w, r.Body, h.maxBytes)
	if _, err := buf.ReadFrom(body); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, &badRequest{http.StatusBadRequest, "too_large", fmt.Sprintf("AdmissionReview body is larger than %d bytes", h.maxBytes)}
		}
		return nil, &badRequest{http.StatusBadRequest, "read", "reading the AdmissionReview body: " + err.Error()}
	}
	if buf.Len() == 0 {
		return nil, &badRequest{http.StatusBadRequest, "empty", "empty body: POST an admission.k8s.io/v1 AdmissionReview"}
	}
	var review admissionv1.AdmissionReview
	if err := kjson.UnmarshalCaseSensitivePreserveInts(buf.Bytes(), &review); err != nil {
		return nil, &badRequest{http.StatusBadRequest, "malformed", "the body is not a JSON AdmissionReview: " + err.Error()}
	}
	if review.APIVersion != admissionv1.SchemeGroupVersion.String() || review.Kind != "AdmissionReview" {
		return nil, &badRequest{http.StatusBadRequest, "version", fmt.Sprintf("got apiVersion %q kind %q: send an admission.k8s.io/v1 AdmissionReview (admissionReviewVersions: [v1])", review.APIVersion, review.Kind)}
	}
	if review.Request == nil {
		return nil, &badRequest{http.StatusBadRequest, "no_request", "the AdmissionReview has no request"}
	}
	if review.Request.UID == "" {
		return nil, &badRequest{http.StatusBadRequest, "no_uid", "the AdmissionReview request has no uid"}
	}
	return &review, nil
}

// Review judges one admission request in a mode and returns the response
// and the decision as the requests metric counts it.
func (h *Handler) Review(req *admissionv1.AdmissionRequest, mode Mode) (*admissionv1.AdmissionResponse, string) {
	return h.ReviewContext(context.Background(), req, mode)
}

// ReviewContext is Review for a request that ends with ctx: when the
// evaluator verifies image signatures, it waits for them no longer.
func (h *Handler) ReviewContext(ctx context.Context, req *admissionv1.AdmissionRequest, mode Mode) (*admissionv1.AdmissionResponse, string) {
	resp := &admissionv1.AdmissionResponse{UID: req.UID, Allowed: true}
	dryRun := req.DryRun != nil && *req.DryRun
	if len(req.Object.Raw) == 0 || (req.Operation != admissionv1.Create && req.Operation != admissionv1.Update) || !h.eval.Judges(req.Kind.Kind) {
		return resp, decisionNotJudged
	}
	gvk := schema.GroupVersionKind{Group: req.Kind.Group, Version: req.Kind.Version, Kind: req.Kind.Kind}
	obj, err := h.eval.DecodeAs(req.Object.Raw, &gvk, req.Namespace)
	if err == nil && obj.ID.Kind != req.Kind.Kind {
		err = fmt.Errorf("%w: request.kind is %s but request.object is a %s", ErrUndecodable, req.Kind.Kind, obj.ID.Kind)
	}
	if err != nil {
		msg := fmt.Sprintf("palisade could not judge %s %s: %v", strings.ToLower(req.Kind.Kind), objectName(req), err)
		if mode == ModeDeny {
			resp.Allowed = false
			resp.Result = &metav1.Status{Status: metav1.StatusFailure, Code: http.StatusForbidden, Reason: metav1.StatusReasonForbidden, Message: msg}
		} else {
			resp.Warnings = []string{msg}
		}
		resp.AuditAnnotations = map[string]string{"mode": string(mode), "decision": decisionError, "error": truncate(err.Error(), 512)}
		return resp, decisionError
	}
	if obj.Meta.GetDeletionTimestamp() != nil {
		// The object is going away; removing its finalizers must not fail.
		return resp, decisionNotJudged
	}
	if obj.ID.Name == "" {
		obj.ID.Name = req.Name
	}
	if obj.ID.Name == "" && obj.Meta.GetGenerateName() != "" {
		obj.ID.Name = obj.Meta.GetGenerateName() + "*" // named by the API server after admission
	}

	var old *cluster.Object
	if req.Operation == admissionv1.Update && len(req.OldObject.Raw) > 0 {
		if o, err := h.eval.DecodeAs(req.OldObject.Raw, &gvk, req.Namespace); err == nil {
			old = o
		}
	}
	var images imagefacts.Lookup
	if h.eval.images != nil {
		// The old object's images too, so a finding an update did not add
		// is recognised as such.
		images = h.eval.images.Lookup(ctx, obj, old)
	}
	j := h.eval.judge(obj, images)
	var before map[string]bool
	if old != nil {
		before = map[string]bool{}
		for _, f := range h.eval.judge(old, images).Findings {
			before[findingKey(&f)] = true
		}
	}
	effective := mode
	ownerJudged := mode == ModeDeny && madeByController(req, obj)
	if ownerJudged {
		effective = ModeAudit
	}

	var counting, preexisting, waived []*check.Finding
	for i := range j.Findings {
		f := &j.Findings[i]
		switch {
		case f.Severity < h.minSeverity:
		case f.Suppressed():
			waived = append(waived, f)
		case before[findingKey(f)]:
			preexisting = append(preexisting, f)
		default:
			counting = append(counting, f)
		}
	}

	decision := decisionAllowed
	switch {
	case len(counting) == 0 && len(preexisting) == 0:
	case effective == ModeDeny && len(counting) > 0:
		decision = decisionDenied
		resp.Allowed = false
		resp.Result = &metav1.Status{Status: metav1.StatusFailure, Code: http.StatusForbidden, Reason: metav1.StatusReasonForbidden,
			Message: denyMessage(j.Object, h.minSeverity, counting, j.ExpiredWaivers)}
	case effective == ModeAudit:
		decision = decisionAudited
	default:
		decision = decisionWarned
	}
	if effective != ModeAudit {
		resp.Warnings = warnings(counting, preexisting, effective == ModeDeny, j.ExpiredWaivers, resp.Allowed)
	}
	resp.AuditAnnotations = auditAnnotations(mode, decision, ownerJudged, counting, preexisting, waived)

	if !dryRun {
		for _, f := range counting {
			h.metrics.checkDecision(f.CheckID, decision)
		}
		for _, f := range preexisting {
			h.metrics.checkDecision(f.CheckID, "preexisting")
		}
		for _, f := range waived {
			h.metrics.checkDecision(f.CheckID, "waived")
		}
	}
	return resp, decision
}

// findingKey identifies a finding across two versions of an object.
func findingKey(f *check.Finding) string {
	return f.CheckID + "\x00" + f.Field + "\x00" + f.Message
}

func objectName(req *admissionv1.AdmissionRequest) string {
	name := req.Name
	if name == "" {
		name = "(generated name)"
	}
	if req.Namespace != "" {
		return name + " -n " + req.Namespace
	}
	return name
}

// controllerUsers are the identities of the built-in controllers that make
// pods, replica sets and jobs for the workloads they own.
var controllerUsers = map[string]bool{
	"system:kube-controller-manager":                           true,
	"system:serviceaccount:kube-system:replicaset-controller":  true,
	"system:serviceaccount:kube-system:replication-controller": true,
	"system:serviceaccount:kube-system:deployment-controller":  true,
	"system:serviceaccount:kube-system:statefulset-controller": true,
	"system:serviceaccount:kube-system:daemon-set-controller":  true,
	"system:serviceaccount:kube-system:job-controller":         true,
	"system:serviceaccount:kube-system:cronjob-controller":     true,
}

// madeByController reports whether a built-in controller is creating the
// object for a workload that owns it. Its owner was judged when it was
// admitted, with its waivers, which a pod does not inherit; rejecting the
// pod would leave the controller retrying forever, so in deny mode such a
// request is judged in audit mode.
func madeByController(req *admissionv1.AdmissionRequest, obj *cluster.Object) bool {
	if req.Operation != admissionv1.Create || !controllerUsers[req.UserInfo.Username] {
		return false
	}
	for _, ref := range obj.Meta.GetOwnerReferences() {
		if ref.Controller != nil && *ref.Controller {
			return true
		}
	}
	return false
}

// Limits of what a response carries, so the API server does not truncate
// it (it keeps 4 KiB of warnings) and audit events stay small.
const (
	maxListed       = 20
	maxWarningRunes = 240
)

// denyMessage names each counted finding with its field and remediation,
// and how to waive it.
func denyMessage(id cluster.ObjectID, min check.Severity, counting []*check.Finding, expired []check.ExpiredWaiver) string {
	var b strings.Builder
	fmt.Fprintf(&b, "palisade: %s fails %d %s at or above %s:", id, len(counting), plural(len(counting), "check", "checks"), min)
	for i, f := range counting {
		if i == maxListed {
			fmt.Fprintf(&b, "\n- ... and %d more", len(counting)-maxListed)
			break
		}
		fmt.Fprintf(&b, "\n- %s (%s) at %s: %s\n  fix: %s", f.CheckID, f.Severity, fieldOrObject(f.Field), f.Message, f.Remediation)
	}
	for _, w := range expired {
		fmt.Fprintf(&b, "\n- note: the waiver for %s%s expired on %s and no longer waives this: renew it or fix the findings", strings.Join(w.Waiver.Checks, ","), ownedBy(w.Waiver), w.Waiver.Expires)
	}
	fmt.Fprintf(&b, "\nTo accept a finding, annotate the object %s: \"<check id> -- <reason>\", or add a waiver to the webhook's config.", check.WaiveAnnotation)
	return b.String()
}

// ownedBy names a waiver's owner for messages: ` (owner "sre")`, or nothing
// for a waiver without one (an annotation).
func ownedBy(w check.Waiver) string {
	if w.Owner == "" {
		return ""
	}
	return fmt.Sprintf(" (owner %q)", w.Owner)
}

func fieldOrObject(f string) string {
	if f == "" {
		return "the object"
	}
	return f
}

// warnings lists findings as kubectl prints them: one line each. In deny
// mode the counted findings are in the rejection message instead, and the
// findings an update did not add are warnings that say so.
func warnings(counting, preexisting []*check.Finding, deny bool, expired []check.ExpiredWaiver, allowed bool) []string {
	var lines []string
	line := func(prefix string, f *check.Finding) string {
		return truncate(fmt.Sprintf("palisade: %s%s (%s) at %s: %s", prefix, f.CheckID, f.Severity, fieldOrObject(f.Field), f.Message), maxWarningRunes)
	}
	if allowed {
		for _, f := range counting {
			lines = append(lines, line("", f))
		}
	}
	prefix := ""
	if deny {
		prefix = "already present before this update, not blocking it: "
	}
	for _, f := range preexisting {
		lines = append(lines, line(prefix, f))
	}
	if len(lines) > maxListed {
		lines = append(lines[:maxListed-1], fmt.Sprintf("palisade: ... and %d more findings", len(lines)-maxListed+1))
	}
	if allowed {
		for _, w := range expired {
			lines = append(lines, truncate(fmt.Sprintf("palisade: the waiver for %s%s expired on %s and no longer waives findings here", strings.Join(w.Waiver.Checks, ","), ownedBy(w.Waiver), w.Waiver.Expires), maxWarningRunes))
		}
	}
	return lines
}

// auditAnnotations record the decision and its findings. The API server
// prefixes each key with the webhook's name.
func auditAnnotations(mode Mode, decision string, ownerJudged bool, counting, preexisting, waived []*check.Finding) map[string]string {
	out := map[string]string{"mode": string(mode), "decision": decision}
	if ownerJudged {
		out["judged-through-owner"] = "true"
	}
	type entry struct {
		Check    string         `json:"check"`
		Severity check.Severity `json:"severity"`
		Field    string         `json:"field,omitempty"`
	}
	list := func(fs []*check.Finding) string {
		var es []entry
		for i, f := range fs {
			if i == maxListed {
				break
			}
			es = append(es, entry{f.CheckID, f.Severity, f.Field})
		}
		data, _ := json.Marshal(es)
		return string(data)
	}
	if len(counting) > 0 {
		out["findings"] = list(counting)
	}
	if len(preexisting) > 0 {
		out["preexisting"] = list(preexisting)
	}
	if len(waived) > 0 {
		out["waived"] = list(waived)
	}
	return out
}

func truncate(s string, runes int) string {
	if len(s) <= runes {
		return s
	}
	r := []rune(s)
	if len(r) <= runes {
		return s
	}
	return string(r[:runes-1]) + "…"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
