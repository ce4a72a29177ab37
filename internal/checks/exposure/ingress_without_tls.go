package exposure

import (
	"fmt"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

// ingressWithoutTLS reads spec.tls[*].hosts and spec.rules[*].host of every
// networking.k8s.io/v1 Ingress. Allowed: every rule's host is listed in a
// tls entry (exactly, or under a "*.domain" wildcard covering one label);
// a rule without a host is covered by a tls entry without hosts.
// Forbidden: no spec.tls at all (one finding), or each rule whose host no
// tls entry covers.
func ingressWithoutTLS(_ *check.Context, obj *cluster.Object) []check.Violation {
	ing, ok := obj.Typed.(*networkingv1.Ingress)
	if !ok {
		return nil
	}
	if len(ing.Spec.TLS) == 0 {
		var hosts []string
		for _, r := range ing.Spec.Rules {
			if r.Host != "" {
				hosts = append(hosts, r.Host)
			}
		}
		what := "every host it serves"
		if len(hosts) > 0 {
			what = "hosts " + quoteList(hosts)
		}
		return []check.Violation{{
			Field:   "spec.tls",
			Message: fmt.Sprintf("Ingress %q has no spec.tls: %s are served over plain HTTP", ing.Name, what),
		}}
	}
	var tlsHosts []string
	for _, t := range ing.Spec.TLS {
		tlsHosts = append(tlsHosts, t.Hosts...)
	}
	covered := "TLS covers " + quoteList(tlsHosts)
	if len(tlsHosts) == 0 {
		covered = "no tls entry names a host"
	}
	var out []check.Violation
	for i, r := range ing.Spec.Rules {
		if tlsCovers(ing.Spec.TLS, r.Host) {
			continue
		}
		if r.Host == "" {
			out = append(out, check.Violation{
				Field:   fmt.Sprintf("spec.rules[%d]", i),
				Message: fmt.Sprintf("Ingress %q rule spec.rules[%d] matches every host but no tls entry applies to it (%s): that traffic is plain HTTP", ing.Name, i, covered),
			})
			continue
		}
		out = append(out, check.Violation{
			Field:   fmt.Sprintf("spec.rules[%d].host", i),
			Message: fmt.Sprintf("Ingress %q host %q is in no spec.tls[].hosts (%s): its traffic is plain HTTP", ing.Name, r.Host, covered),
		})
	}
	return out
}

// tlsCovers reports whether a tls entry serves a rule's host.
func tlsCovers(tls []networkingv1.IngressTLS, host string) bool {
	for _, t := range tls {
		if host == "" {
			if len(t.Hosts) == 0 {
				return true
			}
			continue
		}
		for _, h := range t.Hosts {
			if hostMatches(h, host) {
				return true
			}
		}
	}
	return false
}

// hostMatches reports whether a certificate host pattern ("shop.example.com"
// or "*.example.com") matches a rule host. A wildcard covers exactly one
// label, and a wildcard rule host only by the same wildcard.
func hostMatches(pattern, host string) bool {
	pattern, host = strings.ToLower(pattern), strings.ToLower(host)
	if pattern == host {
		return true
	}
	suffix, ok := strings.CutPrefix(pattern, "*")
	if !ok || !strings.HasPrefix(suffix, ".") || strings.HasPrefix(host, "*") {
		return false
	}
	label, ok := strings.CutSuffix(host, suffix)
	return ok && label != "" && !strings.Contains(label, ".")
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "exposure/ingress-without-tls",
			Title: "Ingress serves hosts without TLS",
			Description: "Reads spec.tls[*].hosts and spec.rules[*].host of every networking.k8s.io/v1 Ingress. " +
				"Allowed: every rule host listed in a tls entry, exactly or under a one-label wildcard (*.example.com); " +
				"a rule without a host needs a tls entry without hosts. Flagged: an Ingress with no spec.tls, and each " +
				"rule host no tls entry covers. Without TLS, anyone on the path (a shared network, a compromised pod, " +
				"a cloud hop) reads and rewrites requests, including session cookies and bearer tokens.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorNetworkAttack,
			Strategy: check.StrategyEncryption,
			References: check.References{
				NSA:   []string{"Network separation and hardening: Encryption"},
				MITRE: []string{"T1557", "T1040"},
			},
			Remediation: "Add a spec.tls entry listing every rule host with a certificate Secret (cert-manager can issue " +
				"and renew it), and redirect HTTP to HTTPS in the ingress controller.",
		},
		Kinds:  []string{"Ingress"},
		Object: ingressWithoutTLS,
	})
}
