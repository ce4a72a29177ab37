package workload

import "testing"

func TestServiceAccountTokenAutomount(t *testing.T) {
	const id = "workload/service-account-token-automount"
	app := "containers:\n- name: app\n  image: nginx\n"
	sa := func(ns, automount string) string {
		s := "---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: default\n"
		if ns != "" {
			s += "  namespace: " + ns + "\n"
		}
		if automount != "" {
			s += "automountServiceAccountToken: " + automount + "\n"
		}
		return s
	}
	runCases(t, id, []testCase{
		{
			name: "pod with nothing set and no ServiceAccount object",
			yaml: workload("Pod", "shop", app),
			want: []want{{field: "spec.automountServiceAccountToken", msg: []string{`"default" service account of namespace "shop"`, `no ServiceAccount "default"`}}},
		},
		{
			name: "deployment naming default and automounting explicitly",
			yaml: workload("Deployment", "shop", "serviceAccountName: default\nautomountServiceAccountToken: true\n"+app),
			want: []want{{field: at("Deployment", "automountServiceAccountToken"), msg: []string{"automountServiceAccountToken is true", `"default"`}}},
		},
		{
			name: "pod true wins over ServiceAccount false",
			yaml: workload("CronJob", "shop", "automountServiceAccountToken: true\n"+app) + sa("shop", "false"),
			want: []want{{field: at("CronJob", "automountServiceAccountToken"), msg: []string{"automountServiceAccountToken is true"}}},
		},
		{
			name: "ServiceAccount leaves it unset",
			yaml: workload("StatefulSet", "shop", app) + sa("shop", ""),
			want: []want{{field: at("StatefulSet", "automountServiceAccountToken"), msg: []string{`ServiceAccount "default" of namespace "shop" does not set it to false`}}},
		},
		{
			name: "ServiceAccount sets true",
			yaml: workload("Job", "", app) + sa("", "true"),
			want: []want{{field: at("Job", "automountServiceAccountToken"), msg: []string{`ServiceAccount "default" does not set it to false`}}},
		},
		{
			name: "ServiceAccount false in another namespace does not count",
			yaml: workload("Deployment", "shop", app) + sa("billing", "false"),
			want: []want{{field: at("Deployment", "automountServiceAccountToken"), msg: []string{`no ServiceAccount "default"`}}},
		},
		{name: "pod sets false", yaml: workload("Deployment", "shop", "automountServiceAccountToken: false\n"+app)},
		{name: "pod false wins over ServiceAccount true", yaml: workload("Pod", "shop", "automountServiceAccountToken: false\n"+app) + sa("shop", "true")},
		{name: "ServiceAccount sets false", yaml: workload("CronJob", "shop", app) + sa("shop", "false")},
		{name: "ServiceAccount without namespace matches pod without one", yaml: workload("Pod", "", app) + sa("", "false")},
		{name: "dedicated service account", yaml: workload("Deployment", "shop", "serviceAccountName: web\n"+app)},
		{name: "dedicated service account, deprecated field", yaml: workload("Pod", "shop", "serviceAccount: web\n"+app)},
	})
}

func TestServiceAccountTokenAutomountFix(t *testing.T) {
	const id = "workload/service-account-token-automount"
	expectFixed(t, id, workload("Deployment", "shop", "containers:\n- name: app\n  image: nginx\n"))
	expectFixed(t, id, workload("CronJob", "shop", "automountServiceAccountToken: true\ncontainers:\n- name: app\n  image: nginx\n"))
}
