package source

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// Options say what to read and how.
type Options struct {
	// Paths are files, folders (read recursively), Helm chart folders,
	// Kustomize folders, or "-" for Stdin.
	Paths []string
	// Stdin is read for the path "-".
	Stdin io.Reader
	// ValuesFiles are Helm values files applied, in order, to every chart.
	ValuesFiles []string
	// Namespace, when set, is the namespace the manifests are applied to,
	// as with `kubectl apply -n` or `helm install -n`: charts render as a
	// release in it, and objects of namespaced kinds that name no namespace
	// are placed in it. Objects of unknown kinds (CRDs) are left as they
	// are, since their scope is not known.
	Namespace string
	// Limits bound each document; the zero value means DefaultLimits.
	Limits Limits
}

// Result is what was read.
type Result struct {
	Objects []*cluster.Object
	Errors  []InputError
	// Files counts the manifest files, charts and kustomizations read.
	Files int
	// Skipped are files found in folders that hold no Kubernetes objects.
	Skipped []string
}

// Load reads every input. Input that cannot be read is reported in
// Result.Errors and the rest is still read; the returned error is reserved
// for a problem that stops the whole load.
func Load(opts Options) *Result {
	limits := opts.Limits
	if limits == (Limits{}) {
		limits = DefaultLimits
	}
	l := &loader{opts: opts, dec: &Decoder{Limits: limits}, res: &Result{}}
	for _, p := range opts.Paths {
		l.load(p)
	}
	if opts.Namespace != "" {
		for _, o := range l.res.Objects {
			if o.ID.Namespace == "" && cluster.IsNamespaced(o) {
				o.ID.Namespace = opts.Namespace
				o.Meta.SetNamespace(opts.Namespace)
			}
		}
	}
	return l.res
}

type loader struct {
	opts Options
	dec  *Decoder
	res  *Result
	// bases are the kustomization folders of the folder being walked that
	// an overlay in it builds; they are scanned through the overlay.
	bases map[string]string
}

func (l *loader) addError(file string, line int, format string, args ...any) {
	l.res.Errors = append(l.res.Errors, InputError{File: file, Line: line, Message: fmt.Sprintf(format, args...)})
}

// decode adds the objects of one file's bytes.
func (l *loader) decode(name string, data []byte) {
	l.res.Files++
	objs, errs := l.dec.Decode(name, data)
	l.res.Objects = append(l.res.Objects, objs...)
	l.res.Errors = append(l.res.Errors, errs...)
}

func (l *loader) load(p string) {
	if p == "-" {
		if l.opts.Stdin == nil {
			l.addError("-", 0, "no standard input")
			return
		}
		data, err := io.ReadAll(l.opts.Stdin)
		if err != nil {
			l.addError("-", 0, "reading standard input: %v", err)
			return
		}
		l.decode("-", data)
		return
	}
	info, err := os.Stat(p)
	if err != nil {
		l.addError(p, 0, "%v", unwrapPathError(err))
		return
	}
	if !info.IsDir() {
		l.loadFile(p, true)
		return
	}
	l.bases = kustomizeBases(filepath.Clean(p))
	delete(l.bases, filepath.Clean(p)) // a folder the user names is always read
	l.loadDir(p)
}

// loadDir reads a folder: as a Helm chart or a kustomization when it is
// one, otherwise every manifest below it, treating nested charts and
// kustomizations as units.
func (l *loader) loadDir(dir string) {
	if isChart(dir) {
		l.loadChart(dir)
		return
	}
	if isKustomization(dir) {
		if _, isBase := l.bases[filepath.Clean(dir)]; isBase {
			l.res.Skipped = append(l.res.Skipped, dir) // read through the overlay that builds it
			return
		}
		l.loadKustomization(dir)
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		l.addError(dir, 0, "%v", unwrapPathError(err))
		return
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	for _, e := range entries {
		name := e.Name()
		p := filepath.Join(dir, name)
		switch {
		case strings.HasPrefix(name, "."):
			continue // .git, .palisade.yaml, editor files
		case e.IsDir():
			l.loadDir(p)
		case e.Type()&fs.ModeSymlink != 0:
			continue // never follow links out of the tree
		case isManifestName(name):
			l.loadFile(p, false)
		}
	}
}

// loadFile reads one manifest file. A file met while walking a folder that
// cannot hold a Kubernetes object (no "apiVersion" or "kind" anywhere in it:
// CI configs, compose files, test data) is skipped; a file the user named
// is always decoded, so a mistake there is reported.
func (l *loader) loadFile(p string, named bool) {
	data, err := os.ReadFile(p)
	if err != nil {
		l.addError(p, 0, "%v", unwrapPathError(err))
		return
	}
	if !named && !mayHoldObjects(data) {
		l.res.Skipped = append(l.res.Skipped, p)
		return
	}
	l.decode(p, data)
}

func mayHoldObjects(data []byte) bool {
	return bytes.Contains(data, []byte("apiVersion")) && bytes.Contains(data, []byte("kind"))
}

func (l *loader) loadChart(dir string) {
	ns := l.opts.Namespace
	if ns == "" {
		ns = HelmNamespace
	}
	files, err := renderChart(dir, ns, l.opts.ValuesFiles)
	if err != nil {
		l.addError(dir, 0, "Helm chart did not render: %v", err)
		return
	}
	l.res.Files++ // the chart is one input, however many templates it has
	for _, f := range files {
		objs, errs := l.dec.Decode(f.Name, f.Data)
		l.res.Objects = append(l.res.Objects, objs...)
		l.res.Errors = append(l.res.Errors, errs...)
	}
}

// loadKustomization reads the built resources of a kustomization, each
// attributed to the file it came from (see decodeKustomization).
func (l *loader) loadKustomization(dir string) {
	objs, errs, err := decodeKustomization(l.dec, dir)
	if err != nil {
		l.addError(dir, 0, "kustomization did not build: %v", err)
		return
	}
	l.res.Files++
	l.res.Objects = append(l.res.Objects, objs...)
	l.res.Errors = append(l.res.Errors, errs...)
}

func isManifestName(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

func isChart(dir string) bool { return fileExists(filepath.Join(dir, "Chart.yaml")) }

// KustomizationFileNames are the names Kustomize looks for in a folder.
var KustomizationFileNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

func isKustomization(dir string) bool { return kustomizationFile(dir) != "" }

func fileExists(p string) bool {
	info, err := os.Stat(p)
	return err == nil && !info.IsDir()
}

// unwrapPathError drops the path from an fs.PathError: the InputError
// already names the file.
func unwrapPathError(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}
