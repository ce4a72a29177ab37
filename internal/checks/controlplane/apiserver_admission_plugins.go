package controlplane

import (
	"slices"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source/node"
)

/*
The API server must run the admission plugins that guard nodes, service
accounts and namespaces, and must not admit everything.

**Flags read (kube-apiserver):** --enable-admission-plugins,
--disable-admission-plugins, --admission-control (deprecated: when given,
it is the complete list of plugins).

**Allowed values:** NodeRestriction enabled (it is not on by default);
AlwaysAdmit not enabled; ServiceAccount and NamespaceLifecycle (on by
default) not disabled.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "apiserver-admission-plugins",
			Title: "API server admission plugins are missing or admit everything",
			Description: "Reads kube-apiserver's --enable-admission-plugins, --disable-admission-plugins and the deprecated --admission-control " +
				"(which, when given, replaces the whole list). Flagged: NodeRestriction not enabled (CIS 1.2.14), so a kubelet may " +
				"edit other Node objects and label its own node to attract sensitive workloads; AlwaysAdmit enabled (CIS 1.2.10, high), " +
				"which accepts every request admission would refuse; ServiceAccount disabled (CIS 1.2.12), so pods are not tied to a " +
				"service account that exists; NamespaceLifecycle disabled (CIS 1.2.13, low), so objects may be created in namespaces " +
				"being deleted or that do not exist.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS: []string{"1.2.10", "1.2.12", "1.2.13", "1.2.14"},
				NSA: []string{nsaControlPlane, nsaAuthn},
			},
			Remediation: "Set --enable-admission-plugins=NodeRestriction (plus any others you need), never AlwaysAdmit, and do not list " +
				"ServiceAccount or NamespaceLifecycle in --disable-admission-plugins.",
		},
		Pod: onComponent(node.APIServer, apiserverAdmissionPlugins),
	})
}

func apiserverAdmissionPlugins(_ *check.Context, c *node.Component) []check.Violation {
	enabled := c.Flags.List("enable-admission-plugins")
	disabled := c.Flags.List("disable-admission-plugins")
	enableFlag := "enable-admission-plugins"
	exclusive := false // --admission-control lists every plugin that runs
	if legacy := c.Flags.List("admission-control"); len(legacy) > 0 {
		enabled, enableFlag, exclusive = legacy, "admission-control", true
	}
	isOn := func(plugin string, byDefault bool) bool {
		switch {
		case slices.Contains(disabled, plugin) && !exclusive:
			return false
		case slices.Contains(enabled, plugin):
			return true
		}
		return byDefault && !exclusive
	}
	var out []check.Violation
	if !isOn("NodeRestriction", false) {
		out = append(out, at(c, enableFlag, "NodeRestriction is not enabled (CIS 1.2.14): a kubelet may modify other nodes' Node objects and "+
			"set labels on its own node that steer workloads to it"))
	}
	if isOn("AlwaysAdmit", false) {
		out = append(out, graded(at(c, enableFlag, "AlwaysAdmit is enabled (CIS 1.2.10): every request is admitted, whatever the other "+
			"admission plugins would refuse"), check.SeverityHigh))
	}
	if !isOn("ServiceAccount", true) {
		flag := "disable-admission-plugins"
		if exclusive {
			flag = enableFlag
		}
		out = append(out, at(c, flag, "the ServiceAccount admission plugin is off (CIS 1.2.12): pods are not bound to an existing service "+
			"account and its token"))
	}
	if !isOn("NamespaceLifecycle", true) {
		flag := "disable-admission-plugins"
		if exclusive {
			flag = enableFlag
		}
		out = append(out, graded(at(c, flag, "the NamespaceLifecycle admission plugin is off (CIS 1.2.13): objects may be created in "+
			"namespaces that do not exist or are being deleted"), check.SeverityLow))
	}
	return out
}
