// Package imagescan scans the container images a cluster runs: it finds
// every distinct image the workloads of a Snapshot name, scans each once
// (package inventory, vulnerabilities, signature, where its tag points now)
// and returns the facts the supply-chain checks read.
//
// The work itself is done by three parts behind small interfaces, so this
// package only orchestrates: a Loader (internal/image) reads an image and
// inventories its packages, a Matcher (internal/vulndb) matches packages
// against the offline vulnerability database, and a Verifier
// (internal/imagesig) verifies signatures. Any of them may be nil, and
// what it would have found is then left out.
package imagescan

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/imagefacts"
	"github.com/palisade-sec/palisade/internal/imageref"
)

// Loader reads images.
type Loader interface {
	// Inventory reads the image a reference names and lists its packages.
	Inventory(ctx context.Context, ref string) (*imagefacts.Inventory, error)
	// ResolveDigest asks the registry which digest the reference's tag
	// names now.
	ResolveDigest(ctx context.Context, ref string) (string, error)
}

// Matcher finds the vulnerabilities that affect packages.
type Matcher interface {
	Match(pkgs []imagefacts.Package) ([]imagefacts.Vuln, error)
}

// Verifier verifies the signatures of an image given by digest
// ("registry/repo@sha256:...").
type Verifier interface {
	Verify(ctx context.Context, digestRef string) imagefacts.Signature
}

// Options configure a Scanner.
type Options struct {
	Loader Loader
	// Matcher is nil when no vulnerability database is used.
	Matcher Matcher
	// Verifier is nil when signatures are not verified.
	Verifier Verifier
	// ResolveTags asks the registry where each reference's tag points now
	// (for digest drift).
	ResolveTags bool
	// Workers bounds how many images are scanned at once; 0 means 2.
	Workers int
	// Progress receives a progress line redrawn in place; nil for none.
	Progress io.Writer
}

// Scanner scans images.
type Scanner struct {
	opts Options
}

// New returns a Scanner.
func New(opts Options) *Scanner {
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	return &Scanner{opts: opts}
}

// Scan scans one image. It never fails: what could not be learned is
// named in Facts.Err, and the facts learned before that are kept.
func (s *Scanner) Scan(ctx context.Context, image string) *imagefacts.Facts {
	f := &imagefacts.Facts{Image: image}
	var errs []string
	if s.opts.Loader != nil {
		inv, err := s.opts.Loader.Inventory(ctx, image)
		if err != nil {
			errs = append(errs, err.Error())
		}
		if inv != nil {
			f.Inventory = inv
			f.Digest = inv.Digest
		}
		if tag := tagRef(image); s.opts.ResolveTags && tag != "" {
			d, err := s.opts.Loader.ResolveDigest(ctx, tag)
			if err != nil {
				errs = append(errs, "resolving the tag: "+err.Error())
			}
			f.ResolvedDigest = d
		}
	}
	if s.opts.Matcher != nil && f.Inventory != nil {
		vulns, err := s.opts.Matcher.Match(f.Inventory.Packages)
		if err != nil {
			errs = append(errs, "matching vulnerabilities: "+err.Error())
		}
		f.Vulns = vulns
	}
	if s.opts.Verifier != nil {
		if d := digestRef(image, f.Digest); d != "" {
			sig := s.opts.Verifier.Verify(ctx, d)
			f.Signature = &sig
		} else {
			f.Signature = &imagefacts.Signature{Reason: "the image's digest is unknown, so no signature could be checked against it"}
		}
	}
	f.Err = strings.Join(errs, "; ")
	return f
}

// ScanAll scans each distinct image once, in parallel, and returns the
// facts keyed by the reference as given.
func (s *Scanner) ScanAll(ctx context.Context, images []string) imagefacts.Set {
	images = slices.Compact(slices.Sorted(slices.Values(images)))
	out := make(imagefacts.Set, len(images))
	prog := newProgress(s.opts.Progress, len(images))
	defer prog.finish()
	var mu sync.Mutex
	work := make(chan string)
	var wg sync.WaitGroup
	for range min(s.opts.Workers, max(len(images), 1)) {
		wg.Go(func() {
			for img := range work {
				f := s.Scan(ctx, img)
				mu.Lock()
				out[img] = f
				mu.Unlock()
				prog.done()
			}
		})
	}
	for _, img := range images {
		work <- img
	}
	close(work)
	wg.Wait()
	return out
}

// Use is one image and the workloads whose containers name it.
type Use struct {
	Image string
	// Workloads are the objects (Deployment, CronJob, Pod, ...) that run it,
	// each once, in the Snapshot's order.
	Workloads []cluster.ObjectID
}

// ImagesOf lists every distinct image the pod templates of the snapshot
// name (init, regular and ephemeral containers), sorted, each with the
// workloads that run it.
func ImagesOf(snap *cluster.Snapshot) []Use {
	byImage := map[string][]cluster.ObjectID{}
	for _, pod := range snap.PodTemplates() {
		for _, img := range pod.Images() {
			ids := byImage[img]
			if len(ids) == 0 || ids[len(ids)-1] != pod.Object.ID {
				byImage[img] = append(ids, pod.Object.ID)
			}
		}
	}
	out := make([]Use, 0, len(byImage))
	for img, ids := range byImage {
		out = append(out, Use{Image: img, Workloads: ids})
	}
	slices.SortFunc(out, func(a, b Use) int { return strings.Compare(a.Image, b.Image) })
	return out
}

// tagRef is the reference's repository and tag without its digest
// ("app:1.4" of "app:1.4@sha256:..."), which a registry can be asked to
// resolve; the implied "latest" of a reference with neither; "" for a
// reference with a digest only.
func tagRef(image string) string {
	ref, err := imageref.Parse(image)
	switch {
	case err != nil || ref.Tag == "" && ref.Digest != "":
		return ""
	case ref.Tag == "":
		return ref.Repository() + ":latest"
	}
	return ref.Repository() + ":" + ref.Tag
}

// digestRef is the repository of image at digest ("repo@sha256:..."), or
// "" when neither the reference nor the scan gave a digest.
func digestRef(image, scanned string) string {
	ref, err := imageref.Parse(image)
	if err != nil {
		return ""
	}
	d := ref.Digest
	if d == "" {
		d = scanned
	}
	if d == "" {
		return ""
	}
	return ref.Repository() + "@" + d
}

// progress draws "scanning images 3/12", redrawn in place. A nil
// *progress draws nothing.
type progress struct {
	mu          sync.Mutex
	w           io.Writer
	total, seen int
}

func newProgress(w io.Writer, total int) *progress {
	if w == nil || total == 0 {
		return nil
	}
	p := &progress{w: w, total: total}
	p.draw()
	return p
}

func (p *progress) done() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen++
	p.draw()
}

func (p *progress) draw() { fmt.Fprintf(p.w, "\rscanning images %d/%d", p.seen, p.total) }

func (p *progress) finish() {
	if p != nil {
		io.WriteString(p.w, "\n")
	}
}
