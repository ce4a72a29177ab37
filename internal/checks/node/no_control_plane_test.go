package node

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/checks/checktest"
	"github.com/palisade-sec/palisade/internal/checks/controlplane"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
)

// componentChecks is a registry of every control-plane and node check.
func componentChecks(t *testing.T) *check.Registry {
	reg := check.NewRegistry()
	for _, c := range check.Default().All() {
		if strings.HasPrefix(c.ID, controlplane.Prefix) || strings.HasPrefix(c.ID, Prefix) {
			reg.MustAdd(c)
		}
	}
	if len(reg.All()) < 30 {
		t.Fatalf("only %d control-plane and node checks registered", len(reg.All()))
	}
	return reg
}

// TestNothingWithoutAControlPlane: scanning application manifests — no
// control-plane pod, no kubelet config, no node files — yields nothing
// from these checks, not even "not assessed".
func TestNothingWithoutAControlPlane(t *testing.T) {
	reg := componentChecks(t)
	run := func(t *testing.T, objs []*cluster.Object) {
		t.Helper()
		res := check.Run(cluster.NewSnapshot(objs), check.Options{Registry: reg, Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
		for _, f := range res.Findings {
			t.Errorf("%s on %s: %s", f.CheckID, f.Object, f.Message)
		}
	}
	for _, scenario := range []string{"tesla-2018", "insecure-shop", "hardened"} {
		t.Run(scenario, func(t *testing.T) {
			loaded := source.Load(source.Options{Paths: []string{filepath.Join("..", "..", "..", "examples", scenario)}})
			if len(loaded.Errors) > 0 || len(loaded.Objects) == 0 {
				t.Fatalf("scenario did not load: %v", loaded.Errors)
			}
			run(t, loaded.Objects)
		})
	}
	t.Run("look-alikes", func(t *testing.T) {
		run(t, checktest.Snapshot(t, `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop, labels: {component: api}}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api, component: kube-apiserver-proxy}}
    spec:
      containers:
      - name: api
        image: shop/api:1.0
        command: [/bin/api, --anonymous-auth=true, --profiling]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: kubelet-config, namespace: kube-system}
data:
  kubelet: |
    apiVersion: kubelet.config.k8s.io/v1beta1
    kind: KubeletConfiguration
    readOnlyPort: 10255
`).Objects())
	})
}
