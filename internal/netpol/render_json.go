package netpol

import (
	"encoding/json"
	"io"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// The JSON views are what `palisade netpol ... -o json` prints; their
// field names are part of Palisade's output contract.

// VerdictJSON is a Verdict as JSON.
type VerdictJSON struct {
	From     EndpointJSON `json:"from"`
	To       EndpointJSON `json:"to"`
	AnyPort  bool         `json:"anyPort,omitempty"`
	Protocol string       `json:"protocol,omitempty"`
	Port     int32        `json:"port,omitempty"`
	Allowed  bool         `json:"allowed"`
	// Ports are the ports both sides allow ("TCP/5432", "UDP/*").
	Ports       []string `json:"ports"`
	Egress      SideJSON `json:"egress"`
	Ingress     SideJSON `json:"ingress"`
	Notes       []string `json:"notes,omitempty"`
	Explanation []string `json:"explanation"`
}

// EndpointJSON names one end of a connection.
type EndpointJSON struct {
	// Name is how Palisade names it: "deployment.apps/web -n shop", "169.254.169.254".
	Name string `json:"name"`
	// Object is the workload, for a pod.
	Object *cluster.ObjectID `json:"object,omitempty"`
	// Address is the address, for an address.
	Address string `json:"address,omitempty"`
	Node    string `json:"node,omitempty"`
}

// SideJSON is a Side as JSON.
type SideJSON struct {
	Subject  string     `json:"subject"`
	Isolated bool       `json:"isolated"`
	Allowed  bool       `json:"allowed"`
	Reason   string     `json:"reason"`
	Policies []string   `json:"policies"`
	Rules    []RuleJSON `json:"rules"`
}

// RuleJSON is a RuleResult as JSON.
type RuleJSON struct {
	Policy  string `json:"policy"`
	Rule    string `json:"rule"`
	Allowed bool   `json:"allowed"`
	// Peer and Port are the fields of the peer and port entry that
	// matched, when the rule names peers or ports.
	Peer   string   `json:"peer,omitempty"`
	Port   string   `json:"port,omitempty"`
	Ports  []string `json:"ports"`
	Reason string   `json:"reason"`
}

func endpointJSON(e Endpoint) EndpointJSON {
	out := EndpointJSON{Name: e.String()}
	if e.Pod != nil {
		id := e.Pod.Object().ID
		out.Object = &id
	} else {
		out.Address, out.Node = e.Addr.String(), e.Node
	}
	return out
}

func portStrings(s PortSet) []string {
	if l := s.List(); l != nil {
		return l
	}
	return []string{}
}

func sideJSON(s Side) SideJSON {
	out := SideJSON{Subject: s.Subject.String(), Isolated: s.Isolated, Allowed: s.Allowed, Reason: s.Reason,
		Policies: []string{}, Rules: []RuleJSON{}}
	for _, p := range s.Policies {
		out.Policies = append(out.Policies, p.Name())
	}
	for _, rr := range s.Rules {
		rj := RuleJSON{Policy: rr.Rule.Policy.Name(), Rule: rr.Rule.Field(), Allowed: rr.Allowed, Ports: portStrings(rr.Ports), Reason: rr.Reason}
		if rr.Peer != nil {
			rj.Peer = rr.Peer.Field()
		}
		if rr.Port != nil {
			rj.Port = rr.Port.Field()
		}
		out.Rules = append(out.Rules, rj)
	}
	return out
}

// JSON is the verdict's JSON view.
func (v Verdict) JSON() VerdictJSON {
	out := VerdictJSON{From: endpointJSON(v.From), To: endpointJSON(v.To), AnyPort: v.AnyPort, Allowed: v.Allowed,
		Ports: portStrings(v.Ports), Egress: sideJSON(v.Egress), Ingress: sideJSON(v.Ingress), Notes: v.Notes, Explanation: v.Explain()}
	if !v.AnyPort {
		out.Protocol, out.Port = string(v.Protocol), v.Port
	}
	return out
}

// MatrixJSON is a Matrix as JSON. Reachability is given by class, so its
// size follows the number of classes: every workload names its class, and
// each reach entry says that pods of class From may open connections to
// pods of every class in To on Ports. Two rules hold beside it: a bare Pod
// always reaches itself, and traffic from a pod's own node is always
// admitted.
type MatrixJSON struct {
	Classes   int            `json:"classes"`
	Workloads []WorkloadJSON `json:"workloads"`
	Reach     []ReachJSON    `json:"reach"`
	// FromInternet are the ports on which some internet address may
	// connect to each class, as far as NetworkPolicy decides (whether a
	// path from outside exists is Exposure's question).
	FromInternet []InternetJSON `json:"fromInternet"`
	// ToInternet are the ports on which each class may connect to some
	// internet address.
	ToInternet []InternetJSON `json:"toInternet"`
	Notes      []string       `json:"notes"`
}

// WorkloadJSON is one workload of the matrix.
type WorkloadJSON struct {
	Ref    string           `json:"ref"`
	Object cluster.ObjectID `json:"object"`
	Class  int              `json:"class"`
	// HostNetwork workloads are never isolated and never selected.
	HostNetwork bool `json:"hostNetwork,omitempty"`
}

// ReachJSON says that pods of class From may connect to pods of each class
// of To on the same ports.
type ReachJSON struct {
	From int   `json:"from"`
	To   []int `json:"to"`
	// AllPorts is set when every port of every protocol is open.
	AllPorts bool     `json:"allPorts"`
	Ports    []string `json:"ports"`
}

// InternetJSON is a class's ports to or from the internet.
type InternetJSON struct {
	Class    int      `json:"class"`
	AllPorts bool     `json:"allPorts"`
	Ports    []string `json:"ports"`
}

// JSON is the matrix's JSON view.
func (m *Matrix) JSON() MatrixJSON {
	out := MatrixJSON{Classes: m.Classes(), Workloads: []WorkloadJSON{}, Reach: []ReachJSON{}, FromInternet: []InternetJSON{}, ToInternet: []InternetJSON{},
		Notes: []string{
			"reach is by class: pods of class from may open connections to pods of every class in to, on ports",
			"a bare Pod always reaches itself, and traffic from a pod's own node is always admitted; neither is listed",
		}}
	for i, p := range m.Pods {
		id := p.Object().ID
		id.Namespace = p.Namespace
		out.Workloads = append(out.Workloads, WorkloadJSON{Ref: p.Ref(), Object: id, Class: m.ClassOf(i), HostNetwork: p.HostNetwork})
	}
	n := m.Classes()
	for a := 0; a < n; a++ {
		byPorts := map[string]int{}
		for b := 0; b < n; b++ {
			s := m.ClassPorts(a, b)
			if s.IsEmpty() {
				continue
			}
			k := s.String()
			i, ok := byPorts[k]
			if !ok {
				i = len(out.Reach)
				byPorts[k] = i
				out.Reach = append(out.Reach, ReachJSON{From: a, AllPorts: s.IsAll(), Ports: portStrings(s)})
			}
			out.Reach[i].To = append(out.Reach[i].To, b)
		}
		if s := m.ClassToInternet(a); !s.IsEmpty() {
			out.ToInternet = append(out.ToInternet, InternetJSON{Class: a, AllPorts: s.IsAll(), Ports: portStrings(s)})
		}
		if s := m.ClassFromInternet(a); !s.IsEmpty() {
			out.FromInternet = append(out.FromInternet, InternetJSON{Class: a, AllPorts: s.IsAll(), Ports: portStrings(s)})
		}
	}
	return out
}

// ExposureJSON is the list of entry points as JSON.
type ExposureJSON struct {
	EntryPoints []EntryPointJSON `json:"entryPoints"`
}

// EntryPointJSON is an EntryPoint as JSON.
type EntryPointJSON struct {
	Kind         EntryKind        `json:"kind"`
	Object       cluster.ObjectID `json:"object"`
	Field        string           `json:"field"`
	From         string           `json:"from"`
	SourceRanges []string         `json:"sourceRanges,omitempty"`
	Hops         []Hop            `json:"hops"`
	Target       cluster.ObjectID `json:"target"`
	Ports        []TargetPort     `json:"ports"`
	Policy       AdmissionJSON    `json:"networkPolicy"`
	Path         string           `json:"path"`
}

// AdmissionJSON is an Admission as JSON.
type AdmissionJSON struct {
	Admission
	// Rules name the rules that admit internet addresses.
	Rules []string `json:"rules"`
}

// ExposureView is the JSON view of entry points.
func ExposureView(eps []EntryPoint) ExposureJSON {
	out := ExposureJSON{EntryPoints: []EntryPointJSON{}}
	for _, ep := range eps {
		target := ep.Target.Object().ID
		target.Namespace = ep.Target.Namespace
		ej := EntryPointJSON{Kind: ep.Kind, Object: ep.Object.ID, Field: ep.Field, From: ep.From, SourceRanges: ep.SourceRanges,
			Hops: ep.Hops, Target: target, Ports: ep.Ports, Policy: AdmissionJSON{Admission: ep.Policy, Rules: []string{}}, Path: ep.Path()}
		if ej.Ports == nil {
			ej.Ports = []TargetPort{}
		}
		for _, r := range ep.Policy.Rules {
			ej.Policy.Rules = append(ej.Policy.Rules, r.Ref())
		}
		out.EntryPoints = append(out.EntryPoints, ej)
	}
	return out
}

// WriteJSON writes v as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// CIDRVerdictJSON is a CIDRVerdict as JSON.
type CIDRVerdictJSON struct {
	From     EndpointJSON `json:"from"`
	To       EndpointJSON `json:"to"`
	AnyPort  bool         `json:"anyPort,omitempty"`
	Protocol string       `json:"protocol,omitempty"`
	Port     int32        `json:"port,omitempty"`
	// Allowed is set when the whole range is allowed; Coverage says "all",
	// "some" or "none".
	Allowed     bool     `json:"allowed"`
	Coverage    string   `json:"coverage"`
	AllowedCIDR []string `json:"allowedRanges"`
	DeniedCIDR  []string `json:"deniedRanges"`
	Policy      SideJSON `json:"networkPolicy"`
	Explanation []string `json:"explanation"`
}

// JSON is the verdict's JSON view.
func (v CIDRVerdict) JSON() CIDRVerdictJSON {
	pod := endpointJSON(PodEndpoint(v.Pod))
	cidr := EndpointJSON{Name: v.Prefix.String(), Address: v.Prefix.String()}
	out := CIDRVerdictJSON{From: pod, To: cidr, AnyPort: v.AnyPort, Protocol: string(v.Protocol), Port: v.Port,
		Allowed: v.Coverage == "all", Coverage: v.Coverage, AllowedCIDR: []string{}, DeniedCIDR: []string{},
		Policy: sideJSON(v.Side), Explanation: v.Explain()}
	if v.Direction == Ingress {
		out.From, out.To = cidr, pod
	}
	for _, p := range v.Allowed {
		out.AllowedCIDR = append(out.AllowedCIDR, p.String())
	}
	for _, p := range v.Denied {
		out.DeniedCIDR = append(out.DeniedCIDR, p.String())
	}
	return out
}
