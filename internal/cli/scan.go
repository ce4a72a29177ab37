package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source"
	"github.com/palisade-sec/palisade/internal/source/live"

	_ "github.com/palisade-sec/palisade/internal/checks" // registers every check
)

type scanOptions struct {
	valuesFiles []string
	live        liveOptions
	reportOptions
}

// liveOptions are the flags of `scan --cluster`, named as kubectl names
// them.
type liveOptions struct {
	cluster        bool
	kubeconfig     string
	context        string
	namespace      string
	allNamespaces  bool
	qps            float32
	burst          int
	requestTimeout time.Duration
}

// liveFlagNames are the flags that only mean something with --cluster.
var liveFlagNames = []string{"kubeconfig", "context", "all-namespaces", "qps", "burst", "request-timeout"}

// loadLive reads a cluster; tests replace it.
var loadLive = live.Load

func newScanCommand(s *streams) *cobra.Command {
	o := &scanOptions{}
	cmd := &cobra.Command{
		Use:   "scan (PATH... | --cluster)",
		Short: "Scan manifests, Helm charts, Kustomize trees or a live cluster",
		Long: `Scan reads Kubernetes manifests, or a running cluster, and reports what an
attacker could use.

PATH is a file, a folder (read recursively: .yaml, .yml and .json files,
multi-document YAML and kind: List), a Helm chart folder (rendered in
process), a folder with a kustomization.yaml (built in process), or "-" for
standard input.

--cluster reads a running cluster through its API server instead, with
kubectl's conventions: the current kubeconfig context unless --context names
another, $KUBECONFIG or ~/.kube/config unless --kubeconfig names a file (in a
pod with no kubeconfig, its service account). Every namespace is read unless
-n names one; cluster-scoped kinds (Nodes, ClusterRoles, ClusterRoleBindings) are
always read. It is read-only: only list is used, and get on /version and,
where granted, on nodes/NAME/proxy/configz, which gives each node's kubelet
configuration to the kubelet checks. deploy/rbac-readonly.yaml is a
ClusterRole granting get, list and watch on exactly the kinds read; get on
nodes/proxy is only a commented rule there, because it also opens the
kubelet's API (exec into pods). Without it, or when a kubelet does not
answer, a notice on standard error says the kubelet checks were not
assessed; that alone does not make the result partial. Secret
values are dropped as they arrive and never kept or printed. A Pod,
ReplicaSet or Job made by a Deployment, StatefulSet, DaemonSet, CronJob,
Job or ReplicationController is judged through its controller, so each
finding is reported once, not once per replica. A kind that cannot be listed
(forbidden, absent, timed out) is reported once with the reason, and every
other kind is still scanned. Findings name the cluster and the object's
resourceVersion instead of a file. PATH and --cluster cannot be combined.

Exit status: 0 when no finding at or above --fail-on remains (the default is
never to fail), 1 when one does, 2 on a usage error, a cluster that cannot be
reached, or input that could not be read — a file that does not parse, a kind
that could not be listed (the rest is still scanned and reported, so the
result is partial).`,
		Example: `  palisade scan ./k8s/
  cat all.yaml | palisade scan -
  palisade scan ./charts/shop -f values-prod.yaml
  palisade scan ./overlays/prod
  palisade scan ./k8s -o sarif --output-file palisade.sarif -o table
  palisade scan ./k8s --fail-on high
  palisade scan --cluster                           # current kubeconfig context, all namespaces
  palisade scan --cluster --context prod -n shop    # one namespace of another context
  palisade scan --cluster --kubeconfig ./kubeconfig --qps 20 --burst 40 --request-timeout 1m -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.live.cluster {
				if len(args) > 0 {
					return &exitError{ExitInput, fmt.Errorf("scan either PATH... or --cluster, not both (got --cluster and %s): run one scan per input", strings.Join(args, " "))}
				}
				if cmd.Flags().Changed("values") {
					return &exitError{ExitInput, errors.New("-f/--values applies to Helm charts in PATH, not to --cluster")}
				}
				return runScanLive(cmd.Context(), s, o)
			}
			for _, name := range liveFlagNames {
				if cmd.Flags().Changed(name) {
					return &exitError{ExitInput, fmt.Errorf("--%s applies to a live scan: add --cluster (e.g. palisade scan --cluster --%s ...)", name, name)}
				}
			}
			if len(args) == 0 {
				return &exitError{ExitInput, errors.New("name what to scan: a file, a folder, a chart, or - for stdin (e.g. palisade scan ./k8s), or --cluster for the current kubeconfig context")}
			}
			return runScan(s, o, args)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&o.valuesFiles, "values", "f", nil, "Helm values file for charts (repeatable; later files win)")
	f.BoolVar(&o.live.cluster, "cluster", false, "scan the live cluster of the kubeconfig context instead of PATH")
	f.StringVar(&o.live.kubeconfig, "kubeconfig", "", "kubeconfig file for --cluster (default $KUBECONFIG, else ~/.kube/config)")
	f.StringVar(&o.live.context, "context", "", "kubeconfig context for --cluster (default the current context)")
	f.StringVarP(&o.live.namespace, "namespace", "n", "", "with --cluster, read namespaced kinds in this namespace only (default every namespace); with PATH, the namespace the manifests are applied to, as with kubectl apply -n: objects that name none are placed in it and charts render as a release in it")
	f.BoolVarP(&o.live.allNamespaces, "all-namespaces", "A", false, "with --cluster, read every namespace (the default; wins over -n, as in kubectl)")
	f.Float32Var(&o.live.qps, "qps", live.DefaultQPS, "with --cluster, the most API requests per second")
	f.IntVar(&o.live.burst, "burst", live.DefaultBurst, "with --cluster, the most API requests in a burst above --qps")
	f.DurationVar(&o.live.requestTimeout, "request-timeout", live.DefaultRequestTimeout, "with --cluster, how long one API request (one page of one kind) may take")
	o.addFlags(f)
	return cmd
}

func runScan(s *streams, o *scanOptions, paths []string) error {
	if err := o.validate(); err != nil {
		return err
	}
	loaded := source.Load(source.Options{Paths: paths, Stdin: s.in, ValuesFiles: o.valuesFiles, Namespace: o.live.namespace})
	return judgeAndReport(s, &o.reportOptions, readInput{names: paths, objects: loaded.Objects, errors: loaded.Errors})
}

// runScanLive reads the cluster and judges it like files: a kind that could
// not be listed is an input error, so the status says the result is partial.
// Notices (the kubelet configuration not read) go to standard error and
// leave the status alone.
func runScanLive(ctx context.Context, s *streams, o *scanOptions) error {
	lo := o.live
	switch {
	case lo.qps <= 0:
		return &exitError{ExitInput, fmt.Errorf("--qps must be above 0, got %v", lo.qps)}
	case lo.burst <= 0:
		return &exitError{ExitInput, fmt.Errorf("--burst must be above 0, got %d", lo.burst)}
	case lo.requestTimeout <= 0:
		return &exitError{ExitInput, fmt.Errorf("--request-timeout must be above 0, got %s", lo.requestTimeout)}
	}
	if err := o.validate(); err != nil {
		return err
	}
	opts := live.Options{
		Kubeconfig:     lo.kubeconfig,
		Context:        lo.context,
		Namespace:      lo.namespace,
		AllNamespaces:  lo.allNamespaces,
		QPS:            lo.qps,
		Burst:          lo.burst,
		RequestTimeout: lo.requestTimeout,
	}
	if isTerminal(s.err) {
		opts.Progress = s.err
	}
	res, err := loadLive(ctx, opts)
	if err != nil {
		return &exitError{ExitInput, err}
	}
	input := res.Cluster.String()
	if lo.namespace != "" && !lo.allNamespaces {
		input += " -n " + lo.namespace
	}
	notices := make([]string, len(res.Notices))
	for i, n := range res.Notices {
		notices[i] = "cluster " + res.Cluster.Name + ": " + n
	}
	return judgeAndReport(s, &o.reportOptions, readInput{names: []string{input}, objects: res.Objects, errors: res.Errors, notices: notices})
}

// loadConfig reads the named config file, or ./.palisade.yaml when present.
func loadConfig(path string) (*check.Config, error) {
	if path == "" {
		if _, err := os.Stat(check.ConfigFileName); err != nil {
			return &check.Config{}, nil
		}
		path = check.ConfigFileName
	}
	return check.LoadConfig(path)
}

func metadataOf(checks []*check.Check) []check.Metadata {
	out := make([]check.Metadata, len(checks))
	for i, c := range checks {
		out[i] = c.Metadata
	}
	return out
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
