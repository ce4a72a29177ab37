package imagesig

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// verifyBundle verifies one Sigstore bundle as a signature over img and
// returns its signer. It returns errNotSignature for an attestation.
func (v *Verifier) verifyBundle(img target, data []byte) (string, error) {
	var b bundle.Bundle
	if err := b.UnmarshalJSON(data); err != nil {
		return "", fmt.Errorf("invalid bundle: %w", err)
	}

	// Which artifact the bundle signs is checked here first, to say so
	// plainly; sigstore-go checks it again, authenticated, in Verify.
	var artifact func() verify.ArtifactPolicyOption
	switch c := b.Content.(type) {
	case *protobundle.Bundle_MessageSignature:
		md := c.MessageSignature.GetMessageDigest()
		if md == nil {
			return "", errors.New("message signature has no digest")
		}
		if md.GetAlgorithm() != protocommon.HashAlgorithm_SHA2_256 || !bytes.Equal(md.GetDigest(), img.hash) {
			return "", mismatch(img, describeHash(md))
		}
		// The whole manifest is the artifact, so that Ed25519 keys, which
		// cannot verify a bare digest, work too.
		artifact = func() verify.ArtifactPolicyOption { return verify.WithArtifact(bytes.NewReader(img.manifest)) }
	case *protobundle.Bundle_DsseEnvelope:
		env, err := b.Envelope()
		if err != nil {
			return "", fmt.Errorf("invalid DSSE envelope: %w", err)
		}
		if env.PayloadType != InTotoPayloadType {
			return "", fmt.Errorf("unsupported DSSE payload type %q (want an in-toto statement)", env.PayloadType)
		}
		st, err := env.Statement()
		if err != nil {
			return "", fmt.Errorf("invalid in-toto statement: %w", err)
		}
		if st.GetPredicateType() != CosignSignPredicateType {
			return "", errNotSignature
		}
		var signed []string
		match := false
		for _, s := range st.GetSubject() {
			d := s.GetDigest()["sha256"]
			signed = append(signed, "sha256:"+d)
			match = match || strings.EqualFold(d, hex.EncodeToString(img.hash))
		}
		if !match {
			return "", mismatch(img, strings.Join(signed, ", "))
		}
		artifact = func() verify.ArtifactPolicyOption { return verify.WithArtifactDigest("sha256", img.hash) }
	default:
		return "", errors.New("bundle holds neither a message signature nor a DSSE envelope")
	}

	vc, err := b.VerificationContent()
	if err != nil {
		return "", fmt.Errorf("invalid verification material: %w", err)
	}
	if vc.PublicKey() != nil {
		return v.verifyWithKeys(func(k trustedKey) error {
			sv, err := verify.NewVerifier(k.material, v.keyOptions...)
			if err != nil {
				return err
			}
			_, err = sv.Verify(&b, verify.NewPolicy(artifact(), verify.WithKey()))
			return err
		})
	}
	ts, _ := b.Timestamps()
	return v.verifyKeyless(&b, artifact(), len(ts) > 0)
}

// verifyWithKeys returns the fingerprint of the first trusted key for which
// try succeeds.
func (v *Verifier) verifyWithKeys(try func(trustedKey) error) (string, error) {
	if len(v.keys) == 0 {
		return "", errors.New("signed with a key, but the policy trusts no public key")
	}
	var last error
	for _, k := range v.keys {
		if last = try(k); last == nil {
			return k.fingerprint, nil
		}
	}
	if len(v.keys) == 1 {
		return "", fmt.Errorf("signature does not verify with the trusted key: %w", last)
	}
	return "", fmt.Errorf("signature does not verify with any of the %d trusted keys: %w", len(v.keys), last)
}

// verifyKeyless verifies a certificate-signed entity against the trusted
// root and identities and returns the certificate identity.
func (v *Verifier) verifyKeyless(e verify.SignedEntity, artifact verify.ArtifactPolicyOption, hasSignedTimestamps bool) (string, error) {
	if v.trusted == nil {
		return "", errors.New("signed with a certificate, but the policy has no trusted root and identity for keyless verification")
	}
	var opts []verify.VerifierOption
	switch {
	case v.keylessTlog:
		opts = append(opts, verify.WithTransparencyLog(1), verify.WithObserverTimestamps(1))
	case hasSignedTimestamps && v.haveTSA:
		opts = append(opts, verify.WithSignedTimestamps(1))
	default:
		opts = append(opts, verify.WithCurrentTime())
	}
	if v.keylessSCT {
		opts = append(opts, verify.WithSignedCertificateTimestamps(1))
	}
	sv, err := verify.NewVerifier(v.trusted, opts...)
	if err != nil {
		return "", err
	}
	popts := make([]verify.PolicyOption, 0, len(v.identities))
	for _, id := range v.identities {
		popts = append(popts, verify.WithCertificateIdentity(id))
	}
	res, err := sv.Verify(e, verify.NewPolicy(artifact, popts...))
	if err != nil {
		return "", fmt.Errorf("keyless verification failed: %w", err)
	}
	if res.Signature == nil || res.Signature.Certificate == nil {
		return "", errors.New("keyless verification returned no certificate")
	}
	c := res.Signature.Certificate
	return fmt.Sprintf("%s (%s)", c.SubjectAlternativeName, c.Issuer), nil
}

// simpleSigning is the payload of a legacy cosign signature.
type simpleSigning struct {
	Critical struct {
		Identity struct {
			DockerReference string `json:"docker-reference"`
		} `json:"identity"`
		Image struct {
			DockerManifestDigest string `json:"docker-manifest-digest"`
		} `json:"image"`
		Type string `json:"type"`
	} `json:"critical"`
}

// verifyLegacy verifies one legacy simple-signing signature over img and
// returns its signer: the signature over the payload first, then that the
// payload names img's digest.
func (v *Verifier) verifyLegacy(img target, s found) (string, error) {
	var signer string
	var err error
	switch {
	case s.certPEM != "" && v.trusted != nil:
		signer, err = v.verifyLegacyCertificate(s)
	case s.certPEM != "" && len(v.keys) == 0:
		err = errors.New("signed with a certificate, but the policy has no trusted root and identity for keyless verification")
	default:
		// A key may also verify a certificate-signed payload when the
		// certificate holds that key, as cosign --key does.
		signer, err = v.verifyWithKeys(func(k trustedKey) error {
			var last error
			for _, sv := range k.legacy {
				if last = sv.VerifySignature(bytes.NewReader(s.sig), bytes.NewReader(s.data)); last == nil {
					return nil
				}
			}
			return last
		})
	}
	if err != nil {
		return "", err
	}

	var p simpleSigning
	if err := json.Unmarshal(s.data, &p); err != nil {
		return "", fmt.Errorf("payload is not simple-signing JSON: %w", err)
	}
	if p.Critical.Type != SimpleSigningType {
		return "", fmt.Errorf("payload type %q is not %q", p.Critical.Type, SimpleSigningType)
	}
	if p.Critical.Image.DockerManifestDigest != img.digest {
		return "", mismatch(img, p.Critical.Image.DockerManifestDigest)
	}
	return signer, nil
}

// verifyLegacyCertificate verifies a keyless legacy signature by wrapping
// it, with its certificate chain, in a Sigstore bundle holding a message
// signature over the payload, which sigstore-go then verifies against the
// trusted root and identities.
func (v *Verifier) verifyLegacyCertificate(s found) (string, error) {
	if v.keylessTlog {
		return "", errors.New("keyless legacy signatures cannot be verified when a transparency-log entry is required (reading the legacy Rekor bundle annotation is not supported); verify a Sigstore bundle signature instead or set the transparency-log requirement to skipped")
	}
	certs, err := cryptoutils.UnmarshalCertificatesFromPEM([]byte(s.certPEM))
	if err != nil || len(certs) == 0 {
		return "", fmt.Errorf("invalid %s annotation: %v", CertificateAnnotation, err)
	}
	var chain []*x509.Certificate
	if s.chainPEM != "" {
		all, err := cryptoutils.UnmarshalCertificatesFromPEM([]byte(s.chainPEM))
		if err != nil {
			return "", fmt.Errorf("invalid %s annotation: %w", ChainAnnotation, err)
		}
		for _, c := range all {
			// Roots come from the trusted root only.
			if !bytes.Equal(c.RawSubject, c.RawIssuer) {
				chain = append(chain, c)
			}
		}
	}
	sum := sha256.Sum256(s.data)
	pb := &protobundle.Bundle{
		MediaType:            BundleArtifactType,
		VerificationMaterial: &protobundle.VerificationMaterial{},
		Content: &protobundle.Bundle_MessageSignature{MessageSignature: &protocommon.MessageSignature{
			MessageDigest: &protocommon.HashOutput{Algorithm: protocommon.HashAlgorithm_SHA2_256, Digest: sum[:]},
			Signature:     s.sig,
		}},
	}
	var bopts []bundle.Option
	if len(chain) == 0 {
		pb.VerificationMaterial.Content = &protobundle.VerificationMaterial_Certificate{
			Certificate: &protocommon.X509Certificate{RawBytes: certs[0].Raw},
		}
	} else {
		pc := &protocommon.X509CertificateChain{Certificates: []*protocommon.X509Certificate{{RawBytes: certs[0].Raw}}}
		for _, c := range chain {
			pc.Certificates = append(pc.Certificates, &protocommon.X509Certificate{RawBytes: c.Raw})
		}
		pb.VerificationMaterial.Content = &protobundle.VerificationMaterial_X509CertificateChain{X509CertificateChain: pc}
		bopts = append(bopts, bundle.AllowCertificateChain())
	}
	b, err := bundle.NewBundle(pb, bopts...)
	if err != nil {
		return "", fmt.Errorf("legacy signature: %w", err)
	}
	return v.verifyKeyless(b, verify.WithArtifact(bytes.NewReader(s.data)), false)
}

// mismatch is the reason for a signature over another digest.
func mismatch(img target, signed string) error {
	if signed == "" {
		signed = "no digest"
	}
	return fmt.Errorf("signature does not match digest %s (it signs %s)", img.digest, signed)
}

func describeHash(h *protocommon.HashOutput) string {
	alg := map[protocommon.HashAlgorithm]string{
		protocommon.HashAlgorithm_SHA2_256: "sha256",
		protocommon.HashAlgorithm_SHA2_384: "sha384",
		protocommon.HashAlgorithm_SHA2_512: "sha512",
	}[h.GetAlgorithm()]
	if alg == "" {
		alg = h.GetAlgorithm().String()
	}
	return alg + ":" + hex.EncodeToString(h.GetDigest())
}
