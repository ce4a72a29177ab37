package network

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/netpol"
)

// The cloud instance metadata endpoints (AWS, GCP, Azure and most other
// clouds on IPv4; AWS Nitro on IPv6), served over HTTP on port 80.
var metadataAddrs = []netip.Addr{netip.MustParseAddr("169.254.169.254"), netip.MustParseAddr("fd00:ec2::254")}

const metadataPort = 80

// cloudIdentity are the annotations that bind a workload to a cloud
// identity, and what each means.
var cloudIdentity = []struct{ key, cloud string }{
	{"eks.amazonaws.com/role-arn", "an AWS IAM role"},
	{"iam.gke.io/gcp-service-account", "a Google Cloud service account"},
	{"azure.workload.identity/client-id", "an Azure managed identity"},
}

// metadataEndpointReachable reads, for every workload, the NetworkPolicies
// that apply to it for egress (see internal/netpol), the annotations of the workload's ServiceAccount and pod template, and the
// ways in from outside the cluster (netpol.Exposure). Allowed: egress to
// 169.254.169.254 and fd00:ec2::254 on TCP port 80 denied by its policies.
// Forbidden: either allowed — no egress isolation, or a rule whose peers
// and ports include the address. The severity rises one step when the
// workload is reachable from outside the cluster and one more when it
// carries a cloud identity annotation (the Capital One case); a way in
// counts when NetworkPolicy lets its traffic through. hostNetwork
// pods are not assessed: they are the node, which reaches the endpoint
// whatever NetworkPolicy says (the Pod Security checks report host networking). It is a
// Cluster check: a workload is judged with the policies of its namespace,
// never alone.
func metadataEndpointReachable(ctx *check.Context) []check.Violation {
	eng := netpol.For(ctx.Snapshot)
	exposed := netpol.Exposed(ctx.Snapshot)
	byClass := map[int]*metadataPath{}
	var out []check.Violation
	for _, p := range eng.Pods() {
		if p.HostNetwork {
			continue // the node itself: see the doc comment
		}
		r, ok := byClass[p.Class()]
		if !ok {
			r = metadataReach(eng, p)
			byClass[p.Class()] = r
		}
		if r == nil {
			continue
		}
		field := p.Template.Field("")
		sev := check.SeverityMedium
		var risks []string
		for _, ep := range exposed[p] {
			if ep.Policy.Open {
				sev++
				risks = append(risks, "it is reachable from outside the cluster ("+ep.Path()+")")
				break
			}
		}
		if id := identityOf(ctx.Snapshot, p); id != "" {
			sev++
			risks = append(risks, id)
		}
		msg := fmt.Sprintf("%s can reach the cloud instance metadata endpoint %s: %s", p, strings.Join(r.addrs, " and "), r.how)
		if len(risks) > 0 {
			msg += "; " + strings.Join(risks, ", and ") + ". A request forgery (SSRF) in it can read cloud credentials from the metadata endpoint, as in the 2019 Capital One breach"
		}
		out = append(out, check.Violation{Object: p.Object(), Field: field, Message: msg, Severity: severity(sev, check.SeverityMedium)})
	}
	return out
}

// metadataPath is how a pod reaches the metadata endpoint.
type metadataPath struct {
	addrs []string // "169.254.169.254:80"
	how   string
}

// metadataReach says which metadata addresses a pod reaches and how, or
// nil when it reaches none. Pods of one class get the same answer.
func metadataReach(eng *netpol.Engine, p *netpol.Pod) *metadataPath {
	r := &metadataPath{}
	var isolated bool
	var by []string
	for _, a := range metadataAddrs {
		ok, iso, rules := eng.EgressToAddr(p, a, corev1.ProtocolTCP, metadataPort)
		if !ok {
			continue
		}
		r.addrs = append(r.addrs, netip.AddrPortFrom(a, metadataPort).String())
		isolated = iso
		for _, rule := range rules {
			if !slices.Contains(by, rule.Ref()) {
				by = append(by, rule.Ref())
			}
		}
	}
	switch {
	case len(r.addrs) == 0:
		return nil
	case !isolated:
		r.how = "no NetworkPolicy restricts its egress"
	default:
		r.how = "egress is allowed by " + strings.Join(by, ", ")
	}
	return r
}

type serviceAccountsKey struct{}

// identityOf says which cloud identity annotation the workload's
// ServiceAccount or pod template carries, or "".
func identityOf(snap *cluster.Snapshot, p *netpol.Pod) string {
	sa := p.ServiceAccount()
	accounts := snap.Derived(serviceAccountsKey{}, func(s *cluster.Snapshot) any {
		m := map[string]*corev1.ServiceAccount{}
		for _, o := range s.OfKind("ServiceAccount") {
			if acct, ok := o.Typed.(*corev1.ServiceAccount); ok {
				m[namespaceOr(o.ID.Namespace)+"/"+acct.Name] = acct
			}
		}
		return m
	}).(map[string]*corev1.ServiceAccount)
	if acct := accounts[p.Namespace+"/"+sa]; acct != nil {
		if s := identityAnnotation(acct.Annotations); s != "" {
			return fmt.Sprintf("its ServiceAccount %q carries %s", sa, s)
		}
	}
	if s := identityAnnotation(p.Template.Meta.Annotations); s != "" {
		return "its pods carry " + s
	}
	return ""
}

func identityAnnotation(ann map[string]string) string {
	keys := make([]string, 0, len(cloudIdentity))
	for _, ci := range cloudIdentity {
		if v, ok := ann[ci.key]; ok && v != "" {
			keys = append(keys, fmt.Sprintf("%s=%s (%s)", ci.key, v, ci.cloud))
		}
	}
	sort.Strings(keys)
	return strings.Join(keys, " and ")
}

func namespaceOr(ns string) string {
	if ns == "" {
		return "default"
	}
	return ns
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "network/metadata-endpoint-reachable",
			Title: "Pods can reach the cloud instance metadata endpoint",
			Description: "Asks the NetworkPolicy engine, for every workload, whether its pods may connect to the cloud instance " +
				"metadata endpoint (169.254.169.254 and fd00:ec2::254, TCP port 80), reading the NetworkPolicies that apply to it " +
				"for egress. Allowed: egress to both addresses denied. Flagged: either reachable — no egress policy, an ipBlock " +
				"such as 0.0.0.0/0 that does not except 169.254.169.254/32, or a rule with no to. hostNetwork pods are the node " +
				"itself, which NetworkPolicy cannot restrict, and are left to the Pod Security checks. " +
				"Medium on its own; high when the workload is also reachable from outside the cluster (a LoadBalancer, NodePort, " +
				"externalIPs, Ingress, Gateway route or hostPort whose traffic its NetworkPolicies let through) or its " +
				"ServiceAccount or pods carry a cloud identity " +
				"annotation (eks.amazonaws.com/role-arn, iam.gke.io/gcp-service-account, azure.workload.identity/client-id); " +
				"critical with both. The metadata endpoint hands out the node's cloud credentials (and on GKE the workload's): in " +
				"2019 a request forgery in Capital One's internet-facing firewall read them and copied the data of 100 million customers.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorNetworkAttack,
			Strategy: check.StrategyNetworkPolicy,
			References: check.References{
				NSA:   []string{"Network separation and hardening: Network policies"},
				MITRE: []string{"T1552.005", "T1190"},
			},
			Remediation: "Give the namespace an egress policy and write its internet rule as ipBlock 0.0.0.0/0 with except " +
				"[169.254.169.254/32] (and ::/0 except fd00:ec2::254/128); also require IMDSv2 with a hop limit of 1 on AWS nodes, " +
				"or use the cloud's workload identity with the node metadata concealed.",
		},
		Cluster: metadataEndpointReachable,
	})
}
