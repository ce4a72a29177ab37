package admission

import (
	"fmt"
	"strings"
)

// EnforceLabel is the namespace label that picks the mode of a namespace:
//
//	palisade.dev/enforce: deny | warn | audit
//
// A namespace without it (or with another value) gets the cluster default.
const EnforceLabel = "palisade.dev/enforce"

// Mode says what the webhook does with the findings that count.
type Mode string

// The modes. Every mode admits an object without counting findings, and
// every mode records its findings as audit annotations.
const (
	// ModeDeny rejects the request with a message naming each failed
	// check, its field and its remediation.
	ModeDeny Mode = "deny"
	// ModeWarn admits the request and returns each finding as an admission
	// warning, which kubectl prints.
	ModeWarn Mode = "warn"
	// ModeAudit admits the request; the findings go to the API server's
	// audit log as audit annotations only.
	ModeAudit Mode = "audit"
)

// Modes lists every mode, strictest first.
func Modes() []Mode { return []Mode{ModeDeny, ModeWarn, ModeAudit} }

// ParseMode reads a mode name ("deny", "warn", "audit"; case-insensitive).
func ParseMode(s string) (Mode, error) {
	for _, m := range Modes() {
		if strings.EqualFold(s, string(m)) {
			return m, nil
		}
	}
	return "", fmt.Errorf("unknown mode %q (want deny, warn or audit)", s)
}

// Path is the URL path the API server calls for namespaces in this mode.
// The default mode's webhooks call ValidatePath.
func (m Mode) Path() string { return ValidatePath + "/" + string(m) }

// ValidatePath is the URL path of the webhook for objects judged in the
// server's default mode: namespaces without a valid EnforceLabel and
// cluster-scoped objects. Mode.Path gives the paths of the other modes.
const ValidatePath = "/validate"
