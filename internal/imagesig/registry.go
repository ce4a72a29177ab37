package imagesig

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Bounds on what is read from a registry for one image.
const (
	maxReferrers  = 32      // bundle manifests examined
	maxLegacySigs = 32      // simple-signing layers examined
	maxBundleSize = 4 << 20 // bytes of one bundle blob
	maxPayload    = 1 << 20 // bytes of one simple-signing payload
)

// target is the image whose signatures are verified.
type target struct {
	ref      name.Digest
	digest   string // "sha256:<hex>"
	hash     []byte // the digest's bytes
	manifest []byte // the manifest the digest names
}

// fetchTarget resolves ref to a digest and reads the manifest it names.
func fetchTarget(ref string, opts []remote.Option) (target, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return target{}, fmt.Errorf("image reference %q: %w", ref, err)
	}
	d, ok := r.(name.Digest)
	if !ok {
		desc, err := remote.Head(r, opts...)
		if err != nil {
			return target{}, fmt.Errorf("resolve %s: %w", r, err)
		}
		d = r.Context().Digest(desc.Digest.String())
	}
	h, err := v1.NewHash(d.DigestStr())
	if err != nil {
		return target{}, fmt.Errorf("image digest %q: %w", d.DigestStr(), err)
	}
	if h.Algorithm != "sha256" {
		return target{}, fmt.Errorf("image digest %s: only sha256 digests are supported", h)
	}
	desc, err := remote.Get(d, opts...)
	if err != nil {
		if isNotFound(err) {
			return target{}, fmt.Errorf("image %s not found", d)
		}
		return target{}, fmt.Errorf("read image %s: %w", d, err)
	}
	sum := sha256.Sum256(desc.Manifest)
	if hex.EncodeToString(sum[:]) != h.Hex {
		return target{}, fmt.Errorf("registry returned a manifest that does not match digest %s", h)
	}
	return target{ref: d, digest: h.String(), hash: sum[:], manifest: desc.Manifest}, nil
}

func isNotFound(err error) bool {
	var terr *transport.Error
	return errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound
}

// found is one signature read from the registry, or why it could not be.
type found struct {
	where string // names the signature in reasons
	data  []byte // the bundle JSON, or the simple-signing payload
	// Legacy signatures only:
	sig      []byte // decoded signature
	certPEM  string
	chainPEM string
	err      error
}

// findBundles lists the referrers of img and reads every Sigstore bundle
// among them. Referrers whose descriptor announces an in-toto predicate
// other than CosignSignPredicateType are attestations and not read.
func findBundles(img target, opts []remote.Option) ([]found, error) {
	idx, err := remote.Referrers(img.ref, opts...)
	if err != nil {
		return nil, err
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	var out []found
	for _, desc := range im.Manifests {
		if !mayBeBundle(desc.ArtifactType) {
			continue
		}
		if pt := desc.Annotations[predicateTypeAnnotation]; pt != "" && pt != CosignSignPredicateType {
			continue
		}
		if len(out) == maxReferrers {
			out = append(out, found{where: "referrers", err: fmt.Errorf("more than %d signature referrers; the rest were not read", maxReferrers)})
			break
		}
		where := "bundle " + shortDigest(desc.Digest.String())
		data, isBundle, err := readBundle(img, desc.Digest.String(), opts)
		switch {
		case err != nil:
			out = append(out, found{where: where, err: err})
		case isBundle:
			out = append(out, found{where: where, data: data})
		}
	}
	return out, nil
}

// mayBeBundle says whether a referrer of the given artifactType may hold a
// Sigstore bundle. Registries that derive artifactType from the config media
// type report the empty descriptor's type; the manifest then says more.
func mayBeBundle(artifactType string) bool {
	return artifactType == "" || artifactType == emptyMediaType || strings.HasPrefix(artifactType, bundleMediaTypePrefix)
}

// readBundle reads the referrer manifest at digest and, if it is a Sigstore
// bundle artifact about img, the bundle blob.
func readBundle(img target, digest string, opts []remote.Option) ([]byte, bool, error) {
	desc, err := remote.Get(img.ref.Context().Digest(digest), opts...)
	if err != nil {
		return nil, false, fmt.Errorf("read manifest: %w", err)
	}
	m, err := v1.ParseManifest(bytes.NewReader(desc.Manifest))
	if err != nil {
		return nil, false, fmt.Errorf("parse manifest: %w", err)
	}
	if !strings.HasPrefix(m.ArtifactType, bundleMediaTypePrefix) && !strings.HasPrefix(string(m.Config.MediaType), bundleMediaTypePrefix) {
		return nil, false, nil
	}
	if m.Subject == nil || m.Subject.Digest.String() != img.digest {
		return nil, false, nil
	}
	for _, l := range m.Layers {
		if !strings.HasPrefix(string(l.MediaType), bundleMediaTypePrefix) {
			continue
		}
		if l.Size > maxBundleSize {
			return nil, false, fmt.Errorf("bundle of %d bytes is larger than %d", l.Size, maxBundleSize)
		}
		data, err := readBlob(img.ref.Context(), l.Digest, maxBundleSize, opts)
		if err != nil {
			return nil, false, fmt.Errorf("read bundle: %w", err)
		}
		return data, true, nil
	}
	return nil, false, errors.New("bundle artifact has no bundle layer")
}

// findLegacy reads the legacy cosign signature image of img, at the tag
// "sha256-<hex>.sig" of its repository. A missing tag is no signature.
func findLegacy(img target, opts []remote.Option) ([]found, error) {
	tag := img.ref.Context().Tag(strings.Replace(img.digest, ":", "-", 1) + ".sig")
	desc, err := remote.Get(tag, opts...)
	if err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	m, err := v1.ParseManifest(bytes.NewReader(desc.Manifest))
	if err != nil {
		return nil, fmt.Errorf("%s: parse manifest: %w", tag.TagStr(), err)
	}
	var out []found
	for i, l := range m.Layers {
		if l.MediaType != SimpleSigningMediaType {
			continue
		}
		where := fmt.Sprintf("%s layer %d", tag.TagStr(), i)
		if len(out) == maxLegacySigs {
			out = append(out, found{where: where, err: fmt.Errorf("more than %d legacy signatures; the rest were not read", maxLegacySigs)})
			break
		}
		f := found{where: where, certPEM: l.Annotations[CertificateAnnotation], chainPEM: l.Annotations[ChainAnnotation]}
		b64, ok := l.Annotations[SignatureAnnotation]
		if !ok {
			f.err = fmt.Errorf("no %s annotation", SignatureAnnotation)
			out = append(out, f)
			continue
		}
		if f.sig, err = base64.StdEncoding.DecodeString(b64); err != nil {
			f.err = fmt.Errorf("signature annotation is not base64: %w", err)
			out = append(out, f)
			continue
		}
		if l.Size > maxPayload {
			f.err = fmt.Errorf("payload of %d bytes is larger than %d", l.Size, maxPayload)
		} else if f.data, err = readBlob(img.ref.Context(), l.Digest, maxPayload, opts); err != nil {
			f.err = fmt.Errorf("read payload: %w", err)
		}
		out = append(out, f)
	}
	return out, nil
}

// readBlob reads the blob h of repo, at most limit bytes, and checks that
// its digest is h.
func readBlob(repo name.Repository, h v1.Hash, limit int64, opts []remote.Option) ([]byte, error) {
	if h.Algorithm != "sha256" {
		return nil, fmt.Errorf("unsupported blob digest %s", h)
	}
	l, err := remote.Layer(repo.Digest(h.String()), opts...)
	if err != nil {
		return nil, err
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("blob is larger than %d bytes", limit)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != h.Hex {
		return nil, fmt.Errorf("blob does not match its digest %s", h)
	}
	return data, nil
}

// shortDigest abbreviates "sha256:<hex>" for messages.
func shortDigest(d string) string {
	if i := strings.IndexByte(d, ':'); i >= 0 && len(d) > i+13 {
		return d[:i+13]
	}
	return d
}
