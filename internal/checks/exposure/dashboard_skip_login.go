package exposure

import (
	"fmt"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

// dashboardSkipLogin reads command and args of every container of a pod
// template recognized as the Kubernetes dashboard (see dashboard.go).
// Allowed: --enable-skip-login absent or false (the default). Forbidden:
// --enable-skip-login or --enable-skip-login=true, which puts a "Skip"
// button on the login page. The last occurrence wins, as in the dashboard.
func dashboardSkipLogin(_ *check.Context, pod *cluster.PodTemplate) []check.Violation {
	ev := dashboardEvidence(pod)
	if ev == "" {
		return nil
	}
	d := dashboard{pod: pod, evidence: ev}
	return flagViolations(pod, flagSkipLogin, func(c cluster.ContainerRef, f flag) string {
		return fmt.Sprintf("dashboard container %q runs with %s: anyone who reaches the dashboard skips the login and acts as its service account %q",
			c.Container.Name, f.arg, d.serviceAccount())
	})
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "exposure/dashboard-skip-login",
			Title: "Kubernetes dashboard allows skipping login",
			Description: "Reads command and args of the containers of the Kubernetes dashboard (recognized by image, label, " +
				"workload name or its own flags). Allowed: --enable-skip-login absent or false, the default. " +
				"Flagged: --enable-skip-login or --enable-skip-login=true. The login page then offers Skip, and every visitor " +
				"uses the dashboard with the permissions of its service account, no token asked: the open door of the 2018 Tesla breach.",
			Severity: check.SeverityCritical,
			Vector:   check.VectorAPIExposure,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				NSA:   []string{"Authentication and authorization: Authentication"},
				MITRE: []string{"T1133", "T1078"},
			},
			Remediation: "Remove --enable-skip-login from the dashboard's arguments so every user signs in with their own " +
				"token or through an authenticating proxy, and give the dashboard's service account no permissions of its own.",
		},
		Pod: dashboardSkipLogin,
	})
}
