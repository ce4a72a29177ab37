package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"sigs.k8s.io/yaml"

	"github.com/palisade-sec/palisade/internal/audit"
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/report"
	"github.com/palisade-sec/palisade/internal/source"
)

// Hooks the tests replace: the context a long-running audit command runs
// in (it ends on SIGINT or SIGTERM), and a report of the address the sink
// listens on.
var (
	auditRunContext = func(parent context.Context) (context.Context, context.CancelFunc) {
		return signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	}
	auditSinkListening = func(addr string) {}
)

// auditOptions are the flags `palisade audit` and `audit serve` share.
type auditOptions struct {
	reportOptions
	maxEventBytes int
	maxPerSubject int
	alerts        string

	// Set by validate.
	auditConfig *audit.Config
	rules       *audit.RuleSet
}

func (o *auditOptions) addFlags(f *pflag.FlagSet) {
	o.reportOptions.addFlags(f)
	f.IntVar(&o.maxEventBytes, "max-event-bytes", audit.DefaultMaxEventBytes, "longest audit event (line) read; longer ones are skipped and reported")
	f.IntVar(&o.maxPerSubject, "max-findings-per-subject", audit.DefaultMaxPerSubject, "findings of one rule about one subject kept in the report; the rest are counted on the first (0: keep all)")
}

func (o *auditOptions) addAlertFlag(f *pflag.FlagSet) {
	f.StringVar(&o.alerts, "alerts", "text", "how findings are printed on standard output as they are found: text (one line each), json (one JSON finding per line) or none")
}

// validate checks the flags and reads the config before any input is read.
// The audit commands read .palisade.yaml themselves, for its audit: section.
func (o *auditOptions) validate(live bool) error {
	if o.failOn != "" {
		sev, err := check.ParseSeverity(o.failOn)
		if err != nil {
			return &exitError{ExitInput, fmt.Errorf("--fail-on: %w", err)}
		}
		o.failOnSeverity = &sev
	}
	if o.maxEventBytes <= 0 {
		return &exitError{ExitInput, fmt.Errorf("--max-event-bytes must be above 0, got %d", o.maxEventBytes)}
	}
	if o.maxPerSubject < 0 {
		return &exitError{ExitInput, fmt.Errorf("--max-findings-per-subject must not be negative, got %d", o.maxPerSubject)}
	}
	explicit := len(o.outputs.outputs) > 0
	var err error
	if o.resolved, err = o.outputs.resolve(); err != nil {
		return &exitError{ExitInput, err}
	}
	if live {
		switch o.alerts {
		case "text", "json":
			for _, out := range o.outputs.outputs {
				if out.file == "" || out.file == "-" {
					return &exitError{ExitInput, fmt.Errorf("standard output carries the findings as they are found: give -o %s an --output-file, or add --alerts none", out.format)}
				}
			}
			if !explicit {
				o.resolved = nil // the alerts are the output
			}
		case "none":
		default:
			return &exitError{ExitInput, fmt.Errorf("--alerts: want text, json or none, got %q", o.alerts)}
		}
	}
	if o.config, o.auditConfig, err = loadAuditConfig(o.configPath); err != nil {
		return &exitError{ExitInput, err}
	}
	if o.rules, err = audit.NewRuleSet(o.auditConfig); err != nil {
		return &exitError{ExitInput, fmt.Errorf("%s: audit: %w", configName(o.configPath), err)}
	}
	return nil
}

// loadAuditConfig reads the named config file, or ./.palisade.yaml when
// present, with its audit: section.
func loadAuditConfig(path string) (*check.Config, *audit.Config, error) {
	if path == "" {
		if _, err := os.Stat(check.ConfigFileName); err != nil {
			return &check.Config{}, nil, nil
		}
		path = check.ConfigFileName
	}
	return audit.LoadConfig(path)
}

func configName(path string) string {
	if path == "" {
		return check.ConfigFileName
	}
	return path
}

func (o *auditOptions) limits() audit.Limits {
	return audit.Limits{MaxEventBytes: o.maxEventBytes}
}

// newAnalyzer starts the analysis; alerts go to w as they are found.
func (o *auditOptions) newAnalyzer(w io.Writer, live bool) (*audit.Analyzer, error) {
	opts := audit.Options{Rules: o.rules, Waivers: o.config.Waivers, MaxPerSubject: o.maxPerSubject}
	if o.maxPerSubject == 0 {
		opts.MaxPerSubject = -1
	}
	if live && o.alerts != "none" {
		enc := json.NewEncoder(w)
		opts.OnFinding = func(f check.Finding) {
			if o.alerts == "json" {
				enc.Encode(f)
				return
			}
			waived := ""
			if f.Suppressed() {
				waived = " (waived)"
			}
			fmt.Fprintf(w, "%s %s %s %s%s\n", strings.ToUpper(f.Severity.String()), f.CheckID, f.Position, oneLine(f.Message), waived)
		}
	}
	a, err := audit.NewAnalyzer(opts)
	if err != nil {
		return nil, &exitError{ExitInput, err}
	}
	return a, nil
}

func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r < 0x20 && r != '\t' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

func newAuditCommand(s *streams) *cobra.Command {
	o := &auditOptions{}
	var follow, fromEnd bool
	cmd := &cobra.Command{
		Use:   "audit (FILE... | --follow FILE)",
		Short: "Find the attacks in Kubernetes audit logs: files, a live log, or the API server's audit webhook",
		Long: `Audit reads Kubernetes audit events (audit.k8s.io/v1, as the API server's log and
webhook backends write them) and reports suspicious activity as findings, in the
same report formats as scan. Each finding is about one event: its object is an
AuditEvent named by the event's auditID, in the namespace the request was about,
and its place is the event's line in the log.

FILE is an audit log: JSON lines (the log backend's format; a line may also hold
an EventList) or a JSON document spanning lines (a pretty-printed EventList),
plain or gzip-compressed (rotated .gz files), or "-" for standard input. Give
rotated files oldest first: the rules that keep state (bursts of refusals, who
usually reads secrets) follow time across files. Reading streams and memory is
bounded whatever the size of the log: events are judged and dropped, and only
findings are kept (--max-findings-per-subject of each rule about each subject;
the rest are counted). A line that is not an audit event is reported with its
line number, and the rest of the log is still analysed.

--follow reads one log that is still being written, as tail -F does: it survives
rotation and truncation, prints each finding as it is found (--alerts), and,
when stopped with Ctrl-C or SIGTERM, writes the reports -o asks for (each to its
--output-file). "palisade audit serve" receives events from the API server's
audit webhook instead; "palisade audit rbac" proposes the least-privilege RBAC
of one subject from what it did; "palisade audit rules" lists the rules.

What is detected: requests without credentials that succeeded (and refused
probes), exec/attach/port-forward into pods, secrets read by subjects that do not
usually read them, secrets listed across the cluster or read in kube-system,
bindings to cluster-admin, wildcard roles and roles granting escalate, bind or
impersonate, impersonation, pods and workloads that fail the same Pod Security
and workload checks as scan (on the requestObject), service account tokens
minted outside the cluster's agents, events and security policies deleted,
certificate requests approved by hand, webhook configurations changed, bursts of
401/403 from one source, service account tokens used from curl or scripts, and
the Kubernetes dashboard creating workloads (the 2018 Tesla pattern). Rules of
your own are CEL expressions over the event in the audit: section of
.palisade.yaml:

  audit:
    rules:
    - id: custom/configmap-deleted-in-prod
      title: ConfigMap deleted in prod
      severity: high
      match: verb == "delete" && objectRef.resource == "configmaps" && objectRef.namespace == "prod"
      message: '"deleted by " + user.username'
    agents: {users: ["system:serviceaccount:argocd:*"]}  # trusted like the control plane
    secretReaders: {users: ["system:serviceaccount:cert-manager:*"]}
    learn: 1h                          # who reads secrets in the first hour is usual
    burst: {threshold: 20, window: 1m}
    disable: [audit/sa-unusual-user-agent]

Waivers of .palisade.yaml apply as in scan; select events by namespace, by name
(the auditID) or by the labels audit.palisade.dev/user, audit.palisade.dev/verb,
audit.palisade.dev/resource and audit.palisade.dev/source-ip.

Exit status: 0 when no finding at or above --fail-on remains (the default is never
to fail), 1 when one does, 2 on a usage error or input that could not be read — a
file that cannot be opened, lines that are not audit events (everything else is
still analysed and reported).`,
		Example: `  palisade audit /var/log/kubernetes/audit.log
  palisade audit audit-2026-06-01.log.gz audit.log -o sarif --output-file audit.sarif -o table
  ssh cp1 sudo cat /var/log/kubernetes/audit.log | palisade audit -
  palisade audit --follow /var/log/kubernetes/audit.log --fail-on high
  palisade audit --follow /var/log/kubernetes/audit.log --alerts json | your-siem-shipper
  palisade audit serve --listen 127.0.0.1:8443 --tls-cert-file sink.crt --tls-private-key-file sink.key
  palisade audit rbac --serviceaccount shop:web /var/log/kubernetes/audit.log > web-rbac.yaml
  palisade audit rules`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return &exitError{ExitInput, errors.New("name the audit logs to read (e.g. palisade audit /var/log/kubernetes/audit.log), or - for standard input")}
			}
			if cmd.Flags().Changed("from-end") && !follow {
				return &exitError{ExitInput, errors.New("--from-end applies to --follow")}
			}
			if cmd.Flags().Changed("alerts") && !follow {
				return &exitError{ExitInput, errors.New("--alerts applies to --follow and to audit serve, which print findings as they are found")}
			}
			if follow {
				if len(args) != 1 || args[0] == "-" {
					return &exitError{ExitInput, errors.New("--follow reads one log file by its path")}
				}
				return runAuditFollow(cmd.Context(), s, o, args[0], fromEnd)
			}
			return runAuditFiles(s, o, args)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&follow, "follow", false, "keep reading the log as it grows, surviving rotation and truncation, until interrupted")
	f.BoolVar(&fromEnd, "from-end", false, "with --follow, start at the end of the log instead of its beginning")
	o.addFlags(f)
	o.addAlertFlag(f)
	cmd.AddCommand(newAuditServeCommand(s), newAuditRBACCommand(s), newAuditRulesCommand(s))
	return cmd
}

// runAuditFiles analyses files one after the other with one analyzer.
func runAuditFiles(s *streams, o *auditOptions, files []string) error {
	if err := o.validate(false); err != nil {
		return err
	}
	stdinSeen := false
	for _, f := range files {
		if f == "-" {
			if stdinSeen {
				return &exitError{ExitInput, errors.New(`"-" (standard input) can be read once`)}
			}
			stdinSeen = true
		}
	}
	a, err := o.newAnalyzer(s.out, false)
	if err != nil {
		return err
	}
	var inputErrors []source.InputError
	for _, f := range files {
		res, err := audit.ReadFile(f, s.in, o.limits(), func(e *audit.Event) error {
			a.Analyze(e)
			return nil
		})
		inputErrors = append(inputErrors, res.Errors...)
		if err != nil {
			inputErrors = append(inputErrors, source.InputError{File: f, Message: strings.TrimPrefix(err.Error(), f+": ")})
		}
	}
	return reportAudit(s, o, files, a.Result(), inputErrors, nil)
}

// runAuditFollow follows one log until interrupted.
func runAuditFollow(ctx context.Context, s *streams, o *auditOptions, path string, fromEnd bool) error {
	if err := o.validate(true); err != nil {
		return err
	}
	a, err := o.newAnalyzer(s.out, true)
	if err != nil {
		return err
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := auditRunContext(ctx)
	defer stop()
	res, err := audit.Follow(ctx, path, audit.FollowOptions{Limits: o.limits(), FromEnd: fromEnd}, func(e *audit.Event) error {
		a.Analyze(e)
		return nil
	})
	inputErrors := res.Errors
	if err != nil {
		inputErrors = append(inputErrors, source.InputError{File: path, Message: strings.TrimPrefix(err.Error(), path+": ")})
	}
	return reportAudit(s, o, []string{path}, a.Result(), inputErrors, nil)
}

// reportAudit writes the reports of an analysis and turns it into the exit
// status, as judgeAndReport does for scan.
func reportAudit(s *streams, o *auditOptions, inputs []string, res *audit.Result, inputErrors []source.InputError, notices []string) error {
	notices = append(notices, res.Notices...)
	rep := &report.Report{
		Tool:           report.ToolInfo{Name: "palisade", Version: Version, URI: "https://github.com/palisade-sec/palisade"},
		GeneratedAt:    time.Now(),
		Inputs:         inputs,
		Objects:        res.Events,
		Checks:         o.rules.Metadata(),
		Findings:       res.Findings,
		InputErrors:    inputErrors,
		Notices:        notices,
		ExpiredWaivers: res.ExpiredWaivers,
	}
	color := !o.noColor && os.Getenv("NO_COLOR") == "" && isTerminal(s.out)
	if err := o.outputs.write(o.resolved, rep, s.out, color); err != nil {
		return &exitError{ExitInput, err}
	}
	fmt.Fprintf(s.err, "palisade: %d audit events analysed, %d findings\n", res.Events, len(res.Findings))
	for _, e := range inputErrors {
		fmt.Fprintf(s.err, "palisade: %s\n", e.Error())
	}
	for _, n := range notices {
		fmt.Fprintf(s.err, "palisade: %s\n", n)
	}
	for _, w := range res.ExpiredWaivers {
		fmt.Fprintf(s.err, "palisade: waiver for %s expired on %s (owner %q); it no longer waives %d finding(s): renew it or fix them\n",
			strings.Join(w.Waiver.Checks, ","), w.Waiver.Expires, w.Waiver.Owner, w.Matches)
	}
	if len(inputErrors) > 0 {
		return &exitError{code: ExitInput, err: fmt.Errorf("%d input error(s); the rest of the input was analysed", len(inputErrors))}
	}
	if o.failOnSeverity != nil {
		n := 0
		for i := range res.Findings {
			if f := &res.Findings[i]; !f.Suppressed() && f.Severity >= *o.failOnSeverity {
				n++
			}
		}
		if n > 0 {
			return &exitError{code: ExitFindings, err: fmt.Errorf("%d finding(s) at or above %s", n, *o.failOnSeverity)}
		}
	}
	return nil
}

type auditServeOptions struct {
	auditOptions
	listen       string
	tls          audit.TLSFiles
	maxBodyBytes int64
}

func newAuditServeCommand(s *streams) *cobra.Command {
	o := &auditServeOptions{}
	cmd := &cobra.Command{
		Use:   "serve --listen ADDR --tls-cert-file FILE --tls-private-key-file FILE",
		Short: "Receive events from the API server's audit webhook and report findings as they arrive",
		Long: `Serve is the receiving end of the API server's audit webhook backend. It listens
on --listen for HTTPS POSTs of audit.k8s.io/v1 EventLists (any path; GET /healthz
answers ok), judges each event as it arrives with the rules of palisade audit,
and prints each finding as it is found (--alerts). When stopped with Ctrl-C or
SIGTERM it writes the reports -o asks for (each to its --output-file).

It serves TLS only, with the certificate and key of --tls-cert-file and
--tls-private-key-file. With --client-ca-file it also requires the API server to
present a client certificate signed by that CA (set client-certificate and
client-key in the webhook kubeconfig). Point the API server at it with
--audit-webhook-config-file, a kubeconfig such as:

  apiVersion: v1
  kind: Config
  clusters:
  - name: palisade
    cluster:
      server: https://127.0.0.1:8443/audit
      certificate-authority: /etc/kubernetes/palisade-sink-ca.crt
  contexts:
  - name: palisade
    context: {cluster: palisade, user: ""}
  current-context: palisade
  users: []

Batches are judged one at a time, and memory is bounded as for files: events are
dropped once judged, and a batch may be at most --max-body-bytes.

Exit status: as palisade audit; a batch that could not be read counts as input
that could not be read.`,
		Example: `  palisade audit serve --listen 127.0.0.1:8443 --tls-cert-file sink.crt --tls-private-key-file sink.key
  palisade audit serve --listen :8443 --tls-cert-file sink.crt --tls-private-key-file sink.key \
      --client-ca-file apiserver-client-ca.crt --alerts json -o sarif --output-file audit.sarif`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runAuditServe(cmd.Context(), s, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:8443", "address to listen on (host:port)")
	f.StringVar(&o.tls.CertFile, "tls-cert-file", "", "PEM certificate the sink serves (required)")
	f.StringVar(&o.tls.KeyFile, "tls-private-key-file", "", "PEM private key of --tls-cert-file (required)")
	f.StringVar(&o.tls.ClientCAFile, "client-ca-file", "", "PEM CA that must sign the API server's client certificate (mutual TLS)")
	f.Int64Var(&o.maxBodyBytes, "max-body-bytes", audit.DefaultMaxBodyBytes, "largest webhook batch accepted")
	o.addFlags(f)
	o.addAlertFlag(f)
	return cmd
}

func runAuditServe(ctx context.Context, s *streams, o *auditServeOptions) error {
	if err := o.validate(true); err != nil {
		return err
	}
	if o.maxBodyBytes <= 0 {
		return &exitError{ExitInput, fmt.Errorf("--max-body-bytes must be above 0, got %d", o.maxBodyBytes)}
	}
	tlsConfig, err := o.tls.Config()
	if err != nil {
		return &exitError{ExitInput, fmt.Errorf("%w (--tls-cert-file, --tls-private-key-file)", err)}
	}
	a, err := o.newAnalyzer(s.out, true)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return &exitError{ExitInput, fmt.Errorf("--listen: %w", err)}
	}
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := auditRunContext(ctx)
	defer stop()
	name := "webhook " + ln.Addr().String()
	sink := &audit.Sink{Name: name, Handle: a.Analyze, Limits: o.limits(), MaxBodyBytes: o.maxBodyBytes}
	fmt.Fprintf(s.err, "palisade: audit webhook sink listening on https://%s\n", ln.Addr())
	auditSinkListening(ln.Addr().String())
	serveErr := audit.Serve(ctx, ln, tlsConfig, sink)
	batches, received := sink.Received()
	inputErrors := received.Errors
	fmt.Fprintf(s.err, "palisade: %s received %d batches\n", name, batches)
	if serveErr != nil {
		inputErrors = append(inputErrors, source.InputError{File: name, Message: serveErr.Error()})
	}
	return reportAudit(s, &o.auditOptions, []string{name}, a.Result(), inputErrors, nil)
}

type auditRBACOptions struct {
	user, serviceAccount string
	name                 string
	includeDenied        bool
	maxNames             int
	format               string
	maxEventBytes        int
}

func newAuditRBACCommand(s *streams) *cobra.Command {
	o := &auditRBACOptions{}
	cmd := &cobra.Command{
		Use:   "rbac (--user NAME | --serviceaccount NAMESPACE:NAME) FILE...",
		Short: "Propose the least-privilege Roles and bindings that cover what one subject did in the log",
		Long: `Rbac reads audit logs (as palisade audit does) and writes the Roles, ClusterRoles
and bindings that allow exactly what one subject did in them, as YAML ready for
review and kubectl apply.

  - Requests in a namespace become a Role (and RoleBinding) in that namespace;
    requests for cluster-scoped resources, across every namespace, or for
    non-resource URLs become a ClusterRole (and ClusterRoleBinding).
  - The verbs used on a resource are merged into one rule, and resources of one
    API group used with the same verbs share a rule. Subresources (pods/exec,
    serviceaccounts/token) are resources of their own, as in RBAC.
  - resourceNames are kept where they are stable: for get, update, patch and
    delete of named objects (and any verb on a subresource of one), when the
    subject touched at most --max-names objects of that resource there. More
    names than that are generated or many, and the rule covers every object.
  - Only requests that were allowed count; --include-denied adds the refused ones
    (what the subject asked for and was not given).
  - A subject that impersonated others gets impersonate on exactly those users,
    groups and service accounts; what it did as them is theirs.

Requests a log does not hold cannot be covered: feed it a log long enough to see
the subject's whole cycle (a day, a release), at Metadata level or above.

Exit status: 0 when a proposal was written, 2 on a usage error, input that could
not be read (the proposal covers the rest), or a subject that made no request in
the log.`,
		Example: `  palisade audit rbac --serviceaccount shop:web /var/log/kubernetes/audit.log
  palisade audit rbac --user alice@example.com audit.log.1.gz audit.log --name alice-dev > alice.yaml
  palisade audit rbac --serviceaccount ci:deployer --include-denied -o json audit.log`,
		Args: cobra.ArbitraryArgs,
		RunE: func(_ *cobra.Command, args []string) error {
			return runAuditRBAC(s, o, args)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.user, "user", "", "user name, as the API server authenticates it")
	f.StringVar(&o.serviceAccount, "serviceaccount", "", "service account, as NAMESPACE:NAME")
	f.StringVar(&o.name, "name", "", "name of the proposed roles and bindings (default derived from the subject)")
	f.BoolVar(&o.includeDenied, "include-denied", false, "also cover requests that were refused (403)")
	f.IntVar(&o.maxNames, "max-names", 5, "most object names kept in a rule's resourceNames; more make the rule cover every object")
	f.StringVarP(&o.format, "output", "o", "yaml", "yaml or json (a v1 List)")
	f.IntVar(&o.maxEventBytes, "max-event-bytes", audit.DefaultMaxEventBytes, "longest audit event (line) read")
	return cmd
}

func runAuditRBAC(s *streams, o *auditRBACOptions, files []string) error {
	var subject audit.RBACSubject
	switch {
	case (o.user == "") == (o.serviceAccount == ""):
		return &exitError{ExitInput, errors.New("name one subject: --user NAME or --serviceaccount NAMESPACE:NAME")}
	case o.user != "":
		subject.User = o.user
	default:
		ns, name, ok := strings.Cut(o.serviceAccount, ":")
		if !ok || ns == "" || name == "" || strings.Contains(name, ":") {
			return &exitError{ExitInput, fmt.Errorf("--serviceaccount: want NAMESPACE:NAME, got %q", o.serviceAccount)}
		}
		subject.ServiceAccountNamespace, subject.ServiceAccount = ns, name
	}
	if o.format != "yaml" && o.format != "json" {
		return &exitError{ExitInput, fmt.Errorf("-o: want yaml or json, got %q", o.format)}
	}
	if o.maxNames < 1 {
		return &exitError{ExitInput, fmt.Errorf("--max-names must be at least 1, got %d", o.maxNames)}
	}
	if len(files) == 0 {
		return &exitError{ExitInput, errors.New("name the audit logs to read, or - for standard input")}
	}
	name := o.name
	if name == "" {
		name = defaultRoleName(subject)
	}
	rec := audit.NewRBACRecorder(subject, audit.RBACOptions{MaxNames: o.maxNames, IncludeDenied: o.includeDenied})
	var inputErrors []source.InputError
	for _, f := range files {
		res, err := audit.ReadFile(f, s.in, audit.Limits{MaxEventBytes: o.maxEventBytes}, func(e *audit.Event) error {
			rec.Record(e)
			return nil
		})
		inputErrors = append(inputErrors, res.Errors...)
		if err != nil {
			inputErrors = append(inputErrors, source.InputError{File: f, Message: strings.TrimPrefix(err.Error(), f+": ")})
		}
	}
	p := rec.Propose(name)
	who := "user " + subject.User
	if subject.ServiceAccount != "" {
		who = "service account " + subject.ServiceAccountNamespace + "/" + subject.ServiceAccount
	}
	if !p.Empty() {
		if err := writeProposal(s.out, o.format, p, who, rec, files); err != nil {
			return err
		}
	}
	for _, e := range inputErrors {
		fmt.Fprintf(s.err, "palisade: %s\n", e.Error())
	}
	for _, n := range rec.Notes() {
		fmt.Fprintf(s.err, "palisade: %s\n", n)
	}
	if len(inputErrors) > 0 {
		return &exitError{ExitInput, fmt.Errorf("%d input error(s); the proposal covers the rest of the input", len(inputErrors))}
	}
	if p.Empty() {
		return &exitError{ExitInput, fmt.Errorf("no request by %s (%s) was allowed in the log: nothing to propose", who, subject.Username())}
	}
	return nil
}

// defaultRoleName names the roles after the subject: "web-least-privilege".
func defaultRoleName(s audit.RBACSubject) string {
	base := s.User
	if s.ServiceAccount != "" {
		base = s.ServiceAccount
	}
	var b strings.Builder
	for _, r := range strings.ToLower(base) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	name := strings.Trim(b.String(), "-.")
	if name == "" {
		name = "subject"
	}
	if len(name) > 200 {
		name = name[:200]
	}
	return name + "-least-privilege"
}

// writeProposal writes the roles and bindings as YAML documents (with a
// header saying where they come from) or a JSON v1 List.
func writeProposal(w io.Writer, format string, p *audit.RBACProposal, who string, rec *audit.RBACRecorder, files []string) error {
	var objects []any
	for i := range p.ClusterRoles {
		objects = append(objects, p.ClusterRoles[i])
	}
	for i := range p.ClusterRoleBindings {
		objects = append(objects, p.ClusterRoleBindings[i])
	}
	for i := range p.Roles {
		objects = append(objects, p.Roles[i])
	}
	for i := range p.RoleBindings {
		objects = append(objects, p.RoleBindings[i])
	}
	var maps []map[string]any
	for _, obj := range objects {
		m, err := toCleanMap(obj)
		if err != nil {
			return err
		}
		maps = append(maps, m)
	}
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"apiVersion": "v1", "kind": "List", "items": maps})
	}
	fmt.Fprintf(w, "# Least-privilege RBAC for %s: what it did in %s", who, strings.Join(files, ", "))
	if !rec.First.IsZero() {
		fmt.Fprintf(w, "\n# (%d requests, %s to %s)", rec.Requests, rec.First.UTC().Format(time.RFC3339), rec.Last.UTC().Format(time.RFC3339))
	}
	fmt.Fprintln(w, ". Review before applying:")
	fmt.Fprintln(w, "# a log only shows what was done while it was written.")
	for _, n := range rec.Notes() {
		fmt.Fprintf(w, "# Note: %s.\n", n)
	}
	for _, m := range maps {
		data, err := yaml.Marshal(m)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "---\n%s", data)
	}
	return nil
}

// toCleanMap turns an object into a map without the empty creationTimestamp
// that typed objects carry.
func toCleanMap(obj any) (map[string]any, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	if md, ok := m["metadata"].(map[string]any); ok {
		delete(md, "creationTimestamp")
	}
	return m, nil
}

func newAuditRulesCommand(s *streams) *cobra.Command {
	var format, configPath string
	cmd := &cobra.Command{
		Use:   "rules [RULE-ID]",
		Short: "List the audit rules (built-in and from .palisade.yaml), or explain one",
		Example: `  palisade audit rules
  palisade audit rules audit/pod-exec
  palisade audit rules --config team.palisade.yaml -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			_, cfg, err := loadAuditConfig(configPath)
			if err != nil {
				return &exitError{ExitInput, err}
			}
			rs, err := audit.NewRuleSet(cfg)
			if err != nil {
				return &exitError{ExitInput, fmt.Errorf("%s: audit: %w", configName(configPath), err)}
			}
			metas := rs.Metadata()
			if len(args) == 1 {
				i := sort.Search(len(metas), func(i int) bool { return metas[i].ID >= args[0] })
				if i == len(metas) || metas[i].ID != args[0] {
					return &exitError{ExitInput, fmt.Errorf("no audit rule %q; run 'palisade audit rules' to see them all", args[0])}
				}
				if format == "json" {
					return writeJSONValue(s, metas[i])
				}
				fmt.Fprint(s.out, describeCheck(&metas[i]))
				return nil
			}
			if format == "json" {
				return writeJSONValue(s, metas)
			}
			tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSEVERITY\tMITRE\tTITLE")
			for _, m := range metas {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.ID, m.Severity, strings.Join(m.References.MITRE, ","), m.Title)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVarP(&format, "output", "o", "table", "table or json")
	cmd.Flags().StringVar(&configPath, "config", "", "config file with custom rules (default ./"+check.ConfigFileName+" when present)")
	return cmd
}
