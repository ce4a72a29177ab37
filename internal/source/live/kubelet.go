package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	sigsjson "sigs.k8s.io/json"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// Kubelet configuration. The kubelet checks judge every
// KubeletConfiguration object of the snapshot; on a node it is the
// kubelet's config file. In a live cluster each kubelet tells its running
// configuration through the API server's node proxy:
//
//	GET /api/v1/nodes/NAME/proxy/configz
//	{"kubeletconfig": {...}}
//
// where the object is a kubelet.config.k8s.io/v1beta1 KubeletConfiguration
// without apiVersion and kind. It is read for every listed Node and kept as
// a KubeletConfiguration named after the node.
//
// get on nodes/proxy reaches the kubelet's whole API (exec into pods
// included), so a read-only scanner is not expected to hold it. Without it,
// or when a kubelet does not answer, the kubelet checks are not assessed
// for that node and Result.Notices says so; the result is not partial in
// the sense of Result.Errors, since every object the scan reads was read.

// kubeletConfigKind is the kind each node's kubelet configuration is kept as.
var kubeletConfigKind = kubeletv1beta1.SchemeGroupVersion.WithKind("KubeletConfiguration")

// Notices about the kubelet configuration as a whole.
const (
	noticeNodesForbidden = "kubelet configuration not read (list nodes is not granted): the kubelet checks are not assessed in live mode; " +
		"run `palisade node --root /` on a node, or grant list on nodes and get on nodes/proxy (deploy/rbac-readonly.yaml, the latter commented)"
	noticeProxyForbidden = "kubelet configuration not read (get nodes/proxy is not granted): the kubelet checks are not assessed in live mode; " +
		"run `palisade node --root /` on a node, or grant it (deploy/rbac-readonly.yaml, commented)"
)

// maxNamesPerReason is how many node names a notice lists for one reason
// before it counts the rest.
const maxNamesPerReason = 5

// configzFunc returns the body of a node's configz answer.
type configzFunc func(ctx context.Context, node string) ([]byte, error)

// configzThrough reads configz through the API server's node proxy with
// rc, a client of the core v1 API: the same rate limiter and transport as
// the lists.
func configzThrough(rc rest.Interface) configzFunc {
	if c, ok := rc.(*rest.RESTClient); ok && c == nil {
		// A fake clientset has no REST client.
		return func(context.Context, string) ([]byte, error) {
			return nil, errors.New("no REST client to reach the node proxy")
		}
	}
	return func(ctx context.Context, node string) ([]byte, error) {
		res := rc.Get().Resource("nodes").Name(node).SubResource("proxy").Suffix("configz").Do(ctx)
		body, err := res.Raw()
		if err != nil {
			// Error prefers the API server's Status, when it sent one.
			return nil, res.Error()
		}
		return body, nil
	}
}

// badConfigz is an answer that is not a kubelet configuration.
type badConfigz struct{ err error }

func (e *badConfigz) Error() string {
	return "the answer is not a kubelet configuration: " + e.err.Error()
}

// decodeConfigz reads a configz answer into a typed KubeletConfiguration,
// with its apiVersion and kind set. Fields this Palisade does not know are
// ignored, as a newer kubelet may report them; field names are matched
// case-sensitively, as the kubelet reads its own config.
func decodeConfigz(body []byte) (*kubeletv1beta1.KubeletConfiguration, error) {
	var answer struct {
		KubeletConfig json.RawMessage `json:"kubeletconfig"`
	}
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(body, &answer); err != nil {
		return nil, &badConfigz{err}
	}
	if raw := strings.TrimSpace(string(answer.KubeletConfig)); raw == "" || raw == "null" {
		return nil, &badConfigz{errors.New(`no "kubeletconfig" object in it`)}
	}
	cfg := &kubeletv1beta1.KubeletConfiguration{}
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(answer.KubeletConfig, cfg); err != nil {
		return nil, &badConfigz{err}
	}
	cfg.SetGroupVersionKind(kubeletConfigKind)
	return cfg, nil
}

// readKubelets reads the kubelet configuration of each listed Node (st is
// the Node listing) into st.extra, and says in st.notices which could not
// be read. Each request takes a slot of the loader's semaphore, so lists
// and configz reads together stay within Options.Concurrency.
func (l *loader) readKubelets(ctx context.Context, st *listing) {
	nodes := st.objects
	if len(nodes) == 0 || ctx.Err() != nil {
		return
	}
	configs := make([]*cluster.Object, len(nodes))
	errs := make([]error, len(nodes))
	read := func(i int) {
		select {
		case l.sem <- struct{}{}:
		case <-ctx.Done():
			errs[i] = ctx.Err()
			return
		}
		configs[i], errs[i] = l.kubeletConfig(ctx, nodes[i])
		<-l.sem
		if configs[i] != nil {
			l.prog.objects(1)
		}
	}

	// One node first: without get on nodes/proxy every node answers 403,
	// and one request is enough to know it.
	read(0)
	if apierrors.IsForbidden(errs[0]) {
		st.notices = append(st.notices, noticeProxyForbidden)
		return
	}
	if rest := len(nodes) - 1; rest > 0 {
		next := make(chan int)
		var wg sync.WaitGroup
		for range min(l.opts.Concurrency, rest) {
			wg.Go(func() {
				for i := range next {
					read(i)
				}
			})
		}
		for i := 1; i < len(nodes); i++ {
			next <- i
		}
		close(next)
		wg.Wait()
	}

	for _, c := range configs {
		if c != nil {
			st.extra = append(st.extra, c)
		}
	}
	if n := l.kubeletNotice(nodes, errs); n != "" {
		st.notices = append(st.notices, n)
	}
}

// kubeletConfig reads one node's kubelet configuration.
func (l *loader) kubeletConfig(ctx context.Context, node *cluster.Object) (*cluster.Object, error) {
	rctx, cancel := context.WithTimeout(ctx, l.opts.RequestTimeout)
	defer cancel()
	body, err := l.configz(rctx, node.ID.Name)
	if err != nil {
		return nil, err
	}
	cfg, err := decodeConfigz(body)
	if err != nil {
		return nil, err
	}
	// A KubeletConfiguration has no metadata of its own; it is named after
	// its node, and its origin carries the Node's resourceVersion.
	return &cluster.Object{
		ID: cluster.ObjectID{
			APIVersion: kubeletConfigKind.GroupVersion().String(),
			Kind:       kubeletConfigKind.Kind,
			Name:       node.ID.Name,
		},
		Typed: cfg,
		Meta:  &metav1.ObjectMeta{Name: node.ID.Name},
		Origin: cluster.Origin{
			Cluster:         l.info.Name,
			Server:          l.info.Server,
			ResourceVersion: node.Origin.ResourceVersion,
		},
	}, nil
}

// kubeletNotice says, in one line, which nodes' configuration could not be
// read and why, grouped by reason; "" when every node's was read.
func (l *loader) kubeletNotice(nodes []*cluster.Object, errs []error) string {
	var reasons []string
	names := map[string][]string{}
	failed := 0
	for i, err := range errs {
		if err == nil {
			continue
		}
		failed++
		r := l.configzReason(err)
		if _, ok := names[r]; !ok {
			reasons = append(reasons, r)
		}
		names[r] = append(names[r], nodes[i].ID.Name)
	}
	if failed == 0 {
		return ""
	}
	parts := make([]string, len(reasons))
	for i, r := range reasons {
		parts[i] = nameList(names[r]) + " (" + r + ")"
	}
	return fmt.Sprintf("kubelet configuration of %s of %s nodes not read, so the kubelet checks do not assess them: %s",
		thousands(failed), thousands(len(nodes)), strings.Join(parts, "; "))
}

// nameList lists the first few names and counts the rest:
// "n1, n2, n3, n4, n5 and 7 more".
func nameList(names []string) string {
	if len(names) <= maxNamesPerReason {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %s more", strings.Join(names[:maxNamesPerReason], ", "), thousands(len(names)-maxNamesPerReason))
}

// configzReason says why one node's configz could not be read.
func (l *loader) configzReason(err error) string {
	var bad *badConfigz
	var status apierrors.APIStatus
	switch {
	case errors.As(err, &bad):
		return bad.Error()
	case apierrors.IsForbidden(err):
		return "forbidden: get nodes/proxy is not granted for them"
	case apierrors.IsNotFound(err):
		return "404: the node is gone, or its kubelet does not serve /configz"
	case isTimeout(err):
		return fmt.Sprintf("timed out (request timeout %s)", l.opts.RequestTimeout)
	case errors.Is(err, context.Canceled):
		return "interrupted"
	case errors.As(err, &status):
		s := status.Status()
		code := int(s.Code)
		head := fmt.Sprintf("%d %s", code, http.StatusText(code))
		msg := s.Message
		if s.Details != nil {
			// A response that was not a Status: its text is the message.
			for _, c := range s.Details.Causes {
				if c.Type == metav1.CauseTypeUnexpectedServerResponse {
					msg = c.Message
				}
			}
		}
		msg = strings.TrimSpace(msg)
		if msg == "" || msg == "unknown" || msg == http.StatusText(code) {
			return head
		}
		return head + ": " + msg
	default:
		return err.Error()
	}
}
