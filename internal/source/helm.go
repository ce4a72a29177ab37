package source

import (
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	chartloader "helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
)

// RenderedFile is one file of rendered output: a chart template's name and
// the manifests it produced.
type RenderedFile struct {
	Name string
	Data []byte
}

// HelmReleaseName and HelmNamespace are the release a chart is rendered as,
// like `helm template palisade-scan <chart> --namespace default`, unless
// Options.Namespace names another namespace.
const (
	HelmReleaseName = "palisade-scan"
	HelmNamespace   = "default"
)

// RenderChart renders a Helm chart folder with the given values files, in
// process and offline, as `helm template` does with its default
// capabilities. Values files are applied in order, a later file winning.
//
// It returns one RenderedFile per template that produced output, named by
// the template's path inside the chart joined to dir
// ("charts/shop/templates/deployment.yaml"; a subchart's templates are
// "charts/shop/charts/redis/templates/..."). Lines of a RenderedFile refer to
// the rendered output of that template, not to the template source. Files
// of the chart's crds/ folders, which Helm installs as they are, are
// returned under their own paths. NOTES.txt, partials and templates that
// render to nothing are left out; hooks (tests included) are kept, since
// they run in the cluster too.
//
// A library chart renders nothing and is not an error. A chart whose
// dependencies are declared but not vendored in charts/ is an error that
// says to run `helm dependency build`.
func RenderChart(dir string, valuesFiles []string) ([]RenderedFile, error) {
	return renderChart(dir, HelmNamespace, valuesFiles)
}

// renderChart renders the chart as a release in namespace.
func renderChart(dir, namespace string, valuesFiles []string) ([]RenderedFile, error) {
	ch, err := chartloader.Load(dir)
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(ch.Metadata.Type, "library") {
		return nil, nil
	}
	if err := checkDependencies(ch, dir); err != nil {
		return nil, err
	}
	vals, err := mergeValuesFiles(valuesFiles)
	if err != nil {
		return nil, err
	}
	if err := chartutil.ProcessDependenciesWithMerge(ch, vals); err != nil {
		return nil, err
	}
	opts := chartutil.ReleaseOptions{Name: HelmReleaseName, Namespace: namespace, Revision: 1, IsInstall: true}
	renderVals, err := chartutil.ToRenderValues(ch, vals, opts, chartutil.DefaultCapabilities.Copy())
	if err != nil {
		return nil, err
	}
	// The zero Engine has no cluster client: `lookup` returns nothing and
	// DNS functions are off, so rendering never leaves the process.
	rendered, err := engine.Engine{}.Render(ch, renderVals)
	if err != nil {
		return nil, err
	}

	var out []RenderedFile
	prefix := ch.Name() + "/"
	for name, content := range rendered {
		if path.Base(name) == "NOTES.txt" || strings.TrimSpace(content) == "" {
			continue
		}
		out = append(out, RenderedFile{Name: chartFileName(dir, prefix, name), Data: []byte(content)})
	}
	for _, crd := range ch.CRDObjects() {
		if len(strings.TrimSpace(string(crd.File.Data))) == 0 {
			continue
		}
		out = append(out, RenderedFile{Name: chartFileName(dir, prefix, filepath.ToSlash(crd.Filename)), Data: crd.File.Data})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// chartFileName turns a name the engine gives ("shop/templates/x.yaml",
// with the chart's name first) into a path under the chart folder.
func chartFileName(dir, prefix, name string) string {
	return filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(name, prefix)))
}

// checkDependencies fails when a dependency declared in Chart.yaml (or a
// v1 chart's requirements.yaml) is missing from charts/, as `helm install`
// does. Dependencies disabled by a condition are still required there, as
// Helm requires them.
func checkDependencies(ch *chart.Chart, dir string) error {
	var missing []string
	for _, dep := range ch.Metadata.Dependencies {
		if dep == nil {
			continue
		}
		found := false
		for _, sub := range ch.Dependencies() {
			if sub.Name() == dep.Name {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, dep.Name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("dependencies declared in Chart.yaml are missing from charts/: %s (run `helm dependency build %s` to fetch them)", strings.Join(missing, ", "), dir)
	}
	// Every subchart must render too; their own dependencies are checked
	// the same way.
	for _, sub := range ch.Dependencies() {
		if err := checkDependencies(sub, filepath.Join(dir, "charts", sub.Name())); err != nil {
			return err
		}
	}
	return nil
}

// mergeValuesFiles reads values files in order and merges them, a later
// file's values winning; nested maps merge key by key, anything else is
// replaced. This is what `helm -f a.yaml -f b.yaml` does.
func mergeValuesFiles(files []string) (map[string]any, error) {
	base := map[string]any{}
	for _, f := range files {
		vals, err := chartutil.ReadValuesFile(f)
		if err != nil {
			return nil, fmt.Errorf("values file %s: %w", f, unwrapPathError(err))
		}
		base = mergeMaps(base, vals)
	}
	return base, nil
}

func mergeMaps(dst, src map[string]any) map[string]any {
	out := make(map[string]any, len(dst)+len(src))
	for k, v := range dst {
		out[k] = v
	}
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := out[k].(map[string]any); ok {
				out[k] = mergeMaps(dm, sm)
				continue
			}
		}
		out[k] = v
	}
	return out
}
