package image

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/palisade-sec/palisade/internal/image/imagetest"
	"github.com/palisade-sec/palisade/internal/imagefacts"
)

// must returns v, or panics (failing the test) on a setup error.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func digestOf(t testing.TB, img v1.Image) string {
	t.Helper()
	return must(img.Digest()).String()
}

func writeLayout(t testing.TB, img v1.Image) string {
	t.Helper()
	dir := t.TempDir()
	p := must(layout.Write(dir, empty.Index))
	if err := p.AppendImage(img); err != nil {
		t.Fatal(err)
	}
	return dir
}

func writeArchive(t testing.TB, img v1.Image) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "image.tar")
	ref := must(name.NewTag("example.test/app:1"))
	if err := tarball.WriteToFile(path, ref, img); err != nil {
		t.Fatal(err)
	}
	return path
}

// tarDir packs dir into a tar file (an OCI image-layout archive).
func tarDir(t testing.TB, dir string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "oci.tar")
	f := must(os.Create(path))
	defer f.Close()
	tw := tar.NewWriter(f)
	err := filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		h, err := tar.FileInfoHeader(info, "")
		if err != nil {
			return err
		}
		h.Name = filepath.ToSlash(rel)
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if info.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			_, err = tw.Write(b)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func inventory(t testing.TB, src Source, opts Options) (*imagefacts.Inventory, error) {
	t.Helper()
	im, err := Open(context.Background(), src, opts)
	if err != nil {
		t.Fatalf("Open(%v): %v", src, err)
	}
	defer im.Close()
	return im.Inventory(context.Background())
}

func names(inv *imagefacts.Inventory) []string {
	var out []string
	for _, p := range inv.Packages {
		out = append(out, p.Name)
	}
	return out
}

func TestOpenSources(t *testing.T) {
	deb := must(imagetest.Debian12())
	want := digestOf(t, deb)
	host := imagetest.Serve(t, map[string]v1.Image{"debian:12": deb})
	layoutDir := writeLayout(t, deb)

	tests := []struct {
		name string
		src  Source
		opts Options
	}{
		{"registry tag", Source{Ref: host + "/debian:12"}, Options{Anonymous: true}},
		{"registry digest", Source{Ref: host + "/debian@" + want}, Options{}},
		{"registry insecure", Source{Ref: host + "/debian:12"}, Options{Insecure: true, Anonymous: true}},
		{"docker archive", Source{Tarball: writeArchive(t, deb)}, Options{}},
		{"OCI layout", Source{OCILayout: layoutDir}, Options{}},
		{"OCI layout archive", Source{Tarball: tarDir(t, layoutDir)}, Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			im, err := Open(context.Background(), tt.src, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer im.Close()
			if im.Digest() != want {
				t.Errorf("Digest() = %s, want %s", im.Digest(), want)
			}
			if im.Ref() != tt.src.String() {
				t.Errorf("Ref() = %s, want %s", im.Ref(), tt.src.String())
			}
			inv, err := im.Inventory(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got := names(inv)
			wantNames := []string{"bsdutils", "curl", "libc6", "libcurl4", "libssl3", "tzdata"}
			if !slices.Equal(got, wantNames) {
				t.Errorf("packages = %v, want %v", got, wantNames)
			}
			if inv.Digest != want || inv.Image != tt.src.String() || inv.Platform != "linux/amd64" {
				t.Errorf("inventory header = %q %q %q", inv.Image, inv.Digest, inv.Platform)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name string
		src  Source
		opts Options
		want string
	}{
		{"no source", Source{}, Options{}, "exactly one"},
		{"two sources", Source{Ref: "a", Tarball: "b"}, Options{}, "exactly one"},
		{"bad platform", Source{Ref: "a"}, Options{Platform: "linux/amd64/v1/x"}, "bad platform"},
		{"missing archive", Source{Tarball: filepath.Join(t.TempDir(), "none.tar")}, Options{}, "none.tar"},
		{"not a layout", Source{OCILayout: t.TempDir()}, Options{}, "not an OCI image layout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(context.Background(), tt.src, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Open error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestMultiArch(t *testing.T) {
	idx := must(imagetest.MultiArch())
	host := imagetest.Serve(t, nil)
	imagetest.PushIndex(t, host, "multi:1", idx)
	idxDigest := must(idx.Digest()).String()

	tests := []struct {
		platform string
		wantOS   string
		wantPlat string
		wantErr  string
	}{
		{"", "debian", "linux/amd64", ""},
		{"linux/amd64", "debian", "linux/amd64", ""},
		{"linux/arm64", "alpine", "linux/arm64/v8", ""},
		{"linux/arm64/v8", "alpine", "linux/arm64/v8", ""},
		{"linux/s390x", "", "", "no image for platform linux/s390x; available: linux/amd64, linux/arm64/v8"},
	}
	for _, tt := range tests {
		t.Run(tt.platform, func(t *testing.T) {
			im, err := Open(context.Background(), Source{Ref: host + "/multi:1"}, Options{Platform: tt.platform})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Open error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer im.Close()
			if im.Platform() != tt.wantPlat {
				t.Errorf("Platform() = %s, want %s", im.Platform(), tt.wantPlat)
			}
			if im.Digest() == idxDigest {
				t.Errorf("Digest() is the index digest; want the platform image's")
			}
			inv, err := im.Inventory(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if inv.OS.ID != tt.wantOS {
				t.Errorf("OS.ID = %q, want %q", inv.OS.ID, tt.wantOS)
			}
		})
	}

	t.Run("ResolveDigest", func(t *testing.T) {
		got, err := ResolveDigest(context.Background(), host+"/multi:1", Options{})
		if err != nil || got != idxDigest {
			t.Fatalf("ResolveDigest = %q, %v; want %q", got, err, idxDigest)
		}
		if _, err := ResolveDigest(context.Background(), host+"/absent:1", Options{}); err == nil {
			t.Fatal("ResolveDigest of a missing tag succeeded")
		}
	})

	t.Run("OCI layout index", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := layout.Write(dir, idx); err != nil {
			t.Fatal(err)
		}
		im, err := Open(context.Background(), Source{OCILayout: dir}, Options{Platform: "linux/arm64"})
		if err != nil {
			t.Fatal(err)
		}
		defer im.Close()
		if im.Platform() != "linux/arm64/v8" {
			t.Errorf("Platform() = %s", im.Platform())
		}
	})
}

func TestInventoryPackages(t *testing.T) {
	deb := must(imagetest.Debian12())
	alp := must(imagetest.Alpine320("linux/amd64"))
	npm := must(imagetest.NPM())
	goapp := imagetest.GoApp(t)

	type pkg = imagefacts.Package
	tests := []struct {
		name  string
		img   v1.Image
		count int
		want  []pkg
	}{
		{"dpkg", deb, 6, []pkg{
			{Name: "bsdutils", Version: "1:2.38.1-5+deb12u1", Ecosystem: "Debian:12", Type: "dpkg",
				SourceName: "util-linux", SourceVersion: "2.38.1-5+deb12u1", Location: "var/lib/dpkg/status", Layer: 0,
				PURL: "pkg:deb/debian/bsdutils@1:2.38.1-5%2Bdeb12u1?arch=amd64&distro=bookworm&source=util-linux&sourceversion=2.38.1-5%2Bdeb12u1"},
			{Name: "libssl3", Version: "3.0.11-1~deb12u2", Ecosystem: "Debian:12", Type: "dpkg",
				SourceName: "openssl", SourceVersion: "3.0.11-1~deb12u2", Location: "var/lib/dpkg/status", Layer: 0,
				PURL: "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=bookworm&source=openssl"},
			{Name: "tzdata", Version: "2024a-0+deb12u1", Ecosystem: "Debian:12", Type: "dpkg",
				Location: "var/lib/dpkg/status", Layer: 0,
				PURL: "pkg:deb/debian/tzdata@2024a-0%2Bdeb12u1?arch=all&distro=bookworm"},
			{Name: "curl", Version: "7.88.1-10+deb12u5", Ecosystem: "Debian:12", Type: "dpkg",
				Location: "var/lib/dpkg/status", Layer: 1,
				PURL: "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=bookworm"},
			{Name: "libcurl4", Version: "7.88.1-10+deb12u5", Ecosystem: "Debian:12", Type: "dpkg",
				SourceName: "curl", SourceVersion: "7.88.1-10+deb12u5", Location: "var/lib/dpkg/status", Layer: 1,
				PURL: "pkg:deb/debian/libcurl4@7.88.1-10%2Bdeb12u5?arch=amd64&distro=bookworm&source=curl"},
		}},
		{"apk", alp, 3, []pkg{
			{Name: "scanelf", Version: "1.3.8_rc1-r0", Ecosystem: "Alpine:v3.20", Type: "apk",
				SourceName: "pax-utils", SourceVersion: "1.3.8_rc1-r0", Location: "lib/apk/db/installed", Layer: 0,
				Licenses: []string{"GPL-2.0-only"},
				PURL:     "pkg:apk/alpine/scanelf@1.3.8_rc1-r0?arch=x86_64&distro=3.20.3&origin=pax-utils"},
			{Name: "libcrypto3", Version: "3.3.1-r3", Ecosystem: "Alpine:v3.20", Type: "apk",
				SourceName: "openssl", SourceVersion: "3.3.1-r3", Location: "lib/apk/db/installed", Layer: 0,
				Licenses: []string{"Apache-2.0"},
				PURL:     "pkg:apk/alpine/libcrypto3@3.3.1-r3?arch=x86_64&distro=3.20.3&origin=openssl"},
		}},
		{"npm", npm, 3, []pkg{
			{Name: "express", Version: "4.18.2", Ecosystem: "npm", Type: "npm", Location: "app/package-lock.json", Layer: 0,
				PURL: "pkg:npm/express@4.18.2?source=PUBLIC_REGISTRY"},
			{Name: "@types/node", Version: "20.8.0", Ecosystem: "npm", Type: "npm", Location: "app/package-lock.json", Layer: 0,
				PURL: "pkg:npm/%40types/node@20.8.0?source=PUBLIC_REGISTRY"},
		}},
		{"go binary", goapp, 3, []pkg{
			// scalibr records module versions without the "v", as OSV does.
			{Name: imagetest.GoAppModule, Version: strings.TrimPrefix(imagetest.GoAppModuleVersion, "v"), Ecosystem: "Go",
				Type: "go-binary", Location: "app/server", Layer: 0,
				PURL: "pkg:golang/golang.org/x/sync@0.22.0"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := inventory(t, Source{OCILayout: writeLayout(t, tt.img)}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(inv.Packages) != tt.count {
				t.Errorf("got %d packages %v, want %d", len(inv.Packages), names(inv), tt.count)
			}
			for _, w := range tt.want {
				i := slices.IndexFunc(inv.Packages, func(p imagefacts.Package) bool { return p.Name == w.Name })
				if i < 0 {
					t.Errorf("package %s missing from %v", w.Name, names(inv))
					continue
				}
				got := inv.Packages[i]
				if got.Version != w.Version || got.Ecosystem != w.Ecosystem || got.Type != w.Type ||
					got.SourceName != w.SourceName || got.SourceVersion != w.SourceVersion ||
					got.Location != w.Location || got.Layer != w.Layer || got.PURL != w.PURL ||
					!slices.Equal(got.Licenses, w.Licenses) {
					t.Errorf("package %s:\n got %+v\nwant %+v", w.Name, got, w)
				}
			}
			sorted := slices.Clone(inv.Packages)
			SortPackages(sorted)
			if !slices.EqualFunc(sorted, inv.Packages, func(a, b imagefacts.Package) bool { return a.PURL == b.PURL }) {
				t.Errorf("packages are not in the documented order")
			}
		})
	}

	t.Run("removed dpkg package not reported", func(t *testing.T) {
		inv := must(inventory(t, Source{OCILayout: writeLayout(t, deb)}, Options{}))
		if slices.Contains(names(inv), "oldtool") {
			t.Errorf("deinstalled package oldtool reported")
		}
	})
}

func TestInventoryLayersAndOS(t *testing.T) {
	deb := must(imagetest.Debian12())
	inv := must(inventory(t, Source{OCILayout: writeLayout(t, deb)}, Options{}))
	layers := must(deb.Layers())
	if len(inv.Layers) != len(layers) {
		t.Fatalf("got %d layers, want %d", len(inv.Layers), len(layers))
	}
	// The ENV history entry made no layer and must be skipped when pairing.
	wantCreated := []string{"ADD rootfs.tar.xz /", "RUN apt-get install -y curl"}
	for i, l := range inv.Layers {
		if d := must(layers[i].Digest()).String(); l.Digest != d {
			t.Errorf("layer %d digest = %s, want %s", i, l.Digest, d)
		}
		if d := must(layers[i].DiffID()).String(); l.DiffID != d {
			t.Errorf("layer %d diffID = %s, want %s", i, l.DiffID, d)
		}
		if l.CreatedBy != wantCreated[i] {
			t.Errorf("layer %d CreatedBy = %q, want %q", i, l.CreatedBy, wantCreated[i])
		}
	}
	os := inv.OS
	if os.ID != "debian" || os.VersionID != "12" || os.VersionCodename != "bookworm" ||
		os.PrettyName != "Debian GNU/Linux 12 (bookworm)" || os.EndOfLife.Format("2006-01-02") != "2026-06-10" {
		t.Errorf("OS = %+v", os)
	}
}

func TestEndOfLife(t *testing.T) {
	tests := []struct {
		id, version string
		want        string // "" when unknown
	}{
		{"debian", "12", "2026-06-10"},
		{"debian", "8", "2018-06-17"},
		{"debian", "11.9", "2024-08-14"},
		{"ubuntu", "22.04", "2027-06-01"},
		{"alpine", "3.20.3", "2026-04-01"},
		{"alpine", "3.10", "2021-05-01"},
		{"rhel", "9.4", "2032-05-31"},
		{"amzn", "2023", "2029-06-30"},
		{"amzn", "2", "2026-06-30"},
		{"debian", "sid", ""},
		{"plan9", "4", ""},
	}
	for _, tt := range tests {
		got, ok := EndOfLife(tt.id, tt.version)
		if tt.want == "" {
			if ok {
				t.Errorf("EndOfLife(%s, %s) = %v, want unknown", tt.id, tt.version, got)
			}
			continue
		}
		if !ok || got.Format("2006-01-02") != tt.want {
			t.Errorf("EndOfLife(%s, %s) = %v, %v; want %s", tt.id, tt.version, got, ok, tt.want)
		}
	}
}

func TestWhiteoutRemovesDatabase(t *testing.T) {
	img := must(imagetest.WhiteoutImage())
	inv := must(inventory(t, Source{OCILayout: writeLayout(t, img)}, Options{}))
	for _, p := range inv.Packages {
		if p.Type != "dpkg" {
			t.Errorf("package %s (%s from %s) survived the whiteout", p.Name, p.Type, p.Location)
		}
	}
	if len(inv.Packages) != 4 {
		t.Errorf("got %v, want the 4 dpkg packages", names(inv))
	}
	if len(inv.Layers) != 3 {
		t.Errorf("got %d layers, want 3", len(inv.Layers))
	}
}

// layerErrors returns the *LayerError values joined in err.
func layerErrors(err error) []*LayerError {
	var out []*LayerError
	var walk func(error)
	walk = func(e error) {
		if le, ok := e.(*LayerError); ok {
			out = append(out, le)
			return
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range j.Unwrap() {
				walk(x)
			}
		}
	}
	walk(err)
	return out
}

func TestBadLayers(t *testing.T) {
	base := imagetest.Step{CreatedBy: "ADD rootfs.tar.xz /", Files: []imagetest.File{
		{Name: "etc/os-release", Body: []byte(imagetest.DebianOSRelease)},
		{Name: "var/lib/dpkg/status", Body: []byte(imagetest.DebianBaseStatus)},
	}}
	notGzip := static.NewLayer([]byte("this is not a gzip stream, nor a tar archive; just text that claims to be a layer........................................................................................................................................................................................................................................................................................................................................................................................................................................................................................................"), types.DockerLayer)
	big := make([]byte, 64<<10)
	bigLayer := imagetest.Step{CreatedBy: "COPY big /", Files: []imagetest.File{
		{Name: "big.bin", Body: big},
		{Name: "app/package-lock.json", Body: []byte(imagetest.PackageLock)},
	}}
	many := imagetest.Step{CreatedBy: "RUN touch", Files: func() []imagetest.File {
		var fs []imagetest.File
		for i := range 50 {
			fs = append(fs, imagetest.File{Name: "many/" + strings.Repeat("x", i+1)})
		}
		return fs
	}()}

	tests := []struct {
		name     string
		steps    []imagetest.Step
		opts     Options
		wantErr  string
		isLimit  bool
		wantPkgs int
		// wantLayers are the layers reported unreadable; layers are read
		// from the top, so an image-wide bound also stops the lower ones.
		wantLayers []int
	}{
		{"layer not gzip", []imagetest.Step{base, {CreatedBy: "junk", Layer: notGzip}}, Options{},
			"not a tar archive (or not gzip-compressed as declared)", false, 4, []int{1}},
		{"oversized layer", []imagetest.Step{base, bigLayer}, Options{MaxLayerBytes: 32 << 10},
			"layer is larger than 32768 bytes uncompressed", true, 4, []int{1}},
		{"image too large", []imagetest.Step{base, bigLayer}, Options{MaxTotalBytes: 32 << 10},
			"image is larger than 32768 bytes uncompressed", true, 0, []int{0, 1}},
		{"too many files", []imagetest.Step{base, many}, Options{MaxFiles: 20},
			"image has more than 20 files", true, 0, []int{0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img := must(imagetest.Build("linux/amd64", tt.steps...))
			host := imagetest.Serve(t, map[string]v1.Image{"bad:1": img})
			ref := host + "/bad:1"
			inv, err := inventory(t, Source{Ref: ref}, tt.opts)
			if err == nil {
				t.Fatal("Inventory succeeded, want an error")
			}
			var got []int
			for _, le := range layerErrors(err) {
				got = append(got, le.Index)
			}
			if !slices.Equal(got, tt.wantLayers) {
				t.Fatalf("error %v: want *LayerErrors for layers %v", err, tt.wantLayers)
			}
			layers := must(img.Layers())
			wantDigest := must(layers[1].Digest()).String()
			msg := err.Error()
			for _, w := range []string{ref, "layer 1", wantDigest, tt.wantErr} {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not mention %q", msg, w)
				}
			}
			if errors.Is(err, ErrLimit) != tt.isLimit {
				t.Errorf("errors.Is(err, ErrLimit) = %v, want %v", !tt.isLimit, tt.isLimit)
			}
			if inv == nil {
				t.Fatal("no inventory returned with the layer error")
			}
			if len(inv.Packages) != tt.wantPkgs {
				t.Errorf("got packages %v, want the %d of the readable base layer", names(inv), tt.wantPkgs)
			}
			if tt.wantPkgs > 0 && inv.OS.ID != "debian" {
				t.Errorf("OS = %+v", inv.OS)
			}
		})
	}
}

// TestTruncatedArchive cuts a docker archive in the middle of its last
// layer, and another before its manifest: both fail to open with an error
// naming the archive.
func TestTruncatedArchive(t *testing.T) {
	deb := must(imagetest.Debian12())
	full := must(os.ReadFile(writeArchive(t, deb)))

	// Rewrite the archive with manifest.json and the config first, so
	// that only the last layer's blob is cut.
	type entry struct {
		h    *tar.Header
		body []byte
	}
	var entries []entry
	tr := tar.NewReader(bytes.NewReader(full))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, entry{h, must(io.ReadAll(tr))})
	}
	layers := must(deb.Layers())
	lastDigest := must(layers[len(layers)-1].Digest()).Hex
	slices.SortStableFunc(entries, func(a, b entry) int {
		rank := func(e entry) int {
			switch {
			case e.h.Name == "manifest.json":
				return 0
			case strings.Contains(e.h.Name, lastDigest):
				return 2
			default:
				return 1
			}
		}
		return rank(a) - rank(b)
	})
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	cut := 0
	for _, e := range entries {
		if err := tw.WriteHeader(e.h); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(e.h.Name, lastDigest) {
			// The header has been written; the body follows it.
			cut = buf.Len() + len(e.body)/2
		}
		if _, err := tw.Write(e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "cut.tar")
	if err := os.WriteFile(path, buf.Bytes()[:cut], 0o644); err != nil {
		t.Fatal(err)
	}

	// go-containerregistry hashes every layer blob of a docker archive to
	// compute the manifest digest, so a cut layer fails Open; the error
	// names the archive and the cut layer blob.
	_, err := Open(context.Background(), Source{Tarball: path}, Options{})
	if err == nil {
		t.Fatal("Open of a truncated archive succeeded")
	}
	for _, w := range []string{path, "truncated", lastDigest} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}

	t.Run("cut before the manifest", func(t *testing.T) {
		short := filepath.Join(t.TempDir(), "short.tar")
		if err := os.WriteFile(short, full[:len(full)/3], 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(context.Background(), Source{Tarball: short}, Options{})
		if err == nil || !strings.Contains(err.Error(), short) {
			t.Fatalf("Open error = %v, want one naming %s", err, short)
		}
	})
}

func TestInventoryCanceled(t *testing.T) {
	deb := must(imagetest.Debian12())
	im := must(Open(context.Background(), Source{OCILayout: writeLayout(t, deb)}, Options{}))
	defer im.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := im.Inventory(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Inventory with a canceled context = %v, want context.Canceled", err)
	}
}
