// Package imagesig verifies cosign signatures over container image manifest
// digests, reading them from the image's OCI registry and verifying them with
// sigstore-go, offline.
//
// Two ways of attaching a signature to an image are understood:
//
//   - Sigstore bundles attached as OCI referrers (what cosign v3 writes): an
//     artifact manifest of artifactType BundleArtifactType whose subject is
//     the image, found through the OCI 1.1 referrers API or its tag fallback.
//     The bundle either holds a DSSE envelope with an in-toto statement of
//     predicate type CosignSignPredicateType whose subject digest is the
//     image digest (cosign v3 "sign"), or a message signature over the image
//     manifest (whose digest is therefore the image digest). Bundles holding
//     other in-toto predicates (SLSA provenance, SBOMs, ...) are attestations,
//     not signatures, and are skipped.
//   - Legacy cosign signatures under the tag "sha256-<hex>.sig" in the image's
//     repository: layers of media type SimpleSigningMediaType holding a
//     "simple signing" payload that names the image digest, with the
//     base64 signature in the SignatureAnnotation annotation and, for keyless
//     signatures, the signing certificate in CertificateAnnotation.
//
// A Policy says whom to trust: public keys (key mode), and/or a Sigstore
// trusted root plus the certificate identities allowed to sign (keyless mode).
// Nothing is fetched from TUF, Rekor or Fulcio: every check runs against the
// material in the Policy.
//
// Verification never fails with an error because an image is unsigned or its
// signatures do not verify: the result is an imagefacts.Signature whose Reason
// says why. Errors are kept for policies that cannot be used.
package imagesig

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/palisade-sec/palisade/internal/imagefacts"
)

// Media types, annotations and payload types of cosign signatures.
const (
	// BundleArtifactType is the artifactType of an OCI artifact manifest that
	// carries a Sigstore bundle (v0.3) as its only layer.
	BundleArtifactType = "application/vnd.dev.sigstore.bundle.v0.3+json"
	// SimpleSigningMediaType is the media type of a legacy cosign signature
	// layer; the layer blob is the simple-signing payload.
	SimpleSigningMediaType = "application/vnd.dev.cosign.simplesigning.v1+json"
	// SignatureAnnotation holds the base64 signature of a legacy signature
	// layer's payload.
	SignatureAnnotation = "dev.cosignproject.cosign/signature"
	// CertificateAnnotation holds the PEM signing certificate of a keyless
	// legacy signature.
	CertificateAnnotation = "dev.sigstore.cosign/certificate"
	// ChainAnnotation holds the PEM intermediate (and possibly root)
	// certificates of a keyless legacy signature.
	ChainAnnotation = "dev.sigstore.cosign/chain"
	// SimpleSigningType is the critical.type of a cosign simple-signing
	// payload.
	SimpleSigningType = "cosign container image signature"
	// CosignSignPredicateType is the in-toto predicate type cosign v3 uses
	// for an image signature (as opposed to an attestation).
	CosignSignPredicateType = "https://sigstore.dev/cosign/sign/v1"
	// InTotoPayloadType is the DSSE payload type of an in-toto statement.
	InTotoPayloadType = "application/vnd.in-toto+json"

	bundleMediaTypePrefix   = "application/vnd.dev.sigstore.bundle"
	emptyMediaType          = "application/vnd.oci.empty.v1+json"
	predicateTypeAnnotation = "dev.sigstore.bundle.predicateType"
)

// TlogRequirement says whether a signature must come with a verified
// transparency-log (Rekor) entry.
type TlogRequirement int

const (
	// TlogAuto requires a transparency-log entry for keyless signatures when
	// the trusted root lists transparency logs, and never for key-mode
	// signatures. This is what works offline for private keys and still holds
	// public-good keyless signatures to the log.
	TlogAuto TlogRequirement = iota
	// TlogRequired requires a verified transparency-log entry for every
	// signature; the trusted root must list at least one log.
	TlogRequired
	// TlogSkipped never looks at transparency-log entries. Keyless
	// certificates are then checked at the time of an RFC 3161 signed
	// timestamp when the bundle carries one, else at the current time, so a
	// short-lived certificate only verifies while it is still valid.
	TlogSkipped
)

// String returns the requirement's name ("auto", "required", "skipped").
func (t TlogRequirement) String() string {
	switch t {
	case TlogAuto:
		return "auto"
	case TlogRequired:
		return "required"
	case TlogSkipped:
		return "skipped"
	}
	return fmt.Sprintf("TlogRequirement(%d)", int(t))
}

// Identity is a certificate identity allowed to sign in keyless mode: the
// OIDC issuer recorded in the certificate's Fulcio issuer extension and the
// certificate's subject alternative name (an email address or URI). Exactly
// one of Issuer and IssuerRegexp, and exactly one of Subject and
// SubjectRegexp, must be set. Regular expressions are Go syntax and are
// matched unanchored, as sigstore-go does; anchor them with ^ and $.
type Identity struct {
	Issuer        string `json:"issuer,omitempty"`
	IssuerRegexp  string `json:"issuerRegexp,omitempty"`
	Subject       string `json:"subject,omitempty"`
	SubjectRegexp string `json:"subjectRegexp,omitempty"`
}

// String renders the identity for messages.
func (id Identity) String() string {
	s, i := id.Subject, id.Issuer
	if id.SubjectRegexp != "" {
		s = "/" + id.SubjectRegexp + "/"
	}
	if id.IssuerRegexp != "" {
		i = "/" + id.IssuerRegexp + "/"
	}
	return fmt.Sprintf("%s (issuer %s)", s, i)
}

// Policy says which signatures are trusted. A signature verifies when it
// verifies in key mode with one of PublicKeys, or in keyless mode with a
// certificate chaining to a certificate authority of TrustedRoot and naming
// one of Identities.
//
// Time and transparency, offline: in key mode a signature is checked with no
// observer timestamp at all (sigstore-go's WithNoObserverTimestamps) unless
// Tlog is TlogRequired. That is what works without Rekor, and it means that a
// key stays trusted for signatures made at any time: to revoke a key, remove
// it from the policy. In keyless mode the certificate must be valid at a
// verified time: the integrated time of a verified transparency-log entry
// (when one is required, see TlogRequirement), else a verified RFC 3161
// timestamp when the bundle has one and the trusted root lists timestamp
// authorities, else the current time. Signed certificate timestamps are
// required when the trusted root lists certificate-transparency logs.
type Policy struct {
	// PublicKeys are the keys trusted in key mode.
	PublicKeys []crypto.PublicKey
	// TrustedRoot holds the certificate authorities trusted in keyless mode
	// and the transparency-log, CT-log and timestamp-authority keys; usually
	// a *root.TrustedRoot from a trusted_root.json. Nil when unused.
	TrustedRoot root.TrustedMaterial
	// Identities are the certificate identities allowed to sign in keyless
	// mode; required when TrustedRoot is used for keyless verification.
	Identities []Identity
	// Tlog says when a transparency-log entry is required.
	Tlog TlogRequirement
}

// Config names a policy's trust material in files, as command-line flags or
// a configuration file would.
type Config struct {
	// PublicKeyFiles are PEM files of public keys ("PUBLIC KEY" blocks, as
	// cosign.pub); a file may hold several keys.
	PublicKeyFiles []string
	// TrustedRootFile is a Sigstore trusted_root.json. It is read as is:
	// nothing is fetched or refreshed through TUF.
	TrustedRootFile string
	// Identities and Tlog are copied into the Policy.
	Identities []Identity
	Tlog       TlogRequirement
}

// LoadPolicy reads the files c names and returns the Policy they make,
// checked as NewVerifier checks it.
func LoadPolicy(c Config) (Policy, error) {
	p := Policy{Identities: c.Identities, Tlog: c.Tlog}
	for _, path := range c.PublicKeyFiles {
		keys, err := LoadPublicKeys(path)
		if err != nil {
			return Policy{}, err
		}
		p.PublicKeys = append(p.PublicKeys, keys...)
	}
	if c.TrustedRootFile != "" {
		tr, err := root.NewTrustedRootFromPath(c.TrustedRootFile)
		if err != nil {
			return Policy{}, fmt.Errorf("trusted root %s: %w", c.TrustedRootFile, err)
		}
		p.TrustedRoot = tr
	}
	if _, err := NewVerifier(p); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// LoadPublicKeys reads every public key of the PEM file at path.
func LoadPublicKeys(path string) ([]crypto.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	keys, err := ParsePublicKeys(data)
	if err != nil {
		return nil, fmt.Errorf("public key %s: %w", path, err)
	}
	return keys, nil
}

// ParsePublicKeys parses every PEM block of data as a public key (PKIX
// "PUBLIC KEY", or PKCS #1 "RSA PUBLIC KEY"). It fails on any other block
// and when there is none.
func ParsePublicKeys(data []byte) ([]crypto.PublicKey, error) {
	var keys []crypto.PublicKey
	for n := 1; ; n++ {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		key, err := cryptoutils.UnmarshalPEMToPublicKey(pem.EncodeToMemory(block))
		if err != nil {
			return nil, fmt.Errorf("PEM block %d (%s): %w", n, block.Type, err)
		}
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return nil, errors.New("no PEM public key found")
	}
	return keys, nil
}

// KeyFingerprint names a public key: "sha256:" and the hex SHA-256 of its
// PKIX DER encoding. It is the Signer of a key-mode verification.
func KeyFingerprint(pub crypto.PublicKey) string {
	der, err := cryptoutils.MarshalPublicKeyToDER(pub)
	if err != nil {
		return fmt.Sprintf("unsupported key %T", pub)
	}
	sum := sha256.Sum256(der)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// trustedKey is one key of the policy, ready for both signature formats.
type trustedKey struct {
	fingerprint string
	// material serves the key to sigstore-go whatever key hint a bundle
	// carries: the key is tried against every bundle, so the hint, which is
	// unauthenticated, is never trusted to pick it.
	material root.TrustedMaterial
	// legacy verifies raw signatures over a simple-signing payload; cosign
	// hashes with SHA-256 for every key type, the key's default hash is
	// tried as well.
	legacy []signature.Verifier
}

// Verifier verifies image signatures against one Policy. It is safe for
// concurrent use.
type Verifier struct {
	keys []trustedKey
	// keyOptions configure sigstore-go for key-mode bundles.
	keyOptions []verify.VerifierOption
	// trusted is the policy's trusted root, nil when keyless mode is off.
	trusted    root.TrustedMaterial
	identities []verify.CertificateIdentity
	// keylessTlog says whether keyless signatures need a tlog entry.
	keylessTlog bool
	keylessSCT  bool
	haveTSA     bool
}

// NewVerifier checks p and prepares it for verification. It fails when p
// trusts nothing, when keyless mode has no identity or an identity is
// malformed, and when a transparency log is required but p's trusted root
// lists none.
func NewVerifier(p Policy) (*Verifier, error) {
	v := &Verifier{}
	hasLogs := p.TrustedRoot != nil && len(p.TrustedRoot.RekorLogs()) > 0
	if p.Tlog < TlogAuto || p.Tlog > TlogSkipped {
		return nil, fmt.Errorf("unknown transparency-log requirement %d", int(p.Tlog))
	}
	if p.Tlog == TlogRequired && !hasLogs {
		return nil, errors.New("a transparency-log entry is required, but no trusted root with transparency-log keys is configured")
	}
	keyless := p.TrustedRoot != nil && len(p.TrustedRoot.FulcioCertificateAuthorities()) > 0
	switch {
	case len(p.PublicKeys) == 0 && p.TrustedRoot == nil:
		return nil, errors.New("signature policy trusts nothing: give public keys or a trusted root")
	case len(p.PublicKeys) == 0 && !keyless:
		return nil, errors.New("the trusted root has no certificate authority and no public key is given")
	case len(p.Identities) > 0 && !keyless:
		return nil, errors.New("certificate identities are given, but no trusted root with a certificate authority to check them against")
	case keyless && len(p.Identities) == 0 && len(p.PublicKeys) == 0:
		return nil, errors.New("keyless verification needs at least one certificate identity (issuer and subject)")
	}

	for i, pub := range p.PublicKeys {
		k, err := newTrustedKey(pub)
		if err != nil {
			return nil, fmt.Errorf("public key %d: %w", i+1, err)
		}
		if p.Tlog == TlogRequired {
			k.material = root.TrustedMaterialCollection{p.TrustedRoot, k.material}
		}
		v.keys = append(v.keys, k)
	}
	if p.Tlog == TlogRequired {
		v.keyOptions = []verify.VerifierOption{verify.WithTransparencyLog(1), verify.WithObserverTimestamps(1)}
	} else {
		v.keyOptions = []verify.VerifierOption{verify.WithNoObserverTimestamps()}
	}

	if keyless && len(p.Identities) > 0 {
		for _, id := range p.Identities {
			ci, err := certificateIdentity(id)
			if err != nil {
				return nil, err
			}
			v.identities = append(v.identities, ci)
		}
		v.trusted = p.TrustedRoot
		v.keylessTlog = p.Tlog == TlogRequired || (p.Tlog == TlogAuto && hasLogs)
		v.keylessSCT = len(p.TrustedRoot.CTLogs()) > 0
		v.haveTSA = len(p.TrustedRoot.TimestampingAuthorities()) > 0
	}
	return v, nil
}

func newTrustedKey(pub crypto.PublicKey) (trustedKey, error) {
	def, err := signature.LoadDefaultVerifier(pub)
	if err != nil {
		return trustedKey{}, err
	}
	expiring := root.NewExpiringKey(def, time.Time{}, time.Time{})
	k := trustedKey{
		fingerprint: KeyFingerprint(pub),
		material: root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
			return expiring, nil
		}),
	}
	if sha, err := signature.LoadVerifier(pub, crypto.SHA256); err == nil {
		k.legacy = append(k.legacy, sha)
	}
	k.legacy = append(k.legacy, def)
	return k, nil
}

func certificateIdentity(id Identity) (verify.CertificateIdentity, error) {
	if (id.Issuer == "") == (id.IssuerRegexp == "") {
		return verify.CertificateIdentity{}, fmt.Errorf("identity %s: give exactly one of issuer and issuer regexp", id)
	}
	if (id.Subject == "") == (id.SubjectRegexp == "") {
		return verify.CertificateIdentity{}, fmt.Errorf("identity %s: give exactly one of subject and subject regexp", id)
	}
	for _, re := range []string{id.IssuerRegexp, id.SubjectRegexp} {
		if _, err := regexp.Compile(re); err != nil {
			return verify.CertificateIdentity{}, fmt.Errorf("identity %s: %w", id, err)
		}
	}
	ci, err := verify.NewShortCertificateIdentity(id.Issuer, id.IssuerRegexp, id.Subject, id.SubjectRegexp)
	if err != nil {
		return verify.CertificateIdentity{}, fmt.Errorf("identity %s: %w", id, err)
	}
	return ci, nil
}

// Verify verifies the signatures of the image ref names against p; see
// Verifier.Verify. The error is non-nil only when p cannot be used.
func Verify(ctx context.Context, ref string, p Policy, opts ...remote.Option) (imagefacts.Signature, error) {
	v, err := NewVerifier(p)
	if err != nil {
		return imagefacts.Signature{}, err
	}
	return v.Verify(ctx, ref, opts...), nil
}

// Verify looks up the signatures attached to the image ref names
// ("registry/repo@sha256:..."; a tag is first resolved to the digest it
// names now) and reports whether one of them verifies. opts configure
// registry access (authentication, transport); ctx bounds it.
//
// Verified is true when a signature over the image digest verifies; Signer
// then names the key fingerprint (see KeyFingerprint) or the certificate
// identity ("subject (issuer)"). Otherwise Reason says why: "no signature"
// when none is attached, the failure of each signature found, or the
// registry error that stopped the lookup. Verify returns no error: a
// registry that cannot be read is a Reason, too.
func (v *Verifier) Verify(ctx context.Context, ref string, opts ...remote.Option) imagefacts.Signature {
	opts = append([]remote.Option{remote.WithContext(ctx)}, opts...)
	img, err := fetchTarget(ref, opts)
	if err != nil {
		return imagefacts.Signature{Reason: err.Error()}
	}

	var failures, lookupErrs []string
	bundles, err := findBundles(img, opts)
	if err != nil {
		lookupErrs = append(lookupErrs, "referrers: "+err.Error())
	}
	for _, b := range bundles {
		if b.err != nil {
			failures = append(failures, b.where+": "+b.err.Error())
			continue
		}
		signer, err := v.verifyBundle(img, b.data)
		if err == nil {
			return imagefacts.Signature{Verified: true, Signer: signer}
		}
		if errors.Is(err, errNotSignature) {
			continue
		}
		failures = append(failures, b.where+": "+err.Error())
	}

	legacy, err := findLegacy(img, opts)
	if err != nil {
		lookupErrs = append(lookupErrs, "legacy signature tag: "+err.Error())
	}
	for _, s := range legacy {
		if s.err != nil {
			failures = append(failures, s.where+": "+s.err.Error())
			continue
		}
		signer, err := v.verifyLegacy(img, s)
		if err == nil {
			return imagefacts.Signature{Verified: true, Signer: signer}
		}
		failures = append(failures, s.where+": "+err.Error())
	}

	switch {
	case len(failures) == 0 && len(lookupErrs) == 0:
		return imagefacts.Signature{Reason: "no signature"}
	case len(failures) == 0:
		return imagefacts.Signature{Reason: "no signature found; lookup failed: " + strings.Join(lookupErrs, "; ")}
	}
	reason := strings.Join(failures, "; ")
	if len(failures) > 1 {
		reason = fmt.Sprintf("none of %d signatures verified: %s", len(failures), reason)
	}
	if len(lookupErrs) > 0 {
		reason += "; lookup failed: " + strings.Join(lookupErrs, "; ")
	}
	return imagefacts.Signature{Reason: reason}
}

// errNotSignature marks a referrer that is a Sigstore bundle but not an
// image signature (an attestation); it is skipped silently.
var errNotSignature = errors.New("not an image signature")
