package controlplane

import (
	"time"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source/node"
)

/*
The API server must not hold requests open for long.

**Flags read (kube-apiserver):** --request-timeout (default 60s).

**Allowed values:** a duration above 0 and at most 5 minutes. Watches and
long-running requests (exec, logs, port-forward) are not bound by it.
*/

// maxRequestTimeout is the longest request timeout allowed.
const maxRequestTimeout = 5 * time.Minute

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "apiserver-request-timeout",
			Title: "API server request timeout is too long",
			Description: "Reads kube-apiserver's --request-timeout, which defaults to 60s. Allowed: above 0 and at most 5m. A long timeout " +
				"lets slow or stalled clients hold connections and memory of the API server, which a few clients can use to starve it " +
				"(CIS 1.2.20). Watches and long-running requests such as exec and logs are not bound by this timeout either way.",
			Severity: check.SeverityLow,
			Vector:   check.VectorAPIExposure,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"1.2.20"},
				NSA:   []string{nsaControlPlane},
				MITRE: []string{"T1499"},
			},
			Remediation: "Leave --request-timeout unset (60s) or set it to at most 5m.",
		},
		Pod: onComponent(node.APIServer, apiserverRequestTimeout),
	})
}

func apiserverRequestTimeout(_ *check.Context, c *node.Component) []check.Violation {
	f, ok := c.Flags.Last("request-timeout")
	if !ok {
		return nil
	}
	d, err := time.ParseDuration(f.Value)
	if err != nil {
		return []check.Violation{check.NotAssessed(nil, f.Arg.Field, f.String()+" is not a duration; kube-apiserver would refuse to start")}
	}
	if d > 0 && d <= maxRequestTimeout {
		return nil
	}
	return []check.Violation{at(c, "request-timeout", "%s is not between 0 and %s (CIS 1.2.20): slow clients can hold the API server's connections that long", f, maxRequestTimeout)}
}
