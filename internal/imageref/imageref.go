// Package imageref reads container image references the way container
// runtimes resolve them before a pull, using the distribution project's own
// reference grammar (github.com/distribution/reference).
package imageref

import (
	_ "crypto/sha512" // lets go-digest accept sha384 and sha512 digests
	"fmt"
	"strings"
	"sync"

	"github.com/distribution/reference"
)

// DefaultRegistry is the registry an image reference without a host names.
const DefaultRegistry = "docker.io"

// LegacyDefaultRegistry is an old spelling of DefaultRegistry that runtimes
// still accept and treat as the same registry.
const LegacyDefaultRegistry = "index.docker.io"

// Reference is a normalized image reference:
//
//	nginx                       docker.io/library/nginx (no tag, no digest)
//	bitnami/redis:7.2           docker.io/bitnami/redis, tag 7.2
//	localhost:5000/app@sha256:… localhost:5000/app, digest sha256:…
type Reference struct {
	// Registry is the registry host, with its port when one is given:
	// "docker.io", "ghcr.io", "registry.corp:5000".
	Registry string
	// Path is the repository inside the registry: "library/nginx".
	Path string
	// Tag is the tag as written, "" when the reference has none.
	Tag string
	// Digest is "algorithm:hex" as written, "" when the reference has none.
	Digest string
}

// Parse parses and normalizes an image reference. It rejects what a
// runtime would refuse to pull: bad syntax, upper-case repositories, bare
// image IDs.
func Parse(s string) (Reference, error) {
	if r, ok := parsed.Load(s); ok {
		res := r.(parseResult)
		return res.ref, res.err
	}
	ref, err := parse(s)
	parsed.Store(s, parseResult{ref, err})
	return ref, err
}

// parsed memoizes Parse: a cluster runs few distinct images in many
// containers, and several checks read each container's image.
var parsed sync.Map // string -> parseResult

type parseResult struct {
	ref Reference
	err error
}

func parse(s string) (Reference, error) {
	named, err := reference.ParseNormalizedNamed(s)
	if err != nil {
		return Reference{}, fmt.Errorf("image %q: %w", s, err)
	}
	ref := Reference{Registry: strings.ToLower(reference.Domain(named)), Path: reference.Path(named)}
	if ref.Registry == LegacyDefaultRegistry {
		ref.Registry = DefaultRegistry
	}
	if t, ok := named.(reference.Tagged); ok {
		ref.Tag = t.Tag()
	}
	if d, ok := named.(reference.Digested); ok {
		ref.Digest = d.Digest().String()
	}
	return ref, nil
}

// Repository is the registry and path: "docker.io/library/nginx".
func (r Reference) Repository() string { return r.Registry + "/" + r.Path }

// String is the fully qualified reference.
func (r Reference) String() string {
	s := r.Repository()
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest
	}
	return s
}

// Pinned reports whether the reference names its image by digest, so the
// same reference always pulls the same bytes.
func (r Reference) Pinned() bool { return r.Digest != "" }

// MutableTag reports whether the reference follows a moving target: it has
// no digest, and its tag is absent (which pulls "latest") or is "latest".
func (r Reference) MutableTag() bool {
	return r.Digest == "" && (r.Tag == "" || r.Tag == "latest")
}
