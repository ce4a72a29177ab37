package source

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-sec/palisade/internal/cluster"
)

const (
	kustBase    = "testdata/kustomize/base"
	kustOverlay = "testdata/kustomize/overlays/prod"
)

func TestBuildKustomization(t *testing.T) {
	out, err := BuildKustomization(kustOverlay)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{"name: prod-web\n", "replicas: 5\n", "env: prod\n", "name: prod-web-settings\n", "LOG_LEVEL: info\n"} {
		if !strings.Contains(s, want) {
			t.Errorf("build output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "config.kubernetes.io/origin") {
		t.Errorf("build output has origin annotations:\n%s", s)
	}
	if n := strings.Count(s, "\n---\n"); n != 3 {
		t.Errorf("%d separators for 4 resources", n)
	}
}

func objectsByName(objs []*cluster.Object) map[string]*cluster.Object {
	m := map[string]*cluster.Object{}
	for _, o := range objs {
		m[o.ID.Kind+"/"+o.ID.Name] = o
	}
	return m
}

func TestLoadKustomizationOverlay(t *testing.T) {
	res := Load(Options{Paths: []string{kustOverlay}})
	if len(res.Errors) > 0 {
		t.Fatalf("errors %v", errorsOf(res.Errors))
	}
	if res.Files != 1 {
		t.Errorf("Files = %d, want 1", res.Files)
	}
	objs := objectsByName(res.Objects)
	if len(objs) != 4 {
		t.Fatalf("objects %v", names(res.Objects))
	}

	dep := objs["Deployment/prod-web"]
	d := dep.Typed.(*appsv1.Deployment)
	if *d.Spec.Replicas != 5 {
		t.Errorf("patch not applied: replicas %d", *d.Spec.Replicas)
	}
	if d.Labels["env"] != "prod" || d.Spec.Template.Labels["env"] != "prod" || d.Spec.Selector.MatchLabels["env"] != "prod" {
		t.Errorf("commonLabels not applied: %v %v", d.Labels, d.Spec.Template.Labels)
	}
	if _, ok := d.Annotations["config.kubernetes.io/origin"]; ok {
		t.Errorf("origin annotation left on the object: %v", d.Annotations)
	}

	// Findings point at the source file the resource came from.
	base := filepath.Join(kustBase, "deployment.yaml")
	if dep.Origin.File != base || dep.Origin.Doc == nil || dep.Origin.Doc.File != base {
		t.Fatalf("origin %+v", dep.Origin)
	}
	for path, line := range map[string]int{
		"spec.template.spec.containers[0].securityContext.privileged": 20,
		"spec.replicas":   7,
		"metadata.name":   5,
		"metadata.labels": 4, // added by the overlay: its nearest parent in the base
	} {
		if p := dep.Origin.Position(path); p.File != base || p.Line != line {
			t.Errorf("%s: %v, want %s:%d", path, p, base, line)
		}
	}

	svcFile := filepath.Join(kustBase, "service.yaml")
	cm, svc := objs["ConfigMap/prod-web-settings"], objs["Service/prod-web"]
	if cm.Origin.File != svcFile || cm.Origin.Doc.Line != 1 {
		t.Errorf("configmap origin %v line %d", cm.Origin.File, cm.Origin.Doc.Line)
	}
	if svc.Origin.File != svcFile || svc.Origin.Doc.Line != 8 {
		t.Errorf("service origin %v line %d", svc.Origin.File, svc.Origin.Doc.Line)
	}
	if p := svc.Origin.Position("spec.ports[0].port"); p.Line != 16 {
		t.Errorf("service port position %v", p)
	}
	if s := svc.Typed.(*corev1.Service); s.Spec.Selector["env"] != "prod" {
		t.Errorf("service selector %v", s.Spec.Selector)
	}

	var gen *cluster.Object
	for k, o := range objs {
		if strings.HasPrefix(k, "ConfigMap/prod-web-env-") {
			gen = o
		}
	}
	if gen == nil {
		t.Fatal("generated ConfigMap missing")
	}
	if want := filepath.Join(kustOverlay, "kustomization.yaml"); gen.Origin.File != want || gen.Origin.Doc != nil {
		t.Errorf("generated object origin %+v, want the kustomization file without a document", gen.Origin)
	}
	if c := gen.Typed.(*corev1.ConfigMap); c.Data["LOG_LEVEL"] != "info" {
		t.Errorf("generated data %v", c.Data)
	}
}

func TestLoadKustomizationBase(t *testing.T) {
	res := Load(Options{Paths: []string{kustBase}})
	if len(res.Errors) > 0 || len(res.Objects) != 3 {
		t.Fatalf("objects %v errors %v", names(res.Objects), errorsOf(res.Errors))
	}
	d := objectsByName(res.Objects)["Deployment/web"].Typed.(*appsv1.Deployment)
	if *d.Spec.Replicas != 1 || len(d.Labels) != 0 {
		t.Errorf("base deployment %v %v", *d.Spec.Replicas, d.Labels)
	}
}

func TestLoadBrokenKustomizationIsAnInputError(t *testing.T) {
	res := Load(Options{Paths: []string{"testdata/kustomize/broken", kustBase}})
	if len(res.Errors) != 1 {
		t.Fatalf("errors %v", errorsOf(res.Errors))
	}
	e := res.Errors[0]
	if e.File != "testdata/kustomize/broken" || !strings.Contains(e.Message, "kustomization did not build") ||
		!strings.Contains(e.Message, "missing.yaml") {
		t.Errorf("error %q", e.Error())
	}
	if len(res.Objects) != 3 {
		t.Errorf("the other input: %v", names(res.Objects))
	}
}

func TestRemoteBasesFailFast(t *testing.T) {
	start := time.Now()
	_, err := BuildKustomization("testdata/kustomize/remote")
	if time.Since(start) > 2*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
	if err == nil || !strings.Contains(err.Error(), "is remote") || !strings.Contains(err.Error(), "https://github.com/example/manifests") {
		t.Fatalf("error %v", err)
	}

	// A remote reference in a local base is found too.
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"overlay/kustomization.yaml": "resources:\n- ../base\n",
		"base/kustomization.yaml":    "resources:\n- cm.yaml\npatches:\n- path: https://example.com/patch.yaml\n",
		"base/cm.yaml":               configMap("cm"),
	})
	if _, err := BuildKustomization(filepath.Join(dir, "overlay")); err == nil || !strings.Contains(err.Error(), "https://example.com/patch.yaml") {
		t.Fatalf("error %v", err)
	}
}

func TestIsRemoteRef(t *testing.T) {
	for ref, want := range map[string]bool{
		"https://github.com/org/repo//path?ref=v1": true,
		"http://example.com/x.yaml":                true,
		"github.com/org/repo/path":                 true,
		"GitHub.com/org/repo":                      true,
		"git@github.com:org/repo.git":              true,
		"git::https://example.com/org/repo":        true,
		"ssh://git@example.com/org/repo":           true,
		"file:///srv/repo":                         false,
		"../base":                                  false,
		"deployment.yaml":                          false,
		"github.com.yaml":                          false,
		"examples/github.com/notes.yaml":           false,
		"apiVersion: v1\nkind: ConfigMap\n":        false,
		"gitlab.example.com/org/repo":              false, // kustomize itself reads this as a local path
	} {
		if got := isRemoteRef(ref); got != want {
			t.Errorf("isRemoteRef(%q) = %v, want %v", ref, got, want)
		}
	}
}

func TestOwnOriginAnnotationsAreKept(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"kustomization.yaml": "resources:\n- cm.yaml\nbuildMetadata: [originAnnotations]\n",
		"cm.yaml":            configMap("cm"),
	})
	res := Load(Options{Paths: []string{dir}})
	if len(res.Errors) > 0 || len(res.Objects) != 1 {
		t.Fatalf("%v %v", names(res.Objects), errorsOf(res.Errors))
	}
	o := res.Objects[0]
	if got := o.Annotations()["config.kubernetes.io/origin"]; got != "path: cm.yaml\n" {
		t.Errorf("annotation %q", got)
	}
	if o.Origin.File != filepath.Join(dir, "cm.yaml") {
		t.Errorf("origin %q", o.Origin.File)
	}
}

func TestAddOriginAnnotations(t *testing.T) {
	out, ok := addOriginAnnotations([]byte("resources:\n- a.yaml\nbuildMetadata:\n- managedByLabel\n"))
	if !ok || !strings.Contains(string(out), "- managedByLabel\n    - originAnnotations\n") && !strings.Contains(string(out), "- managedByLabel\n- originAnnotations\n") {
		t.Errorf("got %q %v", out, ok)
	}
	if _, ok := addOriginAnnotations([]byte("buildMetadata: [originAnnotations]\n")); ok {
		t.Error("added twice")
	}
	if _, ok := addOriginAnnotations([]byte("- not a mapping\n")); ok {
		t.Error("changed a non-mapping")
	}
}

func TestSourceFileMatch(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"f.yaml": "kind: Deployment\nmetadata: {name: web}\n---\n" +
		"kind: Deployment\nmetadata: {name: web-api}\n---\nkind: List\nitems:\n- kind: Service\n  metadata: {name: web}\n"})
	sf := readSourceFile(filepath.Join(dir, "f.yaml"))
	for _, tt := range []struct {
		kind, name string
		line       int
		path       string
	}{
		{"Deployment", "web", 1, ""},
		{"Deployment", "prod-web-api-v2", 4, ""},
		{"Deployment", "prod-web", 1, ""},
		{"Service", "renamed", 7, "items[0]"},
		{"ConfigMap", "web", 0, ""},
	} {
		d, path := sf.match(tt.kind, tt.name)
		line := 0
		if d != nil {
			line = d.Line
		}
		if line != tt.line || path != tt.path {
			t.Errorf("%s/%s: line %d path %q, want %d %q", tt.kind, tt.name, line, path, tt.line, tt.path)
		}
	}
}
