package cli

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	scalibrlog "github.com/google/osv-scalibr/log"
	"github.com/spf13/pflag"

	"github.com/palisade-sec/palisade/internal/image"
	"github.com/palisade-sec/palisade/internal/imagescan"
	"github.com/palisade-sec/palisade/internal/imagesig"
	"github.com/palisade-sec/palisade/internal/vulndb"
)

// imageScanOptions are the flags of the commands that scan images (image,
// and scan --images): where the vulnerability database is, which platform
// of a multi-arch image to read, and which signatures to trust.
type imageScanOptions struct {
	platform       string
	dbDir          string
	skipVulns      bool
	keys           []string
	trustedRoot    string
	identity       string
	identityRegexp string
	issuer         string
	insecure       bool
	workers        int

	// transport, when set (tests), carries every registry request.
	transport http.RoundTripper
}

func (o *imageScanOptions) addFlags(f *pflag.FlagSet) {
	f.StringVar(&o.platform, "platform", image.DefaultPlatform, "os/arch[/variant] to read from a multi-arch image")
	f.StringVar(&o.dbDir, "db", "", "vulnerability database directory (default $"+vulndb.EnvDir+", else palisade/vulndb in the user cache directory)")
	f.BoolVar(&o.skipVulns, "skip-vulns", false, "list packages but do not match vulnerabilities")
	f.IntVar(&o.workers, "image-workers", 2, "how many images to scan at once")
	o.addSignatureFlags(f)
}

// addSignatureFlags adds the flags that say which cosign signatures to
// trust, and how to reach registries: shared by image, scan --images and
// webhook serve.
func (o *imageScanOptions) addSignatureFlags(f *pflag.FlagSet) {
	f.StringArrayVar(&o.keys, "key", nil, "verify cosign signatures with this PEM public key file (repeatable)")
	f.StringVar(&o.trustedRoot, "trusted-root", "", "verify keyless cosign signatures against this Sigstore trusted_root.json (no network)")
	f.StringVar(&o.identity, "certificate-identity", "", "keyless: the signer identity (email or URI) the certificate must name")
	f.StringVar(&o.identityRegexp, "certificate-identity-regexp", "", "keyless: a regular expression the certificate's identity must match")
	f.StringVar(&o.issuer, "certificate-oidc-issuer", "", "keyless: the OIDC issuer the certificate must name")
	f.BoolVar(&o.insecure, "insecure-registry", false, "reach registries over plain HTTP (loopback registries always are)")
}

// signatureVerifier is the verifier the signature flags describe.
func (o *imageScanOptions) signatureVerifier() (*imagesig.Verifier, error) {
	cfg := imagesig.Config{PublicKeyFiles: o.keys, TrustedRootFile: o.trustedRoot}
	if o.identity != "" || o.identityRegexp != "" || o.issuer != "" {
		cfg.Identities = []imagesig.Identity{{Issuer: o.issuer, Subject: o.identity, SubjectRegexp: o.identityRegexp}}
	}
	pol, err := imagesig.LoadPolicy(cfg)
	if err != nil {
		return nil, err
	}
	return imagesig.NewVerifier(pol)
}

// imageOptions are the image loader's options from the flags.
func (o *imageScanOptions) imageOptions() image.Options {
	return image.Options{Platform: o.platform, Insecure: o.insecure, Transport: o.transport}
}

// verifying reports whether signatures are to be verified.
func (o *imageScanOptions) verifying() bool { return len(o.keys) > 0 || o.trustedRoot != "" }

// build makes the scanner the flags describe. Notices say what will not be
// assessed (no vulnerability database); the returned close releases the
// database.
func (o *imageScanOptions) build(stderr, progress io.Writer, loader imagescan.Loader) (scanner *imagescan.Scanner, notices []string, closeFn func(), err error) {
	closeFn = func() {}
	scalibrlog.SetLogger(scalibrLog{stderr})
	opts := imagescan.Options{Loader: loader, ResolveTags: true, Workers: o.workers, Progress: progress}
	if o.verifying() {
		v, err := o.signatureVerifier()
		if err != nil {
			return nil, nil, closeFn, &exitError{ExitInput, err}
		}
		opts.Verifier = imagescan.SignatureVerifier(v, o.remoteOptions()...)
	}
	if !o.skipVulns {
		dir, err := vulndb.ResolveDir(o.dbDir)
		if err != nil {
			return nil, nil, closeFn, &exitError{ExitInput, err}
		}
		store, err := vulndb.Open(dir)
		switch {
		case errors.Is(err, vulndb.ErrNoDatabase):
			notices = append(notices, fmt.Sprintf("vulnerabilities were not matched: %v (or pass --skip-vulns)", err))
		case err != nil:
			return nil, nil, closeFn, &exitError{ExitInput, err}
		default:
			opts.Matcher = store
			closeFn = func() { store.Close() }
		}
	}
	return imagescan.New(opts), notices, closeFn, nil
}

func (o *imageScanOptions) remoteOptions() []remote.Option {
	if o.transport == nil {
		return nil
	}
	return []remote.Option{remote.WithTransport(o.transport)}
}

// scalibrLog passes on the inventory library's errors and drops its
// progress chatter ("Starting filesystem walk"), which would interleave
// with Palisade's own output.
type scalibrLog struct{ w io.Writer }

func (l scalibrLog) Errorf(format string, args ...any) {
	fmt.Fprintf(l.w, "palisade: image inventory: "+format+"\n", args...)
}
func (l scalibrLog) Error(args ...any) {
	fmt.Fprintln(l.w, append([]any{"palisade: image inventory:"}, args...)...)
}
func (scalibrLog) Warnf(string, ...any)  {}
func (scalibrLog) Warn(...any)           {}
func (scalibrLog) Infof(string, ...any)  {}
func (scalibrLog) Info(...any)           {}
func (scalibrLog) Debugf(string, ...any) {}
func (scalibrLog) Debug(...any)          {}
