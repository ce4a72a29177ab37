package workload

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

/*
Containers must not add the capabilities that break out of a container or
into other pods' traffic.

**Fields read:**

spec.containers[*].securityContext.capabilities.add
spec.initContainers[*].securityContext.capabilities.add
spec.ephemeralContainers[*].securityContext.capabilities.add

**Allowed values:** anything but ALL, SYS_ADMIN, SYS_MODULE (critical),
SYS_PTRACE, NET_ADMIN, NET_RAW, BPF, DAC_READ_SEARCH, SYS_RAWIO (high);
compared case-insensitively, with or without the CAP_ prefix.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "dangerous-capabilities",
			Title: "Container adds a dangerous capability",
			Description: "Reads securityContext.capabilities.add of every container, case-insensitively and with or without the CAP_ prefix. " +
				"Allowed: none of ALL, SYS_ADMIN, SYS_MODULE (each critical: the usual escapes to the node), SYS_PTRACE, NET_ADMIN, NET_RAW, BPF, " +
				"DAC_READ_SEARCH, SYS_RAWIO (high). Each is a kernel privilege an attacker in the container uses to escape it " +
				"(mounts and cgroups, kernel modules, raw memory, reading files by handle), to read other processes, or to spoof " +
				"and intercept other pods' traffic. The message names each capability and how grave it is.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyPodSecurity,
			References: check.References{
				CIS:   []string{"5.2.8", "5.2.9"},
				NSA:   []string{nsaPodSecurity},
				MITRE: []string{"T1611", "T1557"},
			},
			Remediation: "Remove these capabilities from securityContext.capabilities.add, set capabilities.drop: [ALL], and add back only " +
				"what the process needs (usually nothing, or NET_BIND_SERVICE). A node agent that truly needs one belongs in its own " +
				"namespace under an admission policy that allows exactly that capability.",
		},
		Pod: dangerousCapabilities,
	})
}

type capRisk struct {
	critical bool
	gain     string
}

var capRisks = map[string]capRisk{
	"ALL":             {true, "every capability, SYS_ADMIN and SYS_MODULE included"},
	"SYS_ADMIN":       {true, "mounts, namespaces and cgroup release_agent: the usual escape to the node"},
	"SYS_MODULE":      {true, "loads kernel modules: code in the node's kernel"},
	"SYS_PTRACE":      {false, "traces and injects into other processes"},
	"NET_ADMIN":       {false, "rewrites interfaces, routes and iptables: redirects other traffic"},
	"NET_RAW":         {false, "forges raw packets: ARP and DNS spoofing of other pods"},
	"BPF":             {false, "loads eBPF programs: reads kernel memory and traffic"},
	"DAC_READ_SEARCH": {false, "reads any file by handle: the shocker escape"},
	"SYS_RAWIO":       {false, "raw I/O ports and /dev/mem"},
}

func dangerousCapabilities(_ *check.Context, pod *cluster.PodTemplate) []check.Violation {
	var out []check.Violation
	for _, ref := range pod.Containers() {
		sc := ref.Container.SecurityContext
		if sc == nil || sc.Capabilities == nil {
			continue
		}
		var named, seen []string
		critical := false
		var remove []int
		for i, c := range sc.Capabilities.Add {
			name := strings.TrimPrefix(strings.ToUpper(strings.TrimSpace(string(c))), "CAP_")
			risk, bad := capRisks[name]
			if !bad {
				continue
			}
			remove = append(remove, i)
			if slices.Contains(seen, name) {
				continue
			}
			seen = append(seen, name)
			named = append(named, fmt.Sprintf("%s (%s: %s)", string(c), gravity(risk.critical), risk.gain))
			critical = critical || risk.critical
		}
		if len(named) == 0 {
			continue
		}
		field := ref.Field("securityContext.capabilities.add")
		// Remove from the end so that earlier indices stay valid.
		fix := make([]check.PatchOp, 0, len(remove))
		for _, i := range slices.Backward(remove) {
			fix = append(fix, check.PatchOp{Op: "remove", Path: cluster.JSONPointer(field) + "/" + strconv.Itoa(i)})
		}
		out = append(out, check.Violation{
			Field:    field,
			Message:  fmt.Sprintf("%s %q adds %s", kindOf(ref), ref.Container.Name, strings.Join(named, ", ")),
			Fix:      fix,
			Severity: severityOf(critical),
		})
	}
	return out
}
