package imageref

import (
	"strings"
	"testing"
)

const (
	sha  = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	sha2 = "sha512:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in                          string
		registry, path, tag, digest string
	}{
		// Docker Hub defaulting and the library/ namespace.
		{in: "nginx", registry: "docker.io", path: "library/nginx"},
		{in: "nginx:1.25", registry: "docker.io", path: "library/nginx", tag: "1.25"},
		{in: "nginx:latest", registry: "docker.io", path: "library/nginx", tag: "latest"},
		{in: "docker.io/nginx", registry: "docker.io", path: "library/nginx"},
		{in: "index.docker.io/nginx:1", registry: "docker.io", path: "library/nginx", tag: "1"},
		{in: "docker.io/library/nginx", registry: "docker.io", path: "library/nginx"},
		{in: "bitnami/redis:7.2", registry: "docker.io", path: "bitnami/redis", tag: "7.2"},
		{in: "kubernetesui/dashboard:v2.7.0", registry: "docker.io", path: "kubernetesui/dashboard", tag: "v2.7.0"},
		{in: "a/b/c", registry: "docker.io", path: "a/b/c"},
		// Host detection: ".", ":", localhost, upper case.
		{in: "ghcr.io/acme/api:1.0", registry: "ghcr.io", path: "acme/api", tag: "1.0"},
		{in: "registry.k8s.io/pause:3.9", registry: "registry.k8s.io", path: "pause", tag: "3.9"},
		{in: "k8s.gcr.io/kubernetes-dashboard-amd64:v1.10.1", registry: "k8s.gcr.io", path: "kubernetes-dashboard-amd64", tag: "v1.10.1"},
		{in: "localhost/app", registry: "localhost", path: "app"},
		{in: "localhost:5000/app:dev", registry: "localhost:5000", path: "app", tag: "dev"},
		{in: "registry:5000/team/app", registry: "registry:5000", path: "team/app"},
		{in: "Registry.Corp/app", registry: "registry.corp", path: "app"},
		{in: "MyHost/app", registry: "myhost", path: "app"},
		{in: "10.0.0.1:5000/app@" + sha, registry: "10.0.0.1:5000", path: "app", digest: sha},
		{in: "[::1]:5000/app:v1", registry: "[::1]:5000", path: "app", tag: "v1"},
		{in: "[fd00::1]/app", registry: "[fd00::1]", path: "app"},
		// Not a host: no dot, colon or upper case, not localhost.
		{in: "myregistry/app", registry: "docker.io", path: "myregistry/app"},
		// A bare name with a colon is a tag, not a port.
		{in: "localhost:5000", registry: "docker.io", path: "library/localhost", tag: "5000"},
		// Digests, with and without a tag.
		{in: "nginx@" + sha, registry: "docker.io", path: "library/nginx", digest: sha},
		{in: "nginx:1.25@" + sha, registry: "docker.io", path: "library/nginx", tag: "1.25", digest: sha},
		{in: "ghcr.io/acme/api:latest@" + sha2, registry: "ghcr.io", path: "acme/api", tag: "latest", digest: sha2},
		// Separators inside path components; odd but valid tags.
		{in: "quay.io/a.b/c__d/e-f--g_h:_V1.0-rc.1", registry: "quay.io", path: "a.b/c__d/e-f--g_h", tag: "_V1.0-rc.1"},
	} {
		got, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		want := Reference{Registry: tc.registry, Path: tc.path, Tag: tc.tag, Digest: tc.digest}
		if got != want {
			t.Errorf("Parse(%q) = %+v, want %+v", tc.in, got, want)
		}
	}
}

func TestParseReferenceRejects(t *testing.T) {
	for _, tc := range []struct{ in, wantErr string }{
		{"", "empty"},
		{"Nginx", "lower-case"},
		{"ghcr.io/Acme/api", "lower-case"},
		{"nginx:", "empty tag"},
		{"nginx:-bad", "must start"},
		{"nginx:a/b", "invalid port"}, // the ":" precedes a "/", so "nginx:a" is a registry
		{"nginx:" + strings.Repeat("a", 129), "longer than 128"},
		{"nginx@sha256:abc", "64 lower-case hex"},
		{"nginx@md5:0123456789abcdef0123456789abcdef", "unsupported algorithm"},
		{"nginx@" + strings.ToUpper(sha[7:]), "algorithm:hex"},
		{"nginx@sha256:" + strings.ToUpper(sha[7:]), "lower-case hex"},
		{"ghcr.io//api", "empty path component"},
		{"ghcr.io/api/", "empty path component"},
		{"ghcr.io/-api", "invalid path component"},
		{"ghcr.io/api-", "invalid path component"},
		{"ghcr.io/a...b", "invalid path component"},
		{"ghcr.io/a___b", "invalid path component"},
		{"-bad.io/app", "invalid host label"},
		{"host.io:port/app", "invalid port"},
		{"[::1/app", "unterminated"},
		{"[zz]:5000/app", "invalid IPv6"},
		{"@" + sha, "names no repository"},
		{strings.Repeat("a", 64), "image ID"},
	} {
		_, err := Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q) accepted; want an error (%s)", tc.in, tc.wantErr)
		}
	}
}

func TestReferenceMethods(t *testing.T) {
	for _, tc := range []struct {
		in             string
		str            string
		pinned, mutate bool
	}{
		{"nginx", "docker.io/library/nginx", false, true},
		{"nginx:latest", "docker.io/library/nginx:latest", false, true},
		{"nginx:1.25", "docker.io/library/nginx:1.25", false, false},
		{"nginx:latest@" + sha, "docker.io/library/nginx:latest@" + sha, true, false},
		{"ghcr.io/acme/api@" + sha, "ghcr.io/acme/api@" + sha, true, false},
	} {
		r, err := Parse(tc.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.in, err)
		}
		if r.String() != tc.str || r.Pinned() != tc.pinned || r.MutableTag() != tc.mutate {
			t.Errorf("%q: String %q Pinned %v MutableTag %v, want %q %v %v", tc.in, r.String(), r.Pinned(), r.MutableTag(), tc.str, tc.pinned, tc.mutate)
		}
	}
}
