// Package imagetest builds small container images with real package
// databases in memory, and serves them from an in-process registry, for the
// tests of the image loader and of the packages that use its results.
//
// The package databases are written here by hand in the formats the
// package managers use; the Go binary is built from testdata/goapp with the
// local Go toolchain at test time.
package imagetest

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// File is one entry of a test layer.
type File struct {
	// Name is the path inside the image, without a leading slash.
	Name string
	Body []byte
	// Mode is the permission bits; 0644 when zero.
	Mode int64
	// Dir makes the entry a directory.
	Dir bool
	// Symlink, when set, makes the entry a symbolic link to it.
	Symlink string
}

// Whiteout returns the entry that deletes path (from lower layers) in the
// layer it is put in.
func Whiteout(path string) File {
	dir, base := filepath.Split(path)
	return File{Name: dir + ".wh." + base}
}

// epoch is the modification time of every test entry, for reproducible
// digests.
var epoch = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// TarBytes returns the uncompressed tar of files.
func TarBytes(files ...File) ([]byte, error) {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, f := range files {
		if err := writeEntry(tw, f); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeEntry(tw *tar.Writer, f File) error {
	h := &tar.Header{Name: f.Name, Mode: f.Mode, ModTime: epoch, Format: tar.FormatPAX}
	if h.Mode == 0 {
		h.Mode = 0o644
	}
	switch {
	case f.Dir:
		h.Typeflag = tar.TypeDir
		h.Mode |= 0o111
	case f.Symlink != "":
		h.Typeflag = tar.TypeSymlink
		h.Linkname = f.Symlink
	default:
		h.Typeflag = tar.TypeReg
		h.Size = int64(len(f.Body))
	}
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("imagetest: tar entry %s: %w", f.Name, err)
	}
	if h.Typeflag == tar.TypeReg {
		if _, err := tw.Write(f.Body); err != nil {
			return fmt.Errorf("imagetest: tar entry %s: %w", f.Name, err)
		}
	}
	return nil
}

// NewLayer returns a gzip-compressed layer holding files.
func NewLayer(files ...File) (v1.Layer, error) {
	b, err := TarBytes(files...)
	if err != nil {
		return nil, err
	}
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	})
}

// Step is one build step of a test image: a layer, or (with no Files and
// Empty set) a history entry that made no layer, like ENV.
type Step struct {
	CreatedBy string
	Files     []File
	Empty     bool
	// Layer, when set, is used instead of building one from Files.
	Layer v1.Layer
}

// Build returns an image for platform ("linux/amd64") made of steps in
// order, with a config history that records every step.
func Build(platform string, steps ...Step) (v1.Image, error) {
	p, err := v1.ParsePlatform(platform)
	if err != nil {
		return nil, err
	}
	img := empty.Image
	var history []v1.History
	for _, s := range steps {
		h := v1.History{CreatedBy: s.CreatedBy, Created: v1.Time{Time: epoch}, EmptyLayer: s.Empty}
		history = append(history, h)
		if s.Empty {
			continue
		}
		l := s.Layer
		if l == nil {
			if l, err = NewLayer(s.Files...); err != nil {
				return nil, err
			}
		}
		if img, err = mutate.AppendLayers(img, l); err != nil {
			return nil, err
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	cf.Created = v1.Time{Time: epoch}
	cf.History = history
	return mutate.ConfigFile(img, cf)
}

// DebianOSRelease is the /etc/os-release of Debian 12.
const DebianOSRelease = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
`

// DebianBaseStatus is the dpkg status database of the base layer of
// Debian12: libc6 (Source: glibc), libssl3 (a "~" version), bsdutils (an
// epoch and a versioned Source:), tzdata (no Source:) and a removed package
// that must not be reported.
const DebianBaseStatus = `Package: libc6
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 12987
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Description: GNU C Library: Shared libraries

Package: libssl3
Status: install ok installed
Priority: optional
Section: libs
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Architecture: amd64
Source: openssl
Version: 3.0.11-1~deb12u2
Description: Secure Sockets Layer toolkit - shared libraries

Package: bsdutils
Essential: yes
Status: install ok installed
Priority: required
Section: utils
Maintainer: util-linux packagers <util-linux@packages.debian.org>
Architecture: amd64
Source: util-linux (2.38.1-5+deb12u1)
Version: 1:2.38.1-5+deb12u1
Description: basic utilities from 4.4BSD-Lite

Package: tzdata
Status: install ok installed
Priority: required
Section: localization
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Architecture: all
Version: 2024a-0+deb12u1
Description: time zone and daylight-saving time data

Package: oldtool
Status: deinstall ok config-files
Priority: optional
Architecture: amd64
Version: 1.0-1
Description: removed package whose configuration files remain
`

// DebianCurlStatus is DebianBaseStatus after `apt-get install curl`.
const DebianCurlStatus = DebianBaseStatus + `
Package: curl
Status: install ok installed
Priority: optional
Section: web
Maintainer: Alessandro Ghedini <ghedo@debian.org>
Architecture: amd64
Version: 7.88.1-10+deb12u5
Description: command line tool for transferring data with URL syntax

Package: libcurl4
Status: install ok installed
Priority: optional
Section: libs
Maintainer: Alessandro Ghedini <ghedo@debian.org>
Architecture: amd64
Source: curl
Version: 7.88.1-10+deb12u5
Description: easy-to-use client-side URL transfer library (OpenSSL flavour)
`

// Debian12 returns a linux/amd64 Debian 12 image of three history steps:
// layer 0 is the base (os-release and DebianBaseStatus), then an ENV step
// that made no layer, then layer 1 installs curl and libcurl4
// (DebianCurlStatus).
func Debian12() (v1.Image, error) {
	return debian12("linux/amd64")
}

func debian12(platform string) (v1.Image, error) {
	return Build(platform,
		Step{CreatedBy: "ADD rootfs.tar.xz /", Files: []File{
			{Name: "etc/", Dir: true},
			{Name: "etc/os-release", Body: []byte(DebianOSRelease)},
			{Name: "var/lib/dpkg/status", Body: []byte(DebianBaseStatus)},
		}},
		Step{CreatedBy: "ENV LANG=C.UTF-8", Empty: true},
		Step{CreatedBy: "RUN apt-get install -y curl", Files: []File{
			{Name: "var/lib/dpkg/status", Body: []byte(DebianCurlStatus)},
			{Name: "usr/bin/curl", Body: []byte("#!/bin/sh\n"), Mode: 0o755},
		}},
	)
}

// AlpineOSRelease is the /etc/os-release of Alpine 3.20.3.
const AlpineOSRelease = `NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.20.3
PRETTY_NAME="Alpine Linux v3.20"
HOME_URL="https://alpinelinux.org/"
`

// AlpineInstalled is an apk installed database: musl, libcrypto3 (origin
// openssl) and scanelf (an _rc version, origin pax-utils).
const AlpineInstalled = `C:Q1bTKKBQKXAVXmbdI8BvYHcQbcXOE=
P:musl
V:1.2.5-r0
A:x86_64
S:411021
I:662
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Natanael Copa <ncopa@alpinelinux.org>
t:1715181452
c:4fdd12a8fc8da2b2c9c80bfc1c3e5d4f7e8a1b2c

C:Q1Fh1SOV2XDhCRmMWaR2eFQDyI7Cs=
P:libcrypto3
V:3.3.1-r3
A:x86_64
S:1735584
I:4689920
T:Crypto library from openssl
U:https://www.openssl.org/
L:Apache-2.0
o:openssl
m:Ariadne Conill <ariadne@dereferenced.org>
t:1719232500
c:2a1b6b4ea4e4b6b3c1b1d3e3f2b1a1c1d1e1f1a1
D:so:libc.musl-x86_64.so.1

C:Q1nA5hoqT4wTj7T5QfWcYqQ8Q3mBA=
P:scanelf
V:1.3.8_rc1-r0
A:x86_64
S:37024
I:81920
T:Scan ELF binaries for stuff
U:https://wiki.gentoo.org/wiki/Hardened/PaX_Utilities
L:GPL-2.0-only
o:pax-utils
m:Natanael Copa <ncopa@alpinelinux.org>
t:1716000000
c:0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c

`

// Alpine320 returns a single-layer Alpine 3.20 image for platform.
func Alpine320(platform string) (v1.Image, error) {
	return Build(platform, Step{CreatedBy: "ADD alpine-minirootfs.tar.gz /", Files: []File{
		{Name: "etc/os-release", Body: []byte(AlpineOSRelease)},
		{Name: "lib/apk/db/installed", Body: []byte(AlpineInstalled)},
	}})
}

// PackageLock is an npm package-lock.json (lockfile version 3) of an app
// with express 4.18.2, lodash 4.17.20 and @types/node 20.8.0.
const PackageLock = `{
  "name": "web",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {
      "name": "web",
      "version": "1.0.0",
      "dependencies": {"express": "^4.18.2", "lodash": "4.17.20"},
      "devDependencies": {"@types/node": "^20.8.0"}
    },
    "node_modules/express": {
      "version": "4.18.2",
      "resolved": "https://registry.npmjs.org/express/-/express-4.18.2.tgz",
      "license": "MIT"
    },
    "node_modules/lodash": {
      "version": "4.17.20",
      "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz",
      "license": "MIT"
    },
    "node_modules/@types/node": {
      "version": "20.8.0",
      "resolved": "https://registry.npmjs.org/@types/node/-/node-20.8.0.tgz",
      "dev": true,
      "license": "MIT"
    }
  }
}
`

// NPM returns a single-layer linux/amd64 image with app/package-lock.json.
func NPM() (v1.Image, error) {
	return Build("linux/amd64", Step{CreatedBy: "COPY package-lock.json /app/", Files: []File{
		{Name: "app/package-lock.json", Body: []byte(PackageLock)},
	}})
}

// WhiteoutImage returns a linux/amd64 image whose layer 0 is the Debian 12
// base, layer 1 adds app/package-lock.json (PackageLock) and layer 2
// deletes it again with a whiteout, so only the dpkg packages remain.
func WhiteoutImage() (v1.Image, error) {
	return Build("linux/amd64",
		Step{CreatedBy: "ADD rootfs.tar.xz /", Files: []File{
			{Name: "etc/os-release", Body: []byte(DebianOSRelease)},
			{Name: "var/lib/dpkg/status", Body: []byte(DebianBaseStatus)},
		}},
		Step{CreatedBy: "COPY package-lock.json /app/", Files: []File{
			{Name: "app/package-lock.json", Body: []byte(PackageLock)},
		}},
		Step{CreatedBy: "RUN rm /app/package-lock.json", Files: []File{
			Whiteout("app/package-lock.json"),
			{Name: "app/README", Body: []byte("lock file removed\n")},
		}},
	)
}

// GoAppModule is the module dependency recorded in GoBinary's build info.
const (
	GoAppModule        = "golang.org/x/sync"
	GoAppModuleVersion = "v0.22.0"
)

var goBuild struct {
	once sync.Once
	bin  []byte
	err  error
}

// GoBinary returns a linux/amd64 Go executable built from testdata/goapp
// (it depends on GoAppModule at GoAppModuleVersion). The build runs once
// per test binary and needs the go command and the module cache.
func GoBinary(tb testing.TB) []byte {
	tb.Helper()
	goBuild.once.Do(func() {
		goBuild.bin, goBuild.err = buildGoApp()
	})
	if goBuild.err != nil {
		tb.Fatalf("imagetest: building the Go test binary: %v", goBuild.err)
	}
	return goBuild.bin
}

func buildGoApp() ([]byte, error) {
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		return nil, fmt.Errorf("cannot locate imagetest sources")
	}
	dir := filepath.Dir(self)
	goCmd, err := exec.LookPath("go")
	if err != nil {
		goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	tmp, err := os.MkdirTemp("", "imagetest-go-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, "goapp")
	cmd := exec.Command(goCmd, "build", "-trimpath", "-buildvcs=false", "-o", out, "./testdata/goapp")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0", "GOFLAGS=-mod=readonly", "GOPROXY=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%v: %s", err, b)
	}
	return os.ReadFile(out)
}

// GoApp returns a single-layer linux/amd64 image with the GoBinary at
// app/server.
func GoApp(tb testing.TB) v1.Image {
	tb.Helper()
	img, err := Build("linux/amd64", Step{CreatedBy: "COPY server /app/server", Files: []File{
		{Name: "app/server", Body: GoBinary(tb), Mode: 0o755},
	}})
	if err != nil {
		tb.Fatal(err)
	}
	return img
}

// MultiArch returns an index with a linux/amd64 Debian 12 image and a
// linux/arm64/v8 Alpine 3.20 image.
func MultiArch() (v1.ImageIndex, error) {
	amd, err := debian12("linux/amd64")
	if err != nil {
		return nil, err
	}
	arm, err := Alpine320("linux/arm64/v8")
	if err != nil {
		return nil, err
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	return mutate.AppendManifests(idx,
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}}},
	), nil
}

// Serve starts an in-process registry on 127.0.0.1 for the duration of the
// test, pushes images to it (keys are "repository:tag", e.g. "app:1") and
// returns its host ("127.0.0.1:PORT").
func Serve(tb testing.TB, images map[string]v1.Image) string {
	tb.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	tb.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	for ref, img := range images {
		Push(tb, host, ref, img)
	}
	return host
}

// Push pushes img to host as ref ("repository:tag").
func Push(tb testing.TB, host, ref string, img v1.Image) {
	tb.Helper()
	r, err := name.ParseReference(host+"/"+ref, name.Insecure)
	if err != nil {
		tb.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		tb.Fatalf("imagetest: pushing %s: %v", r, err)
	}
}

// PushIndex pushes idx to host as ref ("repository:tag").
func PushIndex(tb testing.TB, host, ref string, idx v1.ImageIndex) {
	tb.Helper()
	r, err := name.ParseReference(host+"/"+ref, name.Insecure)
	if err != nil {
		tb.Fatal(err)
	}
	if err := remote.WriteIndex(r, idx); err != nil {
		tb.Fatalf("imagetest: pushing %s: %v", r, err)
	}
}
