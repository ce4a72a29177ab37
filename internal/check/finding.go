package check

import "github.com/palisade-sec/palisade/internal/cluster"

// Finding is one violation of one check by one object, with everything a
// report shows.
type Finding struct {
	CheckID     string           `json:"checkID"`
	Title       string           `json:"title"`
	Severity    Severity         `json:"severity"`
	Vector      Vector           `json:"vector"`
	Strategy    Strategy         `json:"strategy"`
	Object      cluster.ObjectID `json:"object"`
	Field       string           `json:"field,omitempty"`
	Position    cluster.Position `json:"position"`
	Message     string           `json:"message"`
	Remediation string           `json:"remediation"`
	Fix         []PatchOp        `json:"fix,omitempty"`
	// Suppression is set when a waiver accepts the finding. Suppressed
	// findings stay in machine-readable reports and never fail a scan.
	Suppression *Suppression `json:"suppression,omitempty"`

	// object is the offending object while the engine still needs it
	// (positions, waivers); reports never see it.
	object *cluster.Object
}

// Suppression records why a finding is waived.
type Suppression struct {
	// Source is "config" (.palisade.yaml) or "annotation" (palisade.dev/waive).
	Source  string `json:"source"`
	Reason  string `json:"reason"`
	Owner   string `json:"owner,omitempty"`
	Expires string `json:"expires,omitempty"`
}

// Suppressed reports whether a waiver accepts the finding.
func (f *Finding) Suppressed() bool { return f.Suppression != nil }
