package controlplane

import (
	"fmt"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source/node"
)

/*
The API server, controller manager and scheduler must not serve profiling
data.

**Flags read:** --profiling (default true) of kube-apiserver,
kube-controller-manager and kube-scheduler; the scheduler's --config
(whose enableProfiling Palisade does not read).

**Allowed values:** --profiling=false (CIS 1.2.15, 1.3.2, 1.4.1). A
scheduler with --config and no --profiling flag is not assessed.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "profiling",
			Title: "Control-plane component serves profiling endpoints",
			Description: "Reads --profiling of kube-apiserver (CIS 1.2.15), kube-controller-manager (CIS 1.3.2) and kube-scheduler " +
				"(CIS 1.4.1); it defaults to true for each. Allowed: false. /debug/pprof reveals the component's internals and lets a " +
				"caller make it burn CPU and memory on demand; nothing in normal operation needs it. A scheduler started with --config " +
				"takes the setting from that file's enableProfiling, which Palisade does not read: not assessed.",
			Severity: check.SeverityLow,
			Vector:   check.VectorAPIExposure,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"1.2.15", "1.3.2", "1.4.1"},
				NSA:   []string{nsaControlPlane},
				MITRE: []string{"T1613", "T1499"},
			},
			Remediation: "Set --profiling=false on kube-apiserver, kube-controller-manager and kube-scheduler (enableProfiling: false " +
				"in a KubeSchedulerConfiguration).",
		},
		Pod: onComponents([]string{node.APIServer, node.ControllerManager, node.Scheduler}, profiling),
	})
}

var profilingCIS = map[string]string{node.APIServer: "1.2.15", node.ControllerManager: "1.3.2", node.Scheduler: "1.4.1"}

func profiling(_ *check.Context, c *node.Component) []check.Violation {
	if c.Name == node.Scheduler && !c.Flags.Has("profiling") {
		if f, ok := c.Flags.Last("config"); ok && f.Value != "" {
			return []check.Violation{check.NotAssessed(nil, f.Arg.Field,
				fmt.Sprintf("kube-scheduler takes enableProfiling from %s, which Palisade does not read", f))}
		}
	}
	p, na := readBool(c, "profiling", true)
	if na != nil {
		return []check.Violation{*na}
	}
	if !p.value {
		return nil
	}
	return []check.Violation{at(c, "profiling", "%s: %s (CIS %s): /debug/pprof exposes internals and lets callers load the component at will",
		c.Name, p.text, profilingCIS[c.Name])}
}
