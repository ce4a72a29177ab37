package live

import (
	"context"
	"fmt"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
)

// listing is the state of one kind while the cluster is read.
type listing struct {
	kind    *kind
	objects []*cluster.Object
	err     error // the list failed (objects may hold the pages read before)
	done    chan struct{}
	// extra are the objects the kind's then step read (each Node's
	// KubeletConfiguration); notices say what it could not read.
	extra   []*cluster.Object
	notices []string
}

// loadWith reads every kind through client, and each node's kubelet
// configuration through its core v1 REST client. opts must have its
// defaults applied.
func loadWith(ctx context.Context, client kubernetes.Interface, info ClusterInfo, opts Options) (*Result, error) {
	return loadKinds(ctx, client, configzThrough(client.CoreV1().RESTClient()), info, opts, kinds())
}

// loadKinds reads the kinds ks through client, and kubelet configurations
// through configz.
func loadKinds(ctx context.Context, client kubernetes.Interface, configz configzFunc, info ClusterInfo, opts Options, ks []*kind) (*Result, error) {
	state := make(map[schema.GroupKind]*listing, len(ks))
	all := make([]*listing, len(ks))
	for i, k := range ks {
		all[i] = &listing{kind: k, done: make(chan struct{})}
		state[k.gvk.GroupKind()] = all[i]
	}
	prog := newProgress(opts.Progress, len(ks))
	l := &loader{client: client, configz: configz, info: info, opts: opts, state: state, prog: prog,
		sem: make(chan struct{}, opts.Concurrency)}

	// Owners are listed before the kinds they own, so it is known whether
	// an owned object is covered by its controller when its page arrives
	// (and owned objects are never held just in case). A kind waits for its
	// owners without holding a slot of the semaphore.
	var wg sync.WaitGroup
	for _, st := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer l.prog.kindDone()
			func() {
				defer close(st.done)
				l.list(ctx, st)
			}()
			// What the objects lead to is read without holding up the
			// kinds that wait for this one.
			if st.kind.then != nil {
				st.kind.then(l, ctx, st)
			}
		}()
	}
	wg.Wait()
	prog.finish()

	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("reading cluster %s interrupted: %w", info.Name, err)
	}
	res := &Result{Cluster: info}
	n := 0
	for _, st := range all {
		n += len(st.objects) + len(st.extra)
	}
	res.Objects = make([]*cluster.Object, 0, n)
	for _, st := range all {
		res.Objects = append(res.Objects, st.objects...)
		switch {
		case st.err == nil:
		case st.kind.forbiddenNotice != "" && apierrors.IsForbidden(st.err):
			res.Notices = append(res.Notices, st.kind.forbiddenNotice)
		default:
			res.Errors = append(res.Errors, source.InputError{
				File:    "cluster " + info.Name,
				Message: l.describe(st, st.err),
			})
		}
		res.Notices = append(res.Notices, st.notices...)
	}
	for _, st := range all {
		res.Objects = append(res.Objects, st.extra...)
	}
	return res, nil
}

type loader struct {
	client  kubernetes.Interface
	configz configzFunc
	info    ClusterInfo
	opts    Options
	state   map[schema.GroupKind]*listing
	prog    *progress
	sem     chan struct{}
}

// list reads every page of one kind.
func (l *loader) list(ctx context.Context, st *listing) {
	k := st.kind
	// covered are the owner kinds listed completely.
	var covered []schema.GroupKind
	for _, gk := range k.owners {
		owner := l.state[gk]
		select {
		case <-owner.done:
		case <-ctx.Done():
			st.err = ctx.Err()
			return
		}
		if owner.err == nil {
			covered = append(covered, gk)
		}
	}
	select {
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		st.err = ctx.Err()
		return
	}
	defer func() { <-l.sem }()

	ns := ""
	if k.namespaced {
		ns = l.opts.Namespace
	}
	onlyName := ""
	opts := metav1.ListOptions{Limit: l.opts.PageSize}
	if k.gvk.Kind == "Namespace" && l.opts.Namespace != "" {
		onlyName = l.opts.Namespace
		opts.FieldSelector = fields.OneTermEqualSelector("metadata.name", onlyName).String()
	}
	for {
		pctx, cancel := context.WithTimeout(ctx, l.opts.RequestTimeout)
		page, cont, err := k.list(pctx, l.client, ns, opts)
		cancel()
		if err != nil {
			if apierrors.IsResourceExpired(err) && opts.Continue != "" && opts.Limit > 0 {
				// The continue token outlived etcd's compaction window:
				// read the kind again in one request, as client-go's pager
				// does, rather than page into the same expiry.
				l.prog.objects(-len(st.objects))
				st.objects = nil
				opts.Continue, opts.Limit = "", 0
				continue
			}
			st.err = err
			return
		}
		kept := 0
		for _, it := range page {
			if onlyName != "" && it.GetName() != onlyName {
				continue
			}
			if ownedBy(it, covered) {
				continue
			}
			st.objects = append(st.objects, l.object(k, it))
			kept++
		}
		l.prog.objects(kept)
		if cont == "" {
			return
		}
		opts.Continue = cont
	}
}

// object builds the cluster object of one listed item. Items of a list
// come without apiVersion and kind; they are set here, as a manifest would
// have them. managedFields are dropped: no check reads them, and they are
// often the largest part of an object.
func (l *loader) object(k *kind, it item) *cluster.Object {
	it.GetObjectKind().SetGroupVersionKind(k.gvk)
	it.SetManagedFields(nil)
	return &cluster.Object{
		ID: cluster.ObjectID{
			APIVersion: k.groupVersion(),
			Kind:       k.gvk.Kind,
			Namespace:  it.GetNamespace(),
			Name:       it.GetName(),
		},
		Typed: it,
		Meta:  it,
		Origin: cluster.Origin{
			Cluster:         l.info.Name,
			Server:          l.info.Server,
			ResourceVersion: it.GetResourceVersion(),
		},
	}
}

// ownedBy reports whether the object's controller is of one of the kinds.
func ownedBy(obj metav1.Object, kinds []schema.GroupKind) bool {
	if len(kinds) == 0 {
		return false
	}
	ref := metav1.GetControllerOfNoCopy(obj)
	if ref == nil {
		return false
	}
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return false
	}
	gk := schema.GroupKind{Group: gv.Group, Kind: ref.Kind}
	for _, k := range kinds {
		if k == gk {
			return true
		}
	}
	return false
}
