package supplychain

import (
	"testing"

	"github.com/palisade-sec/palisade/internal/imageref"
)

const (
	sha  = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	sha2 = "sha512:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

func TestRegistryAllowed(t *testing.T) {
	allowed := []string{normalizeAllowed("GHCR.io/acme/"), normalizeAllowed("registry.corp:5000"), normalizeAllowed("index.docker.io/library")}
	for _, tc := range []struct {
		image string
		want  bool
	}{
		{"ghcr.io/acme/api:1", true},
		{"ghcr.io/acme/team/api:1", true},
		{"ghcr.io/acme", true},
		{"ghcr.io/acme-evil/api:1", false},
		{"ghcr.io/acmeapi:1", false},
		{"ghcr.io/other/api:1", false},
		{"registry.corp:5000/anything/at/all", true},
		{"registry.corp/app", false},
		{"registry.corp:50001/app", false},
		{"nginx:1.25", true},
		{"docker.io/library/nginx", true},
		{"bitnami/redis", false},
		{"docker.io/libraryx/nginx", false},
	} {
		ref, err := imageref.Parse(tc.image)
		if err != nil {
			t.Fatalf("imageref.Parse(%q): %v", tc.image, err)
		}
		if got := registryAllowed(ref, allowed); got != tc.want {
			t.Errorf("registryAllowed(%q, %v) = %v, want %v", tc.image, allowed, got, tc.want)
		}
	}
}
