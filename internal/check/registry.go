package check

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Registry holds checks by id.
type Registry struct {
	mu     sync.RWMutex
	checks map[string]*Check
	// sorted caches All between additions: the admission webhook runs the
	// engine once per request.
	sorted []*Check
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{checks: map[string]*Check{}} }

var defaultRegistry = NewRegistry()

// Default is the registry the check packages add themselves to in init.
func Default() *Registry { return defaultRegistry }

// Register adds a check to the default registry. It panics on an invalid or
// duplicate check: that is a programming error caught by every test run.
func Register(c *Check) { defaultRegistry.MustAdd(c) }

var idPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*/[a-zA-Z0-9]+([-_][a-zA-Z0-9]+)*$`)

// Validate reports what is wrong with a check's definition, if anything.
func (c *Check) Validate() error {
	if !idPattern.MatchString(c.ID) {
		return fmt.Errorf("check id %q: want area/name in lower-case words", c.ID)
	}
	if c.Title == "" || c.Remediation == "" || c.Description == "" {
		return fmt.Errorf("check %s: title, description and remediation are required", c.ID)
	}
	if !contains(Vectors(), c.Vector) {
		return fmt.Errorf("check %s: unknown vector %q", c.ID, c.Vector)
	}
	if !contains(Strategies(), c.Strategy) {
		return fmt.Errorf("check %s: unknown strategy %q", c.ID, c.Strategy)
	}
	n := 0
	if c.Pod != nil {
		n++
	}
	if c.Object != nil {
		n++
		if len(c.Kinds) == 0 {
			return fmt.Errorf("check %s: an Object check must name its Kinds", c.ID)
		}
	}
	if c.Cluster != nil {
		n++
	}
	if n != 1 {
		return fmt.Errorf("check %s: set exactly one of Pod, Object, Cluster", c.ID)
	}
	return nil
}

// MustAdd adds a check, panicking when it is invalid or its id is taken.
func (r *Registry) MustAdd(c *Check) {
	if err := c.Validate(); err != nil {
		panic(err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.checks[c.ID]; dup {
		panic(fmt.Sprintf("check %s registered twice", c.ID))
	}
	r.checks[c.ID] = c
	r.sorted = nil
}

// Get returns the check with that id.
func (r *Registry) Get(id string) (*Check, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c, ok := r.checks[id]
	return c, ok
}

// All returns every check, sorted by id.
func (r *Registry) All() []*Check {
	r.mu.RLock()
	sorted := r.sorted
	r.mu.RUnlock()
	if sorted == nil {
		r.mu.Lock()
		if r.sorted == nil {
			r.sorted = make([]*Check, 0, len(r.checks))
			for _, c := range r.checks {
				r.sorted = append(r.sorted, c)
			}
			sort.Slice(r.sorted, func(i, j int) bool { return r.sorted[i].ID < r.sorted[j].ID })
		}
		sorted = r.sorted
		r.mu.Unlock()
	}
	return slices.Clone(sorted)
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// WithPrefix returns a new registry holding the checks whose id starts
// with prefix ("rbac/"), for commands that run one area's checks.
func (r *Registry) WithPrefix(prefix string) *Registry {
	out := NewRegistry()
	for _, c := range r.All() {
		if strings.HasPrefix(c.ID, prefix) {
			out.MustAdd(c)
		}
	}
	return out
}
