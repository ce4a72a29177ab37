package workload

import "testing"

func TestNoResourceLimits(t *testing.T) {
	const id = "workload/no-resource-limits"
	limited := `containers:
- name: app
  image: nginx
  resources:
    limits: {cpu: 500m, memory: 256Mi}
`
	runCases(t, id, []testCase{
		{
			name: "pod without any limits",
			yaml: workload("Pod", "shop", "containers:\n- name: app\n  image: nginx\n"),
			want: []want{{field: "spec.containers[0].resources.limits", msg: []string{`container "app"`, "no CPU and no memory limit"}}},
		},
		{
			name: "deployment with a CPU limit only",
			yaml: workload("Deployment", "shop", `containers:
- name: app
  image: nginx
- name: sidecar
  image: envoy
  resources:
    requests: {memory: 64Mi}
    limits: {cpu: 100m}
`),
			want: []want{
				{field: at("Deployment", "containers[0].resources.limits"), msg: []string{`container "app"`, "no CPU and no memory"}},
				{field: at("Deployment", "containers[1].resources.limits.memory"), msg: []string{`container "sidecar"`, "no memory limit"}},
			},
		},
		{
			name: "cronjob with a memory limit only",
			yaml: workload("CronJob", "shop", "containers:\n- name: report\n  image: busybox\n  resources:\n    limits: {memory: 1Gi}\n"),
			want: []want{{field: at("CronJob", "containers[0].resources.limits.cpu"), msg: []string{`container "report"`, "no CPU limit"}}},
		},
		{
			name: "statefulset init container without limits",
			yaml: workload("StatefulSet", "shop", "initContainers:\n- name: migrate\n  image: flyway\n"+limited),
			want: []want{{field: at("StatefulSet", "initContainers[0].resources.limits"), msg: []string{`init container "migrate"`}}},
		},
		{
			name: "a zero limit is no limit",
			yaml: workload("Job", "shop", "containers:\n- name: app\n  image: nginx\n  resources:\n    limits: {cpu: \"0\", memory: 128Mi}\n"),
			want: []want{{field: at("Job", "containers[0].resources.limits.cpu"), msg: []string{`container "app"`, "no CPU limit"}}},
		},
		{name: "both limits set", yaml: workload("Deployment", "shop", limited)},
		{name: "daemonset with both limits", yaml: workload("DaemonSet", "shop", limited)},
		{
			name: "pod-level limits bound every container",
			yaml: workload("Pod", "shop", "resources:\n  limits: {cpu: \"1\", memory: 1Gi}\ncontainers:\n- name: app\n  image: nginx\n"),
		},
		{
			name: "ephemeral containers cannot have limits",
			yaml: workload("Pod", "shop", limited+"ephemeralContainers:\n- name: debug\n  image: busybox\n"),
		},
	})
}
