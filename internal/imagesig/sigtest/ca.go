package sigtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"io"
	"log"
	"math/big"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
)

// OIDIssuerV2 is the Fulcio certificate extension holding the OIDC issuer
// of the signer's identity token, as a DER UTF8String.
var OIDIssuerV2 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}

// CA is a test certificate authority shaped like Fulcio's: a self-signed
// root and an intermediate that issues short-lived code-signing
// certificates naming an identity.
type CA struct {
	Root, Intermediate *x509.Certificate
	intKey             *ecdsa.PrivateKey
	// TransparencyLogs are added to the trusted root (see TrustedRoot);
	// nil by default.
	TransparencyLogs map[string]*root.TransparencyLog
}

// NewCA makes a CA valid from an hour ago for a day.
func NewCA(t testing.TB) *CA {
	t.Helper()
	now := time.Now()
	rootKey := newECDSA(t)
	rootCert := issue(t, &x509.Certificate{
		Subject:               pkix.Name{CommonName: "palisade test root", Organization: []string{"palisade-test"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, nil, rootKey.Public(), rootKey)
	intKey := newECDSA(t)
	intCert := issue(t, &x509.Certificate{
		Subject:               pkix.Name{CommonName: "palisade test intermediate", Organization: []string{"palisade-test"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}, rootCert, intKey.Public(), rootKey)
	return &CA{Root: rootCert, Intermediate: intCert, intKey: intKey}
}

// NewSigner returns a keyless Signer: a new key and a certificate for it
// valid from a minute ago for ten minutes, naming subject (a URI when it
// has a scheme, else an email address) and, in the Fulcio issuer
// extension, issuer.
func (ca *CA) NewSigner(t testing.TB, subject, issuer string) Signer {
	t.Helper()
	now := time.Now()
	return ca.NewSignerValid(t, subject, issuer, now.Add(-time.Minute), now.Add(10*time.Minute))
}

// NewSignerValid is NewSigner with the certificate valid from notBefore to
// notAfter.
func (ca *CA) NewSignerValid(t testing.TB, subject, issuer string, notBefore, notAfter time.Time) Signer {
	t.Helper()
	key := newECDSA(t)
	issuerExt, err := asn1.MarshalWithParams(issuer, "utf8")
	if err != nil {
		t.Fatalf("sigtest: %v", err)
	}
	tmpl := &x509.Certificate{
		NotBefore:       notBefore,
		NotAfter:        notAfter,
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtKeyUsage:     []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		ExtraExtensions: []pkix.Extension{{Id: OIDIssuerV2, Value: issuerExt}},
	}
	if u, err := url.Parse(subject); err == nil && u.Scheme != "" && !strings.Contains(subject, "@") {
		tmpl.URIs = []*url.URL{u}
	} else {
		tmpl.EmailAddresses = []string{subject}
	}
	leaf := issue(t, tmpl, ca.Intermediate, key.Public(), ca.intKey)
	return Signer{Key: key, Cert: leaf.Raw, Chain: [][]byte{ca.Intermediate.Raw}}
}

// TrustedRoot returns the Sigstore trusted root that trusts ca (and its
// TransparencyLogs), as a trusted_root.json would.
func (ca *CA) TrustedRoot(t testing.TB) *root.TrustedRoot {
	t.Helper()
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01,
		[]root.CertificateAuthority{&root.FulcioCertificateAuthority{
			Root:                ca.Root,
			Intermediates:       []*x509.Certificate{ca.Intermediate},
			ValidityPeriodStart: ca.Root.NotBefore,
			URI:                 "https://fulcio.palisade.test",
		}},
		nil, nil, ca.TransparencyLogs)
	if err != nil {
		t.Fatalf("sigtest: trusted root: %v", err)
	}
	return tr
}

// TrustedRootJSON returns TrustedRoot as trusted_root.json content.
func (ca *CA) TrustedRootJSON(t testing.TB) []byte {
	t.Helper()
	b, err := ca.TrustedRoot(t).MarshalJSON()
	if err != nil {
		t.Fatalf("sigtest: %v", err)
	}
	return b
}

// AddTransparencyLog adds a transparency log with a new key to the trusted
// root ca makes, so that keyless verification in imagesig's TlogAuto mode
// requires log entries. Nothing can log entries to it: it exists to make
// verification demand them.
func (ca *CA) AddTransparencyLog(t testing.TB) {
	t.Helper()
	key := newECDSA(t)
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		t.Fatalf("sigtest: %v", err)
	}
	id := sha256.Sum256(der)
	if ca.TransparencyLogs == nil {
		ca.TransparencyLogs = map[string]*root.TransparencyLog{}
	}
	ca.TransparencyLogs[string(id[:])] = &root.TransparencyLog{
		BaseURL:             "https://rekor.palisade.test",
		ID:                  id[:],
		ValidityPeriodStart: ca.Root.NotBefore,
		HashFunc:            crypto.SHA256,
		PublicKey:           key.Public(),
		SignatureHashFunc:   crypto.SHA256,
	}
}

func newECDSA(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("sigtest: generate key: %v", err)
	}
	return k
}

// issue signs tmpl with signerKey as parent (self-signed when parent is nil).
func issue(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signerKey *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	sn, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		t.Fatalf("sigtest: %v", err)
	}
	tmpl.SerialNumber = sn
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signerKey)
	if err != nil {
		t.Fatalf("sigtest: create certificate: %v", err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("sigtest: %v", err)
	}
	return c
}

func discardLogger() *log.Logger { return log.New(io.Discard, "", 0) }
