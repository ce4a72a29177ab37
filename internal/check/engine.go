package check

import (
	"cmp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/imagefacts"
)

// Options configure a run of the engine.
type Options struct {
	// Registry holds the checks to run; nil means Default().
	Registry *Registry
	// Config is the user's .palisade.yaml; nil means none.
	Config *Config
	// Workers bounds the parallelism; 0 means GOMAXPROCS.
	Workers int
	// Now decides which waivers have expired; zero means time.Now().
	Now time.Time
	// Images holds what an image scan learned about the images the
	// workloads run; nil when images were not scanned, and the checks
	// that need it then report nothing.
	Images imagefacts.Lookup
}

// Result is what a run of the engine found.
type Result struct {
	// Findings, sorted: most severe first, then by check, object and field.
	Findings []Finding
	// ExpiredWaivers are waivers from the config whose expiry date passed;
	// they no longer waive anything.
	ExpiredWaivers []ExpiredWaiver
}

// ExpiredWaiver is a waiver that stopped waiving, with how many findings it
// would still match.
type ExpiredWaiver struct {
	Waiver  Waiver `json:"waiver"`
	Matches int    `json:"matches"`
}

// Run runs every check of the registry over the snapshot.
func Run(snap *cluster.Snapshot, opts Options) *Result {
	reg := opts.Registry
	if reg == nil {
		reg = Default()
	}
	cfg := opts.Config
	if cfg == nil {
		cfg = &Config{}
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx := &Context{Snapshot: snap, Config: cfg, Images: opts.Images, Now: now}

	var podChecks, clusterChecks []*Check
	objectChecks := map[string][]*Check{}
	for _, c := range reg.All() {
		switch {
		case c.Pod != nil:
			podChecks = append(podChecks, c)
		case c.Object != nil:
			for _, k := range c.Kinds {
				objectChecks[k] = append(objectChecks[k], c)
			}
		case c.Cluster != nil:
			clusterChecks = append(clusterChecks, c)
		}
	}

	// One unit of work is one object: its object checks, and its pod checks
	// when it runs pods. Units are handed out in chunks to bound contention.
	objects := snap.Objects()
	const chunk = 256
	var (
		mu       sync.Mutex
		findings []Finding
		wg       sync.WaitGroup
		next     = make(chan int)
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []Finding
			for start := range next {
				end := min(start+chunk, len(objects))
				for _, obj := range objects[start:end] {
					for _, c := range objectChecks[obj.ID.Kind] {
						local = appendFindings(local, c, obj, c.Object(ctx, obj))
					}
					if pt := snap.PodTemplate(obj); pt != nil {
						for _, c := range podChecks {
							local = appendFindings(local, c, obj, c.Pod(ctx, pt))
						}
					}
				}
			}
			mu.Lock()
			findings = append(findings, local...)
			mu.Unlock()
		}()
	}
	// Cluster checks read the whole snapshot; they run beside the workers.
	for _, c := range clusterChecks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := appendFindings(nil, c, nil, c.Cluster(ctx))
			mu.Lock()
			findings = append(findings, local...)
			mu.Unlock()
		}()
	}
	for start := 0; start < len(objects); start += chunk {
		next <- start
	}
	close(next)
	wg.Wait()

	resolvePositions(findings, workers)
	expired := applyWaivers(findings, snap, cfg, now)
	sortFindings(findings)
	return &Result{Findings: findings, ExpiredWaivers: expired}
}

// appendFindings turns a check's violations into findings about obj (or
// the object each violation names).
func appendFindings(out []Finding, c *Check, obj *cluster.Object, vs []Violation) []Finding {
	for _, v := range vs {
		o := v.Object
		if o == nil {
			o = obj
		}
		if o == nil {
			continue // a cluster check must name its object
		}
		sev := c.Severity
		if v.Severity != nil {
			sev = *v.Severity
		}
		out = append(out, Finding{
			CheckID:     c.ID,
			Title:       c.Title,
			Severity:    sev,
			Vector:      c.Vector,
			Strategy:    c.Strategy,
			Object:      o.ID,
			Field:       v.Field,
			Message:     v.Message,
			Remediation: c.Remediation,
			Fix:         v.Fix,
			object:      o,
		})
	}
	return out
}

// resolvePositions parses each document with findings once and resolves
// the positions of all its findings together. A finding about an object
// read from a live cluster gets that cluster and resourceVersion instead.
func resolvePositions(findings []Finding, workers int) {
	byDoc := map[*cluster.Document][]int{}
	for i := range findings {
		o := findings[i].object
		if o.Origin.Doc == nil {
			findings[i].Position = cluster.Position{File: o.Origin.File}
			if o.Origin.IsLive() {
				findings[i].Live = &LiveOrigin{Cluster: o.Origin.Cluster, Server: o.Origin.Server, ResourceVersion: o.Origin.ResourceVersion}
			}
			continue
		}
		byDoc[o.Origin.Doc] = append(byDoc[o.Origin.Doc], i)
	}
	docs := make(chan *cluster.Document)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for doc := range docs {
				idx := byDoc[doc]
				paths := make([]string, len(idx))
				for j, i := range idx {
					paths[j] = findings[i].object.Origin.DocPath(findings[i].Field)
				}
				for j, pos := range doc.Positions(paths) {
					findings[idx[j]].Position = pos
				}
			}
		}()
	}
	for doc := range byDoc {
		docs <- doc
	}
	close(docs)
	wg.Wait()
}

// sortFindings sorts in the report order. Large sets are sorted in two
// halves at once and merged.
func sortFindings(fs []Finding) {
	const parallelAbove = 8192
	if len(fs) < parallelAbove {
		slices.SortFunc(fs, compareFindings)
		return
	}
	mid := len(fs) / 2
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		slices.SortFunc(fs[:mid], compareFindings)
	}()
	slices.SortFunc(fs[mid:], compareFindings)
	wg.Wait()
	merged := make([]Finding, 0, len(fs))
	a, b := fs[:mid], fs[mid:]
	for len(a) > 0 && len(b) > 0 {
		if compareFindings(b[0], a[0]) < 0 {
			merged, b = append(merged, b[0]), b[1:]
		} else {
			merged, a = append(merged, a[0]), a[1:]
		}
	}
	merged = append(append(merged, a...), b...)
	copy(fs, merged)
}

// compareFindings orders findings most severe first, then by check, object
// and place. It compares field by field and stops at the first difference
// (cmp.Or would compute every comparison).
func compareFindings(a, b Finding) int {
	if c := cmp.Compare(b.Severity, a.Severity); c != 0 {
		return c
	}
	if c := strings.Compare(a.CheckID, b.CheckID); c != 0 {
		return c
	}
	if c := strings.Compare(a.Object.Namespace, b.Object.Namespace); c != 0 {
		return c
	}
	if c := strings.Compare(a.Object.Kind, b.Object.Kind); c != 0 {
		return c
	}
	if c := strings.Compare(a.Object.Name, b.Object.Name); c != 0 {
		return c
	}
	if c := strings.Compare(a.Object.APIVersion, b.Object.APIVersion); c != 0 {
		return c
	}
	if c := strings.Compare(a.Position.File, b.Position.File); c != 0 {
		return c
	}
	if c := cmp.Compare(a.Position.Line, b.Position.Line); c != 0 {
		return c
	}
	if c := strings.Compare(a.Field, b.Field); c != 0 {
		return c
	}
	return strings.Compare(a.Message, b.Message)
}
