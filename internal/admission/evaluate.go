package admission

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/imagefacts"
	"github.com/palisade-sec/palisade/internal/source"
)

// SourceName is the name the objects of admission requests are read under:
// it stands where scan names a file.
const SourceName = "admission"

// ServiceAccounts finds a namespace's ServiceAccount for the checks that
// read it (workload/service-account-token-automount reads the "default"
// ServiceAccount when a pod does not say whether its token is mounted).
type ServiceAccounts interface {
	// ServiceAccount returns the ServiceAccount, or false when it is not
	// known (not yet created, or not cached).
	ServiceAccount(namespace, name string) (*corev1.ServiceAccount, bool)
}

// Evaluator judges the object of one admission request with the check
// registry and config of `palisade scan`: the same decoder (so typing and
// size limits match), a Snapshot of that one object (plus, for a pod, the
// default ServiceAccount of its namespace when ServiceAccounts knows it),
// the same engine and the same waivers.
type Evaluator struct {
	objects  *check.Registry // Pod and Object checks that apply at admission
	bindings *check.Registry // Cluster checks that judge a binding alone
	kinds    map[string]bool // kinds objects judges
	binds    bool            // bindings holds a check
	decoder  *source.Decoder
	limits   source.Limits
	accounts ServiceAccounts
	images   *Images // nil: signatures are not verified
	config   atomic.Pointer[check.Config]
	now      func() time.Time
}

// EvaluatorOptions configure NewEvaluator.
type EvaluatorOptions struct {
	// Registry holds the checks; nil means check.Default(). Only the checks
	// whose ScopeOf applies run.
	Registry *check.Registry
	// Config is the user's .palisade.yaml (waivers, allowedRegistries);
	// nil means none. SetConfig replaces it while serving.
	Config *check.Config
	// Limits bound each decoded object; zero means source.DefaultLimits.
	Limits source.Limits
	// ServiceAccounts, when set, gives pods the default ServiceAccount of
	// their namespace, as a scan of the whole cluster does.
	ServiceAccounts ServiceAccounts
	// Now decides which waivers have expired; nil means time.Now.
	Now func() time.Time
	// Images, when set, verifies the signatures of the images of each
	// workload judged, and supplychain/unsigned-image runs (ScopeWith
	// VerifiesSignatures). Nil means no registry is ever asked.
	Images *Images
}

// NewEvaluator splits the registry into the checks that run at admission.
func NewEvaluator(opts EvaluatorOptions) *Evaluator {
	reg := opts.Registry
	if reg == nil {
		reg = check.Default()
	}
	e := &Evaluator{
		objects:  check.NewRegistry(),
		bindings: check.NewRegistry(),
		kinds:    map[string]bool{},
		decoder:  &source.Decoder{Limits: opts.Limits, Workers: 1},
		limits:   opts.Limits.WithDefaults(),
		accounts: opts.ServiceAccounts,
		images:   opts.Images,
		now:      opts.Now,
	}
	if e.now == nil {
		e.now = time.Now
	}
	for _, c := range reg.All() {
		scope := ScopeWith(c, ScopeOptions{VerifiesSignatures: opts.Images != nil})
		if !scope.Applies {
			continue
		}
		if c.Cluster != nil {
			e.bindings.MustAdd(c)
			e.binds = true
			continue
		}
		e.objects.MustAdd(c)
		for _, k := range scope.Kinds {
			e.kinds[k] = true
		}
	}
	cfg := opts.Config
	if cfg == nil {
		cfg = &check.Config{}
	}
	e.config.Store(cfg)
	return e
}

// SetConfig replaces the config (waivers, allowedRegistries) for the
// requests that follow; requests being judged keep the one they started
// with.
func (e *Evaluator) SetConfig(cfg *check.Config) {
	if cfg == nil {
		cfg = &check.Config{}
	}
	e.config.Store(cfg)
}

// Config returns the config requests are judged with.
func (e *Evaluator) Config() *check.Config { return e.config.Load() }

// Judgement is what the checks found on one object.
type Judgement struct {
	// Object names the judged object.
	Object cluster.ObjectID
	// Findings are every finding on the object, waived ones included,
	// sorted most severe first.
	Findings []check.Finding
	// ExpiredWaivers are the config waivers that would have waived a
	// finding on this object but have expired.
	ExpiredWaivers []check.ExpiredWaiver
}

// ErrUndecodable wraps an object the decoder rejects (over a size limit,
// not an object); the request cannot be judged.
var ErrUndecodable = errors.New("object cannot be judged")

// Decode reads the object of a request (JSON, as the API server sends it)
// into the types, and within the limits, of scan's decoder (see
// decodeJSON). namespace fills in metadata.namespace when the object does
// not carry it, as the API server does from the URL.
func (e *Evaluator) Decode(raw []byte, namespace string) (*cluster.Object, error) {
	return e.DecodeAs(raw, nil, namespace)
}

// DecodeAs is Decode for an object the request says is of kind gvk
// (request.kind), which saves a pass over it when it is.
func (e *Evaluator) DecodeAs(raw []byte, gvk *schema.GroupVersionKind, namespace string) (*cluster.Object, error) {
	o, err := e.decodeObject(raw, gvk)
	if err != nil {
		return nil, err
	}
	if o.ID.Namespace == "" && namespace != "" && cluster.IsNamespaced(o) {
		o.ID.Namespace = namespace
		o.Meta.SetNamespace(namespace)
	}
	if s, ok := o.Typed.(*corev1.Secret); ok {
		// No check reads a Secret's values; drop them at once.
		s.Data, s.StringData = nil, nil
	}
	return o, nil
}

// Judges reports whether any check that applies at admission reads the
// kind.
func (e *Evaluator) Judges(kind string) bool {
	return e.kinds[kind] || e.binds && isBindingKind(kind)
}

func isBindingKind(kind string) bool {
	for _, k := range bindingKinds {
		if k == kind {
			return true
		}
	}
	return false
}

// Judge runs the checks that apply at admission over one object; with
// Images, after verifying the signatures of its images.
func (e *Evaluator) Judge(o *cluster.Object) *Judgement {
	var images imagefacts.Lookup
	if e.images != nil {
		images = e.images.Lookup(context.Background(), o)
	}
	return e.judge(o, images)
}

// judge runs the checks over one object with what is known of its images
// (nil when signatures are not verified).
func (e *Evaluator) judge(o *cluster.Object, images imagefacts.Lookup) *Judgement {
	reg := e.objects
	if isBindingKind(o.ID.Kind) {
		reg = e.bindings
	}
	objects := []*cluster.Object{o}
	if e.accounts != nil {
		if sa := e.defaultAccount(o); sa != nil {
			objects = append(objects, sa)
		}
	}
	res := check.Run(cluster.NewSnapshot(objects), check.Options{Registry: reg, Config: e.config.Load(), Workers: 1, Now: e.now(), Images: images})
	j := &Judgement{Object: o.ID}
	for _, f := range res.Findings {
		if f.Object == o.ID {
			j.Findings = append(j.Findings, f)
		}
	}
	for _, w := range res.ExpiredWaivers {
		if w.Matches > 0 {
			j.ExpiredWaivers = append(j.ExpiredWaivers, w)
		}
	}
	return j
}

// defaultAccount returns, for a workload that runs as its namespace's
// default service account, that ServiceAccount as a snapshot object.
func (e *Evaluator) defaultAccount(o *cluster.Object) *cluster.Object {
	pt := cluster.PodTemplateOf(o)
	if pt == nil || o.ID.Namespace == "" {
		return nil
	}
	if pt.ServiceAccount() != "default" {
		return nil
	}
	sa, ok := e.accounts.ServiceAccount(o.ID.Namespace, "default")
	if !ok {
		return nil
	}
	return &cluster.Object{
		ID:     cluster.ObjectID{APIVersion: "v1", Kind: "ServiceAccount", Namespace: sa.Namespace, Name: sa.Name},
		Typed:  sa,
		Meta:   &sa.ObjectMeta,
		Origin: cluster.Origin{Cluster: SourceName, ResourceVersion: sa.ResourceVersion},
	}
}
