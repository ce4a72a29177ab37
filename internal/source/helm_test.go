package source

import (
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

const shopChart = "testdata/helm/shop"

func renderedNames(files []RenderedFile) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Name)
	}
	return out
}

func TestRenderChart(t *testing.T) {
	files, err := RenderChart(shopChart, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		filepath.Join(shopChart, "charts/cache/templates/statefulset.yaml"),
		filepath.Join(shopChart, "crds/carts.yaml"),
		filepath.Join(shopChart, "templates/deployment.yaml"),
		filepath.Join(shopChart, "templates/service.yaml"),
		filepath.Join(shopChart, "templates/tests/test-connection.yaml"),
	}
	// Left out: NOTES.txt, _helpers.tpl and ingress.yaml, which renders to
	// nothing without ingress values.
	if got := renderedNames(files); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("rendered %v\nwant %v", got, want)
	}
}

// loadChart loads one chart through Load and returns its objects by kind.
func loadChart(t *testing.T, dir string, values ...string) map[string][]any {
	t.Helper()
	res := Load(Options{Paths: []string{dir}, ValuesFiles: values})
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %v", errorsOf(res.Errors))
	}
	if res.Files != 1 {
		t.Errorf("Files = %d, want 1 (a chart is one input)", res.Files)
	}
	byKind := map[string][]any{}
	for _, o := range res.Objects {
		byKind[o.ID.Kind] = append(byKind[o.ID.Kind], o.Typed)
	}
	return byKind
}

func TestLoadChartWithDefaultValues(t *testing.T) {
	objs := loadChart(t, shopChart)
	d := objs["Deployment"][0].(*appsv1.Deployment)
	if d.Name != "palisade-scan-shop" || d.Namespace != "default" {
		t.Errorf("release name/namespace: %s/%s", d.Namespace, d.Name)
	}
	c := d.Spec.Template.Spec.Containers[0]
	if c.Image != "registry.example.com/shop/web:1.4.2" || *d.Spec.Replicas != 2 {
		t.Errorf("image %q replicas %d", c.Image, *d.Spec.Replicas)
	}
	if sc := c.SecurityContext; sc == nil || !*sc.RunAsNonRoot || *sc.AllowPrivilegeEscalation {
		t.Errorf("securityContext from values: %+v", sc)
	}
	if got := d.Labels["app.kubernetes.io/version"]; got != "1.4.2" {
		t.Errorf("helper label %q", got)
	}
	svc := objs["Service"][0].(*corev1.Service)
	if svc.Spec.Ports[0].Port != 80 || svc.Spec.Type != corev1.ServiceTypeClusterIP {
		t.Errorf("service %+v", svc.Spec)
	}
	if len(objs["StatefulSet"]) != 1 {
		t.Errorf("subchart not rendered: %v", objs)
	}
	if len(objs["Pod"]) != 1 {
		t.Errorf("test hook not kept: %v", objs)
	}
	if len(objs["CustomResourceDefinition"]) != 1 {
		t.Errorf("crds/ not read: %v", objs)
	}
}

func TestLoadChartWithValuesFiles(t *testing.T) {
	objs := loadChart(t, shopChart, "testdata/helm/prod-values.yaml")
	d := objs["Deployment"][0].(*appsv1.Deployment)
	if img := d.Spec.Template.Spec.Containers[0].Image; img != "registry.example.com/shop/web:1.5.0" {
		t.Errorf("image %q: the values file did not override the tag", img)
	}
	if *d.Spec.Replicas != 4 {
		t.Errorf("replicas %d", *d.Spec.Replicas)
	}
	if pull := d.Spec.Template.Spec.Containers[0].ImagePullPolicy; pull != corev1.PullIfNotPresent {
		t.Errorf("chart default lost in the merge: pullPolicy %q", pull)
	}

	// A later file wins; what it does not set is kept from earlier ones.
	objs = loadChart(t, shopChart, "testdata/helm/prod-values.yaml", "testdata/helm/pin-values.yaml")
	d = objs["Deployment"][0].(*appsv1.Deployment)
	if img := d.Spec.Template.Spec.Containers[0].Image; img != "registry.example.com/shop/web:1.5.1" || *d.Spec.Replicas != 4 {
		t.Errorf("image %q replicas %d", img, *d.Spec.Replicas)
	}
	if len(objs["StatefulSet"]) != 0 {
		t.Errorf("subchart disabled by its condition was rendered")
	}
}

func TestLoadChartOrigins(t *testing.T) {
	res := Load(Options{Paths: []string{shopChart}})
	for _, o := range res.Objects {
		if o.ID.Kind != "Deployment" {
			continue
		}
		want := filepath.Join(shopChart, "templates/deployment.yaml")
		if o.Origin.File != want {
			t.Errorf("origin %q, want %q", o.Origin.File, want)
		}
		// Lines are those of the template's rendered output.
		if p := o.Origin.Position("spec.replicas"); p.File != want || p.Line != 11 {
			t.Errorf("position %v", p)
		}
		return
	}
	t.Fatal("no Deployment")
}

func TestLoadBrokenChartIsAnInputErrorAndTheRestLoads(t *testing.T) {
	res := Load(Options{Paths: []string{"testdata/helm/broken", shopChart, "testdata/helm/needsdeps"}})
	if len(res.Errors) != 2 {
		t.Fatalf("errors %v", errorsOf(res.Errors))
	}
	e := res.Errors[0]
	if e.File != "testdata/helm/broken" || e.Line != 0 ||
		!strings.Contains(e.Message, "Helm chart did not render") ||
		!strings.Contains(e.Message, "broken/templates/configmap.yaml") ||
		!strings.Contains(e.Message, "settings.mode is required") {
		t.Errorf("broken chart: %q", e.Error())
	}
	e = res.Errors[1]
	if e.File != "testdata/helm/needsdeps" || !strings.Contains(e.Message, "postgresql") ||
		!strings.Contains(e.Message, "helm dependency build") {
		t.Errorf("missing dependency: %q", e.Error())
	}
	if len(res.Objects) != 5 {
		t.Errorf("the good chart gave %d objects", len(res.Objects))
	}
}

func TestRenderChartErrors(t *testing.T) {
	if _, err := RenderChart(shopChart, []string{"testdata/helm/no-such-values.yaml"}); err == nil ||
		!strings.Contains(err.Error(), "no-such-values.yaml") {
		t.Errorf("missing values file: %v", err)
	}
	if _, err := RenderChart("testdata/helm/no-such-chart", nil); err == nil {
		t.Error("missing chart: no error")
	}
}

func TestRenderLibraryChartRendersNothing(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"Chart.yaml":          "apiVersion: v2\nname: lib\nversion: 1.0.0\ntype: library\n",
		"templates/_util.tpl": `{{- define "lib.name" -}}x{{- end -}}`,
	})
	files, err := RenderChart(dir, nil)
	if err != nil || len(files) != 0 {
		t.Errorf("got %v, %v", renderedNames(files), err)
	}
}

func TestMergeMaps(t *testing.T) {
	a := map[string]any{"image": map[string]any{"repo": "r", "tag": "1"}, "list": []any{1, 2}, "x": 1}
	b := map[string]any{"image": map[string]any{"tag": "2"}, "list": []any{3}, "x": map[string]any{"y": 1}}
	got := mergeMaps(a, b)
	img := got["image"].(map[string]any)
	if img["repo"] != "r" || img["tag"] != "2" || len(got["list"].([]any)) != 1 || got["x"].(map[string]any)["y"] != 1 {
		t.Errorf("got %v", got)
	}
	if a["image"].(map[string]any)["tag"] != "1" {
		t.Error("mergeMaps changed its input")
	}
}
