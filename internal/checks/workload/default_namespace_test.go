package workload

import "testing"

func TestDefaultNamespace(t *testing.T) {
	const id = "workload/default-namespace"
	app := "containers:\n- name: app\n  image: app\n"
	runCases(t, id, []testCase{
		{
			name: "pod without a namespace",
			yaml: workload("Pod", "", app),
			want: []want{{field: "metadata.namespace", msg: []string{"no namespace set", "kubectl context, usually default"}}},
		},
		{
			name: "deployment in default",
			yaml: workload("Deployment", "default", app),
			want: []want{{field: "metadata.namespace", msg: []string{`"default" namespace`}}},
		},
		{
			name: "cronjob in default",
			yaml: workload("CronJob", "default", app),
			want: []want{{field: "metadata.namespace", msg: []string{`"default"`}}},
		},
		{name: "own namespace", yaml: workload("Deployment", "shop", app)},
		{name: "cronjob in its own namespace", yaml: workload("CronJob", "batch", app)},
		{name: "not a workload", yaml: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: default\n"},
	})
}
