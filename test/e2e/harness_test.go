// Package e2e tests Palisade against a real kube-apiserver and etcd, built
// from source at pinned versions by hack/testbin.sh and started on loopback
// with controller-runtime's envtest.
package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/palisade-sec/palisade/internal/cluster"
)

func init() {
	// controller-runtime's client logs through a logger nobody set here.
	ctrllog.SetLogger(logr.Discard())
}

// Versions pinned in hack/testbin.sh; the folder it prints.
const (
	k8sVersion  = "v1.37.2"
	etcdVersion = "v3.6.16"
)

// assetsDir finds kube-apiserver and etcd: $KUBEBUILDER_ASSETS, else the
// cache folder hack/testbin.sh builds into. Without them the tests skip
// with a message, except in CI, where they must run.
func assetsDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("KUBEBUILDER_ASSETS")
	if dir == "" {
		root := os.Getenv("PALISADE_TESTBIN_CACHE")
		if root == "" {
			cache, _ := os.UserCacheDir() // $XDG_CACHE_HOME or ~/.cache, as hack/testbin.sh
			root = filepath.Join(cache, "palisade", "testbin")
		}
		dir = filepath.Join(root, fmt.Sprintf("k8s-%s_etcd-%s", k8sVersion, etcdVersion))
	}
	for _, bin := range []string{"kube-apiserver", "etcd"} {
		if _, err := os.Stat(filepath.Join(dir, bin)); err != nil {
			msg := fmt.Sprintf("no %s in %s: build the test API server with hack/testbin.sh (10-20 minutes the first time, cached after)", bin, dir)
			if os.Getenv("CI") != "" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	return dir
}

// startAPIServer starts a fresh etcd + kube-apiserver and returns an admin
// client config. They are stopped when the test ends.
func startAPIServer(t testing.TB) *rest.Config {
	t.Helper()
	return startAPIServerWith(t, nil)
}

// startAPIServerWith is startAPIServer with a chance to configure the
// environment first: extra kube-apiserver flags through
// env.ControlPlane.GetAPIServer().Configure(), or webhook install options.
func startAPIServerWith(t testing.TB, configure func(env *envtest.Environment)) *rest.Config {
	t.Helper()
	env := &envtest.Environment{
		BinaryAssetsDirectory:    assetsDir(t),
		ControlPlaneStartTimeout: 2 * time.Minute,
		ControlPlaneStopTimeout:  time.Minute,
	}
	// Room for thousands of Services (envtest's default range is a /24).
	env.ControlPlane.GetAPIServer().Configure().Set("service-cluster-ip-range", "10.96.0.0/16")
	if configure != nil {
		configure(env)
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("starting kube-apiserver and etcd: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Logf("stopping the control plane: %v", err)
		}
	})
	return cfg
}

// newClient returns a client without a client-side rate limit.
func newClient(t testing.TB, admin *rest.Config) client.Client {
	t.Helper()
	cfg := rest.CopyConfig(admin)
	cfg.QPS, cfg.Burst = -1, 0
	c, err := client.New(cfg, client.Options{Scheme: scheme.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// create creates one object; an object that already exists is left alone.
func create(t testing.TB, c client.Client, obj client.Object) error {
	if err := c.Create(context.Background(), obj); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("creating %s %s/%s: %w", obj.GetObjectKind().GroupVersionKind().Kind, obj.GetNamespace(), obj.GetName(), err)
	}
	return nil
}

// ensureNamespaces creates the Namespace objects among objects, and every
// namespace another object names.
func ensureNamespaces(t testing.TB, c client.Client, objects []*cluster.Object) {
	t.Helper()
	seen := map[string]bool{}
	for _, o := range objects {
		if ns, ok := o.Typed.(*corev1.Namespace); ok && !seen[ns.Name] {
			if err := create(t, c, ns.DeepCopy()); err != nil {
				t.Fatal(err)
			}
			seen[ns.Name] = true
		}
	}
	for _, o := range objects {
		if ns := o.ID.Namespace; ns != "" && !seen[ns] {
			if err := create(t, c, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
				t.Fatal(err)
			}
			seen[ns] = true
		}
	}
}

// apply creates the objects in the API server, namespaces first.
func apply(t testing.TB, cfg *rest.Config, objects []*cluster.Object) {
	t.Helper()
	c := newClient(t, cfg)
	ensureNamespaces(t, c, objects)
	for _, o := range objects {
		if _, ok := o.Typed.(*corev1.Namespace); ok {
			continue
		}
		obj, ok := o.Typed.DeepCopyObject().(client.Object)
		if !ok {
			t.Fatalf("%s is not a client object", o.ID)
		}
		if err := create(t, c, obj); err != nil {
			t.Fatal(err)
		}
	}
}
