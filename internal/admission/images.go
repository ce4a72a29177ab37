package admission

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/imagefacts"
	"github.com/palisade-sec/palisade/internal/imageref"
)

// Defaults of ImageOptions.
const (
	DefaultImageCacheTTL   = 10 * time.Minute
	DefaultImageTimeout    = 3 * time.Second
	DefaultImageCacheSize  = 4096
	defaultImageConcurrent = 16
	// imageFailureTTL bounds how long a verification that failed for want
	// of the registry (a timeout, an unreachable registry) is kept: long
	// enough that a registry outage does not make every review wait out
	// the timeout, short enough that it is retried soon after.
	imageFailureTTL = 10 * time.Second
)

// SignatureVerifier verifies the cosign signatures of images in their
// registries: imagescan.RegistryLoader (for ResolveDigest) together with
// imagescan.SignatureVerifier over an imagesig.Verifier.
type SignatureVerifier interface {
	// ResolveDigest returns the digest the reference's tag names now.
	ResolveDigest(ctx context.Context, ref string) (string, error)
	// Verify verifies the signatures of the image given by digest
	// ("registry/repo@sha256:..."). It never fails: why a signature does
	// not verify is the Reason.
	Verify(ctx context.Context, digestRef string) imagefacts.Signature
}

// ImageOptions configure NewImages.
type ImageOptions struct {
	// Verifier verifies signatures; required.
	Verifier SignatureVerifier
	// TTL is how long the outcome for an image reference is reused; 0
	// means DefaultImageCacheTTL. A tag moved within it is seen when it
	// runs out.
	TTL time.Duration
	// Timeout bounds the verification of one image (resolving its tag and
	// reading its signatures); 0 means DefaultImageTimeout. It must stay
	// below the webhook's timeoutSeconds.
	Timeout time.Duration
	// MaxEntries bounds the cache; the oldest entry goes first. 0 means
	// DefaultImageCacheSize.
	MaxEntries int
	// Now is the clock of the cache; nil means time.Now.
	Now func() time.Time
}

// Images verifies the signatures of the images a reviewed workload runs,
// so that supplychain/unsigned-image judges them at admission as scan
// --images --key does. Each distinct image reference is verified once per
// TTL (concurrent reviews of the same image share one verification), the
// images of one review concurrently, each within Timeout. An image that
// could not be verified (timeout, registry error) gets an unverified
// Signature whose Reason says so, and the check reports it: in deny mode
// the workload is rejected, never admitted unjudged.
type Images struct {
	opts ImageOptions
	sem  chan struct{} // bounds verifications running at once

	mu      sync.Mutex
	entries map[string]*imageEntry
	order   *list.List // of *imageEntry, oldest first
}

// imageEntry is the outcome for one reference, or a verification in
// flight (facts nil until done is closed).
type imageEntry struct {
	ref     string
	facts   *imagefacts.Facts
	expires time.Time
	done    chan struct{}
	elem    *list.Element
}

// NewImages returns an image verifier with a cache.
func NewImages(opts ImageOptions) *Images {
	if opts.TTL <= 0 {
		opts.TTL = DefaultImageCacheTTL
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultImageTimeout
	}
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = DefaultImageCacheSize
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Images{opts: opts, sem: make(chan struct{}, defaultImageConcurrent), entries: map[string]*imageEntry{}, order: list.New()}
}

// Len is the number of image references cached or being verified.
func (im *Images) Len() int {
	im.mu.Lock()
	defer im.mu.Unlock()
	return len(im.entries)
}

// imagesOf lists the distinct images of the init, regular and ephemeral
// containers of the objects' pod templates.
func imagesOf(objs ...*cluster.Object) []string {
	var out []string
	for _, o := range objs {
		if o == nil {
			continue
		}
		pt := cluster.PodTemplateOf(o)
		if pt == nil {
			continue
		}
		for _, img := range pt.Images() {
			if !slices.Contains(out, img) {
				out = append(out, img)
			}
		}
	}
	return out
}

// Lookup returns the facts (Digest and Signature) of the images the
// objects' containers name, from the cache or verified now, concurrently.
// It returns nil when no object runs an image. When ctx ends first, the
// images still being verified get an unverified Signature that says so.
func (im *Images) Lookup(ctx context.Context, objs ...*cluster.Object) imagefacts.Lookup {
	refs := imagesOf(objs...)
	if len(refs) == 0 {
		return nil
	}
	out := make(imagefacts.Set, len(refs))
	var waits []*imageEntry
	now := im.opts.Now()
	im.mu.Lock()
	for _, ref := range refs {
		e := im.entries[ref]
		switch {
		case e == nil:
			e = im.start(ref)
		case e.facts == nil: // in flight
		case now.Before(e.expires):
			out[ref] = e.facts
			continue
		default:
			im.drop(e)
			e = im.start(ref)
		}
		waits = append(waits, e)
	}
	im.mu.Unlock()
	for _, e := range waits {
		select {
		case <-e.done:
			out[e.ref] = e.facts
		case <-ctx.Done():
			out[e.ref] = unverified(e.ref, "", "the review ended before the registry answered")
		}
	}
	return out
}

// start begins verifying ref in the background and caches the entry;
// im.mu is held. The verification is not tied to the review that asked
// for it, so a review the API server gives up on still fills the cache
// for the next one.
func (im *Images) start(ref string) *imageEntry {
	e := &imageEntry{ref: ref, done: make(chan struct{})}
	e.elem = im.order.PushBack(e)
	im.entries[ref] = e
	for len(im.entries) > im.opts.MaxEntries {
		im.drop(im.order.Front().Value.(*imageEntry))
	}
	go im.verify(e)
	return e
}

// drop removes an entry from the cache; im.mu is held. Reviews waiting on
// it still get its outcome.
func (im *Images) drop(e *imageEntry) {
	im.order.Remove(e.elem)
	if im.entries[e.ref] == e {
		delete(im.entries, e.ref)
	}
}

func (im *Images) verify(e *imageEntry) {
	ctx, cancel := context.WithTimeout(context.Background(), im.opts.Timeout)
	defer cancel()
	facts, transient := im.check(ctx, e.ref)
	ttl := im.opts.TTL
	if transient {
		ttl = min(ttl, imageFailureTTL)
	}
	im.mu.Lock()
	e.facts, e.expires = facts, im.opts.Now().Add(ttl)
	im.mu.Unlock()
	close(e.done)
}

// check resolves ref's tag to a digest (unless ref names one) and
// verifies the signatures over that digest. transient reports an outcome
// that says more about the registry than the image (timeout, registry
// error), which is kept for a shorter time.
func (im *Images) check(ctx context.Context, ref string) (facts *imagefacts.Facts, transient bool) {
	r, err := imageref.Parse(ref)
	if err != nil {
		return unverified(ref, "", err.Error()), false
	}
	select {
	case im.sem <- struct{}{}:
		defer func() { <-im.sem }()
	case <-ctx.Done():
		return im.failed(ctx, ref, "", ctx.Err()), true
	}
	digest := r.Digest
	if digest == "" {
		tag := r.Tag
		if tag == "" {
			tag = "latest"
		}
		digest, err = im.opts.Verifier.ResolveDigest(ctx, r.Repository()+":"+tag)
		if err != nil || digest == "" {
			if err == nil {
				err = errors.New("the registry named no digest")
			}
			return im.failed(ctx, ref, "", err), true
		}
	}
	sig := im.opts.Verifier.Verify(ctx, r.Repository()+"@"+digest)
	if !sig.Verified && ctx.Err() != nil {
		return im.failed(ctx, ref, digest, ctx.Err()), true
	}
	return &imagefacts.Facts{Image: ref, Digest: digest, Signature: &sig}, false
}

// failed is the outcome of a verification the registry did not let finish.
func (im *Images) failed(ctx context.Context, ref, digest string, err error) *imagefacts.Facts {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return unverified(ref, digest, fmt.Sprintf("registry timeout (no answer within %s)", im.opts.Timeout))
	}
	return unverified(ref, digest, "registry error: "+err.Error())
}

// unverified is the facts of an image whose signature could not be
// checked, and why.
func unverified(ref, digest, why string) *imagefacts.Facts {
	return &imagefacts.Facts{Image: ref, Digest: digest, Signature: &imagefacts.Signature{Reason: "could not be verified: " + why}}
}
