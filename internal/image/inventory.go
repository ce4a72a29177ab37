package image

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	scalibrimage "github.com/google/osv-scalibr/artifact/image"
	layerimage "github.com/google/osv-scalibr/artifact/image/layerscanning/image"
	cpb "github.com/google/osv-scalibr/binary/proto/config_go_proto"
	"github.com/google/osv-scalibr/extractor"
	"github.com/google/osv-scalibr/extractor/filesystem"
	"github.com/google/osv-scalibr/extractor/filesystem/language/golang/gobinary"
	javaarchive "github.com/google/osv-scalibr/extractor/filesystem/language/java/archive"
	"github.com/google/osv-scalibr/extractor/filesystem/language/java/pomxml"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/packagejson"
	"github.com/google/osv-scalibr/extractor/filesystem/language/javascript/packagelockjson"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/requirements"
	"github.com/google/osv-scalibr/extractor/filesystem/language/python/wheelegg"
	"github.com/google/osv-scalibr/extractor/filesystem/os/apk"
	apkmeta "github.com/google/osv-scalibr/extractor/filesystem/os/apk/metadata"
	"github.com/google/osv-scalibr/extractor/filesystem/os/dpkg"
	dpkgmeta "github.com/google/osv-scalibr/extractor/filesystem/os/dpkg/metadata"
	"github.com/google/osv-scalibr/extractor/filesystem/os/osrelease"
	"github.com/google/osv-scalibr/extractor/filesystem/os/rpm"
	rpmmeta "github.com/google/osv-scalibr/extractor/filesystem/os/rpm/metadata"
	scalibrfs "github.com/google/osv-scalibr/fs"
	"github.com/google/osv-scalibr/plugin"
	"github.com/google/osv-scalibr/stats"

	"github.com/palisade-sec/palisade/internal/imagefacts"
)

// extractorTypes maps the scalibr extractors Palisade runs to the
// imagefacts.Package Type they produce. All of them work offline on the
// image's files alone.
var extractorTypes = map[string]string{
	dpkg.Name:            "dpkg",
	apk.Name:             "apk",
	rpm.Name:             "rpm",
	gobinary.Name:        "go-binary",
	packagelockjson.Name: "npm",
	packagejson.Name:     "npm",
	wheelegg.Name:        "python",
	requirements.Name:    "python",
	javaarchive.Name:     "java",
	pomxml.Name:          "java",
}

// extractors returns a fresh set of the extractors in extractorTypes.
func extractors() ([]filesystem.Extractor, error) {
	news := []func(*cpb.PluginConfig) (filesystem.Extractor, error){
		dpkg.New, apk.New, rpm.New, gobinary.New, packagelockjson.New,
		packagejson.New, wheelegg.New, requirements.New, javaarchive.New, pomxml.New,
	}
	out := make([]filesystem.Extractor, 0, len(news))
	for _, n := range news {
		e, err := n(&cpb.PluginConfig{})
		if err != nil {
			return nil, fmt.Errorf("image: setting up extractor: %w", err)
		}
		out = append(out, e)
	}
	return out, nil
}

// Inventory reads the image's layers and returns its packages, OS release
// and layers. When some layers cannot be read or break a bound, it returns
// the inventory of what could be read together with an error joining one
// *LayerError per such layer; other failures return a nil inventory.
func (im *Image) Inventory(ctx context.Context) (*imagefacts.Inventory, error) {
	inv := &imagefacts.Inventory{
		Image:    im.ref,
		Digest:   im.digest,
		Platform: im.platform,
		Layers:   []imagefacts.Layer{},
		Packages: []imagefacts.Package{},
	}
	layers, err := im.img.Layers()
	if err != nil {
		return nil, fmt.Errorf("image %s: listing layers: %w", im.ref, err)
	}
	if len(layers) == 0 {
		return nil, fmt.Errorf("image %s: the image has no layers", im.ref)
	}
	cf, err := im.img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("image %s: reading config: %w", im.ref, err)
	}
	inv.Layers = describeLayers(layers, cf)

	exts, err := extractors()
	if err != nil {
		return nil, err
	}
	maxLayer, maxTotal, maxFiles := im.opts.limits()
	b := &budget{maxLayer: maxLayer, maxTotal: maxTotal, maxFiles: maxFiles}
	keep := keepFunc(exts)
	guarded := make([]v1.Layer, len(layers))
	for i, l := range layers {
		guarded[i] = &guardedLayer{
			Layer: l, ctx: ctx, src: im.ref, index: i,
			digest: inv.Layers[i].Digest, b: b, keep: keep,
		}
	}
	cfg := layerimage.DefaultConfig()
	cfg.MaxFileBytes = maxLayer
	simg, err := layerimage.FromV1Image(&guardedImage{Image: im.img, layers: guarded}, cfg)
	b.wg.Wait()
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return nil, cerr
		}
		return nil, fmt.Errorf("image %s: squashing layers: %w", im.ref, errors.Join(err, b.joined()))
	}
	defer simg.CleanUp()
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	top := simg.FS()
	inv.OS = readOSRelease(top)

	res, status, err := filesystem.Run(ctx, &filesystem.Config{
		Extractors: exts,
		ScanRoots:  []*scalibrfs.ScanRoot{{FS: top}},
		Stats:      stats.NoopCollector{},
	})
	if err != nil {
		return nil, fmt.Errorf("image %s: extracting packages: %w", im.ref, err)
	}
	var errs []error
	errs = append(errs, b.joined())
	errs = append(errs, statusErrors(im.ref, status)...)

	chain, err := simg.ChainLayers()
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", im.ref, err)
	}
	origin := attribute(ctx, res.Packages, chain, len(layers), exts)

	for i, p := range res.Packages {
		pkg := convert(p)
		pkg.Layer = origin[i]
		inv.Packages = append(inv.Packages, pkg)
	}
	SortPackages(inv.Packages)
	return inv, errors.Join(errs...)
}

func (b *budget) joined() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	idx := make([]int, 0, len(b.errs))
	for i := range b.errs {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	var errs []error
	for _, i := range idx {
		errs = append(errs, b.errs[i])
	}
	return errors.Join(errs...)
}

func statusErrors(src string, status []*plugin.Status) []error {
	var errs []error
	for _, s := range status {
		if s.Status == nil || s.Status.Status != plugin.ScanStatusFailed {
			continue
		}
		if len(s.Status.FileErrors) == 0 {
			errs = append(errs, fmt.Errorf("image %s: extractor %s: %s", src, s.Name, s.Status.FailureReason))
		}
		for _, fe := range s.Status.FileErrors {
			errs = append(errs, fmt.Errorf("image %s: extractor %s: %s: %s", src, s.Name, fe.FilePath, fe.ErrorMessage))
		}
	}
	return errs
}

// describeLayers pairs the layers with their diffIDs and with the non-empty
// history entries of the config, when their counts agree.
func describeLayers(layers []v1.Layer, cf *v1.ConfigFile) []imagefacts.Layer {
	out := make([]imagefacts.Layer, len(layers))
	var created []string
	if cf != nil {
		for _, h := range cf.History {
			if !h.EmptyLayer {
				created = append(created, h.CreatedBy)
			}
		}
	}
	if len(created) != len(layers) {
		created = nil
	}
	for i, l := range layers {
		if d, err := l.Digest(); err == nil {
			out[i].Digest = d.String()
		}
		if cf != nil && i < len(cf.RootFS.DiffIDs) {
			out[i].DiffID = cf.RootFS.DiffIDs[i].String()
		} else if d, err := l.DiffID(); err == nil {
			out[i].DiffID = d.String()
		}
		if created != nil {
			out[i].CreatedBy = created[i]
		}
	}
	return out
}

// attribute returns, for each package, the index of the layer that
// introduced it (-1 when unknown): the lowest layer from which on the
// package is present in every squashed view up to the top. Only layers that
// rewrite a package's database file are re-extracted.
func attribute(ctx context.Context, pkgs []*extractor.Package, chain []scalibrimage.ChainLayer, nLayers int, exts []filesystem.Extractor) []int {
	origin := make([]int, len(pkgs))
	for i := range origin {
		origin[i] = -1
	}
	var views []scalibrimage.ChainLayer
	for _, c := range chain {
		if !c.Layer().IsEmpty() {
			views = append(views, c)
		}
	}
	if len(views) != nLayers || nLayers == 0 {
		return origin
	}
	byName := map[string]filesystem.Extractor{}
	for _, e := range exts {
		byName[e.Name()] = e
	}
	type group struct {
		ext  filesystem.Extractor
		path string
		idx  []int // into pkgs
	}
	groups := map[string]*group{}
	var keys []string
	for i, p := range pkgs {
		loc := p.Location.PathOrEmpty()
		if loc == "" || len(p.Plugins) == 0 || byName[p.Plugins[0]] == nil {
			continue
		}
		k := p.Plugins[0] + "\x00" + loc
		g := groups[k]
		if g == nil {
			g = &group{ext: byName[p.Plugins[0]], path: loc}
			groups[k] = g
			keys = append(keys, k)
		}
		g.idx = append(g.idx, i)
	}
	top := len(views) - 1
	for _, k := range keys {
		g := groups[k]
		open := map[string][]int{} // package key -> indexes still unattributed
		for _, i := range g.idx {
			pk := pkgKey(pkgs[i])
			open[pk] = append(open[pk], i)
		}
		settle := func(layer int, keep map[string]bool) {
			for pk, idx := range open {
				if keep != nil && keep[pk] {
					continue
				}
				for _, i := range idx {
					origin[i] = layer
				}
				delete(open, pk)
			}
		}
		failed := false
		for k := top - 1; k >= 0 && len(open) > 0; k-- {
			// View k differs from view k+1 in this file only when layer
			// k+1 wrote it.
			if _, err := views[k].FS().Stat(g.path); errors.Is(err, fs.ErrNotExist) {
				settle(k+1, nil)
				break
			}
			if _, err := views[k+1].Layer().FS().Stat(g.path); err != nil {
				continue
			}
			present, err := extractAt(ctx, g.ext, views[k].FS(), g.path)
			if err != nil {
				failed = true // leave the rest unattributed
				break
			}
			settle(k+1, present)
		}
		if len(open) > 0 && !failed && ctx.Err() == nil {
			settle(0, nil)
		}
	}
	return origin
}

func extractAt(ctx context.Context, e filesystem.Extractor, view scalibrfs.FS, path string) (map[string]bool, error) {
	res, _, err := filesystem.Run(ctx, &filesystem.Config{
		Extractors:     []filesystem.Extractor{e},
		ScanRoots:      []*scalibrfs.ScanRoot{{FS: view}},
		PathsToExtract: []string{path},
		Stats:          stats.NoopCollector{},
	})
	if err != nil {
		return nil, err
	}
	present := make(map[string]bool, len(res.Packages))
	for _, p := range res.Packages {
		present[pkgKey(p)] = true
	}
	return present, nil
}

func pkgKey(p *extractor.Package) string {
	return p.Name + "\x00" + p.Version + "\x00" + p.PURLType + "\x00" + p.Location.PathOrEmpty()
}

// convert maps a scalibr package to an imagefacts.Package (Layer unset).
func convert(p *extractor.Package) imagefacts.Package {
	out := imagefacts.Package{
		Name:     p.Name,
		Version:  p.Version,
		Location: p.Location.PathOrEmpty(),
		Layer:    -1,
	}
	if len(p.Plugins) > 0 {
		out.Type = extractorTypes[p.Plugins[0]]
		if out.Type == "" {
			out.Type = p.Plugins[0]
		}
	}
	if u := p.PURL(); u != nil {
		out.PURL = u.String()
	}
	if eco := p.Ecosystem(); !eco.IsEmpty() {
		out.Ecosystem = eco.String()
	}
	switch m := p.Metadata.(type) {
	case *dpkgmeta.Metadata:
		out.SourceName, out.SourceVersion = m.SourceName, m.SourceVersion
		if out.SourceName != "" && out.SourceVersion == "" {
			// "Source: name" without a version: built from the same version.
			out.SourceVersion = p.Version
		}
	case *apkmeta.Metadata:
		if m.OriginName != "" {
			out.SourceName, out.SourceVersion = m.OriginName, p.Version
		}
	case *rpmmeta.Metadata:
		out.SourceName, out.SourceVersion = parseSourceRPM(m.SourceRPM)
	}
	for _, l := range p.Licenses {
		if l = strings.TrimSpace(l); l != "" {
			out.Licenses = append(out.Licenses, l)
		}
	}
	return out
}

// parseSourceRPM splits "openssl-3.0.7-25.el9.src.rpm" into the source
// package name and its version-release.
func parseSourceRPM(s string) (name, version string) {
	s = strings.TrimSuffix(s, ".rpm")
	s = strings.TrimSuffix(s, ".src")
	s = strings.TrimSuffix(s, ".nosrc")
	r := strings.LastIndexByte(s, '-')
	if r <= 0 {
		return "", ""
	}
	v := strings.LastIndexByte(s[:r], '-')
	if v <= 0 {
		return "", ""
	}
	return s[:v], s[v+1:]
}

// SortPackages orders packages by type, name, version and location, the
// order Inventory returns them in.
func SortPackages(pkgs []imagefacts.Package) {
	sort.SliceStable(pkgs, func(i, j int) bool {
		a, b := pkgs[i], pkgs[j]
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Version != b.Version {
			return a.Version < b.Version
		}
		if a.Location != b.Location {
			return a.Location < b.Location
		}
		return a.PURL < b.PURL
	})
}

// readOSRelease reads etc/os-release (or usr/lib/os-release) of the
// squashed image and adds the release's end of life when known.
func readOSRelease(f scalibrfs.FS) imagefacts.OSRelease {
	m, err := osrelease.GetOSRelease(f)
	if err != nil {
		return imagefacts.OSRelease{}
	}
	r := imagefacts.OSRelease{
		ID:              m["ID"],
		VersionID:       m["VERSION_ID"],
		VersionCodename: m["VERSION_CODENAME"],
		PrettyName:      m["PRETTY_NAME"],
	}
	r.EndOfLife, _ = EndOfLife(r.ID, r.VersionID)
	return r
}
