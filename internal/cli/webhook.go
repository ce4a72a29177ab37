package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/palisade-sec/palisade/internal/admission"
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/imagescan"
)

func newWebhookCommand(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "webhook",
		Short: "Enforce Palisade's checks at the API server with a validating admission webhook",
		Long: `The webhook judges every object the API server is asked to create or update
with the same checks, config and waivers as palisade scan, and denies it,
warns about it or records it in the audit log, per namespace.

Modes, per namespace, through the label palisade.dev/enforce:
  deny   reject the request; the message lists each failed check, its field
         and its remediation
  warn   admit it and return each finding as a warning (kubectl prints them)
  audit  admit it; the findings go to the API server's audit log as audit
         annotations
Namespaces without the label, and cluster-scoped objects, get --default-mode.
Only findings at or above --min-severity count; waived findings never do.
An update is rejected only for findings it adds: what the object already
had is returned as a warning, so an existing object can still be changed.

Every check that can judge one object alone runs at admission: the Pod
checks on every workload kind, the Object checks, and the RBAC checks on a
binding against the built-in ClusterRoles; with 'webhook serve --key' (or
--trusted-root), supplychain/unsigned-image too, on a cosign signature
verified in the image's registry. 'palisade webhook checks' lists what runs
and why the rest does not.`,
		Example: `  palisade webhook install --generate-tls > palisade-webhook.yaml && kubectl apply -f palisade-webhook.yaml
  kubectl label namespace shop palisade.dev/enforce=deny
  palisade webhook serve --tls-cert-file tls.crt --tls-private-key-file tls.key --config .palisade.yaml
  palisade webhook checks`,
	}
	cmd.AddCommand(newWebhookServeCommand(s), newWebhookInstallCommand(s), newWebhookChecksCommand(s))
	return cmd
}

// serveGCPercent is the GOGC of `webhook serve` when GOGC is not set.
// Measured at 2,000 reviews/s on two cores shared with the load generator:
// p99 2.1 ms at 400, 1.8-1.9 ms at 800 (peak RSS about 190 MiB, under the
// generated Deployment's 256 MiB limit, which GOMEMLIMIT enforces).
const serveGCPercent = 800

type webhookServeOptions struct {
	certFile, keyFile string
	listen            string
	metricsListen     string
	configPath        string
	defaultMode       string
	minSeverity       string
	maxRequestBytes   int64
	reloadInterval    time.Duration
	shutdownDelay     time.Duration
	lookupAccounts    bool
	kubeconfig        string

	// Signature verification: the flags of scan --images that apply
	// (--key, --trusted-root, the certificate identity, --insecure-registry).
	images        imageScanOptions
	imageCacheTTL time.Duration
	imageTimeout  time.Duration
}

// serveContext is the context `webhook serve` runs in until a signal;
// tests replace it.
var serveContext = func(parent context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
}

func newWebhookServeCommand(s *streams) *cobra.Command {
	o := &webhookServeOptions{}
	cmd := &cobra.Command{
		Use:   "serve --tls-cert-file FILE --tls-private-key-file FILE",
		Short: "Serve admission.k8s.io/v1 AdmissionReviews over TLS",
		Long: `Serve answers AdmissionReviews on /validate (in --default-mode) and on
/validate/deny, /validate/warn and /validate/audit, the paths the generated
ValidatingWebhookConfiguration sends each namespace's requests to by its
palisade.dev/enforce label. It also serves /healthz, /readyz and /metrics
(Prometheus: requests by mode and decision, latency, decisions by check).

The certificate, key and --config file are read again every
--reload-interval and used as soon as a new version parses, without
dropping a request: rotate the certificate by replacing the files. A
config that does not parse is reported and the previous one stays.

With --key (a cosign public key, repeatable) or --trusted-root (keyless,
with --certificate-identity[-regexp] and --certificate-oidc-issuer), the
webhook also verifies the cosign signature of every container image (init,
regular, ephemeral) of each workload it reviews, as scan --images does:
a tag is resolved to its digest in the registry and the signature must be
over that digest. supplychain/unsigned-image then runs at admission; the
other image checks (vulnerabilities, base OS, digest drift) still do not.
Each image reference's outcome is reused for --image-cache-ttl, and one
verification takes at most --image-timeout (keep it below the webhook's
timeoutSeconds, 5 by default): an image the registry does not answer for
in time is reported as "could not be verified: registry timeout", so deny
mode rejects it rather than admitting it unjudged. The webhook needs
network access to the registries, their pull credentials (docker config)
when they are private, and the key file: mount it from a Secret and add
--key to the Deployment's args. Without --key or --trusted-root no
registry is ever asked.

Dry-run requests are judged like any other and have no side effects.
Bodies that are not a v1 AdmissionReview, or are over --max-request-bytes,
get HTTP 400 with a message.

Exit status: 0 after a clean shutdown (SIGTERM or interrupt), 2 on a usage
error or when the certificate, config or listener cannot be set up.`,
		Example: `  palisade webhook serve --tls-cert-file tls.crt --tls-private-key-file tls.key
  palisade webhook serve --tls-cert-file tls.crt --tls-private-key-file tls.key --listen :8443 \
      --config .palisade.yaml --default-mode deny --min-severity high --metrics-listen :9090
  palisade webhook serve --tls-cert-file tls.crt --tls-private-key-file tls.key --key /etc/palisade/cosign.pub
  palisade webhook serve --tls-cert-file tls.crt --tls-private-key-file tls.key --trusted-root trusted_root.json \
      --certificate-identity-regexp '^https://github.com/acme/' --certificate-oidc-issuer https://token.actions.githubusercontent.com`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd, s)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.certFile, "tls-cert-file", "", "PEM serving certificate (with intermediates); reloaded when it changes (required)")
	f.StringVar(&o.keyFile, "tls-private-key-file", "", "PEM private key of the serving certificate; reloaded when it changes (required)")
	f.StringVar(&o.listen, "listen", ":8443", "address to serve TLS on")
	f.StringVar(&o.metricsListen, "metrics-listen", "", "also serve /metrics, /healthz and /readyz over plain HTTP on this address (e.g. :9090)")
	f.StringVar(&o.configPath, "config", "", "config file with waivers and settings, as for scan (default ./"+check.ConfigFileName+" when present); reloaded when it changes")
	f.StringVar(&o.defaultMode, "default-mode", string(admission.ModeWarn), "mode for namespaces without a valid palisade.dev/enforce label and for cluster-scoped objects: deny, warn or audit")
	f.StringVar(&o.minSeverity, "min-severity", check.SeverityHigh.String(), "findings at or above this severity count: info, low, medium, high, critical")
	f.Int64Var(&o.maxRequestBytes, "max-request-bytes", admission.DefaultMaxRequestBytes, "largest AdmissionReview body accepted; larger ones get HTTP 400")
	f.DurationVar(&o.reloadInterval, "reload-interval", 10*time.Second, "how often the certificate, key and config files are checked for changes")
	f.DurationVar(&o.shutdownDelay, "shutdown-delay", 5*time.Second, "on SIGTERM, how long /readyz fails before the listener closes")
	f.BoolVar(&o.lookupAccounts, "lookup-service-accounts", false, "watch each namespace's default ServiceAccount (list and watch on serviceaccounts named default) so workload/service-account-token-automount sees it, as a scan of the cluster does")
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig for --lookup-service-accounts (default: the pod's service account in a cluster, else $KUBECONFIG or ~/.kube/config)")
	o.images.addSignatureFlags(f)
	f.DurationVar(&o.imageCacheTTL, "image-cache-ttl", admission.DefaultImageCacheTTL, "with --key or --trusted-root, how long an image reference's verification is reused (a tag moved to another image is seen after it)")
	f.DurationVar(&o.imageTimeout, "image-timeout", admission.DefaultImageTimeout, "with --key or --trusted-root, the longest one image's verification may take; keep it below the webhook's timeoutSeconds")
	return cmd
}

// maxImageTimeout is the API server's largest webhook timeoutSeconds.
const maxImageTimeout = 30 * time.Second

// imageVerifier is the signature verifier --key or --trusted-root
// describe, or nil without them.
func (o *webhookServeOptions) imageVerifier(cmd *cobra.Command) (*admission.Images, error) {
	if !o.images.verifying() {
		for _, name := range []string{"certificate-identity", "certificate-identity-regexp", "certificate-oidc-issuer", "insecure-registry", "image-cache-ttl", "image-timeout"} {
			if cmd.Flags().Changed(name) {
				return nil, fmt.Errorf("--%s applies to signature verification: add --key or --trusted-root", name)
			}
		}
		return nil, nil
	}
	if o.imageCacheTTL <= 0 || o.imageTimeout <= 0 || o.imageTimeout >= maxImageTimeout {
		return nil, fmt.Errorf("--image-cache-ttl must be above 0 and --image-timeout above 0 and below %s (the webhook's timeoutSeconds is at most 30)", maxImageTimeout)
	}
	v, err := o.images.signatureVerifier()
	if err != nil {
		return nil, err
	}
	verifier := struct {
		imagescan.Loader   // ResolveDigest
		imagescan.Verifier // Verify
	}{imagescan.RegistryLoader(o.images.imageOptions()), imagescan.SignatureVerifier(v, o.images.remoteOptions()...)}
	return admission.NewImages(admission.ImageOptions{Verifier: verifier, TTL: o.imageCacheTTL, Timeout: o.imageTimeout}), nil
}

func (o *webhookServeOptions) run(cmd *cobra.Command, s *streams) error {
	if o.certFile == "" || o.keyFile == "" {
		return &exitError{ExitInput, errors.New("--tls-cert-file and --tls-private-key-file are required: the API server only calls webhooks over TLS (palisade webhook install --generate-tls makes a pair)")}
	}
	mode, err := admission.ParseMode(o.defaultMode)
	if err != nil {
		return &exitError{ExitInput, fmt.Errorf("--default-mode: %w", err)}
	}
	sev, err := check.ParseSeverity(o.minSeverity)
	if err != nil {
		return &exitError{ExitInput, fmt.Errorf("--min-severity: %w", err)}
	}
	if o.maxRequestBytes <= 0 || o.reloadInterval <= 0 || o.shutdownDelay < 0 {
		return &exitError{ExitInput, errors.New("--max-request-bytes and --reload-interval must be above 0, --shutdown-delay 0 or more")}
	}
	if !o.lookupAccounts && cmd.Flags().Changed("kubeconfig") {
		return &exitError{ExitInput, errors.New("--kubeconfig applies to --lookup-service-accounts: add it")}
	}
	images, err := o.imageVerifier(cmd)
	if err != nil {
		return &exitError{ExitInput, err}
	}
	configPath := o.configPath
	if configPath == "" {
		if _, err := os.Stat(check.ConfigFileName); err == nil {
			configPath = check.ConfigFileName
		}
	}
	if os.Getenv("GOGC") == "" {
		// A webhook keeps a small heap (about 15 MiB) and allocates per
		// request: collect at 9x the live heap, not at scan's 3x, so garbage
		// collection runs rarely and stalls fewer requests; GOMEMLIMIT (set from the
		// container's limit in the generated Deployment) still bounds it.
		debug.SetGCPercent(serveGCPercent)
	}
	ctx, stop := serveContext(cmd.Context())
	defer stop()

	var accounts *admission.ServiceAccountCache
	evalOpts := admission.EvaluatorOptions{Images: images}
	if o.lookupAccounts {
		cfg, err := webhookRESTConfig(o.kubeconfig)
		if err != nil {
			return &exitError{ExitInput, fmt.Errorf("--lookup-service-accounts: %w", err)}
		}
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			return &exitError{ExitInput, fmt.Errorf("--lookup-service-accounts: %w", err)}
		}
		accounts = admission.NewServiceAccountCache(cs)
		evalOpts.ServiceAccounts = accounts
		go accounts.Run(ctx)
	}
	eval := admission.NewEvaluator(evalOpts)
	metrics := admission.NewMetrics(check.Default())
	handler := admission.NewHandler(eval, admission.HandlerOptions{DefaultMode: mode, MinSeverity: sev, MaxRequestBytes: o.maxRequestBytes, Metrics: metrics})
	srvOpts := admission.ServerOptions{
		Handler: handler, Evaluator: eval, Metrics: metrics,
		CertFile: o.certFile, KeyFile: o.keyFile, ConfigFile: configPath,
		ReloadInterval: o.reloadInterval, ShutdownDelay: o.shutdownDelay, Log: s.err,
	}
	if accounts != nil {
		srvOpts.Ready = accounts.HasSynced
	}
	srv, err := admission.NewServer(srvOpts)
	if err != nil {
		return &exitError{ExitInput, err}
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return &exitError{ExitInput, fmt.Errorf("--listen: %w", err)}
	}
	errc := make(chan error, 2)
	if o.metricsListen != "" {
		mln, err := net.Listen("tcp", o.metricsListen)
		if err != nil {
			ln.Close()
			return &exitError{ExitInput, fmt.Errorf("--metrics-listen: %w", err)}
		}
		go func() { errc <- srv.ServeHealth(ctx, mln) }()
	}
	fmt.Fprintf(s.err, "palisade webhook: default mode %s, findings at or above %s count", mode, sev)
	if configPath != "" {
		fmt.Fprintf(s.err, ", config %s", configPath)
	}
	if images != nil {
		fmt.Fprintf(s.err, ", image signatures verified (cached %s, timeout %s)", o.imageCacheTTL, o.imageTimeout)
		if o.imageTimeout >= 5*time.Second {
			fmt.Fprintf(s.err, "; note: --image-timeout %s is not below the default timeoutSeconds 5: install with a larger --timeout-seconds", o.imageTimeout)
		}
	}
	fmt.Fprintln(s.err)
	err = srv.Serve(ctx, ln)
	stop()
	if o.metricsListen != "" {
		if e := <-errc; err == nil {
			err = e
		}
	}
	if err != nil {
		return &exitError{ExitInput, err}
	}
	return nil
}

// webhookRESTConfig is the pod's service account in a cluster, or the
// kubeconfig.
func webhookRESTConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig == "" && os.Getenv("KUBERNETES_SERVICE_HOST") != "" {
		return rest.InClusterConfig()
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	return clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{}).ClientConfig()
}

type webhookInstallOptions struct {
	namespace      string
	image          string
	replicas       int32
	failClosed     bool
	timeoutSeconds int32
	defaultMode    string
	minSeverity    string
	exclude        []string
	caBundleFile   string
	generateTLS    bool
	tlsValidity    time.Duration
	configPath     string
	lookupAccounts bool
}

func newWebhookInstallCommand(s *streams) *cobra.Command {
	def := admission.DefaultInstallOptions(Version)
	o := &webhookInstallOptions{}
	cmd := &cobra.Command{
		Use:   "install",
		Short: "Print the manifests that run the webhook in a cluster",
		Long: `Install prints, to standard output, everything the webhook needs: its
Namespace (Pod Security restricted), a ServiceAccount, a ClusterRole and
binding that only list and watch ServiceAccounts named "default" (left out
with --lookup-service-accounts=false, and then no RBAC at all), a ConfigMap
with the config it judges with (--config embeds yours), a Deployment (2
replicas, restricted pod security, read-only root filesystem, resource
limits, probes), a PodDisruptionBudget, a Service and the
ValidatingWebhookConfiguration. deploy/webhook.yaml is its output with the
defaults; the Helm chart in deploy/helm/palisade renders the same objects.

The ValidatingWebhookConfiguration has one webhook per mode, selecting
namespaces by their palisade.dev/enforce label, one for the other
namespaces (--default-mode) and one for cluster-scoped kinds. The control
plane's namespaces (kube-system, kube-public, kube-node-lease) and the
webhook's own are excluded by its namespaceSelector. It uses
sideEffects: None, matchPolicy: Equivalent, timeoutSeconds: 5 and, by
default, failurePolicy: Ignore: while the webhook is unreachable the API
server admits everything unjudged, so an outage never blocks the cluster
(deployments, node pods, its own restart). --fail-closed uses
failurePolicy: Fail instead: nothing unjudged gets in, and nothing in the
judged namespaces can be created while the webhook is down.

TLS: the webhook reads its certificate from the Secret palisade-webhook-tls
(tls.crt, tls.key). --generate-tls makes a new CA and certificate and adds
the Secret and the CA bundle (keep the output private: it holds the key);
otherwise create the Secret yourself and give the CA with --ca-bundle-file.`,
		Example: `  palisade webhook install --generate-tls > palisade-webhook.yaml
  palisade webhook install --namespace security --ca-bundle-file ca.crt --config .palisade.yaml --fail-closed
  palisade webhook install --default-mode deny --min-severity critical --exclude-namespace monitoring`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd, s)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.namespace, "namespace", "n", def.Namespace, "namespace the webhook runs in (excluded from judgement)")
	f.StringVar(&o.image, "image", def.Image, "palisade container image")
	f.Int32Var(&o.replicas, "replicas", def.Replicas, "webhook replicas")
	f.BoolVar(&o.failClosed, "fail-closed", false, "failurePolicy: Fail: reject what cannot be judged while the webhook is unreachable (default Ignore: admit it)")
	f.Int32Var(&o.timeoutSeconds, "timeout-seconds", def.TimeoutSeconds, "how long the API server waits for a decision (1-30)")
	f.StringVar(&o.defaultMode, "default-mode", string(def.DefaultMode), "mode for namespaces without a valid palisade.dev/enforce label and for cluster-scoped objects: deny, warn or audit")
	f.StringVar(&o.minSeverity, "min-severity", def.MinSeverity.String(), "findings at or above this severity count")
	f.StringArrayVar(&o.exclude, "exclude-namespace", nil, "another namespace never to judge (repeatable)")
	f.StringVar(&o.caBundleFile, "ca-bundle-file", "", "PEM CA that signed the certificate in Secret palisade-webhook-tls, for the API server to trust")
	f.BoolVar(&o.generateTLS, "generate-tls", false, "make a new CA and serving certificate, and add the Secret and CA bundle to the output")
	f.DurationVar(&o.tlsValidity, "tls-validity", 365*24*time.Hour, "with --generate-tls, how long the certificates are valid")
	f.StringVar(&o.configPath, "config", "", "config file (waivers, allowedRegistries) to put in the webhook's ConfigMap")
	f.BoolVar(&o.lookupAccounts, "lookup-service-accounts", def.LookupServiceAccounts, "let the webhook watch ServiceAccounts named default (see 'webhook serve --help'); false means no RBAC at all")
	return cmd
}

// installHeader is the comment at the top of `palisade webhook install`'s
// output.
func installHeader(args []string) string {
	cmdline := "palisade webhook install"
	if len(args) > 0 {
		cmdline += " " + strings.Join(args, " ")
	}
	return "# Palisade admission webhook. Generated by: " + cmdline + "\n" +
		"# Apply with kubectl apply -f; label namespaces with palisade.dev/enforce=deny|warn|audit.\n"
}

func (o *webhookInstallOptions) run(cmd *cobra.Command, s *streams) error {
	opts := admission.DefaultInstallOptions(Version)
	opts.Namespace, opts.Image, opts.Replicas = o.namespace, o.image, o.replicas
	opts.FailClosed, opts.TimeoutSeconds, opts.ExcludeNamespaces = o.failClosed, o.timeoutSeconds, o.exclude
	opts.LookupServiceAccounts = o.lookupAccounts
	var err error
	if opts.DefaultMode, err = admission.ParseMode(o.defaultMode); err != nil {
		return &exitError{ExitInput, fmt.Errorf("--default-mode: %w", err)}
	}
	if opts.MinSeverity, err = check.ParseSeverity(o.minSeverity); err != nil {
		return &exitError{ExitInput, fmt.Errorf("--min-severity: %w", err)}
	}
	switch {
	case o.namespace == "":
		return &exitError{ExitInput, errors.New("--namespace must not be empty")}
	case o.timeoutSeconds < 1 || o.timeoutSeconds > 30:
		return &exitError{ExitInput, fmt.Errorf("--timeout-seconds must be 1 to 30 (the API server's limits), got %d", o.timeoutSeconds)}
	case o.replicas < 1:
		return &exitError{ExitInput, fmt.Errorf("--replicas must be at least 1, got %d", o.replicas)}
	case o.generateTLS && o.caBundleFile != "":
		return &exitError{ExitInput, errors.New("--generate-tls makes its own CA: drop --ca-bundle-file, or drop --generate-tls and create Secret " + admission.TLSSecretName + " yourself")}
	case !o.generateTLS && cmd.Flags().Changed("tls-validity"):
		return &exitError{ExitInput, errors.New("--tls-validity applies to --generate-tls: add it")}
	}
	if o.caBundleFile != "" {
		if opts.CABundle, err = os.ReadFile(o.caBundleFile); err != nil {
			return &exitError{ExitInput, fmt.Errorf("--ca-bundle-file: %w", err)}
		}
	}
	if o.generateTLS {
		if opts.TLS, err = admission.NewTLSBundle(admission.ServiceDNSNames(admission.AppName, o.namespace), nil, o.tlsValidity); err != nil {
			return &exitError{ExitInput, fmt.Errorf("--generate-tls: %w", err)}
		}
		opts.CABundle = opts.TLS.CA
	}
	if o.configPath != "" {
		if _, err := check.LoadConfig(o.configPath); err != nil {
			return &exitError{ExitInput, fmt.Errorf("--config: %w", err)}
		}
		if opts.Config, err = os.ReadFile(o.configPath); err != nil {
			return &exitError{ExitInput, fmt.Errorf("--config: %w", err)}
		}
	}
	var args []string
	cmd.Flags().Visit(func(f *pflag.Flag) {
		args = append(args, "--"+f.Name+"="+f.Value.String())
	})
	data, err := admission.InstallYAML(opts, installHeader(args))
	if err != nil {
		return &exitError{ExitInput, err}
	}
	_, err = s.out.Write(data)
	if err == nil && opts.CABundle == nil {
		fmt.Fprintf(s.err, "palisade: no CA bundle: the API server cannot verify the webhook until you create Secret %s in %s and set caBundle (rerun with --ca-bundle-file, or use --generate-tls)\n", admission.TLSSecretName, o.namespace)
	}
	return err
}

func newWebhookChecksCommand(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "checks",
		Short: "List which checks run at admission, on which kinds, and why the others do not",
		Example: `  palisade webhook checks
  palisade webhook checks | grep -v yes`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSEVERITY\tAT ADMISSION\tKINDS OR REASON")
			for _, c := range check.Default().All() {
				sc := admission.ScopeOf(c)
				if sv := admission.ScopeWith(c, admission.ScopeOptions{VerifiesSignatures: true}); !sc.Applies && sv.Applies {
					fmt.Fprintf(tw, "%s\t%s\twith --key/--trusted-root\t%s (%s)\n", c.ID, c.Severity, strings.Join(sv.Kinds, ", "), sv.How)
				} else if sc.Applies {
					fmt.Fprintf(tw, "%s\t%s\tyes\t%s (%s)\n", c.ID, c.Severity, strings.Join(sc.Kinds, ", "), sc.How)
				} else {
					fmt.Fprintf(tw, "%s\t%s\tno\t%s\n", c.ID, c.Severity, sc.Reason)
				}
			}
			return tw.Flush()
		},
	}
}
