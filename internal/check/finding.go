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
	Live        *LiveOrigin      `json:"live,omitempty"` // set instead of a file position for an object read from a cluster
	Message     string           `json:"message"`
	Remediation string           `json:"remediation"`
	Fix         []PatchOp        `json:"fix,omitempty"`
	// Suppression is set when a waiver accepts the finding. Suppressed
	// findings stay in machine-readable reports and never fail a scan.
	Suppression *Suppression `json:"suppression,omitempty"`
	// Paths are the ids of the attack paths the finding sits on (its
	// weakness is a step of them), set by the scan after the path search.
	Paths []string `json:"paths,omitempty"`

	// object is the offending object while the engine still needs it
	// (positions, waivers); reports never see it.
	object *cluster.Object
}

// LiveOrigin names the cluster a finding's object was read from and the
// version of the object that was judged.
type LiveOrigin struct {
	// Cluster is the kubeconfig context (or the name the caller gave).
	Cluster string `json:"cluster"`
	// Server is the API server's URL.
	Server string `json:"server,omitempty"`
	// ResourceVersion is the object's metadata.resourceVersion when read.
	ResourceVersion string `json:"resourceVersion,omitempty"`
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
