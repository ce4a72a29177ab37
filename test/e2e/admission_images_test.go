package e2e

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/palisade-sec/palisade/internal/admission"
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/image"
	"github.com/palisade-sec/palisade/internal/imagefacts"
	"github.com/palisade-sec/palisade/internal/imagescan"
	"github.com/palisade-sec/palisade/internal/imagesig"
	"github.com/palisade-sec/palisade/internal/imagesig/sigtest"
)

// countingVerifier is the webhook's real signature verifier (the registry
// loader resolves tags, imagesig verifies), counting the verifications
// that reach the registry.
type countingVerifier struct {
	imagescan.Loader
	imagescan.Verifier
	verifies atomic.Int32
}

func (c *countingVerifier) Verify(ctx context.Context, digestRef string) imagefacts.Signature {
	c.verifies.Add(1)
	return c.Verifier.Verify(ctx, digestRef)
}

// startImageWebhook serves the webhook as startWebhook does, verifying
// image signatures with images, counting findings at or above high.
func startImageWebhook(t *testing.T, images *admission.Images) *webhookUnderTest {
	t.Helper()
	return startWebhookWith(t, webhookSetup{eval: admission.EvaluatorOptions{Images: images}, minSeverity: check.SeverityHigh})
}

// signedDeployment is a restricted-compliant Deployment running image.
func signedDeployment(name, ns, image string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	no, yes := false, true
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					AutomountServiceAccountToken: &no,
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:   &yes,
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Containers: []corev1.Container{{
						Name: "app", Image: image, ImagePullPolicy: corev1.PullAlways,
						Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{
							corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("32Mi"),
						}},
						SecurityContext: &corev1.SecurityContext{
							AllowPrivilegeEscalation: &no, ReadOnlyRootFilesystem: &yes,
							Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
						},
					}},
				},
			},
		},
	}
}

// TestAdmissionImageSignatures proves signature verification at admission
// in a real kube-apiserver: the webhook, given a cosign public key, verifies
// the images of each Deployment in an OCI registry on 127.0.0.1. In a deny
// namespace a Deployment whose image is signed with the key is admitted,
// one whose image is unsigned is rejected by supplychain/unsigned-image,
// naming the container and image; in a warn namespace it is admitted with
// that warning. Repeated reviews of the same images reach the registry
// only once.
func TestAdmissionImageSignatures(t *testing.T) {
	host := sigtest.NewRegistry(t)
	signedRef := sigtest.PushImage(t, host, "shop/signed")
	sigtest.PushImage(t, host, "shop/unsigned")
	key, pub := sigtest.NewKey(t)
	sigtest.SignImage(t, signedRef, key)
	pol, err := imagesig.LoadPolicy(imagesig.Config{PublicKeyFiles: []string{sigtest.WriteFile(t, "cosign.pub", pub)}})
	must(t, "policy", err)
	v, err := imagesig.NewVerifier(pol)
	must(t, "verifier", err)
	verifier := &countingVerifier{Loader: imagescan.RegistryLoader(image.Options{}), Verifier: imagescan.SignatureVerifier(v)}
	images := admission.NewImages(admission.ImageOptions{Verifier: verifier, Timeout: 3 * time.Second})

	admin := startAPIServer(t)
	ctx := context.Background()
	cs := kubernetes.NewForConfigOrDie(admin)
	for ns, mode := range map[string]string{"e2e-sig-deny": "deny", "e2e-sig-warn": "warn"} {
		n := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"pod-security.kubernetes.io/enforce": "privileged", admission.EnforceLabel: mode}}}
		if _, err := cs.CoreV1().Namespaces().Create(ctx, n, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	hook := startImageWebhook(t, images)
	if _, err := cs.AdmissionregistrationV1().ValidatingWebhookConfigurations().Create(ctx, hook.configuration(false), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	warned := &warnings{}
	userCfg := rest.CopyConfig(admin)
	userCfg.WarningHandler = warned
	user := kubernetes.NewForConfigOrDie(userCfg)
	create := func(d *appsv1.Deployment, dryRun bool) error {
		opts := metav1.CreateOptions{}
		if dryRun {
			opts.DryRun = []string{metav1.DryRunAll}
		}
		_, err := user.AppsV1().Deployments(d.Namespace).Create(ctx, d, opts)
		return err
	}
	signed, unsigned := host+"/shop/signed:latest", host+"/shop/unsigned:latest"
	waitFor(t, "the webhook to judge", func() bool {
		err := create(signedDeployment("probe", "e2e-sig-deny", unsigned), true)
		return err != nil && strings.Contains(err.Error(), "palisade:")
	})
	warned.take()

	t.Run("signed image admitted", func(t *testing.T) {
		if err := create(signedDeployment("signed", "e2e-sig-deny", signed), false); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("signed image by digest admitted", func(t *testing.T) {
		if err := create(signedDeployment("pinned", "e2e-sig-deny", signedRef), false); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("unsigned image rejected", func(t *testing.T) {
		err := create(signedDeployment("unsigned", "e2e-sig-deny", unsigned), false)
		wantError(t, err, `admission webhook "deny.palisade.dev" denied the request`, "palisade: deployment.apps/unsigned -n e2e-sig-deny fails 1 check at or above high",
			`supplychain/unsigned-image (high) at spec.template.spec.containers[0].image: container "app" image "`+unsigned+`" has no signature that verifies: no signature`)
	})
	t.Run("unsigned image in a warn namespace admitted with a warning", func(t *testing.T) {
		if err := create(signedDeployment("unsigned", "e2e-sig-warn", unsigned), false); err != nil {
			t.Fatal(err)
		}
		got := strings.Join(warned.take(), "\n")
		if !strings.Contains(got, `palisade: supplychain/unsigned-image (high) at spec.template.spec.containers[0].image: container "app" image "`+unsigned+`"`) {
			t.Errorf("warnings:\n%s", got)
		}
	})
	t.Run("repeated reviews are answered from the cache", func(t *testing.T) {
		before := verifier.verifies.Load()
		for range 5 {
			wantError(t, create(signedDeployment("again", "e2e-sig-deny", unsigned), true), "supplychain/unsigned-image")
			if err := create(signedDeployment("again", "e2e-sig-deny", signed), true); err != nil {
				t.Fatal(err)
			}
		}
		if after := verifier.verifies.Load(); after != before {
			t.Errorf("%d verifications reached the registry for images already verified", after-before)
		}
		if before > 3 {
			t.Errorf("%d verifications for 3 distinct image references", before)
		}
	})
}
