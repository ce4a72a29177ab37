package imagescan

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/palisade-sec/palisade/internal/checks/checktest"
	"github.com/palisade-sec/palisade/internal/imagefacts"
)

const (
	digestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	digestB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

// fakeLoader answers from maps and counts the calls, for unit tests of the
// orchestration only; internal/image is tested against a real registry.
type fakeLoader struct {
	mu        sync.Mutex
	inventory map[string]*imagefacts.Inventory
	resolved  map[string]string
	calls     map[string]int
}

func (l *fakeLoader) Inventory(_ context.Context, ref string) (*imagefacts.Inventory, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls[ref]++
	if inv, ok := l.inventory[ref]; ok {
		return inv, nil
	}
	return nil, errors.New("manifest unknown")
}

func (l *fakeLoader) ResolveDigest(_ context.Context, ref string) (string, error) {
	if d, ok := l.resolved[ref]; ok {
		return d, nil
	}
	return "", errors.New("registry unreachable")
}

type fakeMatcher struct{}

func (fakeMatcher) Match(pkgs []imagefacts.Package) ([]imagefacts.Vuln, error) {
	var out []imagefacts.Vuln
	for i, p := range pkgs {
		if p.Name == "libssl3" {
			out = append(out, imagefacts.Vuln{ID: "CVE-2026-1", Package: i, Installed: p.Version, Fixed: "9", Severity: imagefacts.SeverityCritical})
		}
	}
	return out, nil
}

type fakeVerifier struct{ asked []string }

func (v *fakeVerifier) Verify(_ context.Context, ref string) imagefacts.Signature {
	v.asked = append(v.asked, ref)
	return imagefacts.Signature{Verified: strings.HasSuffix(ref, digestA), Reason: "no signature"}
}

func TestImagesOf(t *testing.T) {
	snap := checktest.Snapshot(t, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      initContainers: [{name: init, image: "busybox:1.36"}]
      containers: [{name: web, image: "nginx:1.27"}, {name: sidecar, image: "busybox:1.36"}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: backup, namespace: shop}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: backup, image: "busybox:1.36"}]
`)
	uses := ImagesOf(snap)
	var got []string
	for _, u := range uses {
		var ws []string
		for _, w := range u.Workloads {
			ws = append(ws, w.Kind+"/"+w.Name)
		}
		got = append(got, u.Image+" <- "+strings.Join(ws, ","))
	}
	want := []string{"busybox:1.36 <- Deployment/web,CronJob/backup", "nginx:1.27 <- Deployment/web"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ImagesOf:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestScanAll(t *testing.T) {
	web := "registry.example/shop/web:1.4"
	pinned := "registry.example/shop/api:2.0@" + digestA
	loader := &fakeLoader{
		inventory: map[string]*imagefacts.Inventory{
			web:    {Digest: digestB, Packages: []imagefacts.Package{{Name: "zlib1g"}, {Name: "libssl3", Version: "3.0.1"}}},
			pinned: {Digest: digestA},
		},
		resolved: map[string]string{web: digestB, "registry.example/shop/api:2.0": digestB}, // the tag, without the pinned digest
		calls:    map[string]int{},
	}
	verifier := &fakeVerifier{}
	var progress bytes.Buffer
	s := New(Options{Loader: loader, Matcher: fakeMatcher{}, Verifier: verifier, ResolveTags: true, Workers: 1, Progress: &progress})
	set := s.ScanAll(context.Background(), []string{web, pinned, web, "gone:1"})

	if len(set) != 3 {
		t.Fatalf("%d images scanned, want 3 distinct", len(set))
	}
	for img, n := range loader.calls {
		if n != 1 {
			t.Errorf("%s loaded %d times, want once", img, n)
		}
	}
	w := set.ImageFacts(web)
	if w.Digest != digestB || w.ResolvedDigest != digestB || len(w.Vulns) != 1 || w.Vulns[0].Package != 1 || w.Err != "" {
		t.Errorf("web facts = %+v", w)
	}
	if w.Signature == nil || w.Signature.Verified {
		t.Errorf("web signature = %+v, want checked and not verified", w.Signature)
	}
	p := set.ImageFacts(pinned)
	if p.ResolvedDigest != digestB || p.Signature == nil || !p.Signature.Verified {
		t.Errorf("pinned facts = %+v", p)
	}
	g := set.ImageFacts("gone:1")
	if g.Inventory != nil || !strings.Contains(g.Err, "manifest unknown") || !strings.Contains(g.Err, "registry unreachable") {
		t.Errorf("gone facts = %+v, want both errors named", g)
	}
	if g.Signature == nil || !strings.Contains(g.Signature.Reason, "digest is unknown") {
		t.Errorf("gone signature = %+v", g.Signature)
	}
	wantAsked := map[string]bool{"registry.example/shop/web@" + digestB: true, "registry.example/shop/api@" + digestA: true}
	for _, a := range verifier.asked {
		if !wantAsked[a] {
			t.Errorf("verifier asked about %q", a)
		}
	}
	if !strings.HasSuffix(progress.String(), "scanning images 3/3\n") {
		t.Errorf("progress = %q", progress.String())
	}
}

func TestScanWithoutOptionalParts(t *testing.T) {
	loader := &fakeLoader{inventory: map[string]*imagefacts.Inventory{"app:1": {Digest: digestA}}, calls: map[string]int{}}
	f := New(Options{Loader: loader}).Scan(context.Background(), "app:1")
	if f.Signature != nil || f.Vulns != nil || f.ResolvedDigest != "" || f.Err != "" {
		t.Errorf("facts = %+v, want only the inventory", f)
	}
}
