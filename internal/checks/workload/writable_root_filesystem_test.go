package workload

import "testing"

func TestWritableRootFilesystem(t *testing.T) {
	const id = "workload/writable-root-filesystem"
	readOnly := "containers:\n- name: app\n  image: nginx\n  securityContext:\n    readOnlyRootFilesystem: true\n"
	runCases(t, id, []testCase{
		{
			name: "pod without a securityContext",
			yaml: workload("Pod", "shop", "containers:\n- name: app\n  image: nginx\n"),
			want: []want{{field: "spec.containers[0].securityContext.readOnlyRootFilesystem", msg: []string{`container "app"`, "writable root filesystem", "unset"}}},
		},
		{
			name: "deployment with readOnlyRootFilesystem false on the second container",
			yaml: workload("Deployment", "shop", readOnly+"- name: sidecar\n  image: envoy\n  securityContext:\n    readOnlyRootFilesystem: false\n"),
			want: []want{{field: at("Deployment", "containers[1].securityContext.readOnlyRootFilesystem"), msg: []string{`container "sidecar"`, "is false"}}},
		},
		{
			name: "cronjob init container",
			yaml: workload("CronJob", "shop", "initContainers:\n- name: prep\n  image: busybox\n  securityContext:\n    runAsNonRoot: true\n"+readOnly),
			want: []want{{field: at("CronJob", "initContainers[0].securityContext.readOnlyRootFilesystem"), msg: []string{`init container "prep"`}}},
		},
		{name: "read-only root", yaml: workload("StatefulSet", "shop", readOnly)},
		{name: "read-only root in a cronjob", yaml: workload("CronJob", "shop", readOnly)},
		{
			name: "windows pods cannot have a read-only root",
			yaml: workload("Deployment", "shop", "os: {name: windows}\ncontainers:\n- name: app\n  image: iis\n"),
		},
	})
}

func TestWritableRootFilesystemFix(t *testing.T) {
	const id = "workload/writable-root-filesystem"
	t.Run("no securityContext", func(t *testing.T) {
		expectFixed(t, id, workload("Deployment", "shop", "containers:\n- name: app\n  image: nginx\n- name: b\n  image: b\n"))
	})
	t.Run("securityContext without the field", func(t *testing.T) {
		expectFixed(t, id, workload("CronJob", "shop", "containers:\n- name: app\n  image: nginx\n  securityContext:\n    runAsNonRoot: true\n"))
	})
	t.Run("field false", func(t *testing.T) {
		expectFixed(t, id, workload("Pod", "shop", "containers:\n- name: app\n  image: nginx\n  securityContext:\n    readOnlyRootFilesystem: false\n"))
	})
}
