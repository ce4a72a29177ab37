package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
	"github.com/palisade-sec/palisade/internal/source/live"
)

// inputOptions are the flags that say what to read, shared by every
// command that reads a cluster the way scan does (scan, rbac, netpol):
// PATH arguments with Helm values, or --cluster with kubectl's flags.
type inputOptions struct {
	valuesFiles []string
	live        liveOptions
}

// liveOptions are the flags of --cluster, named as kubectl names them.
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

// addFlags adds the input flags; command is the command's name for the
// examples in error messages.
func (o *inputOptions) addFlags(f *pflag.FlagSet, command string) {
	f.StringArrayVarP(&o.valuesFiles, "values", "f", nil, "Helm values file for charts (repeatable; later files win)")
	f.BoolVar(&o.live.cluster, "cluster", false, "read the live cluster of the kubeconfig context instead of PATH")
	f.StringVar(&o.live.kubeconfig, "kubeconfig", "", "kubeconfig file for --cluster (default $KUBECONFIG, else ~/.kube/config)")
	f.StringVar(&o.live.context, "context", "", "kubeconfig context for --cluster (default the current context)")
	f.StringVarP(&o.live.namespace, "namespace", "n", "", "with --cluster, read namespaced kinds in this namespace only (default every namespace); with PATH, the namespace the manifests are applied to, as with kubectl apply -n: objects that name none are placed in it and charts render as a release in it")
	f.BoolVarP(&o.live.allNamespaces, "all-namespaces", "A", false, "with --cluster, read every namespace (the default; wins over -n, as in kubectl)")
	f.Float32Var(&o.live.qps, "qps", live.DefaultQPS, "with --cluster, the most API requests per second")
	f.IntVar(&o.live.burst, "burst", live.DefaultBurst, "with --cluster, the most API requests in a burst above --qps")
	f.DurationVar(&o.live.requestTimeout, "request-timeout", live.DefaultRequestTimeout, "with --cluster, how long one API request (one page of one kind) may take")
}

// validate checks the input flags against the arguments before anything
// is read.
func (o *inputOptions) validate(cmd *cobra.Command, args []string) error {
	name := cmd.CommandPath()
	if o.live.cluster {
		if len(args) > 0 {
			return &exitError{ExitInput, fmt.Errorf("read either PATH... or --cluster, not both (got --cluster and %s): run %s once per input", strings.Join(args, " "), name)}
		}
		if cmd.Flags().Changed("values") {
			return &exitError{ExitInput, errors.New("-f/--values applies to Helm charts in PATH, not to --cluster")}
		}
		lo := o.live
		switch {
		case lo.qps <= 0:
			return &exitError{ExitInput, fmt.Errorf("--qps must be above 0, got %v", lo.qps)}
		case lo.burst <= 0:
			return &exitError{ExitInput, fmt.Errorf("--burst must be above 0, got %d", lo.burst)}
		case lo.requestTimeout <= 0:
			return &exitError{ExitInput, fmt.Errorf("--request-timeout must be above 0, got %s", lo.requestTimeout)}
		}
		return nil
	}
	for _, flag := range liveFlagNames {
		if cmd.Flags().Changed(flag) {
			return &exitError{ExitInput, fmt.Errorf("--%s applies to a live cluster: add --cluster (e.g. %s --cluster --%s ...)", flag, name, flag)}
		}
	}
	if len(args) == 0 {
		return &exitError{ExitInput, fmt.Errorf("name what to read: a file, a folder, a chart, or - for stdin (e.g. %s ./k8s), or --cluster for the current kubeconfig context", name)}
	}
	return nil
}

// read loads the input: the files, charts and Kustomize trees of args, or
// the live cluster. A kind that could not be listed and a file that could
// not be read are input errors in the result; only a cluster that cannot
// be reached at all is an error here.
func (o *inputOptions) read(ctx context.Context, s *streams, args []string) (readInput, error) {
	if !o.live.cluster {
		loaded := source.Load(source.Options{Paths: args, Stdin: s.in, ValuesFiles: o.valuesFiles, Namespace: o.live.namespace})
		return readInput{names: args, objects: loaded.Objects, errors: loaded.Errors}, nil
	}
	lo := o.live
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
		return readInput{}, &exitError{ExitInput, err}
	}
	input := res.Cluster.String()
	if lo.namespace != "" && !lo.allNamespaces {
		input += " -n " + lo.namespace
	}
	notices := make([]string, len(res.Notices))
	for i, n := range res.Notices {
		notices[i] = "cluster " + res.Cluster.Name + ": " + n
	}
	return readInput{names: []string{input}, objects: res.Objects, errors: res.Errors, notices: notices}, nil
}

// answerOptions are the flags of a command that reads a cluster the way
// scan does and prints an answer rather than a scan report (rbac, netpol,
// paths): what to read, and -o with the answer's formats.
type answerOptions struct {
	input   inputOptions
	output  string
	formats []string
}

// addFlags adds the input flags and -o; the first format is the default.
func (o *answerOptions) addFlags(cmd *cobra.Command, formats ...string) {
	o.formats = formats
	o.input.addFlags(cmd.Flags(), cmd.Name())
	cmd.Flags().StringVarP(&o.output, "output", "o", formats[0], "answer format: "+strings.Join(formats, ", "))
}

// validate checks -o and the input flags before anything is read.
func (o *answerOptions) validate(cmd *cobra.Command, paths []string) error {
	if !slices.Contains(o.formats, o.output) {
		return &exitError{ExitInput, fmt.Errorf("-o %q: want one of %s", o.output, strings.Join(o.formats, ", "))}
	}
	return o.input.validate(cmd, paths)
}

// load validates the flags and reads the input into a snapshot.
func (o *answerOptions) load(cmd *cobra.Command, s *streams, paths []string) (*cluster.Snapshot, readInput, error) {
	if err := o.validate(cmd, paths); err != nil {
		return nil, readInput{}, err
	}
	in, err := o.input.read(cmd.Context(), s, paths)
	if err != nil {
		return nil, in, err
	}
	return cluster.NewSnapshot(in.objects), in, nil
}

// reportInputErrors writes input errors and notices to standard error, for
// commands that print answers rather than a scan report.
func reportInputErrors(s *streams, in readInput) error {
	for _, e := range in.errors {
		fmt.Fprintf(s.err, "palisade: %s\n", e.Error())
	}
	for _, n := range in.notices {
		fmt.Fprintf(s.err, "palisade: %s\n", n)
	}
	if len(in.errors) > 0 {
		return &exitError{code: ExitInput, err: fmt.Errorf("%d input error(s); the answer covers the rest of the input", len(in.errors))}
	}
	return nil
}
