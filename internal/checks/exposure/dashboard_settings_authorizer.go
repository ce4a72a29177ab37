package exposure

import (
	"fmt"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

// dashboardSettingsAuthorizer reads command and args of every container of
// a pod template recognized as the Kubernetes dashboard (see dashboard.go).
// Allowed: --disable-settings-authorizer absent or false (the default).
// Forbidden: --disable-settings-authorizer or =true, which lets any visitor
// change the dashboard's global settings without being authorized.
func dashboardSettingsAuthorizer(_ *check.Context, pod *cluster.PodTemplate) []check.Violation {
	if dashboardEvidence(pod) == "" {
		return nil
	}
	return flagViolations(pod, flagSettingsAuthorizer, func(c cluster.ContainerRef, f flag) string {
		return fmt.Sprintf("dashboard container %q runs with %s: any visitor can change the dashboard's global settings without authorization",
			c.Container.Name, f.arg)
	})
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "exposure/dashboard-settings-authorizer-disabled",
			Title: "Kubernetes dashboard settings open to every visitor",
			Description: "Reads command and args of the containers of the Kubernetes dashboard (recognized by image, label, " +
				"workload name or its own flags). Allowed: --disable-settings-authorizer absent or false, the default. " +
				"Flagged: --disable-settings-authorizer or =true. The settings page then needs no login or authorization, so " +
				"anyone who reaches the dashboard rewrites the global settings every user gets (default namespace, namespace " +
				"fallback list, refresh intervals), which the dashboard stores in a ConfigMap using its own service account: " +
				"an unauthenticated write into the cluster.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorAPIExposure,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				NSA:   []string{"Authentication and authorization: Authentication"},
				MITRE: []string{"T1133"},
			},
			Remediation: "Remove --disable-settings-authorizer from the dashboard's arguments.",
		},
		Pod: dashboardSettingsAuthorizer,
	})
}
