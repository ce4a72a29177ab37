package source

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// BuildKustomization runs `kustomize build` on a folder, in process, with
// kustomize's default options: no plugins, loading restricted to the
// kustomization's folder tree. Remote bases and resources (git or http) are
// not fetched: they fail the build with an error that says so.
func BuildKustomization(dir string) ([]byte, error) {
	built, err := buildKustomization(dir, false)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	for i, r := range built {
		if i > 0 {
			out.WriteString("---\n")
		}
		out.Write(r.YAML)
	}
	return out.Bytes(), nil
}

// builtResource is one resource of a kustomize build with where it came
// from, when kustomize knows.
type builtResource struct {
	YAML []byte
	// Source is the file the resource was read from, joined to the
	// kustomization folder as the caller named it; empty when unknown.
	Source string
	// ConfiguredIn is the kustomization file of the generator that made
	// the resource (configMapGenerator, secretGenerator), joined likewise.
	ConfiguredIn string
}

// buildKustomization builds the kustomization in dir. With origins, it
// asks kustomize to track the file each resource came from (by turning on
// `buildMetadata: [originAnnotations]` for this build only) and strips the
// annotation again unless the kustomization asked for it itself.
func buildKustomization(dir string, origins bool) ([]builtResource, error) {
	if err := checkLocalOnly(dir); err != nil {
		return nil, err
	}
	var fsys filesys.FileSystem = filesys.MakeFsOnDisk()
	var tracker *originTracker
	if origins {
		root, err := filesys.ConfirmDir(fsys, dir)
		if err != nil {
			return nil, err
		}
		tracker = &originTracker{FileSystem: fsys, root: root.String()}
		fsys = tracker
	}
	opts := krusty.MakeDefaultOptions()
	opts.LoadRestrictions = types.LoadRestrictionsRootOnly
	opts.PluginConfig = types.DisabledPluginConfig()
	m, err := krusty.MakeKustomizer(opts).Run(fsys, dir)
	if err != nil {
		return nil, err
	}
	resources := m.Resources()
	out := make([]builtResource, len(resources))
	if tracker != nil {
		for i, r := range resources {
			o, err := r.GetOrigin()
			if err != nil || o == nil || o.Repo != "" {
				continue
			}
			if o.Path != "" {
				out[i].Source = filepath.Join(dir, filepath.FromSlash(o.Path))
			}
			if o.ConfiguredIn != "" {
				out[i].ConfiguredIn = filepath.Join(dir, filepath.FromSlash(o.ConfiguredIn))
			}
		}
		if tracker.injected {
			if err := m.RemoveOriginAnnotations(); err != nil {
				return nil, err
			}
		}
	}
	for i, r := range resources {
		y, err := r.AsYAML()
		if err != nil {
			return nil, err
		}
		out[i].YAML = y
	}
	return out, nil
}

// originTracker reads the file system as it is, except that the root
// kustomization file gets `originAnnotations` added to its buildMetadata.
type originTracker struct {
	filesys.FileSystem
	root     string
	injected bool
}

func (t *originTracker) ReadFile(path string) ([]byte, error) {
	data, err := t.FileSystem.ReadFile(path)
	if err != nil || filepath.Dir(path) != t.root || !slices.Contains(KustomizationFileNames, filepath.Base(path)) {
		return data, err
	}
	if withOrigins, ok := addOriginAnnotations(data); ok {
		t.injected = true
		return withOrigins, nil
	}
	return data, nil
}

// addOriginAnnotations adds "originAnnotations" to a kustomization's
// buildMetadata. It reports false when the kustomization already has it
// or cannot be read (the build then reports the problem).
func addOriginAnnotations(data []byte) ([]byte, bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, false
	}
	top := doc.Content[0]
	entry := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: types.OriginAnnotations}
	if bm := mappingValue(top, "buildMetadata"); bm != nil {
		if bm.Kind != yaml.SequenceNode {
			return nil, false
		}
		for _, v := range bm.Content {
			if v.Value == types.OriginAnnotations {
				return nil, false
			}
		}
		bm.Content = append(bm.Content, entry)
	} else {
		top.Content = append(top.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "buildMetadata"},
			&yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Content: []*yaml.Node{entry}})
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return nil, false
	}
	return out, true
}

// kustomizationRefs are the fields of a kustomization that name other
// files, folders or URLs.
type kustomizationRefs struct {
	Resources             []string          `json:"resources"`
	Bases                 []string          `json:"bases"`
	Components            []string          `json:"components"`
	Crds                  []string          `json:"crds"`
	Configurations        []string          `json:"configurations"`
	Generators            []string          `json:"generators"`
	Transformers          []string          `json:"transformers"`
	Validators            []string          `json:"validators"`
	PatchesStrategicMerge []string          `json:"patchesStrategicMerge"`
	Patches               []pathRef         `json:"patches"`
	PatchesJSON6902       []pathRef         `json:"patchesJson6902"`
	Replacements          []pathRef         `json:"replacements"`
	OpenAPI               map[string]string `json:"openapi"`
	ConfigMapGenerator    []generatorRefs   `json:"configMapGenerator"`
	SecretGenerator       []generatorRefs   `json:"secretGenerator"`
}

type pathRef struct {
	Path string `json:"path"`
}

type generatorRefs struct {
	Files []string `json:"files"`
	Envs  []string `json:"envs"`
	Env   string   `json:"env"`
}

// checkLocalOnly walks the kustomization in dir and the local bases it
// names, and fails on the first remote reference: kustomize would clone a
// git repository or download a file for it, and Palisade reads local input
// only. Kustomizations it cannot read are left for the build to report.
func checkLocalOnly(dir string) error {
	return checkLocalOnlyIn(dir, map[string]bool{})
}

func checkLocalOnlyIn(dir string, seen map[string]bool) error {
	abs, err := filepath.Abs(dir)
	if err != nil || seen[abs] {
		return nil
	}
	seen[abs] = true
	file := kustomizationFile(dir)
	if file == "" {
		return nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	var k kustomizationRefs
	if err := sigsyaml.Unmarshal(data, &k); err != nil {
		return nil
	}
	remote := func(field, ref string) error {
		return fmt.Errorf("%s: %s entry %q is remote; Palisade does not fetch remote bases or files (no network access): vendor it into the repository, or run `kustomize build` and scan its output", file, field, ref)
	}
	// Entries that may be a kustomization folder (local or a git URL) or a
	// file (local or an http URL).
	for _, list := range []struct {
		field string
		refs  []string
	}{
		{"resources", k.Resources}, {"bases", k.Bases}, {"components", k.Components},
		{"generators", k.Generators}, {"transformers", k.Transformers}, {"validators", k.Validators},
		{"crds", k.Crds}, {"configurations", k.Configurations}, {"patchesStrategicMerge", k.PatchesStrategicMerge},
	} {
		for _, ref := range list.refs {
			if strings.ContainsAny(ref, "\n") {
				continue // an inline patch or config, not a reference
			}
			if isRemoteRef(ref) {
				return remote(list.field, ref)
			}
			if sub := filepath.Join(dir, ref); !filepath.IsAbs(ref) && isKustomization(sub) {
				if err := checkLocalOnlyIn(sub, seen); err != nil {
					return err
				}
			}
		}
	}
	// Entries that may only be files.
	var files []struct{ field, ref string }
	for _, p := range k.Patches {
		files = append(files, struct{ field, ref string }{"patches", p.Path})
	}
	for _, p := range k.PatchesJSON6902 {
		files = append(files, struct{ field, ref string }{"patchesJson6902", p.Path})
	}
	for _, p := range k.Replacements {
		files = append(files, struct{ field, ref string }{"replacements", p.Path})
	}
	files = append(files, struct{ field, ref string }{"openapi", k.OpenAPI["path"]})
	for _, g := range append(k.ConfigMapGenerator, k.SecretGenerator...) {
		for _, f := range append(append([]string{g.Env}, g.Envs...), g.Files...) {
			if _, after, ok := strings.Cut(f, "="); ok {
				f = after
			}
			files = append(files, struct{ field, ref string }{"generator", f})
		}
	}
	for _, f := range files {
		if isRemoteRef(f.ref) {
			return remote(f.field, f.ref)
		}
	}
	return nil
}

var gitUser = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]*@`)

// isRemoteRef reports whether kustomize would fetch ref over the network:
// an http(s) or ssh URL, an scp-style "user@host:path", or a GitHub path
// without a scheme ("github.com/org/repo"), optionally after the "git::"
// prefix kustomize still accepts. file:// URLs are local.
func isRemoteRef(ref string) bool {
	r := strings.ToLower(strings.TrimSpace(ref))
	r = strings.TrimPrefix(r, "git::")
	for _, p := range []string{"http://", "https://", "ssh://", "github.com/", "github.com:"} {
		if strings.HasPrefix(r, p) {
			return true
		}
	}
	return gitUser.MatchString(r)
}

// decodeKustomization builds the kustomization in dir and decodes its
// resources. Each object's Origin names the file kustomize read it from,
// with that file's document, so a finding's line and column point at the
// field in the source file; a field that an overlay added (a patch, a
// common label) resolves to its nearest parent there. The object itself is
// the built one, overlays applied. A resource made by a generator is
// attributed to the kustomization file that configures it, without a line.
// A resource whose source kustomize does not know keeps the built output
// as its document, named "<dir>/kustomization.yaml": its lines then refer
// to the output of `kustomize build`.
func decodeKustomization(dec *Decoder, dir string) ([]*cluster.Object, []InputError, error) {
	built, err := buildKustomization(dir, true)
	if err != nil {
		return nil, nil, err
	}
	name := kustomizationFile(dir)
	if name == "" {
		name = filepath.Join(dir, KustomizationFileNames[0])
	}
	sources := map[string]*sourceFile{}
	var objs []*cluster.Object
	var errs []InputError
	line := 1
	for _, r := range built {
		doc := &cluster.Document{File: name, Line: line, Bytes: r.YAML}
		line += bytes.Count(r.YAML, []byte("\n")) + 1 // and the "---" between resources
		objsOf, es := dec.decodeDocument(doc)
		var src *sourceFile
		if r.Source != "" {
			src = sources[r.Source]
			if src == nil {
				src = readSourceFile(r.Source)
				sources[r.Source] = src
			}
		}
		for _, o := range objsOf {
			switch {
			case src != nil:
				d, path := src.match(o.ID.Kind, o.ID.Name)
				o.Origin = cluster.Origin{File: r.Source, Doc: d, Path: path}
			case r.ConfiguredIn != "":
				o.Origin = cluster.Origin{File: r.ConfiguredIn}
			}
		}
		for i := range es {
			switch {
			case src != nil:
				es[i].File, es[i].Line = r.Source, 0
				var h struct {
					Kind     string `yaml:"kind"`
					Metadata struct {
						Name string `yaml:"name"`
					} `yaml:"metadata"`
				}
				_ = yaml.Unmarshal(r.YAML, &h)
				if d, _ := src.match(h.Kind, h.Metadata.Name); d != nil {
					es[i].Line = d.Line
				}
			case r.ConfiguredIn != "":
				es[i].File, es[i].Line = r.ConfiguredIn, 0
			}
		}
		objs = append(objs, objsOf...)
		errs = append(errs, es...)
	}
	return objs, errs, nil
}

// sourceFile is a file kustomize read resources from, split into its
// documents, with each document's (or List item's) kind and name.
type sourceFile struct {
	docs  []*cluster.Document
	heads []sourceHead
}

type sourceHead struct {
	doc        *cluster.Document
	path       string
	kind, name string
}

func readSourceFile(file string) *sourceFile {
	data, err := os.ReadFile(file)
	if err != nil {
		return &sourceFile{}
	}
	type head struct {
		Kind     string `yaml:"kind"`
		Metadata struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
	}
	sf := &sourceFile{docs: SplitDocuments(file, data)}
	for _, d := range sf.docs {
		var h struct {
			head  `yaml:",inline"`
			Items []head `yaml:"items"`
		}
		if yaml.Unmarshal(d.Bytes, &h) != nil {
			continue
		}
		if strings.HasSuffix(h.Kind, "List") && h.Items != nil {
			for i, it := range h.Items {
				sf.heads = append(sf.heads, sourceHead{d, "items[" + strconv.Itoa(i) + "]", it.Kind, it.Metadata.Name})
			}
			continue
		}
		sf.heads = append(sf.heads, sourceHead{d, "", h.Kind, h.Metadata.Name})
	}
	return sf
}

// match finds the document a built object came from: the one of its kind
// and name, else the one whose name the built name contains (kustomize
// adds prefixes and suffixes), else the only one of its kind. It returns a
// nil document when none fits.
func (sf *sourceFile) match(kind, name string) (*cluster.Document, string) {
	var best *sourceHead
	sameKind := 0
	for i := range sf.heads {
		h := &sf.heads[i]
		if h.kind != kind {
			continue
		}
		sameKind++
		if h.name == name {
			return h.doc, h.path
		}
		if h.name != "" && strings.Contains(name, h.name) && (best == nil || len(h.name) > len(best.name)) {
			best = h
		}
	}
	if best == nil && sameKind == 1 {
		for i := range sf.heads {
			if sf.heads[i].kind == kind {
				best = &sf.heads[i]
			}
		}
	}
	if best == nil {
		return nil, ""
	}
	return best.doc, best.path
}
