package source

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	sigsyaml "sigs.k8s.io/yaml"
)

// kustomizeBases finds, in the tree below top, the kustomization folders
// that another kustomization of the tree builds (as a resource, base or
// component). It maps each to one overlay that uses it. A base is scanned
// through its overlays, so loading it again on its own would report every
// finding twice.
func kustomizeBases(top string) map[string]string {
	used := map[string]string{}
	_ = filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		if p != top && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		file := kustomizationFile(p)
		if file == "" {
			return nil
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return nil
		}
		var k kustomizationRefs
		if sigsyaml.Unmarshal(data, &k) != nil {
			return nil
		}
		for _, list := range [][]string{k.Resources, k.Bases, k.Components} {
			for _, ref := range list {
				if isRemoteRef(ref) || strings.ContainsAny(ref, "\n") {
					continue
				}
				dir := filepath.Clean(filepath.Join(p, ref))
				if kustomizationFile(dir) != "" && dir != p {
					if _, seen := used[dir]; !seen {
						used[dir] = p
					}
				}
			}
		}
		return nil
	})
	return used
}

// kustomizationFile returns the kustomization file of a folder, or "".
func kustomizationFile(dir string) string {
	for _, n := range KustomizationFileNames {
		if p := filepath.Join(dir, n); fileExists(p) {
			return p
		}
	}
	return ""
}
