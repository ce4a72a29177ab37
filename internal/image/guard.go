package image

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/osv-scalibr/extractor/filesystem"
)

// ErrLimit is wrapped by errors about a layer or image that breaks one of
// the Options bounds.
var ErrLimit = errors.New("limit exceeded")

// LayerError says why one layer could not be read (fully). The entries of
// the layer read before the failure are kept.
type LayerError struct {
	// Source is the image as given to Open.
	Source string
	// Index is the position of the layer in the manifest (0 is the base)
	// and Digest its compressed digest.
	Index  int
	Digest string
	Err    error
}

func (e *LayerError) Error() string {
	return fmt.Sprintf("image %s: layer %d (%s): %v", e.Source, e.Index, e.Digest, e.Err)
}

func (e *LayerError) Unwrap() error { return e.Err }

// smallFile is the size up to which a regular file is kept in the squashed
// view even when no extractor asks for it; extractors read small neighbour
// files (os-release, dpkg info lists) on their own.
const smallFile = 64 << 10

// spoolInMemory is the size up to which a kept file is buffered in memory
// before it is handed on; larger ones go through a temporary file.
const spoolInMemory = 8 << 20

// emptyTar is a tar stream with no entries.
var emptyTar = func() []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	_ = tw.Close()
	return b.Bytes()
}()

// budget is shared by the layers of one image read.
type budget struct {
	maxLayer, maxTotal int64
	maxFiles           int

	// wg counts the restreaming goroutines, which record their errors.
	wg sync.WaitGroup

	mu    sync.Mutex
	total int64
	files int
	errs  map[int]*LayerError
}

func (b *budget) fail(e *LayerError) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.errs == nil {
		b.errs = map[int]*LayerError{}
	}
	if _, ok := b.errs[e.Index]; !ok {
		b.errs[e.Index] = e
	}
}

func (b *budget) addBytes(n int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total += n
	if b.total > b.maxTotal {
		return fmt.Errorf("%w: image is larger than %d bytes uncompressed", ErrLimit, b.maxTotal)
	}
	return nil
}

func (b *budget) addFile() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.files++
	if b.files > b.maxFiles {
		return fmt.Errorf("%w: image has more than %d files", ErrLimit, b.maxFiles)
	}
	return nil
}

// guardedImage is an image whose layers are read through guardedLayer.
type guardedImage struct {
	v1.Image
	layers []v1.Layer
}

func (g *guardedImage) Layers() ([]v1.Layer, error) { return g.layers, nil }

// guardedLayer re-streams a layer's tar, enforcing the budget, dropping
// large files no extractor wants, and ending the stream cleanly (after the
// last complete entry) when the layer turns out to be unreadable, so the
// layers around it can still be squashed.
type guardedLayer struct {
	v1.Layer
	ctx    context.Context
	src    string
	index  int
	digest string
	b      *budget
	keep   func(*tar.Header) bool
}

func (l *guardedLayer) failure(err error) *LayerError {
	return &LayerError{Source: l.src, Index: l.index, Digest: l.digest, Err: err}
}

func (l *guardedLayer) Uncompressed() (io.ReadCloser, error) {
	rc, err := l.Layer.Uncompressed()
	if err != nil {
		l.b.fail(l.failure(err))
		return io.NopCloser(bytes.NewReader(emptyTar)), nil
	}
	pr, pw := io.Pipe()
	l.b.wg.Add(1)
	go func() {
		defer l.b.wg.Done()
		defer rc.Close()
		err := l.restream(rc, pw, func(err error) { l.b.fail(l.failure(err)) })
		pw.CloseWithError(err)
	}()
	return pr, nil
}

// countingReader fails once more than limit bytes have been read.
type countingReader struct {
	r     io.Reader
	n     int64
	limit int64
	b     *budget
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.limit {
		return n, fmt.Errorf("%w: layer is larger than %d bytes uncompressed", ErrLimit, c.limit)
	}
	if berr := c.b.addBytes(int64(n)); berr != nil {
		return n, berr
	}
	return n, err
}

// restream copies the entries of the layer tar in r to w as a new tar.
// The first read or limit error is passed to fail; w is then still ended
// with a valid end of archive after the last complete entry, and restream
// returns nil. It returns an error only when writing w fails.
func (l *guardedLayer) restream(r io.Reader, w io.Writer, fail func(error)) error {
	tw := tar.NewWriter(w)
	if err := l.copyEntries(r, tw); err != nil {
		fail(err)
	}
	if err := tw.Close(); err != nil && !errors.Is(err, io.ErrClosedPipe) {
		return err
	}
	return nil
}

func (l *guardedLayer) copyEntries(r io.Reader, tw *tar.Writer) error {
	cr := &countingReader{r: r, limit: l.b.maxLayer, b: l.b}
	tr := tar.NewReader(cr)
	var spool *os.File
	defer func() {
		if spool != nil {
			spool.Close()
			os.Remove(spool.Name())
		}
	}()
	var buf bytes.Buffer
	for {
		if err := l.ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return readErr(err)
		}
		if err := l.b.addFile(); err != nil {
			return err
		}
		if !l.keep(h) {
			continue
		}
		if h.Typeflag != tar.TypeReg {
			if err := tw.WriteHeader(h); err != nil {
				return nil // the reader went away
			}
			continue
		}
		// Read the whole entry before writing its header, so a truncated
		// entry never reaches the writer.
		var body io.Reader
		if h.Size <= spoolInMemory {
			buf.Reset()
			if _, err := io.Copy(&buf, tr); err != nil {
				return readErr(err)
			}
			body = &buf
		} else {
			if spool == nil {
				if spool, err = os.CreateTemp("", "palisade-layer-*"); err != nil {
					return err
				}
			}
			if err := spool.Truncate(0); err != nil {
				return err
			}
			if _, err := spool.Seek(0, io.SeekStart); err != nil {
				return err
			}
			if _, err := io.Copy(spool, tr); err != nil {
				return readErr(err)
			}
			if _, err := spool.Seek(0, io.SeekStart); err != nil {
				return err
			}
			body = spool
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil
		}
		if _, err := io.Copy(tw, body); err != nil {
			return nil
		}
	}
	// Read to the end of the blob, so that its digest is verified.
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return readErr(err)
	}
	return nil
}

func readErr(err error) error {
	if errors.Is(err, ErrLimit) {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("truncated layer: %w", err)
	}
	if errors.Is(err, tar.ErrHeader) {
		return fmt.Errorf("not a tar archive (or not gzip-compressed as declared): %w", err)
	}
	return fmt.Errorf("reading layer: %w", err)
}

// keepFunc returns whether a tar entry goes into the squashed view:
// everything but large regular files no extractor asks for.
func keepFunc(exts []filesystem.Extractor) func(*tar.Header) bool {
	return func(h *tar.Header) bool {
		if h.Typeflag != tar.TypeReg || h.Size <= smallFile {
			return true
		}
		base := path.Base(h.Name)
		if strings.HasPrefix(base, ".wh.") {
			return true
		}
		api := headerAPI{path: relPath(h.Name), info: h.FileInfo()}
		for _, e := range exts {
			if e.FileRequired(api) {
				return true
			}
		}
		return false
	}
}

// headerAPI is a filesystem.FileAPI over a tar header.
type headerAPI struct {
	path string
	info fs.FileInfo
}

func (a headerAPI) Path() string               { return a.path }
func (a headerAPI) Stat() (fs.FileInfo, error) { return a.info, nil }

// relPath turns a tar entry name into a slash path relative to the root.
func relPath(name string) string {
	p := path.Clean("/" + strings.TrimPrefix(name, "./"))
	return strings.TrimPrefix(p, "/")
}
