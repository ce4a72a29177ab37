// Package image loads container images — from a registry, from a
// `docker save` or OCI archive, or from an OCI image-layout directory — and
// inventories the packages installed in them.
//
// Loading uses go-containerregistry; a multi-arch index is resolved to the
// image of one platform. The inventory uses osv-scalibr's container layer
// scanning (layers squashed honouring whiteouts) and a fixed, offline set of
// its filesystem extractors (OS package databases, Go binaries, npm, Python
// and Java metadata). Every package is attributed to the layer that
// introduced it.
//
// Reading is bounded: Options limits the uncompressed size of one layer, of
// the whole image and the number of entries, and a layer that breaks a limit
// or cannot be read is reported by a *LayerError while the packages of the
// readable layers are still returned.
package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// DefaultPlatform is the platform chosen from a multi-arch index when
// Options.Platform is empty.
const DefaultPlatform = "linux/amd64"

// Default bounds, used when the matching Options field is zero.
const (
	DefaultMaxLayerBytes int64 = 4 << 30  // uncompressed bytes of one layer
	DefaultMaxTotalBytes int64 = 16 << 30 // uncompressed bytes of all layers
	DefaultMaxFiles            = 2_000_000
	// maxArchiveBytes bounds how much of an OCI image-layout tarball is
	// unpacked to a temporary directory.
	maxArchiveBytes int64 = 32 << 30
)

// Options says how to load an image and how much of it to read.
type Options struct {
	// Platform is os/arch[/variant] picked from a multi-arch index;
	// DefaultPlatform when empty.
	Platform string
	// Keychain gives registry credentials; authn.DefaultKeychain (the
	// docker config) when nil. Anonymous forces anonymous access.
	Keychain  authn.Keychain
	Anonymous bool
	// Insecure allows plain HTTP (and unverified TLS is not implied) to
	// the registry named in the reference. Loopback registries
	// (127.0.0.1, localhost) are always reached over plain HTTP.
	Insecure bool
	// MaxLayerBytes bounds the uncompressed size of one layer,
	// MaxTotalBytes the uncompressed size of all layers together and
	// MaxFiles the number of tar entries of all layers together. Zero
	// means the Default* value.
	MaxLayerBytes int64
	MaxTotalBytes int64
	MaxFiles      int
	// Transport, when set, carries every registry request instead of the
	// default HTTP transport (a proxy, or a test's loopback registry).
	Transport http.RoundTripper
}

func (o Options) platform() (*v1.Platform, error) {
	s := o.Platform
	if s == "" {
		s = DefaultPlatform
	}
	p, err := v1.ParsePlatform(s)
	if err != nil {
		return nil, fmt.Errorf("image: bad platform %q: %w", s, err)
	}
	return p, nil
}

func (o Options) limits() (layer, total int64, files int) {
	layer, total, files = o.MaxLayerBytes, o.MaxTotalBytes, o.MaxFiles
	if layer <= 0 {
		layer = DefaultMaxLayerBytes
	}
	if total <= 0 {
		total = DefaultMaxTotalBytes
	}
	if files <= 0 {
		files = DefaultMaxFiles
	}
	return layer, total, files
}

func (o Options) remoteOptions(ctx context.Context) []remote.Option {
	ro := []remote.Option{remote.WithContext(ctx)}
	switch {
	case o.Anonymous:
		ro = append(ro, remote.WithAuth(authn.Anonymous))
	case o.Keychain != nil:
		ro = append(ro, remote.WithAuthFromKeychain(o.Keychain))
	default:
		ro = append(ro, remote.WithAuthFromKeychain(authn.DefaultKeychain))
	}
	if o.Transport != nil {
		ro = append(ro, remote.WithTransport(o.Transport))
	}
	return ro
}

func (o Options) nameOptions() []name.Option {
	if o.Insecure {
		return []name.Option{name.Insecure}
	}
	return nil
}

// Source names where an image is read from. Exactly one field is set.
type Source struct {
	// Ref is a registry reference ("registry.example/app:1.2",
	// "app@sha256:...").
	Ref string
	// Tarball is the path of a `docker save` archive or of a tar of an OCI
	// image layout.
	Tarball string
	// OCILayout is the path of an OCI image-layout directory.
	OCILayout string
}

// String returns the source as given.
func (s Source) String() string {
	switch {
	case s.Ref != "":
		return s.Ref
	case s.Tarball != "":
		return s.Tarball
	default:
		return s.OCILayout
	}
}

// Image is an image opened for reading. Close releases its temporary files.
type Image struct {
	img      v1.Image
	ref      string
	digest   string
	platform string
	opts     Options
	tmpDir   string
}

// Open opens the image src names. For a multi-arch index it picks the image
// of opts.Platform and, when there is none, fails with an error listing the
// platforms the index offers.
func Open(ctx context.Context, src Source, opts Options) (*Image, error) {
	set := 0
	for _, s := range []string{src.Ref, src.Tarball, src.OCILayout} {
		if s != "" {
			set++
		}
	}
	if set != 1 {
		return nil, errors.New("image: exactly one of Source.Ref, Source.Tarball and Source.OCILayout must be set")
	}
	want, err := opts.platform()
	if err != nil {
		return nil, err
	}
	im := &Image{ref: src.String(), opts: opts}
	switch {
	case src.Ref != "":
		im.img, err = openRemote(ctx, src.Ref, want, opts)
	case src.Tarball != "":
		im.img, im.tmpDir, err = openTarball(src.Tarball, want)
	default:
		im.img, err = openLayout(src.OCILayout, want)
	}
	if err == nil {
		var d v1.Hash
		if d, err = im.img.Digest(); err != nil {
			err = fmt.Errorf("image: %s: manifest digest: %w", im.ref, err)
		}
		im.digest = d.String()
	}
	if err != nil {
		im.Close()
		if src.Tarball != "" {
			if derr := diagnoseArchive(src.Tarball); derr != nil {
				err = fmt.Errorf("%w: %w", err, derr)
			}
		}
		return nil, err
	}
	if cf, err := im.img.ConfigFile(); err == nil && cf != nil {
		im.platform = platformString(cf.OS, cf.Architecture, cf.Variant)
	}
	if im.platform == "" {
		im.platform = want.String()
	}
	return im, nil
}

// Ref returns the source the image was opened from, as given.
func (im *Image) Ref() string { return im.ref }

// Digest returns the manifest digest ("sha256:...") of the image read; for a
// multi-arch index, of the chosen platform's image.
func (im *Image) Digest() string { return im.digest }

// Platform returns os/arch[/variant] of the image, from its config.
func (im *Image) Platform() string { return im.platform }

// V1 returns the underlying go-containerregistry image.
func (im *Image) V1() v1.Image { return im.img }

// Close removes temporary files made while opening the image. It is safe to
// call more than once.
func (im *Image) Close() error {
	if im == nil || im.tmpDir == "" {
		return nil
	}
	err := os.RemoveAll(im.tmpDir)
	im.tmpDir = ""
	return err
}

// ResolveDigest asks the registry which manifest digest ref's tag names now
// (a HEAD request, falling back to GET). For a multi-arch tag it is the
// digest of the index, which is what a pinned reference names.
func ResolveDigest(ctx context.Context, ref string, opts Options) (string, error) {
	r, err := name.ParseReference(ref, opts.nameOptions()...)
	if err != nil {
		return "", fmt.Errorf("image: bad reference %q: %w", ref, err)
	}
	ro := opts.remoteOptions(ctx)
	if d, err := remote.Head(r, ro...); err == nil {
		return d.Digest.String(), nil
	}
	d, err := remote.Get(r, ro...)
	if err != nil {
		return "", fmt.Errorf("image: resolving %s: %w", ref, err)
	}
	return d.Digest.String(), nil
}

func openRemote(ctx context.Context, ref string, want *v1.Platform, opts Options) (v1.Image, error) {
	r, err := name.ParseReference(ref, opts.nameOptions()...)
	if err != nil {
		return nil, fmt.Errorf("image: bad reference %q: %w", ref, err)
	}
	desc, err := remote.Get(r, opts.remoteOptions(ctx)...)
	if err != nil {
		return nil, fmt.Errorf("image: fetching %s: %w", ref, err)
	}
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, fmt.Errorf("image: %s: reading index: %w", ref, err)
		}
		img, err := selectPlatform(idx, want)
		if err != nil {
			return nil, fmt.Errorf("image: %s: %w", ref, err)
		}
		return img, nil
	}
	img, err := desc.Image()
	if err != nil {
		return nil, fmt.Errorf("image: %s: %w", ref, err)
	}
	return img, nil
}

func openLayout(dir string, want *v1.Platform) (v1.Image, error) {
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("image: %s is not an OCI image layout: %w", dir, err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("image: %s: reading index.json: %w", dir, err)
	}
	img, err := selectPlatform(idx, want)
	if err != nil {
		return nil, fmt.Errorf("image: %s: %w", dir, err)
	}
	return img, nil
}

func openTarball(path string, want *v1.Platform) (v1.Image, string, error) {
	isOCI, err := tarHasOCILayout(path)
	if err != nil {
		return nil, "", fmt.Errorf("image: reading archive %s: %w", path, err)
	}
	if !isOCI {
		img, err := tarball.ImageFromPath(path, nil)
		if err != nil {
			return nil, "", fmt.Errorf("image: reading archive %s: %w", path, err)
		}
		return img, "", nil
	}
	dir, err := os.MkdirTemp("", "palisade-oci-*")
	if err != nil {
		return nil, "", fmt.Errorf("image: %w", err)
	}
	if err := untar(path, dir); err != nil {
		os.RemoveAll(dir)
		return nil, "", fmt.Errorf("image: unpacking OCI archive %s: %w", path, err)
	}
	img, err := openLayout(dir, want)
	if err != nil {
		os.RemoveAll(dir)
		return nil, "", fmt.Errorf("image: archive %s: %w", path, err)
	}
	return img, dir, nil
}

// tarHasOCILayout reports whether the archive at path is a tar of an OCI
// image layout (has an oci-layout file and no docker manifest.json).
func tarHasOCILayout(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	oci, docker := false, false
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			// A damaged archive: let the docker reader report it.
			return false, nil
		}
		switch filepath.Clean(h.Name) {
		case "oci-layout":
			oci = true
		case "manifest.json":
			docker = true
		}
	}
	return oci && !docker, nil
}

// diagnoseArchive reads the archive at path to its end and says which
// entry (a layer blob, usually named after its digest) is cut short or
// damaged; nil when the archive reads to its end.
func diagnoseArchive(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("archive is damaged after its last complete entry: %w", err)
		}
		if _, err := io.Copy(io.Discard, tr); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("archive is truncated in entry %q (%d bytes expected)", h.Name, h.Size)
			}
			return fmt.Errorf("archive entry %q: %w", h.Name, err)
		}
	}
}

// untar unpacks regular files and directories of the archive at path into
// dir, refusing names that leave dir and stopping at maxArchiveBytes.
func untar(path, dir string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	var total int64
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		clean := filepath.Clean(filepath.FromSlash(h.Name))
		if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, ".."+string(filepath.Separator)) {
			return fmt.Errorf("entry %q leaves the archive", h.Name)
		}
		target := filepath.Join(dir, clean)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			total += h.Size
			if total > maxArchiveBytes {
				return fmt.Errorf("archive larger than %d bytes", maxArchiveBytes)
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
			if err != nil {
				return err
			}
			_, err = io.Copy(out, tr)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("entry %q: %w", h.Name, err)
			}
		}
	}
}

// selectPlatform picks the image for want from idx, descending into nested
// indexes. A single image without a platform in its descriptor (as
// `layout.Write` records it) is matched by its config.
func selectPlatform(idx v1.ImageIndex, want *v1.Platform) (v1.Image, error) {
	var seen []string
	img, err := selectIn(idx, want, &seen, 0)
	if err != nil {
		return nil, err
	}
	if img != nil {
		return img, nil
	}
	sort.Strings(seen)
	seen = dedupe(seen)
	if len(seen) == 0 {
		return nil, fmt.Errorf("no image for platform %s: the index names no images", want)
	}
	return nil, fmt.Errorf("no image for platform %s; available: %s", want, strings.Join(seen, ", "))
}

func selectIn(idx v1.ImageIndex, want *v1.Platform, seen *[]string, depth int) (v1.Image, error) {
	if depth > 4 {
		return nil, errors.New("index nesting deeper than 4")
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("reading index manifest: %w", err)
	}
	for _, d := range im.Manifests {
		switch {
		case d.MediaType.IsImage():
			p := d.Platform
			var img v1.Image
			if p == nil {
				img, err = idx.Image(d.Digest)
				if err != nil {
					return nil, fmt.Errorf("reading image %s: %w", d.Digest, err)
				}
				cf, err := img.ConfigFile()
				if err != nil {
					return nil, fmt.Errorf("reading config of image %s: %w", d.Digest, err)
				}
				p = &v1.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant}
			}
			if p.OS == "unknown" { // attestation manifests
				continue
			}
			*seen = append(*seen, platformString(p.OS, p.Architecture, p.Variant))
			if !p.Satisfies(*want) {
				continue
			}
			if img == nil {
				img, err = idx.Image(d.Digest)
				if err != nil {
					return nil, fmt.Errorf("reading image %s: %w", d.Digest, err)
				}
			}
			return img, nil
		case d.MediaType.IsIndex():
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return nil, fmt.Errorf("reading index %s: %w", d.Digest, err)
			}
			img, err := selectIn(child, want, seen, depth+1)
			if err != nil || img != nil {
				return img, err
			}
		}
	}
	return nil, nil
}

func platformString(os, arch, variant string) string {
	if os == "" && arch == "" {
		return ""
	}
	s := os + "/" + arch
	if variant != "" {
		s += "/" + variant
	}
	return s
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
