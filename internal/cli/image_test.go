package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/image/imagetest"
	"github.com/palisade-sec/palisade/internal/imagefacts"
	"github.com/palisade-sec/palisade/internal/imagesig/sigtest"
	"github.com/palisade-sec/palisade/internal/report"
)

// An advisory for the openssl of imagetest.Debian12 (libssl3
// 3.0.11-1~deb12u2), fixed in a later Debian 12 update, and one whose fix
// the image already has.
const (
	opensslAdvisory = `{"schema_version": "1.6.0", "id": "DSA-9901-1", "modified": "2026-01-01T00:00:00Z",
  "aliases": ["CVE-2026-9901"], "summary": "openssl: test advisory",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
  "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u3"}]}]}]}`
	glibcFixedAdvisory = `{"schema_version": "1.6.0", "id": "DSA-9902-1", "modified": "2026-01-01T00:00:00Z",
  "aliases": ["CVE-2026-9902"], "summary": "glibc: fixed long ago",
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
  "affected": [{"package": {"ecosystem": "Debian:12", "name": "glibc"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.36-9+deb12u1"}]}]}]}`
)

// imageFixture is a registry on 127.0.0.1 holding imagetest.Debian12 as
// app:1 (signed) and app:unsigned, and a vulnerability database with the
// two advisories above.
type imageFixture struct {
	signed, unsigned string // references
	db, pubKey       string // paths
}

func newImageFixture(t *testing.T) imageFixture {
	t.Helper()
	img, err := imagetest.Debian12()
	if err != nil {
		t.Fatal(err)
	}
	host := imagetest.Serve(t, nil)
	imagetest.Push(t, host, "shop/app:1", img)
	imagetest.Push(t, host, "shop/other:unsigned", img)
	d, _ := img.Digest()
	key, pub := sigtest.NewKey(t)
	sigtest.SignImage(t, host+"/shop/app@"+d.String(), key)

	osv := writeFiles(t, map[string]string{"DSA-9901-1.json": opensslAdvisory, "DSA-9902-1.json": glibcFixedAdvisory})
	db := t.TempDir()
	if code, out, errOut := run(t, "", "db", "import", "--db", db, osv); code != ExitOK {
		t.Fatalf("db import: exit %d\n%s%s", code, out, errOut)
	}
	pubPath := filepath.Join(t.TempDir(), "cosign.pub")
	if err := os.WriteFile(pubPath, pub, 0o644); err != nil {
		t.Fatal(err)
	}
	return imageFixture{signed: host + "/shop/app:1", unsigned: host + "/shop/other:unsigned", db: db, pubKey: pubPath}
}

func TestImageCommand(t *testing.T) {
	fx := newImageFixture(t)

	t.Run("table", func(t *testing.T) {
		code, out, errOut := run(t, "", "image", fx.signed, "--db", fx.db)
		if code != ExitOK {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		for _, want := range []string{"Debian GNU/Linux 12 (bookworm)", "Vulns     1 (critical 1,", "CRITICAL", "DSA-9901-1 (CVE-2026-9901)", "libssl3", "3.0.11-1~deb12u3", "#1 ADD rootfs.tar.xz /", "Debian:12"} {
			if !strings.Contains(out, want) {
				t.Errorf("table lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "DSA-9902-1") {
			t.Errorf("the glibc advisory is fixed in the installed version, yet reported:\n%s", out)
		}
	})
	t.Run("fail-on", func(t *testing.T) {
		code, _, errOut := run(t, "", "image", fx.signed, "--db", fx.db, "--fail-on", "critical")
		if code != ExitFindings || !strings.Contains(errOut, "1 vulnerability at or above CRITICAL") {
			t.Fatalf("exit %d, stderr %q; want 1 and the count", code, errOut)
		}
	})
	t.Run("json", func(t *testing.T) {
		code, out, errOut := run(t, "", "image", fx.signed, "--db", fx.db, "-o", "json")
		var f imagefacts.Facts
		if code != ExitOK || json.Unmarshal([]byte(out), &f) != nil {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		if len(f.Vulns) != 1 || f.Inventory.Packages[f.Vulns[0].Package].Name != "libssl3" || !strings.HasPrefix(f.Digest, "sha256:") {
			t.Errorf("facts = %+v", f)
		}
	})
	t.Run("cyclonedx", func(t *testing.T) {
		code, out, errOut := run(t, "", "image", fx.signed, "--db", fx.db, "-o", "cyclonedx")
		if code != ExitOK {
			t.Fatalf("exit %d\n%s", code, errOut)
		}
		var bom cdx.BOM
		if err := cdx.NewBOMDecoder(bytes.NewReader([]byte(out)), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
			t.Fatal(err)
		}
		if bom.Components == nil || len(*bom.Components) < 4 || bom.Vulnerabilities == nil || (*bom.Vulnerabilities)[0].ID != "DSA-9901-1" {
			t.Errorf("CycloneDX components %v, vulnerabilities %v", bom.Components, bom.Vulnerabilities)
		}
	})
	t.Run("signatures", func(t *testing.T) {
		code, out, errOut := run(t, "", "image", fx.signed, "--skip-vulns", "--key", fx.pubKey)
		if code != ExitOK || !strings.Contains(out, "Signature verified (sha256:") {
			t.Errorf("signed: exit %d\n%s%s", code, out, errOut)
		}
		code, out, errOut = run(t, "", "image", fx.unsigned, "--skip-vulns", "--key", fx.pubKey)
		if code != ExitFindings || !strings.Contains(out, "Signature NOT verified: no signature") || !strings.Contains(errOut, "no signature verifies") {
			t.Errorf("unsigned: exit %d\n%s%s", code, out, errOut)
		}
	})
	t.Run("archive", func(t *testing.T) {
		img, _ := imagetest.Debian12()
		archive := filepath.Join(t.TempDir(), "app.tar")
		tag, _ := name.NewTag("shop/app:1")
		if err := tarball.WriteToFile(archive, tag, img); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := run(t, "", "image", "--input", archive, "--db", fx.db, "-o", "spdx")
		if code != ExitOK || !strings.Contains(out, `"spdxVersion": "SPDX-2.3"`) || !strings.Contains(out, "pkg:deb/debian/libssl3") {
			t.Errorf("exit %d\n%.400s\n%s", code, out, errOut)
		}
	})
	t.Run("no database", func(t *testing.T) {
		code, out, errOut := run(t, "", "image", fx.signed, "--db", t.TempDir())
		if code != ExitOK || !strings.Contains(errOut, "vulnerabilities were not matched: no vulnerability database") || !strings.Contains(errOut, "palisade db import") || !strings.Contains(out, "Packages  6") {
			t.Errorf("exit %d\n%s%s", code, out, errOut)
		}
	})
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no image", []string{"image"}, "name one image"},
		{"two images", []string{"image", "a:1", "--input", "x.tar"}, "name one image"},
		{"bad format", []string{"image", "a:1", "-o", "xml"}, `-o "xml"`},
		{"bad fail-on", []string{"image", "a:1", "--fail-on", "severe"}, "--fail-on"},
		{"signatures of an archive", []string{"image", "--input", "x.tar", "--key", "k.pub", "--skip-vulns"}, "signatures are read from the image's registry"},
		{"missing image", []string{"image", "--skip-vulns", strings.TrimSuffix(fx.signed, ":1") + ":nope"}, "MANIFEST_UNKNOWN"},
		{"truncated archive", []string{"image", "--skip-vulns", "--input", writeFiles(t, map[string]string{"x.tar": "not a tar"}) + "/x.tar"}, "x.tar"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := run(t, "", tc.args...)
			if code != ExitInput || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errOut, tc.want)
			}
		})
	}
}

func TestScanImages(t *testing.T) {
	fx := newImageFixture(t)
	dir := writeFiles(t, map[string]string{"app.yaml": `
apiVersion: apps/v1
kind: Deployment
metadata: {name: app, namespace: shop}
spec:
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      containers:
      - {name: app, image: "` + fx.signed + `"}
      - {name: sidecar, image: "` + fx.unsigned + `"}
`})
	code, out, errOut := run(t, "", "scan", dir, "--images", "--db", fx.db, "--key", fx.pubKey, "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var rep struct {
		Findings []check.Finding      `json:"findings"`
		Images   []report.ImageReport `json:"images"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Images) != 2 {
		t.Fatalf("JSON report lists %d images, want 2", len(rep.Images))
	}
	for _, img := range rep.Images {
		if len(img.Workloads) != 1 || img.Workloads[0] != "deployment.apps/app -n shop" || img.Packages != 6 ||
			len(img.Vulnerabilities) != 1 || img.Vulnerabilities[0].PackageName != "libssl3" || img.Vulnerabilities[0].Layer != "#1 ADD rootfs.tar.xz /" {
			t.Errorf("image report %+v", img)
		}
	}
	got := map[string][]string{}
	for _, f := range rep.Findings {
		got[f.CheckID] = append(got[f.CheckID], f.Field)
	}
	if fields := got["supplychain/unsigned-image"]; len(fields) != 1 || fields[0] != "spec.template.spec.containers[1].image" {
		t.Errorf("unsigned-image on %v, want the sidecar only", fields)
	}
	if fields := got["supplychain/vulnerable-image"]; len(fields) != 2 {
		t.Errorf("vulnerable-image on %v, want both containers (one image, scanned once)", fields)
	}
	// Debian 12's security support ended on 2026-06-10.
	if n := len(got["supplychain/eol-base-image"]); n != 2 {
		t.Errorf("%d eol-base-image findings, want 2 (Debian 12, both containers)", n)
	}
	if n := len(got["supplychain/image-digest-drift"]); n != 0 {
		t.Errorf("%d digest-drift findings on tags that did not move", n)
	}

	// Without --images the image checks stay silent, and image flags are
	// refused.
	code, out, _ = run(t, "", "scan", dir, "-o", "json")
	rep.Findings = nil
	if err := json.Unmarshal([]byte(out), &rep); code != ExitOK || err != nil {
		t.Fatalf("scan without --images: exit %d, %v", code, err)
	}
	for _, f := range rep.Findings {
		if c, _ := check.Default().Get(f.CheckID); c.ReadsImageScan {
			t.Errorf("scan without --images reports %s", f.CheckID)
		}
	}
	code, _, errOut = run(t, "", "scan", dir, "--key", fx.pubKey)
	if code != ExitInput || !strings.Contains(errOut, "--key applies to image scanning: add --images") {
		t.Errorf("--key without --images: exit %d, %q", code, errOut)
	}
}
