package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cli"
	"github.com/palisade-sec/palisade/internal/image/imagetest"
	"github.com/palisade-sec/palisade/internal/imagesig/sigtest"
	"github.com/palisade-sec/palisade/internal/report"
)

// TestLiveScanImages runs `palisade scan --cluster --images` against the
// real kube-apiserver: a Deployment and a bare Pod name images in a
// registry on 127.0.0.1. The Deployment's image is signed and has a
// vulnerable OpenSSL; the Pod's is unsigned, and its status (written
// through the status subresource, as a kubelet would) reports the digest it
// pulled before its tag was pushed again. Each image is scanned once and
// the image checks report exactly that.
func TestLiveScanImages(t *testing.T) {
	var env *envtest.Environment
	cfg := startAPIServerWith(t, func(e *envtest.Environment) { env = e })
	user, err := env.AddUser(envtest.User{Name: "palisade-e2e-images", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kubeconfigPath := filepath.Join(dir, "kubeconfig")
	must(t, "kubeconfig", os.WriteFile(kubeconfigPath, kubeconfig, 0o600))

	// The registry: shop/app:1 (Debian 12, signed); shop/cache:1 first an
	// Alpine image, then pushed again as the Debian one.
	debian, err := imagetest.Debian12()
	must(t, "image", err)
	alpine, err := imagetest.Alpine320("linux/amd64")
	must(t, "image", err)
	host := imagetest.Serve(t, nil)
	imagetest.Push(t, host, "shop/app:1", debian)
	imagetest.Push(t, host, "shop/cache:1", alpine)
	oldDigest, _ := alpine.Digest()
	imagetest.Push(t, host, "shop/cache:1", debian) // the tag moves
	appDigest, _ := debian.Digest()
	key, pub := sigtest.NewKey(t)
	sigtest.SignImage(t, host+"/shop/app@"+appDigest.String(), key)
	pubPath := filepath.Join(dir, "cosign.pub")
	must(t, "key", os.WriteFile(pubPath, pub, 0o644))

	osv := filepath.Join(dir, "osv")
	must(t, "osv", os.Mkdir(osv, 0o755))
	must(t, "osv", os.WriteFile(filepath.Join(osv, "DSA-9901-1.json"), []byte(`{"schema_version": "1.6.0", "id": "DSA-9901-1",
  "modified": "2026-01-01T00:00:00Z", "aliases": ["CVE-2026-9901"],
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
  "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"},
    "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u3"}]}]}]}`), 0o644))
	db := filepath.Join(dir, "db")
	var stdout, stderr bytes.Buffer
	if code := cli.Main([]string{"db", "import", "--db", db, osv}, nil, &stdout, &stderr); code != cli.ExitOK {
		t.Fatalf("db import: exit %d: %s", code, stderr.String())
	}

	c := newClient(t, cfg)
	ctx := context.Background()
	must(t, "namespace", create(t, c, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop"}}))
	labels := map[string]string{"app": "app"}
	must(t, "deployment", create(t, c, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "shop"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: host + "/shop/app:1"}}},
			},
		},
	}))
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "cache", Namespace: "shop"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "cache", Image: host + "/shop/cache:1"}}},
	}
	must(t, "pod", create(t, c, pod))
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "cache", Image: host + "/shop/cache:1", ImageID: host + "/shop/cache@" + oldDigest.String()}}
	must(t, "pod status", c.Status().Update(ctx, pod))

	stdout.Reset()
	stderr.Reset()
	code := cli.Main([]string{"scan", "--cluster", "--kubeconfig", kubeconfigPath, "-n", "shop",
		"--images", "--db", db, "--key", pubPath, "--attack-paths", "off", "-o", "json"}, nil, &stdout, &stderr)
	if code != cli.ExitOK {
		t.Fatalf("scan --cluster --images: exit %d\n%s", code, stderr.String())
	}
	var rep struct {
		Findings []check.Finding      `json:"findings"`
		Images   []report.ImageReport `json:"images"`
	}
	must(t, "report", json.Unmarshal(stdout.Bytes(), &rep))
	got := map[string]bool{}
	for _, f := range rep.Findings {
		if c, _ := check.Default().Get(f.CheckID); c.ReadsImageScan {
			got[f.CheckID+" "+f.Object.String()] = true
		}
	}
	want := []string{
		"supplychain/vulnerable-image deployment.apps/app -n shop", // openssl in the Debian image
		"supplychain/vulnerable-image pod/cache -n shop",           // the tag now names the Debian image
		"supplychain/unsigned-image pod/cache -n shop",
		"supplychain/image-digest-drift pod/cache -n shop", // the status digest is the Alpine image
		"supplychain/eol-base-image deployment.apps/app -n shop",
		"supplychain/eol-base-image pod/cache -n shop",
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("missing finding %s", w)
		}
		delete(got, w)
	}
	for k := range got {
		t.Errorf("unexpected finding %s", k)
	}
	if len(rep.Images) != 2 {
		t.Fatalf("%d images in the report, want 2", len(rep.Images))
	}
	for _, img := range rep.Images {
		if len(img.Workloads) != 1 || img.Error != "" || img.Signature == nil {
			t.Errorf("image %+v", img)
		}
		if strings.HasSuffix(img.Image, "/shop/cache:1") && img.ResolvedDigest != appDigest.String() {
			t.Errorf("cache:1 resolves to %s, want %s", img.ResolvedDigest, appDigest)
		}
	}
}
