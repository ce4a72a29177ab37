package check

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"sigs.k8s.io/yaml"
)

// ConfigFileName is the file `palisade scan` reads from the current
// directory when --config is not given.
const ConfigFileName = ".palisade.yaml"

// Config is the user's .palisade.yaml: settings checks read, and waivers.
type Config struct {
	// AllowedRegistries lists the registries (and optionally repository
	// prefixes: "ghcr.io/acme") images may come from. Empty means the
	// supplychain/untrusted-registry check is not assessed.
	AllowedRegistries []string `json:"allowedRegistries,omitempty"`
	// Waivers accept known findings for a reason, an owner and a time.
	Waivers []Waiver `json:"waivers,omitempty"`
	// Audit is the audit: section (custom CEL rules, agents, thresholds),
	// read and validated by internal/audit; other commands accept it
	// unread.
	Audit json.RawMessage `json:"audit,omitempty"`
}

// Waiver accepts the findings of some checks on some objects.
type Waiver struct {
	// Checks are check ids or shell patterns over them ("pss/*").
	Checks []string `json:"checks"`
	// Selector picks the objects; an empty selector matches every object.
	Selector Selector `json:"selector,omitempty"`
	Reason   string   `json:"reason"`
	Owner    string   `json:"owner,omitempty"`
	// Expires is the last day (YYYY-MM-DD, UTC) the waiver applies.
	Expires string `json:"expires,omitempty"`
}

// Selector picks objects by namespace, kind, name (shell patterns) and labels.
type Selector struct {
	Namespace string            `json:"namespace,omitempty"`
	Kind      string            `json:"kind,omitempty"`
	Name      string            `json:"name,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
}

// LoadConfig reads a config file. Unknown fields are errors, so a typo does
// not silently waive nothing.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c Config
	if err := yaml.UnmarshalStrict(data, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

func (c *Config) validate() error {
	for i, w := range c.Waivers {
		if len(w.Checks) == 0 {
			return fmt.Errorf("waivers[%d]: name at least one check id in checks", i)
		}
		if w.Reason == "" {
			return fmt.Errorf("waivers[%d]: a waiver needs a reason", i)
		}
		if w.Expires != "" {
			if _, err := time.Parse(time.DateOnly, w.Expires); err != nil {
				return fmt.Errorf("waivers[%d]: expires %q is not a YYYY-MM-DD date", i, w.Expires)
			}
		}
	}
	return nil
}

// Expired reports whether the waiver's last day (UTC) is before now. A
// date that does not parse has expired: a waiver that cannot be read
// waives nothing.
func (w *Waiver) Expired(now time.Time) bool {
	if w.Expires == "" {
		return false
	}
	last, err := time.Parse(time.DateOnly, w.Expires)
	if err != nil {
		return true
	}
	return now.UTC().After(last.Add(24 * time.Hour))
}
