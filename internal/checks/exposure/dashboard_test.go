package exposure_test

import (
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/checks/checktest"
)

var dashboardChecks = []string{
	"exposure/dashboard-exposed",
	"exposure/dashboard-skip-login",
	"exposure/dashboard-settings-authorizer-disabled",
	"exposure/dashboard-cluster-admin",
}

// tesla is the 2018 setup: the dashboard in kube-system with
// --enable-skip-login, published by a LoadBalancer, its service account
// bound to cluster-admin.
const tesla = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: kubernetes-dashboard
  namespace: kube-system
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: kubernetes-dashboard
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
- kind: ServiceAccount
  name: kubernetes-dashboard
  namespace: kube-system
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: kubernetes-dashboard
  namespace: kube-system
  labels: {k8s-app: kubernetes-dashboard}
spec:
  selector:
    matchLabels: {k8s-app: kubernetes-dashboard}
  template:
    metadata:
      labels: {k8s-app: kubernetes-dashboard}
    spec:
      serviceAccountName: kubernetes-dashboard
      containers:
      - name: kubernetes-dashboard
        image: k8s.gcr.io/kubernetes-dashboard-amd64:v1.8.3
        args:
        - --auto-generate-certificates
        - --enable-skip-login
        ports:
        - containerPort: 8443
---
apiVersion: v1
kind: Service
metadata:
  name: kubernetes-dashboard
  namespace: kube-system
spec:
  type: LoadBalancer
  selector: {k8s-app: kubernetes-dashboard}
  ports:
  - {port: 443, targetPort: 8443}
`

// hardened is the upstream v2 install: its own namespace, a ClusterIP
// Service, no skip-login, a service account with a namespaced Role. The
// metrics scraper has a LoadBalancer (not the dashboard), cluster-admin is
// bound to a human group, and an Ingress in another namespace routes to a
// Service that happens to share the dashboard's name.
const hardened = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: kubernetes-dashboard
  namespace: kubernetes-dashboard
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: kubernetes-dashboard
  namespace: kubernetes-dashboard
rules:
- apiGroups: [""]
  resources: [secrets]
  resourceNames: [kubernetes-dashboard-key-holder, kubernetes-dashboard-certs, kubernetes-dashboard-csrf]
  verbs: [get, update, delete]
- apiGroups: [""]
  resources: [configmaps]
  resourceNames: [kubernetes-dashboard-settings]
  verbs: [get, update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: kubernetes-dashboard
  namespace: kubernetes-dashboard
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: kubernetes-dashboard
subjects:
- kind: ServiceAccount
  name: kubernetes-dashboard
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: platform-admins
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
- kind: Group
  apiGroup: rbac.authorization.k8s.io
  name: platform-admins
- kind: ServiceAccount
  name: kubernetes-dashboard
  namespace: other
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: kubernetes-dashboard
  namespace: kubernetes-dashboard
spec:
  selector:
    matchLabels: {k8s-app: kubernetes-dashboard}
  template:
    metadata:
      labels: {k8s-app: kubernetes-dashboard}
    spec:
      serviceAccountName: kubernetes-dashboard
      containers:
      - name: kubernetes-dashboard
        image: kubernetesui/dashboard:v2.7.0
        args: [--auto-generate-certificates, --namespace=kubernetes-dashboard, --enable-skip-login=false]
---
apiVersion: v1
kind: Service
metadata:
  name: kubernetes-dashboard
  namespace: kubernetes-dashboard
spec:
  selector: {k8s-app: kubernetes-dashboard}
  ports:
  - {port: 443, targetPort: 8443}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: dashboard-metrics-scraper
  namespace: kubernetes-dashboard
spec:
  selector:
    matchLabels: {k8s-app: dashboard-metrics-scraper}
  template:
    metadata:
      labels: {k8s-app: dashboard-metrics-scraper}
    spec:
      containers:
      - name: dashboard-metrics-scraper
        image: kubernetesui/metrics-scraper:v1.0.8
---
apiVersion: v1
kind: Service
metadata:
  name: dashboard-metrics-scraper
  namespace: kubernetes-dashboard
spec:
  type: LoadBalancer
  selector: {k8s-app: dashboard-metrics-scraper}
  ports:
  - {port: 8000}
---
apiVersion: v1
kind: Service
metadata:
  name: kubernetes-dashboard
  namespace: other
spec:
  type: NodePort
  selector: {k8s-app: kubernetes-dashboard}
  ports:
  - {port: 443}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: other
  namespace: other
spec:
  rules:
  - host: other.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: kubernetes-dashboard, port: {number: 443}}}}
`

func TestTeslaDashboard(t *testing.T) {
	expect(t, "exposure/dashboard-exposed", checktest.Run(t, "exposure/dashboard-exposed", nil, tesla), []want{{
		"Service/kubernetes-dashboard", "spec.type",
		[]string{`Service "kubernetes-dashboard" of type LoadBalancer`, "deployment.apps/kubernetes-dashboard -n kube-system",
			`image "k8s.gcr.io/kubernetes-dashboard-amd64:v1.8.3"`, "443/TCP", "--enable-skip-login lets anyone in"},
	}})
	skip := checktest.Run(t, "exposure/dashboard-skip-login", nil, tesla)
	expect(t, "exposure/dashboard-skip-login", skip, []want{{
		"Deployment/kubernetes-dashboard", "spec.template.spec.containers[0].args[1]",
		[]string{`dashboard container "kubernetes-dashboard"`, "--enable-skip-login", `service account "kubernetes-dashboard"`},
	}})
	assertFix(t, skip[0].Fix, []check.PatchOp{{Op: "remove", Path: "/spec/template/spec/containers/0/args/1"}})
	admin := checktest.Run(t, "exposure/dashboard-cluster-admin", nil, tesla)
	expect(t, "exposure/dashboard-cluster-admin", admin, []want{{
		"ClusterRoleBinding/kubernetes-dashboard", "subjects[0]",
		[]string{`ClusterRoleBinding "kubernetes-dashboard" binds ClusterRole cluster-admin`, "ServiceAccount kube-system/kubernetes-dashboard",
			"deployment.apps/kubernetes-dashboard -n kube-system", "in the whole cluster"},
	}})
	assertFix(t, admin[0].Fix, []check.PatchOp{{Op: "remove", Path: "/subjects/0"}})
	for _, f := range append(append(checktest.Run(t, "exposure/dashboard-exposed", nil, tesla), skip...), admin...) {
		if f.Severity != check.SeverityCritical || f.Vector != check.VectorAPIExposure || f.Strategy != check.StrategyAuthnAuthz {
			t.Errorf("%s: %s/%s/%s, want critical/api-exposure/authn-authz", f.CheckID, f.Severity, f.Vector, f.Strategy)
		}
		if f.Position.Line == 0 {
			t.Errorf("%s: no source position", f.CheckID)
		}
	}
	if got := checktest.Run(t, "exposure/dashboard-settings-authorizer-disabled", nil, tesla); len(got) != 0 {
		t.Errorf("settings authorizer: %d findings, want 0", len(got))
	}
}

func TestHardenedDashboard(t *testing.T) {
	for _, id := range dashboardChecks {
		if got := checktest.Run(t, id, nil, hardened); len(got) != 0 {
			for _, f := range got {
				t.Logf("%s/%s %s: %s", f.Object.Kind, f.Object.Name, f.Field, f.Message)
			}
			t.Errorf("%s: %d findings on the hardened dashboard, want 0", id, len(got))
		}
	}
}

// dashboardV2 is a v2 dashboard Deployment with the given extra args and
// serviceAccountName line (may be empty).
func dashboardV2(args, sa string) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: kubernetes-dashboard
  namespace: kubernetes-dashboard
spec:
  selector:
    matchLabels: {k8s-app: kubernetes-dashboard}
  template:
    metadata:
      labels: {k8s-app: kubernetes-dashboard}
    spec:
` + sa + `      containers:
      - name: kubernetes-dashboard
        image: kubernetesui/dashboard:v2.7.0
        args: [--auto-generate-certificates` + args + `]
`
}

const dashboardClusterIP = `apiVersion: v1
kind: Service
metadata:
  name: kubernetes-dashboard
  namespace: kubernetes-dashboard
spec:
  selector: {k8s-app: kubernetes-dashboard}
  ports:
  - {port: 443, targetPort: 8443}
`

func TestDashboardExposed(t *testing.T) {
	run(t, "exposure/dashboard-exposed", []testCase{
		{
			name: "ingress to a ClusterIP dashboard service",
			yaml: dashboardV2("", "") + "---\n" + dashboardClusterIP + `---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: ops
  namespace: kubernetes-dashboard
spec:
  tls:
  - hosts: [dash.example.com]
    secretName: dash-tls
  rules:
  - host: dash.example.com
    http:
      paths:
      - {path: /grafana, pathType: Prefix, backend: {service: {name: grafana, port: {number: 80}}}}
      - {path: /, pathType: Prefix, backend: {service: {name: kubernetes-dashboard, port: {number: 443}}}}
      - {path: /k8s, pathType: Prefix, backend: {service: {name: kubernetes-dashboard, port: {number: 443}}}}
`,
			wants: []want{{"Ingress/ops", "spec.rules[0].http.paths[1].backend.service.name",
				[]string{`Ingress "ops" routes host "dash.example.com" path "/" to Service "kubernetes-dashboard"`, `image "kubernetesui/dashboard:v2.7.0"`}}},
		},
		{
			name: "NodePort and externalIPs services, detected by v3 label",
			yaml: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: dash-api
  namespace: dash
spec:
  selector:
    matchLabels: {app.kubernetes.io/name: kubernetes-dashboard-api}
  template:
    metadata:
      labels: {app.kubernetes.io/name: kubernetes-dashboard-api, app.kubernetes.io/part-of: kubernetes-dashboard}
    spec:
      containers:
      - name: api
        image: registry.corp/mirror/api:1.0
---
apiVersion: v1
kind: Service
metadata:
  name: dash-np
  namespace: dash
spec:
  type: NodePort
  selector: {app.kubernetes.io/part-of: kubernetes-dashboard}
  ports:
  - {port: 8000, nodePort: 30800}
---
apiVersion: v1
kind: Service
metadata:
  name: dash-ext
  namespace: dash
spec:
  externalIPs: [198.51.100.7]
  selector: {app.kubernetes.io/name: kubernetes-dashboard-api}
  ports:
  - {port: 8000}
`,
			wants: []want{
				{"Service/dash-np", "spec.type", []string{"of type NodePort", "label app.kubernetes.io/name=kubernetes-dashboard-api"}},
				{"Service/dash-ext", "spec.externalIPs", []string{`with externalIPs "198.51.100.7"`, "deployment.apps/dash-api -n dash"}},
			},
		},
		{
			name: "ClusterIP only",
			yaml: dashboardV2("", "") + "---\n" + dashboardClusterIP,
		},
	})
}

func TestDashboardSkipLogin(t *testing.T) {
	run(t, "exposure/dashboard-skip-login", []testCase{
		{
			name: "explicit true, default service account",
			yaml: dashboardV2(", --enable-skip-login=true", ""),
			wants: []want{{"Deployment/kubernetes-dashboard", "spec.template.spec.containers[0].args[1]",
				[]string{"--enable-skip-login=true", `service account "default"`}}},
		},
		{
			name: "mirrored image without labels, found by its flag in command",
			yaml: `apiVersion: v1
kind: Pod
metadata:
  name: console
  namespace: ops
spec:
  containers:
  - name: ui
    image: registry.corp/mirror/console:2.7.0
    command: [/dashboard, --insecure-port=9090, --enable-skip-login]
`,
			wants: []want{{"Pod/console", "spec.containers[0].command[2]", []string{`dashboard container "ui"`, "--enable-skip-login"}}},
		},
		{
			name: "last occurrence wins",
			yaml: dashboardV2(", --enable-skip-login, --enable-skip-login=false", ""),
		},
		{
			name: "not a dashboard",
			yaml: `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
  - name: web
    image: nginx:1.25
    args: [--skip-login]
`,
		},
	})
}

func TestDashboardSettingsAuthorizer(t *testing.T) {
	run(t, "exposure/dashboard-settings-authorizer-disabled", []testCase{
		{
			name: "flag set",
			yaml: dashboardV2(", --disable-settings-authorizer", ""),
			wants: []want{{"Deployment/kubernetes-dashboard", "spec.template.spec.containers[0].args[1]",
				[]string{`dashboard container "kubernetes-dashboard"`, "--disable-settings-authorizer", "global settings"}}},
		},
		{name: "flag unset", yaml: dashboardV2(", --namespace=kubernetes-dashboard", "")},
	})
	f := only(t, checktest.Run(t, "exposure/dashboard-settings-authorizer-disabled", nil, dashboardV2(", --disable-settings-authorizer", "")))
	if f.Severity != check.SeverityHigh {
		t.Errorf("severity %s, want high", f.Severity)
	}
}

func TestDashboardClusterAdmin(t *testing.T) {
	binding := func(kind, ns, subject string) string {
		meta := "  name: dash-admin\n"
		if ns != "" {
			meta += "  namespace: " + ns + "\n"
		}
		return `apiVersion: rbac.authorization.k8s.io/v1
kind: ` + kind + `
metadata:
` + meta + `roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
` + subject
	}
	run(t, "exposure/dashboard-cluster-admin", []testCase{
		{
			name: "default service account through the namespace's service-account group",
			yaml: dashboardV2("", "") + "---\n" + binding("ClusterRoleBinding", "", `- kind: User
  apiGroup: rbac.authorization.k8s.io
  name: alice@example.com
- kind: Group
  apiGroup: rbac.authorization.k8s.io
  name: system:serviceaccounts:kubernetes-dashboard
`),
			wants: []want{{"ClusterRoleBinding/dash-admin", "subjects[1]",
				[]string{`Group "system:serviceaccounts:kubernetes-dashboard"`, "deployment.apps/kubernetes-dashboard -n kubernetes-dashboard"}}},
		},
		{
			name: "RoleBinding in another namespace, user name of the service account",
			yaml: dashboardV2("", "      serviceAccountName: dash\n") + "---\n" + binding("RoleBinding", "payments", `- kind: User
  apiGroup: rbac.authorization.k8s.io
  name: system:serviceaccount:kubernetes-dashboard:dash
`),
			wants: []want{{"RoleBinding/dash-admin", "subjects[0]",
				[]string{`RoleBinding "dash-admin"`, `User "system:serviceaccount:kubernetes-dashboard:dash"`, `in namespace "payments"`}}},
		},
		{
			name: "RoleBinding subject without namespace takes the binding's",
			yaml: dashboardV2("", "      serviceAccountName: dash\n") + "---\n" + binding("RoleBinding", "kubernetes-dashboard", `- kind: ServiceAccount
  name: dash
`),
			wants: []want{{"RoleBinding/dash-admin", "subjects[0]", []string{"ServiceAccount kubernetes-dashboard/dash"}}},
		},
		{
			name: "cluster-admin for someone else, admin for the dashboard",
			yaml: dashboardV2("", "      serviceAccountName: dash\n") + "---\n" + binding("ClusterRoleBinding", "", `- kind: ServiceAccount
  name: dash
  namespace: elsewhere
- kind: ServiceAccount
  name: default
  namespace: kubernetes-dashboard
`) + `---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: dash-view
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
- kind: ServiceAccount
  name: dash
  namespace: kubernetes-dashboard
`,
		},
	})
}

func TestDashboardChecksMetadata(t *testing.T) {
	for _, id := range dashboardChecks {
		c, ok := check.Default().Get(id)
		if !ok {
			t.Fatalf("%s not registered", id)
		}
		if c.Vector != check.VectorAPIExposure || c.Strategy != check.StrategyAuthnAuthz || !strings.HasPrefix(c.ID, "exposure/dashboard-") {
			t.Errorf("%s: vector %s strategy %s", id, c.Vector, c.Strategy)
		}
	}
}
