package node

import (
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/palisade-sec/palisade/internal/check"
)

/*
The kubelet must refuse to start on a kernel tuned differently from what
it expects, rather than retune it.

**Settings read:** --protect-kernel-defaults or protectKernelDefaults
(default false).

**Allowed values:** true. This was CIS recommendation 4.2.6 up to
Benchmark v1.8; later versions dropped it, so no CIS id is given.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "kubelet-protect-kernel-defaults",
			Title: "Kubelet may retune the node's kernel",
			Description: "Reads the kubelet's --protect-kernel-defaults flag or protectKernelDefaults in its config file (default false). " +
				"Allowed: true. Without it the kubelet silently rewrites kernel parameters (overcommit, panic behaviour) that the node's " +
				"hardening set, instead of failing so the mismatch is noticed. Recommended by the CIS Benchmark up to v1.8 (as 4.2.6).",
			Severity: check.SeverityLow,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyPodSecurity,
			References: check.References{
				NSA: []string{nsaWorkerNodes},
			},
			Remediation: "Set the kernel parameters the kubelet expects (vm.overcommit_memory=1, vm.panic_on_oom=0, kernel.panic=10, " +
				"kernel.panic_on_oops=1) in /etc/sysctl.d, then protectKernelDefaults: true in the kubelet config file.",
		},
		Cluster: onKubelets(kubeletProtectKernelDefaults),
	})
}

func kubeletProtectKernelDefaults(k *kubelet) []check.Violation {
	s, na := k.decide("protect-kernel-defaults", "protectKernelDefaults", func(c *kubeletv1beta1.KubeletConfiguration) (string, bool) {
		return boolValue(c.ProtectKernelDefaults)
	}, "false", "false")
	if na != nil {
		return []check.Violation{*na}
	}
	if s.value == "true" {
		return nil
	}
	return []check.Violation{s.violation("%s: the kubelet rewrites kernel parameters that differ from its defaults instead of refusing to start", s.text)}
}
