package imagesig_test

import (
	"context"
	"crypto"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/sigstore/sigstore-go/pkg/sign"

	"github.com/palisade-sec/palisade/internal/imagefacts"
	"github.com/palisade-sec/palisade/internal/imagesig"
	"github.com/palisade-sec/palisade/internal/imagesig/sigtest"
)

// registries are the two ways a registry links a referrer to its subject.
var registries = []struct {
	name string
	opts []registry.Option
}{
	{"referrers API", []registry.Option{registry.WithReferrersSupport(true)}},
	{"referrers tag fallback", nil},
}

func keyPolicy(t *testing.T, pubPEMs ...[]byte) imagesig.Policy {
	t.Helper()
	var p imagesig.Policy
	for _, pem := range pubPEMs {
		keys, err := imagesig.ParsePublicKeys(pem)
		if err != nil {
			t.Fatal(err)
		}
		p.PublicKeys = append(p.PublicKeys, keys...)
	}
	return p
}

func verify(t *testing.T, ref string, p imagesig.Policy) imagefacts.Signature {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got, err := imagesig.Verify(ctx, ref, p)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return got
}

// check compares a verification result with what a case expects: verified
// with signer, or not verified with a reason containing reason.
func check(t *testing.T, got imagefacts.Signature, verified bool, signer, reason string) {
	t.Helper()
	t.Logf("verified=%v signer=%q reason=%q", got.Verified, got.Signer, got.Reason)
	if got.Verified != verified {
		t.Fatalf("Verified = %v, want %v (signer %q, reason %q)", got.Verified, verified, got.Signer, got.Reason)
	}
	if verified && got.Signer != signer {
		t.Errorf("Signer = %q, want %q", got.Signer, signer)
	}
	if !verified && !strings.Contains(got.Reason, reason) {
		t.Errorf("Reason = %q, want it to contain %q", got.Reason, reason)
	}
	if !verified && got.Signer != "" {
		t.Errorf("Signer = %q on a failed verification", got.Signer)
	}
}

func TestVerifyKeyBundle(t *testing.T) {
	for _, reg := range registries {
		for _, format := range []struct {
			name string
			f    sigtest.Format
		}{{"dsse", sigtest.DSSE}, {"message signature", sigtest.MessageSignature}} {
			t.Run(reg.name+"/"+format.name, func(t *testing.T) {
				host := sigtest.NewRegistry(t, reg.opts...)
				key, pub := sigtest.NewKey(t)
				_, otherPub := sigtest.NewKey(t)
				fp := imagesig.KeyFingerprint(key.Public())

				signed := sigtest.PushImage(t, host, "app/signed")
				sigtest.AttachBundle(t, signed, sigtest.Bundle(t, signed, sigtest.KeySigner(key), format.f))
				unsigned := sigtest.PushImage(t, host, "app/unsigned")
				// A bundle over another image's manifest, attached to this one.
				other := sigtest.PushImage(t, host, "app/moved")
				moved := sigtest.PushImage(t, host, "app/moved")
				sigtest.AttachBundle(t, moved, sigtest.Bundle(t, other, sigtest.KeySigner(key), format.f))

				cases := []struct {
					name     string
					ref      string
					policy   imagesig.Policy
					verified bool
					signer   string
					reason   string
				}{
					{"signed, right key", signed, keyPolicy(t, pub), true, fp, ""},
					{"signed, right key among others", signed, keyPolicy(t, otherPub, pub), true, fp, ""},
					{"signed, other key", signed, keyPolicy(t, otherPub), false, "", "does not verify with the trusted key"},
					{"unsigned", unsigned, keyPolicy(t, pub), false, "", "no signature"},
					{"signature of another image", moved, keyPolicy(t, pub), false, "", "does not match digest " + digestOf(t, moved)},
				}
				for _, c := range cases {
					t.Run(c.name, func(t *testing.T) {
						got := verify(t, c.ref, c.policy)
						check(t, got, c.verified, c.signer, c.reason)
						if c.name == "unsigned" && got.Reason != "no signature" {
							t.Errorf("Reason = %q, want exactly %q", got.Reason, "no signature")
						}
					})
				}
			})
		}
	}
}

func TestVerifyLegacy(t *testing.T) {
	host := sigtest.NewRegistry(t)
	key, pub := sigtest.NewKey(t)
	otherKey, otherPub := sigtest.NewKey(t)
	fp := imagesig.KeyFingerprint(key.Public())

	signed := sigtest.PushImage(t, host, "legacy/signed")
	sigtest.SignImageLegacy(t, signed, key)

	// The payload's digest rewritten after signing.
	tampered := sigtest.PushImage(t, host, "legacy/tampered")
	otherImg := sigtest.PushImage(t, host, "legacy/other")
	s := sigtest.LegacySign(t, sigtest.SimpleSigningPayload(t, mustDigest(t, tampered), digestOf(t, tampered)), sigtest.KeySigner(key))
	s.Payload = []byte(strings.Replace(string(s.Payload), digestOf(t, tampered), digestOf(t, otherImg), 1))
	sigtest.PushLegacy(t, tampered, s)

	// A valid signature over a payload that names another image.
	wrongDigest := sigtest.PushImage(t, host, "legacy/wrong-digest")
	sigtest.PushLegacy(t, wrongDigest, sigtest.LegacySign(t,
		sigtest.SimpleSigningPayload(t, mustDigest(t, wrongDigest), digestOf(t, otherImg)), sigtest.KeySigner(key)))

	// Two layers: one by an untrusted key, one by the trusted key.
	twoSigs := sigtest.PushImage(t, host, "legacy/two")
	payload := sigtest.SimpleSigningPayload(t, mustDigest(t, twoSigs), digestOf(t, twoSigs))
	sigtest.PushLegacy(t, twoSigs,
		sigtest.LegacySign(t, payload, sigtest.KeySigner(otherKey)),
		sigtest.LegacySign(t, payload, sigtest.KeySigner(key)))

	cases := []struct {
		name     string
		ref      string
		policy   imagesig.Policy
		verified bool
		signer   string
		reason   string
	}{
		{"signed", signed, keyPolicy(t, pub), true, fp, ""},
		{"signed, other key", signed, keyPolicy(t, otherPub), false, "", "does not verify with the trusted key"},
		{"payload digest tampered", tampered, keyPolicy(t, pub), false, "", "does not verify with the trusted key"},
		{"payload names another digest", wrongDigest, keyPolicy(t, pub), false, "", "does not match digest " + digestOf(t, wrongDigest)},
		{"second of two signatures verifies", twoSigs, keyPolicy(t, pub), true, fp, ""},
		{"unsigned", otherImg, keyPolicy(t, pub), false, "", "no signature"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			check(t, verify(t, c.ref, c.policy), c.verified, c.signer, c.reason)
		})
	}
}

func TestVerifyKeyless(t *testing.T) {
	const (
		subject = "release@example.com"
		issuer  = "https://accounts.example.com"
	)
	host := sigtest.NewRegistry(t, registry.WithReferrersSupport(true))
	ca := sigtest.NewCA(t)
	trusted := ca.TrustedRoot(t)
	signer := ca.NewSigner(t, subject, issuer)

	bundleImg := sigtest.PushImage(t, host, "keyless/bundle")
	sigtest.AttachBundle(t, bundleImg, sigtest.Bundle(t, bundleImg, signer, sigtest.DSSE))
	msgImg := sigtest.PushImage(t, host, "keyless/message")
	sigtest.AttachBundle(t, msgImg, sigtest.Bundle(t, msgImg, signer, sigtest.MessageSignature))
	legacyImg := sigtest.PushImage(t, host, "keyless/legacy")
	sigtest.PushLegacy(t, legacyImg, sigtest.LegacySign(t,
		sigtest.SimpleSigningPayload(t, mustDigest(t, legacyImg), digestOf(t, legacyImg)), signer))
	uriImg := sigtest.PushImage(t, host, "keyless/uri")
	workflow := "https://github.com/example/app/.github/workflows/release.yml@refs/tags/v1.0.0"
	sigtest.AttachBundle(t, uriImg, sigtest.Bundle(t, uriImg, ca.NewSigner(t, workflow, "https://token.actions.githubusercontent.com"), sigtest.DSSE))

	// Signed by a certificate from a CA the policy does not trust.
	rogue := sigtest.NewCA(t)
	rogueImg := sigtest.PushImage(t, host, "keyless/rogue")
	sigtest.AttachBundle(t, rogueImg, sigtest.Bundle(t, rogueImg, rogue.NewSigner(t, subject, issuer), sigtest.DSSE))
	// Signed with a certificate that has expired: no timestamp vouches for
	// the time of signing, so it is checked at the current time.
	expiredImg := sigtest.PushImage(t, host, "keyless/expired")
	old := ca.NewSignerValid(t, subject, issuer, time.Now().Add(-50*time.Minute), time.Now().Add(-40*time.Minute))
	sigtest.AttachBundle(t, expiredImg, sigtest.Bundle(t, expiredImg, old, sigtest.DSSE))

	// A trusted root that lists a transparency log.
	withLog := sigtest.NewCA(t)
	withLog.AddTransparencyLog(t)
	logImg := sigtest.PushImage(t, host, "keyless/needs-log")
	sigtest.AttachBundle(t, logImg, sigtest.Bundle(t, logImg, withLog.NewSigner(t, subject, issuer), sigtest.DSSE))

	keyless := func(ids ...imagesig.Identity) imagesig.Policy {
		return imagesig.Policy{TrustedRoot: trusted, Identities: ids}
	}
	right := imagesig.Identity{Issuer: issuer, Subject: subject}
	want := subject + " (" + issuer + ")"

	cases := []struct {
		name     string
		ref      string
		policy   imagesig.Policy
		verified bool
		signer   string
		reason   string
	}{
		{"dsse bundle, right identity", bundleImg, keyless(right), true, want, ""},
		{"message bundle, right identity", msgImg, keyless(right), true, want, ""},
		{"legacy, right identity", legacyImg, keyless(right), true, want, ""},
		{"subject regexp", bundleImg, keyless(imagesig.Identity{Issuer: issuer, SubjectRegexp: `^release@example\.com$`}), true, want, ""},
		{"second identity matches", bundleImg, keyless(imagesig.Identity{Issuer: issuer, Subject: "other@example.com"}, right), true, want, ""},
		{"URI subject", uriImg, keyless(imagesig.Identity{Issuer: "https://token.actions.githubusercontent.com", SubjectRegexp: `^https://github\.com/example/app/`}), true,
			workflow + " (https://token.actions.githubusercontent.com)", ""},
		{"wrong subject", bundleImg, keyless(imagesig.Identity{Issuer: issuer, Subject: "mallory@example.com"}), false, "", "certificate identity"},
		{"wrong issuer", bundleImg, keyless(imagesig.Identity{Issuer: "https://evil.example.com", Subject: subject}), false, "", "certificate identity"},
		{"legacy, wrong subject", legacyImg, keyless(imagesig.Identity{Issuer: issuer, Subject: "mallory@example.com"}), false, "", "certificate identity"},
		{"untrusted CA", rogueImg, keyless(right), false, "", "leaf certificate verification failed"},
		{"expired certificate", expiredImg, keyless(right), false, "", "leaf certificate verification failed"},
		{"key-only policy on a keyless signature", bundleImg, imagesig.Policy{PublicKeys: []crypto.PublicKey{signer.Key.Public()}}, false, "", "no trusted root"},
		{"trusted root lists a log, none in bundle", logImg,
			imagesig.Policy{TrustedRoot: withLog.TrustedRoot(t), Identities: []imagesig.Identity{right}}, false, "", "log"},
		{"trusted root lists a log, log skipped", logImg,
			imagesig.Policy{TrustedRoot: withLog.TrustedRoot(t), Identities: []imagesig.Identity{right}, Tlog: imagesig.TlogSkipped}, true, want, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			check(t, verify(t, c.ref, c.policy), c.verified, c.signer, c.reason)
		})
	}
}

// TestAttestationIsNotASignature: a bundle with another in-toto predicate
// (here SLSA provenance) over the image, by a trusted key, is not taken as
// a signature.
func TestAttestationIsNotASignature(t *testing.T) {
	host := sigtest.NewRegistry(t, registry.WithReferrersSupport(true))
	key, pub := sigtest.NewKey(t)
	img := sigtest.PushImage(t, host, "attested")
	stmt := sigtest.Statement(t, mustDigest(t, img), "https://slsa.dev/provenance/v1")
	sigtest.AttachBundle(t, img, sigtest.SignContent(t, dsse(stmt), sigtest.KeySigner(key)))

	got := verify(t, img, keyPolicy(t, pub))
	check(t, got, false, "", "no signature")

	// Once signed, the same image verifies.
	sigtest.SignImage(t, img, key)
	check(t, verify(t, img, keyPolicy(t, pub)), true, imagesig.KeyFingerprint(key.Public()), "")
}

// TestVerifyByTag: a tag is resolved to its digest first.
func TestVerifyByTag(t *testing.T) {
	host := sigtest.NewRegistry(t)
	key, pub := sigtest.NewKey(t)
	img := sigtest.PushImage(t, host, "tagged")
	sigtest.SignImage(t, img, key)
	check(t, verify(t, host+"/tagged:latest", keyPolicy(t, pub)), true, imagesig.KeyFingerprint(key.Public()), "")
}

func TestVerifyRegistryErrors(t *testing.T) {
	host := sigtest.NewRegistry(t)
	_, pub := sigtest.NewKey(t)
	missing := host + "/nothing@sha256:" + strings.Repeat("ab", 32)
	got := verify(t, missing, keyPolicy(t, pub))
	check(t, got, false, "", "not found")

	got = verify(t, "not a reference", keyPolicy(t, pub))
	check(t, got, false, "", "image reference")
}

func TestLoadPolicy(t *testing.T) {
	host := sigtest.NewRegistry(t, registry.WithReferrersSupport(true))
	key, pub := sigtest.NewKey(t)
	_, pub2 := sigtest.NewKey(t)
	ca := sigtest.NewCA(t)
	keysFile := sigtest.WriteFile(t, "cosign.pub", append(append([]byte{}, pub2...), pub...))
	rootFile := sigtest.WriteFile(t, "trusted_root.json", ca.TrustedRootJSON(t))
	id := imagesig.Identity{Issuer: "https://accounts.example.com", Subject: "ci@example.com"}

	p, err := imagesig.LoadPolicy(imagesig.Config{PublicKeyFiles: []string{keysFile}, TrustedRootFile: rootFile, Identities: []imagesig.Identity{id}})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.PublicKeys) != 2 {
		t.Fatalf("loaded %d keys, want 2", len(p.PublicKeys))
	}

	keySigned := sigtest.PushImage(t, host, "loaded/key")
	sigtest.SignImage(t, keySigned, key)
	check(t, verify(t, keySigned, p), true, imagesig.KeyFingerprint(key.Public()), "")

	certSigned := sigtest.PushImage(t, host, "loaded/keyless")
	sigtest.AttachBundle(t, certSigned, sigtest.Bundle(t, certSigned, ca.NewSigner(t, id.Subject, id.Issuer), sigtest.DSSE))
	check(t, verify(t, certSigned, p), true, "ci@example.com (https://accounts.example.com)", "")

	badPEM := sigtest.WriteFile(t, "bad.pub", []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	badRoot := sigtest.WriteFile(t, "bad.json", []byte(`{"mediaType": "nope"}`))
	for _, c := range []struct {
		name string
		cfg  imagesig.Config
		want string
	}{
		{"missing key file", imagesig.Config{PublicKeyFiles: []string{keysFile + ".missing"}}, "no such file"},
		{"not a public key", imagesig.Config{PublicKeyFiles: []string{badPEM}}, "PEM block 1"},
		{"empty key file", imagesig.Config{PublicKeyFiles: []string{sigtest.WriteFile(t, "empty.pub", nil)}}, "no PEM public key"},
		{"bad trusted root", imagesig.Config{TrustedRootFile: badRoot, Identities: []imagesig.Identity{id}}, "trusted root"},
		{"trusted root without identity", imagesig.Config{TrustedRootFile: rootFile}, "identity"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := imagesig.LoadPolicy(c.cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("LoadPolicy error = %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestNewVerifierRejects(t *testing.T) {
	key, _ := sigtest.NewKey(t)
	ca := sigtest.NewCA(t)
	tr := ca.TrustedRoot(t)
	id := imagesig.Identity{Issuer: "https://accounts.example.com", Subject: "ci@example.com"}
	for _, c := range []struct {
		name string
		p    imagesig.Policy
		want string
	}{
		{"empty", imagesig.Policy{}, "trusts nothing"},
		{"trusted root, no identity", imagesig.Policy{TrustedRoot: tr}, "identity"},
		{"identity without issuer", imagesig.Policy{TrustedRoot: tr, Identities: []imagesig.Identity{{Subject: "a@b"}}}, "issuer"},
		{"identity with both subjects", imagesig.Policy{TrustedRoot: tr, Identities: []imagesig.Identity{{Issuer: "x", Subject: "a", SubjectRegexp: "a"}}}, "subject"},
		{"bad regexp", imagesig.Policy{TrustedRoot: tr, Identities: []imagesig.Identity{{Issuer: "x", SubjectRegexp: "("}}}, "missing closing"},
		{"identity without trusted root", imagesig.Policy{PublicKeys: []crypto.PublicKey{key.Public()}, Identities: []imagesig.Identity{id}}, "no trusted root"},
		{"tlog required without logs", imagesig.Policy{PublicKeys: []crypto.PublicKey{key.Public()}, Tlog: imagesig.TlogRequired}, "transparency-log"},
		{"tlog required, root without logs", imagesig.Policy{TrustedRoot: tr, Identities: []imagesig.Identity{id}, Tlog: imagesig.TlogRequired}, "transparency-log"},
		{"unsupported key", imagesig.Policy{PublicKeys: []crypto.PublicKey{"not a key"}}, "public key 1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := imagesig.NewVerifier(c.p)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("NewVerifier error = %v, want one containing %q", err, c.want)
			}
			// The package-level Verify reports the same error.
			if _, err := imagesig.Verify(context.Background(), "127.0.0.1:1/x@sha256:"+strings.Repeat("0", 64), c.p); err == nil {
				t.Fatal("Verify accepted the policy")
			}
		})
	}
}

func TestKeyFingerprint(t *testing.T) {
	a, _ := sigtest.NewKey(t)
	b, _ := sigtest.NewKey(t)
	fa, fb := imagesig.KeyFingerprint(a.Public()), imagesig.KeyFingerprint(b.Public())
	if !strings.HasPrefix(fa, "sha256:") || len(fa) != len("sha256:")+64 {
		t.Errorf("fingerprint %q is not sha256:<64 hex>", fa)
	}
	if fa == fb {
		t.Error("two keys have the same fingerprint")
	}
	if fa != imagesig.KeyFingerprint(a.Public()) {
		t.Error("fingerprint is not stable")
	}
}

func dsse(statement []byte) sign.Content {
	return &sign.DSSEData{Data: statement, PayloadType: imagesig.InTotoPayloadType}
}

func mustDigest(t *testing.T, ref string) name.Digest {
	t.Helper()
	d, err := name.NewDigest(ref)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func digestOf(t *testing.T, ref string) string {
	t.Helper()
	return mustDigest(t, ref).DigestStr()
}
