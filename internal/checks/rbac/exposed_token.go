package rbac

import (
	"fmt"
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/netpol"
	authz "github.com/palisade-sec/palisade/internal/rbac"
)

// exposedWorkloadToken reads the entry points of the NetworkPolicy
// engine's exposure (LoadBalancer and NodePort Services, externalIPs,
// Ingress and Gateway routes, hostNetwork and hostPort) and, for each
// workload reached from outside with NetworkPolicy letting internet
// addresses in, the service account whose token its pods mount and the
// non-built-in bindings that name that account. Allowed: no token
// mounted, or an account no binding grants anything. Flagged: an exposed
// workload mounting the token of an account with permissions; critical
// when that account can climb to cluster-admin.
func exposedWorkloadToken(ctx *check.Context) []check.Violation {
	m := authz.For(ctx.Snapshot)
	esc := authz.EscalationOf(ctx.Snapshot)
	grants := map[authz.Principal][]*authz.Binding{}
	for _, b := range m.Bindings() {
		if builtIn(b) || len(b.Rules) == 0 {
			continue
		}
		for _, s := range b.Subjects {
			p := authz.PrincipalOf(s, b.Namespace)
			grants[p] = append(grants[p], b)
		}
	}
	var out []check.Violation
	for pod, entries := range netpol.Exposed(ctx.Snapshot) {
		var open *netpol.EntryPoint
		for i := range entries {
			if entries[i].Policy.Open {
				open = &entries[i]
				break
			}
		}
		if open == nil {
			continue
		}
		sa, mounted := esc.MountedToken(pod.Object())
		if !mounted || len(grants[sa]) == 0 {
			continue
		}
		names := make([]string, 0, len(grants[sa]))
		for _, b := range grants[sa] {
			names = append(names, fmt.Sprintf("%s %q (%s %q)", b.Object.ID.Kind, b.Object.ID.Name, b.RoleRef.Kind, b.RoleRef.Name))
		}
		msg := fmt.Sprintf("%s is reachable from outside (%s) and its pods mount the API token of %s, which %s grant permissions: whoever breaks into the workload holds them",
			pod.Object().ID, open.Path(), sa, strings.Join(names, ", "))
		var sev *check.Severity
		if c, ok := esc.ChainOf(sa); ok {
			critical := check.SeverityCritical
			sev = &critical
			msg += fmt.Sprintf("; %s can become cluster-admin in %d step(s)", sa, len(c.Steps))
		}
		pt := pod.Template
		out = append(out, check.Violation{
			Object:   pt.Object,
			Field:    pt.Field("automountServiceAccountToken"),
			Message:  msg,
			Severity: sev,
		})
	}
	return out
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "rbac/exposed-workload-token",
			Title: "Internet-exposed workload carries a privileged token",
			Description: "Joins the NetworkPolicy engine's exposure (LoadBalancer, NodePort, externalIPs, Ingress and Gateway " +
				"routes, hostNetwork, hostPort — with NetworkPolicy letting internet addresses in) with RBAC: flagged is an " +
				"exposed workload whose pods mount the API token of a service account that bindings grant permissions. " +
				"A remote code execution in the workload is then an API client with those permissions; critical when the " +
				"account can climb to cluster-admin. The whole path, hop by hop, is what `palisade rbac paths` and attack " +
				"paths draw.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				NSA:   []string{"Authentication and authorization"},
				MITRE: []string{"T1190", "T1528"},
			},
			Remediation: "Set automountServiceAccountToken: false on the workload unless it calls the API; if it does, give it a " +
				"service account of its own with only what it calls, and admit only the traffic it serves with a NetworkPolicy.",
		},
		Cluster: exposedWorkloadToken,
	})
}
