package workload

import "testing"

func TestRunsAsRootUID(t *testing.T) {
	const id = "workload/runs-as-root-uid"
	runCases(t, id, []testCase{
		{
			name: "pod container asks for UID 0",
			yaml: workload("Pod", "shop", "containers:\n- name: app\n  image: app\n  securityContext:\n    runAsUser: 0\n"),
			want: []want{{field: "spec.containers[0].securityContext.runAsUser", msg: []string{`container "app"`, "UID 0"}}},
		},
		{
			name: "deployment pod-level UID 0 inherited by one container, overridden by another",
			yaml: workload("Deployment", "shop", `securityContext:
  runAsUser: 0
initContainers:
- name: init
  image: init
  securityContext:
    runAsUser: 0
containers:
- name: app
  image: app
- name: safe
  image: safe
  securityContext:
    runAsUser: 1000
`),
			want: []want{
				{field: at("Deployment", "initContainers[0].securityContext.runAsUser"), msg: []string{`init container "init"`}},
				{field: at("Deployment", "securityContext.runAsUser"), msg: []string{`container "app" runs as UID 0`}},
			},
		},
		{
			name: "cronjob pod-level UID 0",
			yaml: workload("CronJob", "shop", "securityContext:\n  runAsUser: 0\ncontainers:\n- name: a\n  image: a\n- name: b\n  image: b\n"),
			want: []want{{field: at("CronJob", "securityContext.runAsUser"), msg: []string{`containers "a", "b" run as UID 0`}}},
		},
		{
			name: "every container overrides the pod's UID 0",
			yaml: workload("StatefulSet", "shop", "securityContext:\n  runAsUser: 0\ncontainers:\n- name: app\n  image: app\n  securityContext:\n    runAsUser: 1000\n"),
		},
		{name: "unset", yaml: workload("Job", "shop", "containers:\n- name: app\n  image: app\n")},
		{name: "group 0 is not flagged", yaml: workload("Pod", "shop", "securityContext:\n  runAsUser: 1000\n  runAsGroup: 0\ncontainers:\n- name: app\n  image: app\n")},
		{name: "windows", yaml: workload("Deployment", "shop", "os: {name: windows}\nsecurityContext:\n  runAsUser: 0\ncontainers:\n- name: app\n  image: app\n")},
	})
}
