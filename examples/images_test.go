package examples_test

import (
	"context"
	"crypto"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"sigs.k8s.io/yaml"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/image"
	"github.com/palisade-sec/palisade/internal/image/imagetest"
	"github.com/palisade-sec/palisade/internal/imagescan"
	"github.com/palisade-sec/palisade/internal/imagesig"
	"github.com/palisade-sec/palisade/internal/imagesig/sigtest"
	"github.com/palisade-sec/palisade/internal/source"
	"github.com/palisade-sec/palisade/internal/vulndb"
)

// scenarioRegistry is a scenario's images/images.yaml: the registry it
// stands for and what each tag names.
type scenarioRegistry struct {
	Registry string            `json:"registry"`
	Tags     map[string]string `json:"tags"`
	Untagged map[string]string `json:"untagged"`
	Signed   []string          `json:"signed"`
}

// ImageFinding is a finding of a check that reads the image scan, with its
// message: what the scan found is in the message.
type ImageFinding struct {
	Check    string `json:"check"`
	Severity string `json:"severity"`
	Object   string `json:"object"`
	Field    string `json:"field"`
	At       string `json:"at"`
	Message  string `json:"message"`
}

// scenarioNow is the day the image scenarios are judged on, so end-of-life
// findings do not change with the calendar.
var scenarioNow = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)

// TestSupplyChainImages scans examples/supply-chain the way
// `palisade scan --images --key release.pub` does: its images are built
// from images/ and served by a registry on 127.0.0.1 in place of
// registry.shop.example, the images images.yaml lists as signed are signed
// with a key made here, and the advisories in osv/ are imported into a new
// vulnerability database. The findings of the image checks are compared
// with expected-images.json, messages included.
func TestSupplyChainImages(t *testing.T) {
	const dir = "supply-chain"
	data, err := os.ReadFile(filepath.Join(dir, "images", "images.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var reg scenarioRegistry
	if err := yaml.UnmarshalStrict(data, &reg); err != nil {
		t.Fatalf("images.yaml: %v", err)
	}

	host := imagetest.Serve(t, nil)
	digests := map[string]string{} // by folder
	push := func(folder, ref string) {
		img := buildScenarioImage(t, filepath.Join(dir, "images", folder))
		d, err := img.Digest()
		if err != nil {
			t.Fatal(err)
		}
		digests[folder] = d.String()
		imagetest.Push(t, host, ref, img)
	}
	for repo, folder := range reg.Untagged {
		push(folder, repo+"@"+buildDigest(t, dir, folder))
	}
	tagged := map[string]string{} // tag -> digest
	for tag, folder := range reg.Tags {
		push(folder, tag)
		tagged[tag] = digests[folder]
	}
	manifests, err := os.ReadFile(filepath.Join(dir, "workloads.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, folder := range reg.Untagged {
		if !strings.Contains(string(manifests), digests[folder]) {
			t.Fatalf("workloads.yaml must pin the digest of images/%s, %s (did the image's content change?)", folder, digests[folder])
		}
	}

	key, _ := sigtest.NewKey(t)
	for _, tag := range reg.Signed {
		repo, _, _ := strings.Cut(tag, ":")
		sigtest.SignImage(t, host+"/"+repo+"@"+tagged[tag], key)
	}

	db := t.TempDir()
	if _, err := vulndb.Import(db, []string{filepath.Join(dir, "osv")}, vulndb.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	store, err := vulndb.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	verifier, err := imagesig.NewVerifier(imagesig.Policy{PublicKeys: []crypto.PublicKey{key.Public()}})
	if err != nil {
		t.Fatal(err)
	}

	route := loopbackRoute{from: reg.Registry, to: host}
	scanner := imagescan.New(imagescan.Options{
		Loader:      imagescan.RegistryLoader(image.Options{Anonymous: true, Transport: route}),
		Matcher:     store,
		Verifier:    imagescan.SignatureVerifier(verifier, remote.WithTransport(route)),
		ResolveTags: true,
	})
	loaded := source.Load(source.Options{Paths: []string{dir}})
	for _, e := range loaded.Errors {
		t.Errorf("input error: %v", e.Error())
	}
	snap := cluster.NewSnapshot(loaded.Objects)
	var refs []string
	for _, u := range imagescan.ImagesOf(snap) {
		refs = append(refs, u.Image)
	}
	facts := scanner.ScanAll(context.Background(), refs)
	for ref, f := range facts {
		if f.Err != "" {
			t.Errorf("%s: %s", ref, f.Err)
		}
	}

	res := check.Run(snap, check.Options{Images: facts, Now: scenarioNow})
	got := []ImageFinding{}
	for _, f := range res.Findings {
		c, _ := check.Default().Get(f.CheckID)
		if !c.ReadsImageScan {
			continue
		}
		rel, _ := filepath.Rel(dir, f.Position.File)
		got = append(got, ImageFinding{f.CheckID, f.Severity.String(), f.Object.String(), f.Field, rel + ":" + strconv.Itoa(f.Position.Line), f.Message})
	}
	path := filepath.Join(dir, "expected-images.json")
	if *update {
		data, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err = os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []ImageFinding
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if !reflect.DeepEqual(got, want) {
		for _, f := range want {
			if !slices.Contains(got, f) {
				t.Errorf("missing: %+v", f)
			}
		}
		for _, f := range got {
			if !slices.Contains(want, f) {
				t.Errorf("unexpected: %+v", f)
			}
		}
	}
}

// buildDigest is the digest of the image built from images/folder.
func buildDigest(t *testing.T, dir, folder string) string {
	t.Helper()
	d, err := buildScenarioImage(t, filepath.Join(dir, "images", folder)).Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// buildScenarioImage builds an image from a folder with one subfolder per
// layer, in name order; each subfolder's name is its build step.
func buildScenarioImage(t *testing.T, folder string) v1.Image {
	t.Helper()
	layers, err := os.ReadDir(folder)
	if err != nil {
		t.Fatal(err)
	}
	var steps []imagetest.Step
	for _, l := range layers {
		if !l.IsDir() {
			continue
		}
		root := filepath.Join(folder, l.Name())
		var files []imagetest.File
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			body, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			mode := int64(0o644)
			if strings.HasSuffix(p, ".sh") {
				mode = 0o755
			}
			files = append(files, imagetest.File{Name: filepath.ToSlash(rel), Body: body, Mode: mode})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		steps = append(steps, imagetest.Step{CreatedBy: "COPY " + l.Name() + " /", Files: files})
	}
	img, err := imagetest.Build("linux/amd64", steps...)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// loopbackRoute sends the requests for one registry host to the test's
// registry on 127.0.0.1, over plain HTTP.
type loopbackRoute struct{ from, to string }

func (r loopbackRoute) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == r.from {
		req = req.Clone(req.Context())
		req.URL.Scheme, req.URL.Host, req.Host = "http", r.to, r.to
	}
	return http.DefaultTransport.RoundTrip(req)
}
