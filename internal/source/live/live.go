// Package live reads a running cluster through its API server into cluster
// objects, the way the manifest source reads files. Like every source it
// only reads: the only verbs it uses are list (on the kinds the checks
// need), get on /version, and get on nodes/NAME/proxy/configz for each
// node's kubelet configuration (optional: see kubelet.go).
//
// Secret values are dropped as soon as each page of Secrets arrives; they
// are never kept, compared or printed.
//
// Objects that a scanned controller owns are not kept: a ReplicaSet owned by
// a Deployment, a Job owned by a CronJob, and a Pod owned by a ReplicaSet,
// StatefulSet, DaemonSet, Job or ReplicationController. The controller's
// pod template is what those objects were made from, so judging them too
// would repeat every finding of a Deployment once for each of its replicas
// (and once for each ReplicaSet it kept for rollback). An object is kept
// when it has no controller (a bare pod), when its controller is of a kind
// that has no pod template (a static pod's Node, a custom resource), or when
// the controller's kind could not be listed, so nothing goes unjudged.
package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
)

// Defaults for the zero values of Options.
const (
	DefaultQPS            float32 = 50
	DefaultBurst                  = 100
	DefaultRequestTimeout         = 30 * time.Second
	DefaultPageSize       int64   = 500
	DefaultConcurrency            = 4
)

// Options say which cluster to read and how hard to press its API server.
type Options struct {
	// Kubeconfig and Context follow kubectl: an empty Kubeconfig means the
	// default loading rules ($KUBECONFIG, then ~/.kube/config, then the
	// in-cluster service account); an empty Context means the current one.
	Kubeconfig, Context string
	// Namespace restricts namespaced kinds to one namespace (and the
	// Namespace kind to that one object); cluster-scoped kinds are always
	// read. With no Namespace every namespace is read, whatever the
	// context's default namespace: a security scan wants everything.
	// AllNamespaces wins over Namespace, as -A does in kubectl.
	Namespace     string
	AllNamespaces bool
	// QPS and Burst bound the client's request rate; RequestTimeout bounds
	// each request (one page of one kind, or one node's configz); PageSize
	// is the limit of each list request; Concurrency is how many requests
	// (lists of kinds, configz reads) are made at once. Zero
	// means DefaultQPS, DefaultBurst, DefaultRequestTimeout,
	// DefaultPageSize and DefaultConcurrency.
	QPS            float32
	Burst          int
	RequestTimeout time.Duration
	PageSize       int64
	Concurrency    int
	// Progress receives a progress line, redrawn in place; nil for none.
	Progress io.Writer
	// RESTConfig, when set, is used instead of a kubeconfig. Its QPS,
	// Burst and Timeout are replaced by the options' on a copy.
	RESTConfig *rest.Config
}

// Result is what was read from the cluster.
type Result struct {
	// Objects are in a fixed order of kinds, each kind in the order the
	// API server listed it, then the kubelet configuration read from each
	// node (a KubeletConfiguration named after the node), in node order.
	Objects []*cluster.Object
	// Errors name each kind that could not be listed (or not completely),
	// once, with the reason. Every other kind was still read.
	Errors []source.InputError
	// Notices say, one line each, what optional evidence was not read and
	// why: the kubelet configuration, when get on nodes/proxy (or list on
	// nodes) is not granted, or when a node's kubelet did not give it. The
	// checks that need it are not assessed; these are not input errors.
	Notices []string
	// Cluster is the cluster that was read.
	Cluster ClusterInfo
}

// ClusterInfo names the cluster that was read.
type ClusterInfo struct {
	// Name is the kubeconfig context, "in-cluster" for a pod's service
	// account, or for a RESTConfig the Context option (else the server's
	// host:port).
	Name string
	// Server is the API server's URL.
	Server string
}

// String describes the cluster for a report's inputs:
// "cluster kind-prod (https://127.0.0.1:6443)".
func (c ClusterInfo) String() string {
	if c.Server == "" || c.Server == c.Name {
		return "cluster " + c.Name
	}
	return fmt.Sprintf("cluster %s (%s)", c.Name, c.Server)
}

// Load reads every kind the checks need from the cluster, and each node's
// kubelet configuration where that is permitted. A kind that cannot be
// listed is reported in Result.Errors and the rest is still read; a
// kubelet configuration that cannot be read is a Result.Notices line.
// The error is reserved for a cluster that cannot be used at all: no or
// bad kubeconfig, an unknown context, a server that does not answer or
// rejects the credentials. Its message says what to do next.
func Load(ctx context.Context, opts Options) (*Result, error) {
	opts = opts.withDefaults()
	cfg, info, err := restConfig(opts)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = opts.QPS, opts.Burst
	cfg.Timeout = opts.RequestTimeout
	if cfg.UserAgent == "" {
		cfg.UserAgent = "palisade (" + rest.DefaultKubernetesUserAgent() + ")"
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %v — check the kubeconfig entry for this context", info.Name, err)
	}
	if err := probe(ctx, client, info, opts); err != nil {
		return nil, err
	}
	return loadWith(ctx, client, info, opts)
}

func (o Options) withDefaults() Options {
	if o.QPS <= 0 {
		o.QPS = DefaultQPS
	}
	if o.Burst <= 0 {
		o.Burst = DefaultBurst
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.PageSize <= 0 {
		o.PageSize = DefaultPageSize
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.AllNamespaces {
		o.Namespace = ""
	}
	return o
}

// restConfig builds the client configuration the way kubectl does.
func restConfig(opts Options) (*rest.Config, ClusterInfo, error) {
	if opts.RESTConfig != nil {
		cfg := rest.CopyConfig(opts.RESTConfig)
		name := opts.Context
		if name == "" {
			name = hostOf(cfg.Host)
		}
		return cfg, ClusterInfo{Name: name, Server: cfg.Host}, nil
	}

	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if opts.Kubeconfig != "" {
		rules.ExplicitPath = opts.Kubeconfig
	}
	where := kubeconfigDescription(rules)
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: opts.Context})
	raw, err := cc.RawConfig()
	if err != nil {
		return nil, ClusterInfo{}, fmt.Errorf("reading kubeconfig %s: %v — fix the file or name another with --kubeconfig", where, err)
	}
	name := opts.Context
	if name == "" {
		name = raw.CurrentContext
	}
	switch {
	case name == "" && len(raw.Contexts) == 0:
		// No kubeconfig at all: a pod's service account, if there is one.
		cfg, err := rest.InClusterConfig()
		if err != nil {
			return nil, ClusterInfo{}, fmt.Errorf("no kubeconfig found (looked in %s) and not running in a pod: "+
				"pass --kubeconfig FILE, set $KUBECONFIG, or create ~/.kube/config (e.g. kind export kubeconfig)", where)
		}
		return cfg, ClusterInfo{Name: "in-cluster", Server: cfg.Host}, nil
	case name == "":
		return nil, ClusterInfo{}, fmt.Errorf("kubeconfig %s sets no current context: pass --context (one of %s) or run kubectl config use-context NAME",
			where, strings.Join(contextNames(raw.Contexts), ", "))
	}
	if _, ok := raw.Contexts[name]; !ok {
		known := "it defines none"
		if names := contextNames(raw.Contexts); len(names) > 0 {
			known = "known contexts: " + strings.Join(names, ", ")
		}
		return nil, ClusterInfo{}, fmt.Errorf("context %q is not in kubeconfig %s (%s): pass one of them with --context, or name another file with --kubeconfig", name, where, known)
	}
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, ClusterInfo{}, fmt.Errorf("context %q in kubeconfig %s cannot be used: %v — fix that context's cluster and user entries (kubectl config view --minify --context %s)", name, where, err, name)
	}
	return cfg, ClusterInfo{Name: name, Server: cfg.Host}, nil
}

// kubeconfigDescription names the files the loading rules read.
func kubeconfigDescription(rules *clientcmd.ClientConfigLoadingRules) string {
	if rules.ExplicitPath != "" {
		return rules.ExplicitPath
	}
	files := rules.GetLoadingPrecedence()
	if home, err := os.UserHomeDir(); err == nil {
		for i, f := range files {
			if rel, err := filepath.Rel(home, f); err == nil && !strings.HasPrefix(rel, "..") {
				files[i] = filepath.Join("~", rel)
			}
		}
	}
	return strings.Join(files, string(filepath.ListSeparator))
}

func contextNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func hostOf(server string) string {
	if u, err := url.Parse(server); err == nil && u.Host != "" {
		return u.Host
	}
	return server
}

// probe asks for /version, so a server that does not answer or rejects the
// credentials is one clear error rather than a failed list per kind. A
// server that forbids /version is still read.
func probe(ctx context.Context, client kubernetes.Interface, info ClusterInfo, opts Options) error {
	ctx, cancel := context.WithTimeout(ctx, opts.RequestTimeout)
	defer cancel()
	err := client.Discovery().RESTClient().Get().AbsPath("/version").Do(ctx).Error()
	var status apierrors.APIStatus
	switch {
	case err == nil:
		return nil
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("cluster %s at %s rejected the credentials of context %s (401 Unauthorized): log in again or refresh them, then check with kubectl --context %s auth whoami",
			info.Name, info.Server, info.Name, info.Name)
	case errors.As(err, &status):
		return nil // the server answered; lists will say what else is wrong
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("cluster %s at %s did not answer within %s: check it is running and reachable (kubectl --context %s cluster-info), or raise --request-timeout",
			info.Name, info.Server, opts.RequestTimeout, info.Name)
	case ctx.Err() != nil:
		return ctx.Err()
	default:
		return fmt.Errorf("cannot reach cluster %s at %s: %v — check it is running and reachable (kubectl --context %s cluster-info)",
			info.Name, info.Server, err, info.Name)
	}
}
