// Package check defines what a Palisade check is, the findings it produces,
// the registry that holds every check, and the engine that runs them over a
// cluster.Snapshot.
package check

import (
	"fmt"
	"strings"
	"time"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/imagefacts"
)

// Severity orders findings from informational to critical.
type Severity int

// Severities, lowest first. The zero value is SeverityInfo.
const (
	SeverityInfo Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

// String returns the lower-case name used in every report and flag.
func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// MarshalText makes Severity appear by name in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity by name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSeverity reads a severity name such as "high" (case-insensitive).
func ParseSeverity(name string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(name, n) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want one of %s)", name, strings.Join(severityNames[:], ", "))
}

// Severities lists every severity, lowest first.
func Severities() []Severity {
	return []Severity{SeverityInfo, SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}
}

// Vector is the attack vector a check defends against. Each check names one.
type Vector string

// The five attack vectors of DESIGN.md.
const (
	VectorAPIExposure    Vector = "api-exposure"
	VectorInsecureConfig Vector = "insecure-config"
	VectorContainerVuln  Vector = "container-vuln"
	VectorNetworkAttack  Vector = "network-attack"
	VectorSupplyChain    Vector = "supply-chain"
)

// Vectors lists every attack vector in a stable order.
func Vectors() []Vector {
	return []Vector{VectorAPIExposure, VectorInsecureConfig, VectorContainerVuln, VectorNetworkAttack, VectorSupplyChain}
}

// Strategy is the defensive strategy a check enforces. Each check names one.
type Strategy string

// The six defensive strategies of DESIGN.md.
const (
	StrategyAuthnAuthz    Strategy = "authn-authz"
	StrategyNetworkPolicy Strategy = "network-policy"
	StrategyPodSecurity   Strategy = "pod-security"
	StrategyImageSecurity Strategy = "image-security"
	StrategyAuditLogging  Strategy = "audit-logging"
	StrategyEncryption    Strategy = "encryption"
)

// Strategies lists every defensive strategy in a stable order.
func Strategies() []Strategy {
	return []Strategy{StrategyAuthnAuthz, StrategyNetworkPolicy, StrategyPodSecurity, StrategyImageSecurity, StrategyAuditLogging, StrategyEncryption}
}

// References ties a check to the frameworks teams audit against.
type References struct {
	// CIS lists CIS Kubernetes Benchmark recommendation ids, e.g. "5.2.2".
	CIS []string `json:"cis,omitempty"`
	// NSA lists sections of the NSA/CISA Kubernetes Hardening Guide.
	NSA []string `json:"nsa,omitempty"`
	// MITRE lists MITRE ATT&CK technique ids, e.g. "T1610".
	MITRE []string `json:"mitre,omitempty"`
	// PSS is the Pod Security Standards level the check belongs to, if any.
	PSS string `json:"pss,omitempty"`
}

// Metadata describes a check: everything a report or `palisade checks show`
// needs, and nothing about how it runs.
type Metadata struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Severity    Severity   `json:"severity"`
	Vector      Vector     `json:"vector"`
	Strategy    Strategy   `json:"strategy"`
	References  References `json:"references"`
	Remediation string     `json:"remediation"`
}

// Check is one rule. Exactly one of Pod, Object or Cluster is set:
//
//   - Pod runs once per pod template (every workload kind, see
//     cluster.PodTemplate), so a pod rule is written once.
//   - Object runs once per object whose kind is in Kinds.
//   - Cluster runs once over the whole snapshot, for rules about what is
//     missing (a namespace without a NetworkPolicy).
//
// The functions must be pure: they read their input and the Context and
// return violations; they never write, log or keep state between calls.
type Check struct {
	Metadata

	Pod     func(ctx *Context, pod *cluster.PodTemplate) []Violation
	Kinds   []string
	Object  func(ctx *Context, obj *cluster.Object) []Violation
	Cluster func(ctx *Context) []Violation

	// ReadsImageScan marks a check that judges what an image scan found
	// (Context.Images): it is silent without one, and the places that do
	// not scan images (admission) say so instead of running it.
	ReadsImageScan bool
}

// Context is what a check may read besides its input.
type Context struct {
	Snapshot *cluster.Snapshot
	Config   *Config
	// Images is what an image scan learned about the images containers
	// name, or nil when images were not scanned.
	Images imagefacts.Lookup
	// Now is the time the run judges against (waiver expiry, end of life);
	// zero means time.Now().
	Now time.Time
}

// Time is the time the run judges against.
func (c *Context) Time() time.Time {
	if c.Now.IsZero() {
		return time.Now()
	}
	return c.Now
}

// Violation is what a check function returns: one offending field of one
// object. The engine adds the check's metadata and the field's source
// position to make a Finding.
type Violation struct {
	// Object is the offending object. Pod and Object checks may leave it nil:
	// the engine fills in the object it called the check with.
	Object *cluster.Object
	// Field is the path of the offending field, e.g.
	// "spec.template.spec.containers[1].securityContext.privileged". A field
	// that is missing (a limit never set) names where it should be; the
	// report then points at its nearest existing parent.
	Field string
	// Message names the concrete values, e.g. `container "web" runs privileged`.
	Message string
	// Fix, when set, is a JSON patch (RFC 6902) against the object that
	// removes the violation.
	Fix []PatchOp
	// Severity, when set, replaces the check's severity for this violation:
	// a check whose gravity depends on the value (a runtime socket versus
	// /var/log) or a result that could not be assessed.
	Severity *Severity
}

// NotAssessed is the violation a check returns when the evidence it needs
// could not be read (a file missing from a node copy, a flag in a config
// file Palisade was not given). It is reported at info severity with the
// reason, so a check never passes silently.
func NotAssessed(obj *cluster.Object, field, reason string) Violation {
	info := SeverityInfo
	return Violation{Object: obj, Field: field, Message: "not assessed: " + reason, Severity: &info}
}

// PatchOp is one RFC 6902 JSON patch operation.
type PatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}
