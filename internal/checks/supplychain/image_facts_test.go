package supplychain_test

import (
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/checks/checktest"
	"github.com/palisade-sec/palisade/internal/imagefacts"
)

const (
	digestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	digestB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

// imageCase is a check run over one pod whose containers name images, with
// the facts an image scan learned about them.
type imageCase struct {
	name   string
	pod    string
	images imagefacts.Lookup
	wants  []want
}

func runImages(t *testing.T, id string, cases []imageCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			objs := checktest.Snapshot(t, tc.pod).Objects()
			got := checktest.RunWithImages(t, id, nil, tc.images, objs)
			if len(got) != len(tc.wants) {
				for _, f := range got {
					t.Logf("got %s %s: %s", f.Object, f.Field, f.Message)
				}
				t.Fatalf("%s: %d findings, want %d", id, len(got), len(tc.wants))
			}
			for i, w := range tc.wants {
				if got[i].Field != w.field || !containsAll(got[i].Message, w.msg) {
					t.Errorf("finding %d: %s: %s; want field %s and %q", i, got[i].Field, got[i].Message, w.field, w.msg)
				}
			}
		})
	}
}

const twoContainerPod = `
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  initContainers:
  - {name: migrate, image: "registry.example/shop/migrate:1.0"}
  containers:
  - {name: web, image: "registry.example/shop/web:1.4@` + digestA + `"}
`

func inventory(osr imagefacts.OSRelease, pkgs ...string) *imagefacts.Inventory {
	inv := &imagefacts.Inventory{OS: osr}
	for _, p := range pkgs {
		inv.Packages = append(inv.Packages, imagefacts.Package{Name: p, Version: "1.0-1", Type: "dpkg", Layer: 0})
	}
	return inv
}

func TestVulnerableImage(t *testing.T) {
	web := "registry.example/shop/web:1.4@" + digestA
	critFixed := imagefacts.Vuln{ID: "DSA-9000-1", Aliases: []string{"CVE-2026-1000"}, Severity: imagefacts.SeverityCritical, Package: 0, Installed: "1.0-1", Fixed: "1.0-2", Source: "Debian:12"}
	critUnfixed := imagefacts.Vuln{ID: "CVE-2026-2000", Severity: imagefacts.SeverityCritical, Package: 1, Installed: "1.0-1", Source: "Debian:12"}
	highFixed := imagefacts.Vuln{ID: "CVE-2026-3000", Severity: imagefacts.SeverityHigh, Package: 1, Installed: "1.0-1", Fixed: "1.1-1", Source: "Debian:12"}
	runImages(t, "supplychain/vulnerable-image", []imageCase{
		{name: "images not scanned", pod: twoContainerPod},
		{name: "critical with a fix", pod: twoContainerPod, images: imagefacts.Set{
			web: {Image: web, Inventory: inventory(imagefacts.OSRelease{}, "libssl3", "zlib1g"), Vulns: []imagefacts.Vuln{critFixed, critUnfixed, highFixed}},
		}, wants: []want{{"spec.containers[0].image", []string{`container "web"`, "1 critical vulnerability with a fix released", "CVE-2026-1000 (DSA-9000-1) in libssl3 1.0-1 from layer 1 (fixed in 1.0-2)"}}}},
		{name: "critical without a fix and high with one", pod: twoContainerPod, images: imagefacts.Set{
			web: {Image: web, Inventory: inventory(imagefacts.OSRelease{}, "libssl3", "zlib1g"), Vulns: []imagefacts.Vuln{critUnfixed, highFixed}},
		}},
		{name: "many criticals are summarised", pod: twoContainerPod, images: imagefacts.Set{
			web: {Image: web, Inventory: inventory(imagefacts.OSRelease{}, "libssl3"), Vulns: []imagefacts.Vuln{critFixed, critFixed, critFixed, critFixed, critFixed}},
		}, wants: []want{{"spec.containers[0].image", []string{"5 critical vulnerabilities", "and 2 more (palisade image " + web}}}},
		{name: "scan failed", pod: twoContainerPod, images: imagefacts.Set{
			"registry.example/shop/migrate:1.0": {Image: "registry.example/shop/migrate:1.0", Err: "registry.example: connection refused"},
		}, wants: []want{{"spec.initContainers[0].image", []string{"not assessed", `init container "migrate"`, "connection refused"}}}},
	})
}

func TestUnsignedImage(t *testing.T) {
	web := "registry.example/shop/web:1.4@" + digestA
	migrate := "registry.example/shop/migrate:1.0"
	runImages(t, "supplychain/unsigned-image", []imageCase{
		{name: "signatures not verified", pod: twoContainerPod, images: imagefacts.Set{web: {Image: web}}},
		{name: "one verified, one unsigned", pod: twoContainerPod, images: imagefacts.Set{
			web:     {Image: web, Signature: &imagefacts.Signature{Verified: true, Signer: "SHA256:key"}},
			migrate: {Image: migrate, Signature: &imagefacts.Signature{Reason: "no signature"}},
		}, wants: []want{{"spec.initContainers[0].image", []string{`init container "migrate"`, "no signature that verifies: no signature"}}}},
	})
}

func TestEOLBaseImage(t *testing.T) {
	web := "registry.example/shop/web:1.4@" + digestA
	buster := imagefacts.OSRelease{ID: "debian", VersionID: "10", PrettyName: "Debian GNU/Linux 10 (buster)", EndOfLife: time.Date(2024, 6, 30, 0, 0, 0, 0, time.UTC)}
	bookworm := imagefacts.OSRelease{ID: "debian", VersionID: "12", PrettyName: "Debian GNU/Linux 12 (bookworm)", EndOfLife: time.Date(2028, 6, 30, 0, 0, 0, 0, time.UTC)}
	unknown := imagefacts.OSRelease{ID: "wolfi"}
	runImages(t, "supplychain/eol-base-image", []imageCase{
		{name: "past end of life", pod: twoContainerPod, images: imagefacts.Set{web: {Image: web, Inventory: inventory(buster)}},
			wants: []want{{"spec.containers[0].image", []string{"Debian GNU/Linux 10 (buster)", "2024-06-30"}}}},
		{name: "supported", pod: twoContainerPod, images: imagefacts.Set{web: {Image: web, Inventory: inventory(bookworm)}}},
		{name: "no date known", pod: twoContainerPod, images: imagefacts.Set{web: {Image: web, Inventory: inventory(unknown)}}},
	})
}

func TestImageDigestDrift(t *testing.T) {
	web := "registry.example/shop/web:1.4@" + digestA
	migrate := "registry.example/shop/migrate:1.0"
	livePod := `
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop}
spec:
  containers:
  - {name: migrate, image: "registry.example/shop/migrate:1.0"}
status:
  containerStatuses:
  - {name: migrate, image: "registry.example/shop/migrate:1.0", imageID: "registry.example/shop/migrate@` + digestA + `"}
`
	runImages(t, "supplychain/image-digest-drift", []imageCase{
		{name: "pinned digest equals the tag now", pod: twoContainerPod, images: imagefacts.Set{web: {Image: web, ResolvedDigest: digestA}}},
		{name: "tag moved after pinning", pod: twoContainerPod, images: imagefacts.Set{web: {Image: web, ResolvedDigest: digestB}},
			wants: []want{{"spec.containers[0].image", []string{"runs " + digestA + " (its reference pins)", `tag "1.4"`, "now resolves to " + digestB}}}},
		{name: "unpinned manifest: running digest unknown", pod: twoContainerPod, images: imagefacts.Set{migrate: {Image: migrate, ResolvedDigest: digestB}}},
		{name: "live pod status digest differs", pod: livePod, images: imagefacts.Set{migrate: {Image: migrate, ResolvedDigest: digestB}},
			wants: []want{{"spec.containers[0].image", []string{"runs " + digestA + " (its container status reports)"}}}},
		{name: "live pod status digest equal", pod: livePod, images: imagefacts.Set{migrate: {Image: migrate, ResolvedDigest: digestA}}},
		{name: "registry not asked", pod: livePod, images: imagefacts.Set{migrate: {Image: migrate}}},
	})
}
