package admission

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	"sigs.k8s.io/yaml"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/imagefacts"
)

// Digests of the fake registry's images.
var (
	digA = "sha256:" + strings.Repeat("a", 64)
	digB = "sha256:" + strings.Repeat("b", 64)
	digC = "sha256:" + strings.Repeat("c", 64)
	digD = "sha256:" + strings.Repeat("d", 64)
)

// fakeVerifier stands for a registry: tags resolve to digests, and the
// digests in signed carry a signature that verifies.
type fakeVerifier struct {
	mu       sync.Mutex
	tags     map[string]string // "repo:tag" -> digest
	signed   map[string]bool   // digest
	resolves map[string]int
	verifies map[string]int // "repo@digest"
	// wait, when set, is called in Verify before it answers: it may block
	// (until ctx ends, or a barrier).
	wait func(ctx context.Context)
	// resolveErr fails every tag resolution.
	resolveErr error
}

func newFakeVerifier() *fakeVerifier {
	return &fakeVerifier{
		tags: map[string]string{
			"registry.example.com/shop/app:1":     digA,
			"registry.example.com/shop/sidecar:2": digB,
			"registry.example.com/shop/init:3":    digC,
		},
		signed:   map[string]bool{digA: true, digC: true},
		resolves: map[string]int{},
		verifies: map[string]int{},
	}
}

func (f *fakeVerifier) ResolveDigest(ctx context.Context, ref string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.resolves[ref]++
	if f.resolveErr != nil {
		return "", f.resolveErr
	}
	d, ok := f.tags[ref]
	if !ok {
		return "", errors.New("MANIFEST_UNKNOWN: " + ref)
	}
	return d, nil
}

func (f *fakeVerifier) Verify(ctx context.Context, digestRef string) imagefacts.Signature {
	f.mu.Lock()
	f.verifies[digestRef]++
	wait := f.wait
	f.mu.Unlock()
	if wait != nil {
		wait(ctx)
	}
	if ctx.Err() != nil {
		return imagefacts.Signature{Reason: "referrers: " + ctx.Err().Error()}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.signed[digestRef[strings.LastIndex(digestRef, "@")+1:]] {
		return imagefacts.Signature{Verified: true, Signer: "SHA256:fake"}
	}
	return imagefacts.Signature{Reason: "no signature"}
}

func (f *fakeVerifier) calls() (resolves, verifies int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range f.resolves {
		resolves += n
	}
	for _, n := range f.verifies {
		verifies += n
	}
	return resolves, verifies
}

// clock is a settable time for the cache.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// signedDeployment runs app:1 (signed) and sidecar:2 (unsigned) with an
// init container init:3 (signed), and is otherwise restricted-compliant.
const signedDeployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: shop, namespace: shop}
spec:
  selector: {matchLabels: {app: shop}}
  template:
    metadata: {labels: {app: shop}}
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        seccompProfile: {type: RuntimeDefault}
      initContainers:
      - name: init
        image: registry.example.com/shop/init:3
        imagePullPolicy: Always
        resources:
          limits: {cpu: 100m, memory: 32Mi}
        securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
      containers:
      - name: app
        image: registry.example.com/shop/app:1
        imagePullPolicy: Always
        resources:
          limits: {cpu: 100m, memory: 32Mi}
        securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
      - name: sidecar
        image: registry.example.com/shop/sidecar:2
        imagePullPolicy: Always
        resources:
          limits: {cpu: 100m, memory: 32Mi}
        securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
`

// onlySigned is signedDeployment without its unsigned sidecar.
var onlySigned = signedDeployment[:strings.Index(signedDeployment, "      - name: sidecar")]

func decodeTest(t *testing.T, yamlText string) *cluster.Object {
	t.Helper()
	js, err := yaml.YAMLToJSON([]byte(yamlText))
	if err != nil {
		t.Fatal(err)
	}
	o, err := NewEvaluator(EvaluatorOptions{}).Decode(js, "")
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func sigOf(t *testing.T, l imagefacts.Lookup, image string) *imagefacts.Signature {
	t.Helper()
	if l == nil {
		t.Fatalf("no facts at all; want %s", image)
	}
	f := l.ImageFacts(image)
	if f == nil || f.Signature == nil {
		t.Fatalf("no signature for %s: %+v", image, f)
	}
	return f.Signature
}

func TestImagesCacheHit(t *testing.T) {
	fv := newFakeVerifier()
	clk := &clock{t: testNow}
	im := NewImages(ImageOptions{Verifier: fv, Now: clk.now})
	d := decodeTest(t, signedDeployment)
	l := im.Lookup(context.Background(), d)
	if s := sigOf(t, l, "registry.example.com/shop/app:1"); !s.Verified {
		t.Errorf("app:1: %+v", s)
	}
	if s := sigOf(t, l, "registry.example.com/shop/init:3"); !s.Verified {
		t.Errorf("init container's image: %+v", s)
	}
	if s := sigOf(t, l, "registry.example.com/shop/sidecar:2"); s.Verified || s.Reason != "no signature" {
		t.Errorf("sidecar:2: %+v", s)
	}
	if f := l.ImageFacts("registry.example.com/shop/app:1"); f.Digest != digA || f.Inventory != nil || f.Vulns != nil {
		t.Errorf("facts carry more than the digest and signature: %+v", f)
	}
	if r, v := fv.calls(); r != 3 || v != 3 {
		t.Fatalf("first review: %d resolves, %d verifications; want 3, 3", r, v)
	}
	clk.advance(DefaultImageCacheTTL - time.Second)
	for range 5 {
		im.Lookup(context.Background(), decodeTest(t, signedDeployment))
	}
	if r, v := fv.calls(); r != 3 || v != 3 {
		t.Errorf("reviews within the TTL asked the registry: %d resolves, %d verifications", r, v)
	}
}

func TestImagesTTLExpiry(t *testing.T) {
	fv := newFakeVerifier()
	clk := &clock{t: testNow}
	im := NewImages(ImageOptions{Verifier: fv, TTL: time.Minute, Now: clk.now})
	d := decodeTest(t, onlySigned)
	if s := sigOf(t, im.Lookup(context.Background(), d), "registry.example.com/shop/app:1"); !s.Verified {
		t.Fatalf("%+v", s)
	}
	// The tag moves to an unsigned image: seen once the TTL runs out.
	fv.mu.Lock()
	fv.tags["registry.example.com/shop/app:1"] = digD
	fv.mu.Unlock()
	clk.advance(59 * time.Second)
	if s := sigOf(t, im.Lookup(context.Background(), d), "registry.example.com/shop/app:1"); !s.Verified {
		t.Errorf("within the TTL: %+v", s)
	}
	clk.advance(2 * time.Second)
	l := im.Lookup(context.Background(), d)
	if s := sigOf(t, l, "registry.example.com/shop/app:1"); s.Verified || s.Reason != "no signature" {
		t.Errorf("after the TTL, the moved tag: %+v", s)
	}
	if f := l.ImageFacts("registry.example.com/shop/app:1"); f.Digest != digD {
		t.Errorf("digest %s, want the tag's new one", f.Digest)
	}
	if _, v := fv.calls(); v != 4 {
		t.Errorf("%d verifications, want 2 per image (2 images)", v)
	}
}

func TestImagesConcurrent(t *testing.T) {
	fv := newFakeVerifier()
	var mu sync.Mutex
	inFlight := 0
	all := make(chan struct{})
	fv.wait = func(ctx context.Context) {
		mu.Lock()
		inFlight++
		if inFlight == 3 {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all: // every image of the review is being verified at once
		case <-ctx.Done():
		}
	}
	im := NewImages(ImageOptions{Verifier: fv, Timeout: 5 * time.Second})
	start := time.Now()
	l := im.Lookup(context.Background(), decodeTest(t, signedDeployment))
	if s := sigOf(t, l, "registry.example.com/shop/app:1"); !s.Verified {
		t.Errorf("the three images were not verified concurrently: %+v (after %s)", s, time.Since(start))
	}
	// Reviews of the same images at once share the verifications.
	fv2 := newFakeVerifier()
	release := make(chan struct{})
	fv2.wait = func(context.Context) { <-release }
	im2 := NewImages(ImageOptions{Verifier: fv2})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { im2.Lookup(context.Background(), decodeTest(t, signedDeployment)) })
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if _, v := fv2.calls(); v != 3 {
		t.Errorf("8 concurrent reviews made %d verifications, want 3", v)
	}
}

func TestImagesTimeoutAndErrors(t *testing.T) {
	fv := newFakeVerifier()
	fv.wait = func(ctx context.Context) { <-ctx.Done() } // a registry that never answers
	clk := &clock{t: testNow}
	im := NewImages(ImageOptions{Verifier: fv, Timeout: 50 * time.Millisecond, Now: clk.now})
	d := decodeTest(t, onlySigned)
	s := sigOf(t, im.Lookup(context.Background(), d), "registry.example.com/shop/app:1")
	if s.Verified || s.Reason != "could not be verified: registry timeout (no answer within 50ms)" {
		t.Errorf("timeout: %+v", s)
	}
	// A failure is kept briefly, not for the whole TTL.
	fv.mu.Lock()
	fv.wait = nil
	fv.mu.Unlock()
	sigOf(t, im.Lookup(context.Background(), d), "registry.example.com/shop/app:1")
	if _, v := fv.calls(); v != 2 {
		t.Errorf("%d verifications; a timeout must be cached briefly", v)
	}
	clk.advance(imageFailureTTL + time.Second)
	if s := sigOf(t, im.Lookup(context.Background(), d), "registry.example.com/shop/app:1"); !s.Verified {
		t.Errorf("after the registry came back: %+v", s)
	}

	fv = newFakeVerifier()
	fv.resolveErr = errors.New("dial tcp 10.0.0.1:443: connect: connection refused")
	im = NewImages(ImageOptions{Verifier: fv})
	s = sigOf(t, im.Lookup(context.Background(), d), "registry.example.com/shop/app:1")
	if s.Verified || s.Reason != "could not be verified: registry error: dial tcp 10.0.0.1:443: connect: connection refused" {
		t.Errorf("registry error: %+v", s)
	}
	if _, v := fv.calls(); v != 0 {
		t.Errorf("verified without a digest")
	}

	// A review that ends first does not wait; the verification goes on
	// and fills the cache.
	fv = newFakeVerifier()
	release := make(chan struct{})
	fv.wait = func(context.Context) { <-release }
	im = NewImages(ImageOptions{Verifier: fv})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s = sigOf(t, im.Lookup(ctx, d), "registry.example.com/shop/app:1")
	if s.Verified || !strings.Contains(s.Reason, "could not be verified: the review ended") {
		t.Errorf("canceled review: %+v", s)
	}
	close(release)
	if s := sigOf(t, im.Lookup(context.Background(), d), "registry.example.com/shop/app:1"); !s.Verified {
		t.Errorf("%+v", s)
	}
	if _, v := fv.calls(); v != 2 {
		t.Errorf("%d verifications, want 2 (one per image, shared)", v)
	}
}

func TestImagesDigestPinnedAndBounded(t *testing.T) {
	fv := newFakeVerifier()
	im := NewImages(ImageOptions{Verifier: fv, MaxEntries: 2})
	pinned := strings.Replace(onlySigned, "registry.example.com/shop/app:1", "registry.example.com/shop/app:1@"+digA, 1)
	l := im.Lookup(context.Background(), decodeTest(t, pinned))
	if s := sigOf(t, l, "registry.example.com/shop/app:1@"+digA); !s.Verified {
		t.Errorf("%+v", s)
	}
	fv.mu.Lock()
	resolvedPinned := fv.resolves["registry.example.com/shop/app:1"]
	fv.mu.Unlock()
	if resolvedPinned != 0 {
		t.Errorf("a reference by digest was resolved")
	}
	im.Lookup(context.Background(), decodeTest(t, signedDeployment)) // 3 more references
	if n := im.Len(); n != 2 {
		t.Errorf("cache holds %d references, bound is 2", n)
	}
}

func TestImagesNotAskedWithoutKeyOrWorkload(t *testing.T) {
	// Without Images (no --key or --trusted-root) the check does not run
	// and nothing verifies.
	h, _ := testHandler(nil, ModeDeny, check.SeverityInfo)
	_, resp, _ := post(t, h, "/validate", reviewJSON(t, reviewRequest{object: signedDeployment}))
	if strings.Contains(resp.AuditAnnotations["findings"], "unsigned-image") {
		t.Errorf("unsigned-image ran without a verifier: %v", resp.AuditAnnotations)
	}
	if _, ok := h.eval.objects.Get("supplychain/unsigned-image"); ok {
		t.Errorf("unsigned-image runs at admission without a verifier")
	}
	if _, ok := imagesHandler(newFakeVerifier(), ModeDeny).eval.objects.Get("supplychain/unsigned-image"); !ok {
		t.Errorf("unsigned-image does not run at admission with a verifier")
	}
	for _, id := range []string{"supplychain/vulnerable-image", "supplychain/eol-base-image", "supplychain/image-digest-drift"} {
		if _, ok := imagesHandler(newFakeVerifier(), ModeDeny).eval.objects.Get(id); ok {
			t.Errorf("%s runs at admission", id)
		}
	}
	// With Images, objects without containers never reach the registry.
	fv := newFakeVerifier()
	hv := imagesHandler(fv, ModeDeny)
	post(t, hv, "/validate", reviewJSON(t, reviewRequest{object: adminBinding}))
	post(t, hv, "/validate", reviewJSON(t, reviewRequest{object: "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {pod-security.kubernetes.io/enforce: restricted}}\n"}))
	if r, v := fv.calls(); r+v != 0 {
		t.Errorf("objects without images asked the registry: %d resolves, %d verifications", r, v)
	}
}

// imagesHandler is testHandler with signatures verified by fv, counting
// findings at or above high.
func imagesHandler(fv *fakeVerifier, mode Mode) *Handler {
	eval := NewEvaluator(EvaluatorOptions{Now: func() time.Time { return testNow }, Images: NewImages(ImageOptions{Verifier: fv})})
	return NewHandler(eval, HandlerOptions{DefaultMode: mode, MinSeverity: check.SeverityHigh, Metrics: NewMetrics(check.Default())})
}

func TestReviewUnsignedImage(t *testing.T) {
	const want = `supplychain/unsigned-image (high) at spec.template.spec.containers[1].image: container "sidecar" image "registry.example.com/shop/sidecar:2" has no signature that verifies: no signature`
	t.Run("deny mode rejects", func(t *testing.T) {
		h := imagesHandler(newFakeVerifier(), ModeDeny)
		_, resp, _ := post(t, h, "/validate", reviewJSON(t, reviewRequest{object: signedDeployment}))
		if resp.Allowed || resp.Result == nil {
			t.Fatalf("admitted: %+v", resp)
		}
		msg := resp.Result.Message
		if !strings.Contains(msg, "palisade: deployment.apps/shop -n shop fails 1 check at or above high") || !strings.Contains(msg, want) {
			t.Errorf("message:\n%s\nwant %q", msg, want)
		}
		if strings.Contains(msg, `"app"`) || strings.Contains(msg, `"init"`) {
			t.Errorf("signed images reported:\n%s", msg)
		}
	})
	t.Run("deny mode admits signed images", func(t *testing.T) {
		h := imagesHandler(newFakeVerifier(), ModeDeny)
		_, resp, _ := post(t, h, "/validate", reviewJSON(t, reviewRequest{object: onlySigned}))
		if !resp.Allowed {
			t.Errorf("rejected: %s", resp.Result.Message)
		}
	})
	t.Run("warn mode warns", func(t *testing.T) {
		h := imagesHandler(newFakeVerifier(), ModeWarn)
		_, resp, _ := post(t, h, "/validate", reviewJSON(t, reviewRequest{object: signedDeployment}))
		if !resp.Allowed || len(resp.Warnings) != 1 || !strings.Contains(resp.Warnings[0], "palisade: "+want[:60]) {
			t.Errorf("allowed %v, warnings %q", resp.Allowed, resp.Warnings)
		}
	})
	t.Run("timeout rejects in deny mode, saying so", func(t *testing.T) {
		fv := newFakeVerifier()
		fv.wait = func(ctx context.Context) { <-ctx.Done() }
		eval := NewEvaluator(EvaluatorOptions{Images: NewImages(ImageOptions{Verifier: fv, Timeout: 20 * time.Millisecond})})
		h := NewHandler(eval, HandlerOptions{DefaultMode: ModeDeny, MinSeverity: check.SeverityHigh})
		_, resp, _ := post(t, h, "/validate", reviewJSON(t, reviewRequest{object: onlySigned}))
		if resp.Allowed || !strings.Contains(resp.Result.Message, `image "registry.example.com/shop/app:1" has no signature that verifies: could not be verified: registry timeout`) {
			t.Errorf("allowed %v: %+v", resp.Allowed, resp.Result)
		}
	})
	t.Run("update keeping an unsigned image is not blocked", func(t *testing.T) {
		fv := newFakeVerifier()
		h := imagesHandler(fv, ModeDeny)
		relabelled := strings.Replace(signedDeployment, "metadata: {name: shop, namespace: shop}", "metadata: {name: shop, namespace: shop, labels: {team: a}}", 1)
		_, resp, _ := post(t, h, "/validate", reviewJSON(t, reviewRequest{op: admissionv1.Update, object: relabelled, old: signedDeployment}))
		if !resp.Allowed || len(resp.Warnings) != 1 || !strings.Contains(resp.Warnings[0], "already present before this update, not blocking it: supplychain/unsigned-image") {
			t.Errorf("allowed %v, warnings %q", resp.Allowed, resp.Warnings)
		}
		if _, v := fv.calls(); v != 3 {
			t.Errorf("%d verifications for an update naming the same 3 images", v)
		}
	})
}
