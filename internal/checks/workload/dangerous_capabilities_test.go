package workload

import (
	"strings"
	"testing"
)

func TestDangerousCapabilities(t *testing.T) {
	const id = "workload/dangerous-capabilities"
	caps := func(name string, add ...string) string {
		return "- name: " + name + "\n  image: app\n  securityContext:\n    capabilities:\n      drop: [SYS_ADMIN]\n      add: [" + strings.Join(add, ", ") + "]\n"
	}
	runCases(t, id, []testCase{
		{
			name: "pod adding SYS_ADMIN and a lower-case CAP_ prefixed NET_RAW",
			yaml: workload("Pod", "shop", "containers:\n"+caps("app", "NET_BIND_SERVICE", "SYS_ADMIN", "cap_net_raw")),
			want: []want{{field: "spec.containers[0].securityContext.capabilities.add", msg: []string{
				`container "app"`, "SYS_ADMIN (critical:", "cap_net_raw (high:"}}},
		},
		{
			name: "deployment init container adding ALL, one container per finding",
			yaml: workload("Deployment", "shop", "initContainers:\n"+caps("setup", "ALL")+"containers:\n"+caps("app", "CHOWN")+caps("sniffer", "NET_ADMIN", "BPF")),
			want: []want{
				{field: at("Deployment", "initContainers[0].securityContext.capabilities.add"), msg: []string{`init container "setup"`, "ALL (critical:"}},
				{field: at("Deployment", "containers[1].securityContext.capabilities.add"), msg: []string{`container "sniffer"`, "NET_ADMIN (high:", "BPF (high:"}},
			},
		},
		{
			name: "cronjob with the escape capabilities",
			yaml: workload("CronJob", "shop", "containers:\n"+caps("job", "SYS_MODULE", "SYS_PTRACE", "DAC_READ_SEARCH", "SYS_RAWIO")),
			want: []want{{field: at("CronJob", "containers[0].securityContext.capabilities.add"), msg: []string{
				"SYS_MODULE (critical:", "SYS_PTRACE (high:", "DAC_READ_SEARCH (high:", "SYS_RAWIO (high:"}}},
		},
		{name: "harmless additions and drops only", yaml: workload("StatefulSet", "shop", "containers:\n"+caps("app", "NET_BIND_SERVICE", "CHOWN"))},
		{name: "no securityContext", yaml: workload("Job", "shop", "containers:\n- name: app\n  image: app\n")},
	})
}

func TestDangerousCapabilitiesFix(t *testing.T) {
	const id = "workload/dangerous-capabilities"
	expectFixed(t, id, workload("Deployment", "shop", `containers:
- name: app
  image: app
  securityContext:
    capabilities:
      add: [SYS_ADMIN, NET_BIND_SERVICE, CAP_NET_RAW, sys_admin]
- name: b
  image: b
  securityContext:
    capabilities:
      add: [ALL]
`))
}
