// Package sigtest makes signed and unsigned container images for tests: an
// in-process OCI registry on loopback, random images pushed to it, keys and
// a test certificate authority generated on the fly, and cosign signatures
// in both layouts imagesig reads (Sigstore bundles attached as OCI referrers,
// and legacy "sha256-<hex>.sig" tags).
//
// Every helper fails the test on error; none touches the network beyond
// 127.0.0.1.
package sigtest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/palisade-sec/palisade/internal/imagesig"
)

// NewRegistry starts an in-process OCI registry (go-containerregistry's
// pkg/registry) on 127.0.0.1 for the length of the test and returns its host
// ("127.0.0.1:PORT"). go-containerregistry talks plain HTTP to loopback
// hosts, so references to it need no extra options. opts configure the
// registry, e.g. registry.WithReferrersSupport(true) to serve the OCI 1.1
// referrers API; without it clients fall back to the referrers tag.
func NewRegistry(t testing.TB, opts ...registry.Option) string {
	t.Helper()
	opts = append([]registry.Option{registry.Logger(discardLogger())}, opts...)
	srv := httptest.NewServer(registry.New(opts...))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// PushImage pushes a new random image to host/repo:latest and returns its
// reference by digest ("host/repo@sha256:...").
func PushImage(t testing.TB, host, repo string) string {
	t.Helper()
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatalf("sigtest: random image: %v", err)
	}
	tag, err := name.NewTag(host + "/" + repo + ":latest")
	if err != nil {
		t.Fatalf("sigtest: %v", err)
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatalf("sigtest: push %s: %v", tag, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatalf("sigtest: %v", err)
	}
	return tag.Context().Digest(d.String()).String()
}

// NewKey returns a new ECDSA P-256 key, as `cosign generate-key-pair`
// makes, and its public key in PEM ("PUBLIC KEY").
func NewKey(t testing.TB) (*ecdsa.PrivateKey, []byte) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("sigtest: generate key: %v", err)
	}
	pubPEM, err := cryptoutils.MarshalPublicKeyToPEM(priv.Public())
	if err != nil {
		t.Fatalf("sigtest: %v", err)
	}
	return priv, pubPEM
}

// WriteFile writes data to a new file named base in a test temporary
// directory and returns its path (for public keys and trusted roots given
// to imagesig.LoadPolicy).
func WriteFile(t testing.TB, base string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), base)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatalf("sigtest: %v", err)
	}
	return path
}

// Signer signs in tests: with Key alone in key mode, or with Key and a
// certificate for it (see CA.NewSigner) in keyless mode.
type Signer struct {
	Key *ecdsa.PrivateKey
	// Cert is the signing certificate for Key, nil in key mode; Chain are
	// the intermediate certificates between Cert and the root.
	Cert  []byte
	Chain [][]byte
}

// KeySigner returns a key-mode Signer.
func KeySigner(key *ecdsa.PrivateKey) Signer { return Signer{Key: key} }

// Format is the content of a Sigstore bundle.
type Format int

const (
	// DSSE is a DSSE envelope holding an in-toto statement with predicate
	// type imagesig.CosignSignPredicateType whose subject is the image
	// digest, as cosign v3 signs images.
	DSSE Format = iota
	// MessageSignature is a message signature over the image manifest.
	MessageSignature
)

// SignImage signs the image ref names (by digest) with key as cosign v3
// does, and attaches the bundle to it as an OCI referrer.
func SignImage(t testing.TB, ref string, key *ecdsa.PrivateKey) {
	t.Helper()
	AttachBundle(t, ref, Bundle(t, ref, KeySigner(key), DSSE))
}

// Bundle returns the JSON Sigstore bundle (v0.3) of a signature by s over
// the image ref names, made with sigstore-go's sign package without a
// transparency log or timestamp authority.
func Bundle(t testing.TB, ref string, s Signer, f Format) []byte {
	t.Helper()
	d, manifest := getManifest(t, ref)
	var content sign.Content
	switch f {
	case DSSE:
		content = &sign.DSSEData{Data: Statement(t, d, imagesig.CosignSignPredicateType), PayloadType: imagesig.InTotoPayloadType}
	case MessageSignature:
		content = &sign.PlainData{Data: manifest}
	default:
		t.Fatalf("sigtest: unknown bundle format %d", f)
	}
	return SignContent(t, content, s)
}

// Statement returns an in-toto statement of predicateType whose subject is
// the image digest d.
func Statement(t testing.TB, d name.Digest, predicateType string) []byte {
	t.Helper()
	hex := strings.TrimPrefix(d.DigestStr(), "sha256:")
	st := map[string]any{
		"_type":         "https://in-toto.io/Statement/v1",
		"subject":       []any{map[string]any{"name": d.Context().Name(), "digest": map[string]string{"sha256": hex}}},
		"predicateType": predicateType,
		"predicate":     map[string]any{},
	}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatalf("sigtest: %v", err)
	}
	return b
}

// SignContent signs content with s through sigstore-go's sign.Bundle and
// returns the bundle JSON.
func SignContent(t testing.TB, content sign.Content, s Signer) []byte {
	t.Helper()
	kp, err := newKeypair(s.Key)
	if err != nil {
		t.Fatalf("sigtest: %v", err)
	}
	opts := sign.BundleOptions{Context: context.Background()}
	if s.Cert != nil {
		opts.CertificateProvider = fixedCert(s.Cert)
	}
	pb, err := sign.Bundle(content, kp, opts)
	if err != nil {
		t.Fatalf("sigtest: sign: %v", err)
	}
	b, err := protojson.Marshal(pb)
	if err != nil {
		t.Fatalf("sigtest: %v", err)
	}
	return b
}

// AttachBundle pushes bundleJSON as a Sigstore bundle artifact whose subject
// is the image ref names, laid out as cosign attaches bundles; the registry
// (or, without the referrers API, the referrers tag) links it to the image.
func AttachBundle(t testing.TB, ref string, bundleJSON []byte) {
	t.Helper()
	AttachArtifact(t, ref, imagesig.BundleArtifactType, bundleJSON, nil)
}

// AttachArtifact pushes an artifact manifest of artifactType with one layer
// (blob, of media type artifactType) and subject the image ref names.
// annotations are set on the manifest.
func AttachArtifact(t testing.TB, ref, artifactType string, blob []byte, annotations map[string]string) {
	t.Helper()
	d, err := name.NewDigest(ref)
	if err != nil {
		t.Fatalf("sigtest: %v", err)
	}
	subject, err := remote.Head(d)
	if err != nil {
		t.Fatalf("sigtest: %v", err)
	}
	cfg := static.NewLayer([]byte("{}"), "application/vnd.oci.empty.v1+json")
	layer := static.NewLayer(blob, types.MediaType(artifactType))
	for _, l := range []v1.Layer{cfg, layer} {
		if err := remote.WriteLayer(d.Context(), l); err != nil {
			t.Fatalf("sigtest: push blob: %v", err)
		}
	}
	cfgDesc, layerDesc := descriptor(t, cfg), descriptor(t, layer)
	layerDesc.Annotations = map[string]string{"org.opencontainers.image.title": strings.Replace(layerDesc.Digest.String(), ":", "-", 1) + ".sigstore.json"}
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  artifactType,
		Config:        cfgDesc,
		Layers:        []v1.Descriptor{layerDesc},
		Subject:       &v1.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size},
		Annotations:   annotations,
	}
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("sigtest: %v", err)
	}
	h, _, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("sigtest: %v", err)
	}
	if err := remote.Put(d.Context().Digest(h.String()), rawManifest{raw, types.OCIManifestSchema1}); err != nil {
		t.Fatalf("sigtest: push artifact manifest: %v", err)
	}
}

// LegacySig is one legacy cosign signature layer.
type LegacySig struct {
	Payload   []byte // the simple-signing payload
	Signature []byte // raw signature over Payload
	Cert      []byte // PEM certificate, keyless only
	Chain     []byte // PEM chain, keyless only
}

// SimpleSigningPayload returns the simple-signing payload cosign signs for
// the image d, naming manifestDigest ("sha256:...") as its digest.
func SimpleSigningPayload(t testing.TB, d name.Digest, manifestDigest string) []byte {
	t.Helper()
	p := map[string]any{
		"critical": map[string]any{
			"identity": map[string]string{"docker-reference": d.Context().Name()},
			"image":    map[string]string{"docker-manifest-digest": manifestDigest},
			"type":     imagesig.SimpleSigningType,
		},
		"optional": nil,
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatalf("sigtest: %v", err)
	}
	return b
}

// LegacySign signs payload with s: an ECDSA signature over its SHA-256, and
// for a keyless Signer its certificate and chain in PEM.
func LegacySign(t testing.TB, payload []byte, s Signer) LegacySig {
	t.Helper()
	sum := sha256.Sum256(payload)
	sig, err := ecdsa.SignASN1(rand.Reader, s.Key, sum[:])
	if err != nil {
		t.Fatalf("sigtest: sign: %v", err)
	}
	ls := LegacySig{Payload: payload, Signature: sig}
	if s.Cert != nil {
		ls.Cert = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Cert})
		for _, c := range s.Chain {
			ls.Chain = append(ls.Chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c})...)
		}
	}
	return ls
}

// SignImageLegacy signs the image ref names as cosign v2 did by default: a
// simple-signing payload naming the image digest, signed with key, pushed
// to the tag "sha256-<hex>.sig" of the image's repository.
func SignImageLegacy(t testing.TB, ref string, key *ecdsa.PrivateKey) {
	t.Helper()
	d, err := name.NewDigest(ref)
	if err != nil {
		t.Fatalf("sigtest: %v", err)
	}
	PushLegacy(t, ref, LegacySign(t, SimpleSigningPayload(t, d, d.DigestStr()), KeySigner(key)))
}

// PushLegacy pushes sigs as the legacy signature image of the image ref
// names (by digest), one layer each, replacing any there.
func PushLegacy(t testing.TB, ref string, sigs ...LegacySig) {
	t.Helper()
	d, err := name.NewDigest(ref)
	if err != nil {
		t.Fatalf("sigtest: %v", err)
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	for _, s := range sigs {
		ann := map[string]string{imagesig.SignatureAnnotation: base64.StdEncoding.EncodeToString(s.Signature)}
		if s.Cert != nil {
			ann[imagesig.CertificateAnnotation] = string(s.Cert)
		}
		if s.Chain != nil {
			ann[imagesig.ChainAnnotation] = string(s.Chain)
		}
		img, err = mutate.Append(img, mutate.Addendum{
			Layer:       static.NewLayer(s.Payload, imagesig.SimpleSigningMediaType),
			Annotations: ann,
		})
		if err != nil {
			t.Fatalf("sigtest: %v", err)
		}
	}
	tag := d.Context().Tag(strings.Replace(d.DigestStr(), ":", "-", 1) + ".sig")
	if err := remote.Write(tag, img); err != nil {
		t.Fatalf("sigtest: push %s: %v", tag, err)
	}
}

func getManifest(t testing.TB, ref string) (name.Digest, []byte) {
	t.Helper()
	d, err := name.NewDigest(ref)
	if err != nil {
		t.Fatalf("sigtest: %v", err)
	}
	desc, err := remote.Get(d)
	if err != nil {
		t.Fatalf("sigtest: %v", err)
	}
	return d, desc.Manifest
}

func descriptor(t testing.TB, l v1.Layer) v1.Descriptor {
	t.Helper()
	d, err := l.Digest()
	if err != nil {
		t.Fatalf("sigtest: %v", err)
	}
	size, err := l.Size()
	if err != nil {
		t.Fatalf("sigtest: %v", err)
	}
	mt, err := l.MediaType()
	if err != nil {
		t.Fatalf("sigtest: %v", err)
	}
	return v1.Descriptor{MediaType: mt, Digest: d, Size: size}
}

// rawManifest is a manifest pushed as given.
type rawManifest struct {
	raw []byte
	mt  types.MediaType
}

func (m rawManifest) RawManifest() ([]byte, error)        { return m.raw, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return m.mt, nil }

// keypair adapts an ECDSA P-256 key to sigstore-go's sign.Keypair.
type keypair struct {
	key  *ecdsa.PrivateKey
	hint []byte
}

func newKeypair(key *ecdsa.PrivateKey) (*keypair, error) {
	if key == nil {
		return nil, errors.New("signer has no key")
	}
	if key.Curve != elliptic.P256() {
		return nil, fmt.Errorf("only ECDSA P-256 keys are supported, not %s", key.Curve.Params().Name)
	}
	der, err := cryptoutils.MarshalPublicKeyToDER(key.Public())
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(der)
	return &keypair{key: key, hint: []byte(base64.StdEncoding.EncodeToString(sum[:]))}, nil
}

func (k *keypair) GetHashAlgorithm() protocommon.HashAlgorithm {
	return protocommon.HashAlgorithm_SHA2_256
}

func (k *keypair) GetSigningAlgorithm() protocommon.PublicKeyDetails {
	return protocommon.PublicKeyDetails_PKIX_ECDSA_P256_SHA_256
}

func (k *keypair) GetHint() []byte                { return k.hint }
func (k *keypair) GetKeyAlgorithm() string        { return "ECDSA" }
func (k *keypair) GetPublicKey() crypto.PublicKey { return k.key.Public() }

func (k *keypair) GetPublicKeyPem() (string, error) {
	b, err := cryptoutils.MarshalPublicKeyToPEM(k.key.Public())
	return string(b), err
}

func (k *keypair) SignData(_ context.Context, data []byte) ([]byte, []byte, error) {
	sum := sha256.Sum256(data)
	sig, err := ecdsa.SignASN1(rand.Reader, k.key, sum[:])
	return sig, sum[:], err
}

// fixedCert is a sign.CertificateProvider that returns one certificate.
type fixedCert []byte

func (c fixedCert) GetCertificate(context.Context, sign.Keypair, *sign.CertificateProviderOptions) ([]byte, error) {
	return c, nil
}
