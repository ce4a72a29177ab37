package workload

import "testing"

func TestShareProcessNamespace(t *testing.T) {
	const id = "workload/share-process-namespace"
	two := "containers:\n- name: app\n  image: app\n- name: sidecar\n  image: envoy\n"
	runCases(t, id, []testCase{
		{
			name: "pod",
			yaml: workload("Pod", "shop", "shareProcessNamespace: true\n"+two),
			want: []want{{field: "spec.shareProcessNamespace", msg: []string{"shareProcessNamespace is true", `"app", "sidecar"`}}},
		},
		{
			name: "cronjob",
			yaml: workload("CronJob", "shop", "shareProcessNamespace: true\n"+two),
			want: []want{{field: at("CronJob", "shareProcessNamespace"), msg: []string{`"app", "sidecar"`}}},
		},
		{name: "false", yaml: workload("Deployment", "shop", "shareProcessNamespace: false\n"+two)},
		{name: "unset", yaml: workload("DaemonSet", "shop", two)},
	})
}

func TestShareProcessNamespaceFix(t *testing.T) {
	expectFixed(t, "workload/share-process-namespace", workload("Deployment", "shop", "shareProcessNamespace: true\ncontainers:\n- name: app\n  image: app\n"))
}
