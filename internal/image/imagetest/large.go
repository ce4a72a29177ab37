package imagetest

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// LargeOptions sizes the image Large builds.
type LargeOptions struct {
	// Dir receives the compressed layer files; it must exist and outlive
	// the image (t.TempDir()). Required.
	Dir string
	// Packages is the number of dpkg packages; 2,000 when zero.
	Packages int
	// TotalBytes is the approximate uncompressed size of the filler
	// files; 300 MiB when zero.
	TotalBytes int64
	// Layers is the number of layers; 6 when zero (at least 2).
	Layers int
	// FileBytes is the size of one filler file; 1 MiB when zero.
	FileBytes int
}

// LargePackageName and LargePackageVersion name package i of a Large image.
func LargePackageName(i int) string    { return fmt.Sprintf("libgen%04d", i) }
func LargePackageVersion(i int) string { return fmt.Sprintf("1.%d.0-1", i) }

// Large returns a linux/amd64 Debian 12 image with opts.Packages dpkg
// packages named LargePackageName(i), version LargePackageVersion(i) and
// "Source: " the same name, a copyright file per package, and filler files
// of random (incompressible) bytes spread over the layers to about
// opts.TotalBytes uncompressed. Layer 0 holds os-release and the first
// three quarters of the packages; the last layer rewrites the dpkg status
// with all of them, so the rest are attributed to it.
//
// Layers are written gzip-compressed to files in opts.Dir as they are made,
// so the image is never held in memory.
func Large(opts LargeOptions) (v1.Image, error) {
	if opts.Dir == "" {
		return nil, errors.New("imagetest: LargeOptions.Dir is required")
	}
	if opts.Packages <= 0 {
		opts.Packages = 2000
	}
	if opts.TotalBytes <= 0 {
		opts.TotalBytes = 300 << 20
	}
	if opts.Layers < 2 {
		opts.Layers = 6
	}
	if opts.FileBytes <= 0 {
		opts.FileBytes = 1 << 20
	}
	base := opts.Packages * 3 / 4
	nFiles := int((opts.TotalBytes + int64(opts.FileBytes) - 1) / int64(opts.FileBytes))
	perLayer := (nFiles + opts.Layers - 1) / opts.Layers
	rng := rand.NewChaCha8([32]byte{'p', 'a', 'l', 'i', 's', 'a', 'd', 'e'})
	filler := make([]byte, opts.FileBytes)

	var steps []Step
	written := 0
	for li := 0; li < opts.Layers; li++ {
		path := filepath.Join(opts.Dir, fmt.Sprintf("large-layer-%d.tar.gz", li))
		err := writeGzipTar(path, func(tw *tar.Writer) error {
			if li == 0 {
				if err := writeEntry(tw, File{Name: "etc/os-release", Body: []byte(DebianOSRelease)}); err != nil {
					return err
				}
				if err := writeEntry(tw, File{Name: "var/lib/dpkg/status", Body: largeStatus(0, base)}); err != nil {
					return err
				}
				for i := range opts.Packages {
					n := LargePackageName(i)
					body := []byte("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: " + n + "\nLicense: MIT\n")
					if err := writeEntry(tw, File{Name: "usr/share/doc/" + n + "/copyright", Body: body}); err != nil {
						return err
					}
				}
			}
			if li == opts.Layers-1 {
				if err := writeEntry(tw, File{Name: "var/lib/dpkg/status", Body: largeStatus(0, opts.Packages)}); err != nil {
					return err
				}
			}
			for f := 0; f < perLayer && written < nFiles; f++ {
				rng.Read(filler)
				name := fmt.Sprintf("opt/data/layer%d/blob%05d.bin", li, written)
				if err := writeEntry(tw, File{Name: name, Body: filler}); err != nil {
					return err
				}
				written++
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("imagetest: large layer %d: %w", li, err)
		}
		l, err := tarball.LayerFromFile(path)
		if err != nil {
			return nil, fmt.Errorf("imagetest: large layer %d: %w", li, err)
		}
		steps = append(steps, Step{CreatedBy: fmt.Sprintf("RUN build step %d", li), Layer: l})
	}
	return Build("linux/amd64", steps...)
}

// largeStatus returns a dpkg status database with packages [from, to).
func largeStatus(from, to int) []byte {
	var b strings.Builder
	for i := from; i < to; i++ {
		n := LargePackageName(i)
		fmt.Fprintf(&b, "Package: %s\nStatus: install ok installed\nPriority: optional\nSection: libs\n"+
			"Maintainer: Palisade Test <test@example.invalid>\nArchitecture: amd64\nSource: %s\nVersion: %s\n"+
			"Description: generated test package %d\n\n", n, n, LargePackageVersion(i), i)
	}
	return []byte(b.String())
}

// writeGzipTar writes a gzip-compressed tar to path. Huffman-only
// compression keeps generation fast; the result is ordinary gzip.
func writeGzipTar(path string, fill func(*tar.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	zw, err := gzip.NewWriterLevel(bw, gzip.HuffmanOnly)
	if err != nil {
		f.Close()
		return err
	}
	tw := tar.NewWriter(zw)
	err = fill(tw)
	for _, c := range []func() error{tw.Close, zw.Close, bw.Flush, f.Close} {
		if cerr := c(); err == nil {
			err = cerr
		}
	}
	return err
}
