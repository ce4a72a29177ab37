package synth

// Namespaces, Services, Ingresses, RBAC, ServiceAccounts, NetworkPolicies,
// Secrets and ConfigMaps.

import "encoding/base64"

func (g *gen) namespace(bad bool) {
	g.nsSeq++
	team, env := g.pickStr(teams), g.pickStr(envs)
	g.ns = namespace{name: team + "-" + env + "-" + itoa(g.nsSeq), team: team, env: env}
	labels := []pair{{"team", team}, {"env", env}}
	switch {
	case bad && g.chance(2):
		g.issue(IssuePSSPrivileged)
		labels = append(labels, pair{"pod-security.kubernetes.io/enforce", "privileged"})
	case bad:
		g.issue(IssueNoPSSLabels)
	default:
		level := "restricted"
		if g.chance(4) {
			level = "baseline"
		}
		labels = append(labels,
			pair{"pod-security.kubernetes.io/enforce", level},
			pair{"pod-security.kubernetes.io/enforce-version", "latest"},
			pair{"pod-security.kubernetes.io/audit", "restricted"},
			pair{"pod-security.kubernetes.io/warn", "restricted"},
		)
	}
	g.begin("v1", "Namespace")
	g.meta(g.ns.name, "", labels, []pair{
		{"owner", team + "-oncall@example.com"},
		{"scheduler.alpha.kubernetes.io/node-selector", "kubernetes.io/os=linux"},
	})
}

func (g *gen) service(bad bool) {
	a := g.pickApp()
	typ := "ClusterIP"
	var ann []pair
	switch {
	case bad && g.chance(3):
		typ = "NodePort"
		g.issue(IssueNodePort)
	case bad:
		typ = "LoadBalancer"
		g.issue(IssueLoadBalancerOpen)
	case g.chance(6):
		typ = "LoadBalancer"
		ann = append(ann, pair{"service.beta.kubernetes.io/aws-load-balancer-scheme", "internal"})
	}
	if typ == "LoadBalancer" {
		ann = append(ann, pair{"service.beta.kubernetes.io/aws-load-balancer-type", "nlb"})
	}
	name := a.name
	if g.chance(3) {
		name += "-" + g.hex(4)
	}
	g.begin("v1", "Service")
	g.meta(name, g.ns.name, g.appLabels(a), ann)
	g.l(0, "spec:")
	g.kv(2, "type", typ)
	g.l(2, "selector:")
	g.selectorLabels(4, a)
	g.l(2, "ports:")
	g.l(2, "- name: "+portName(a.comp))
	g.kv(4, "port", itoa(servicePort(a.comp)))
	g.kv(4, "targetPort", portName(a.comp))
	g.kv(4, "protocol", "TCP")
	if typ == "NodePort" {
		g.kv(4, "nodePort", itoa(30000+g.nodePorts%2768))
		g.nodePorts++
	}
	g.l(2, "- name: metrics")
	g.kv(4, "port", "9090")
	g.kv(4, "targetPort", "metrics")
	g.kv(4, "protocol", "TCP")
	if typ == "LoadBalancer" {
		g.kv(2, "externalTrafficPolicy", "Local")
		if !bad {
			g.l(2, "loadBalancerSourceRanges:")
			g.l(2, "- 10.0.0.0/8")
			g.l(2, "- 192.168.0.0/16")
		}
	}
	g.kv(2, "sessionAffinity", "None")
}

func servicePort(c *component) int {
	if c.probe == "http" {
		return 80
	}
	return c.port
}

func (g *gen) ingress(bad bool) {
	a := g.pickApp()
	host := a.comp.name + "." + g.ns.env + "." + g.pickStr(domains)
	ann := []pair{{"cert-manager.io/cluster-issuer", "letsencrypt-prod"}}
	if bad {
		g.issue(IssueIngressNoTLS)
		ann = []pair{{"nginx.ingress.kubernetes.io/ssl-redirect", "false"}}
	} else {
		ann = append(ann, pair{"nginx.ingress.kubernetes.io/force-ssl-redirect", "true"})
	}
	ann = append(ann, pair{"nginx.ingress.kubernetes.io/proxy-body-size", "8m"})
	g.begin("networking.k8s.io/v1", "Ingress")
	g.meta(a.name+"-"+g.hex(4), g.ns.name, g.appLabels(a), ann)
	g.l(0, "spec:")
	g.kv(2, "ingressClassName", g.pickStr(ingressClasses))
	if !bad {
		g.l(2, "tls:")
		g.l(2, "- hosts:")
		g.l(4, "- "+host)
		g.kv(4, "secretName", a.name+"-tls")
	}
	g.l(2, "rules:")
	g.l(2, "- host: "+host)
	g.l(4, "http:")
	g.l(6, "paths:")
	for i, path := range []string{"/", "/api"}[:1+g.r.IntN(2)] {
		g.l(6, "- path: "+path)
		g.kv(8, "pathType", "Prefix")
		g.l(8, "backend:")
		g.l(10, "service:")
		g.kv(12, "name", a.name)
		g.l(12, "port:")
		if i == 0 {
			g.kv(14, "name", portName(a.comp))
		} else {
			g.kv(14, "number", itoa(servicePort(a.comp)))
		}
	}
}

// rules writes RBAC rules; weak ones grant one dangerous permission.
func (g *gen) rules(bad, cluster bool) {
	g.l(0, "rules:")
	if bad {
		n := 4
		if cluster {
			n = 5
		}
		switch g.r.IntN(n) {
		case 0:
			g.issue(IssueRBACWildcard)
			g.l(0, `- apiGroups: ["*"]`)
			g.l(2, `resources: ["*"]`)
			g.l(2, `verbs: ["*"]`)
		case 1:
			g.issue(IssueRBACSecrets)
			g.l(0, `- apiGroups: [""]`)
			g.l(2, `resources: ["secrets"]`)
			g.l(2, `verbs: ["get", "list", "watch"]`)
		case 2:
			g.issue(IssueRBACExec)
			g.l(0, `- apiGroups: [""]`)
			g.l(2, `resources: ["pods/exec", "pods/attach"]`)
			g.l(2, `verbs: ["create", "get"]`)
		case 3:
			g.issue(IssueRBACEscalate)
			g.l(0, `- apiGroups: ["rbac.authorization.k8s.io"]`)
			g.l(2, `resources: ["roles", "rolebindings"]`)
			g.l(2, `verbs: ["escalate", "bind", "create", "update"]`)
		case 4:
			g.issue(IssueRBACEscalate)
			g.l(0, `- apiGroups: [""]`)
			g.l(2, `resources: ["users", "groups", "serviceaccounts"]`)
			g.l(2, `verbs: ["impersonate"]`)
		}
	}
	g.l(0, `- apiGroups: [""]`)
	g.l(2, `resources: ["configmaps", "services", "endpoints"]`)
	g.l(2, `verbs: ["get", "list", "watch"]`)
	g.l(0, `- apiGroups: ["apps"]`)
	g.l(2, `resources: ["deployments", "statefulsets"]`)
	g.l(2, `verbs: ["get", "list", "watch"]`)
	if g.chance(2) {
		g.l(0, `- apiGroups: ["coordination.k8s.io"]`)
		g.l(2, `resources: ["leases"]`)
		g.l(2, `verbs: ["get", "create", "update"]`)
	}
}

func (g *gen) role(bad bool) {
	a := g.pickApp()
	name := a.name + "-" + g.pickStr([]string{"reader", "controller", "operator"})
	g.ns.roles = append(g.ns.roles, name)
	g.begin("rbac.authorization.k8s.io/v1", "Role")
	g.meta(name, g.ns.name, g.appLabels(a), nil)
	g.rules(bad, false)
}

func (g *gen) clusterRole(bad bool) {
	a := g.pickApp()
	g.begin("rbac.authorization.k8s.io/v1", "ClusterRole")
	g.meta(g.ns.name+"-"+a.name+"-"+g.pickStr([]string{"view", "aggregate", "controller"}), "", g.appLabels(a), nil)
	g.rules(bad, true)
}

// bindingTo writes roleRef and subjects. Weak bindings grant cluster-admin,
// bind anonymous users, or give the default ServiceAccount edit rights.
func (g *gen) bindingTo(bad, cluster bool, roleKind, roleName string) {
	subjects := func(kind, name, ns string) {
		g.l(0, "subjects:")
		g.l(0, "- kind: "+kind)
		g.kv(2, "name", name)
		if kind == "ServiceAccount" {
			g.kv(2, "namespace", ns)
		} else {
			g.kv(2, "apiGroup", "rbac.authorization.k8s.io")
		}
	}
	roleRef := func(kind, name string) {
		g.l(0, "roleRef:")
		g.kv(2, "apiGroup", "rbac.authorization.k8s.io")
		g.kv(2, "kind", kind)
		g.kv(2, "name", name)
	}
	sa := g.pickSA()
	if !bad {
		roleRef(roleKind, roleName)
		subjects("ServiceAccount", sa, g.ns.name)
		return
	}
	switch g.r.IntN(3) {
	case 0:
		g.issue(IssueBindClusterAdmin)
		roleRef("ClusterRole", "cluster-admin")
		subjects("ServiceAccount", sa, g.ns.name)
	case 1:
		g.issue(IssueBindAnonymous)
		if cluster {
			roleRef("ClusterRole", g.pickStr([]string{"view", "system:discovery", "edit"}))
		} else {
			roleRef(roleKind, roleName)
		}
		subjects("Group", g.pickStr([]string{"system:anonymous", "system:unauthenticated", "system:authenticated"}), "")
	default:
		g.issue(IssueBindDefaultSA)
		roleRef("ClusterRole", g.pickStr([]string{"edit", "admin"}))
		subjects("ServiceAccount", "default", g.ns.name)
	}
}

func (g *gen) pickSA() string {
	if n := len(g.ns.sas); n > 0 {
		return g.ns.sas[g.r.IntN(n)]
	}
	return g.pickApp().name
}

func (g *gen) roleBinding(bad bool) {
	a := g.pickApp()
	roleKind, role := "Role", a.name+"-reader"
	if n := len(g.ns.roles); n > 0 {
		role = g.ns.roles[g.r.IntN(n)]
	} else if g.chance(2) {
		roleKind, role = "ClusterRole", "view"
	}
	g.begin("rbac.authorization.k8s.io/v1", "RoleBinding")
	g.meta(a.name+"-"+g.hex(5), g.ns.name, g.appLabels(a), nil)
	g.bindingTo(bad, false, roleKind, role)
}

func (g *gen) clusterRoleBinding(bad bool) {
	a := g.pickApp()
	g.begin("rbac.authorization.k8s.io/v1", "ClusterRoleBinding")
	g.meta(g.ns.name+"-"+a.name+"-"+g.hex(5), "", g.appLabels(a), nil)
	g.bindingTo(bad, true, "ClusterRole", g.pickStr([]string{"view", "system:auth-delegator", g.ns.name + "-" + a.name + "-view"}))
}

func (g *gen) serviceAccount(bad bool) {
	a := g.pickApp()
	g.ns.sas = append(g.ns.sas, a.name)
	g.begin("v1", "ServiceAccount")
	g.meta(a.name, g.ns.name, g.appLabels(a), []pair{
		{"eks.amazonaws.com/role-arn", "arn:aws:iam::123456789012:role/" + g.ns.name + "-" + a.comp.name},
	})
	if bad {
		g.issue(IssueSAAutomount)
		if g.chance(2) {
			g.kv(0, "automountServiceAccountToken", "true")
		}
	} else {
		g.kv(0, "automountServiceAccountToken", "false")
	}
	if g.chance(3) {
		g.l(0, "imagePullSecrets:")
		g.l(0, "- name: registry-credentials")
	}
}

func (g *gen) networkPolicy(bad bool) {
	a := g.pickApp()
	g.begin("networking.k8s.io/v1", "NetworkPolicy")
	switch {
	case bad && g.chance(2):
		g.issue(IssueNetpolAllowAll)
		g.meta("allow-all-"+g.hex(5), g.ns.name, []pair{{"team", g.ns.team}}, nil)
		g.l(0, "spec:")
		g.l(2, "podSelector: {}")
		g.l(2, "policyTypes:")
		g.l(2, "- Ingress")
		g.l(2, "- Egress")
		g.l(2, "ingress:")
		g.l(2, "- {}")
		g.l(2, "egress:")
		g.l(2, "- {}")
		return
	case !bad && g.chance(4):
		g.meta("default-deny-"+g.hex(5), g.ns.name, []pair{{"team", g.ns.team}}, nil)
		g.l(0, "spec:")
		g.l(2, "podSelector: {}")
		g.l(2, "policyTypes:")
		g.l(2, "- Ingress")
		g.l(2, "- Egress")
		return
	}
	g.meta(a.name+"-"+g.hex(5), g.ns.name, g.appLabels(a), nil)
	g.l(0, "spec:")
	g.l(2, "podSelector:")
	g.l(4, "matchLabels:")
	g.selectorLabels(6, a)
	g.l(2, "policyTypes:")
	g.l(2, "- Ingress")
	g.l(2, "- Egress")
	g.l(2, "ingress:")
	g.l(2, "- from:")
	g.l(4, "- namespaceSelector:")
	g.l(8, "matchLabels:")
	g.kq(10, "kubernetes.io/metadata.name", "ingress-nginx")
	g.l(4, "- podSelector:")
	g.l(8, "matchLabels:")
	g.kq(10, "app.kubernetes.io/part-of", g.ns.team)
	g.l(4, "ports:")
	g.l(4, "- protocol: TCP")
	g.kv(6, "port", itoa(a.comp.port))
	g.l(2, "egress:")
	g.l(2, "- to:")
	g.l(4, "- namespaceSelector: {}")
	g.l(6, "podSelector:")
	g.l(8, "matchLabels:")
	g.kq(10, "k8s-app", "kube-dns")
	g.l(4, "ports:")
	g.l(4, "- protocol: UDP")
	g.kv(6, "port", "53")
	g.l(4, "- protocol: TCP")
	g.kv(6, "port", "53")
	g.l(2, "- to:")
	if bad {
		g.issue(IssueNetpolMetadata)
		g.l(4, "- ipBlock:")
		g.kv(8, "cidr", "0.0.0.0/0")
	} else {
		g.l(4, "- ipBlock:")
		g.kv(8, "cidr", "10.0.0.0/8")
		g.l(4, "- ipBlock:")
		g.kv(8, "cidr", "0.0.0.0/0")
		g.l(8, "except:")
		g.l(8, "- 169.254.169.254/32")
		g.l(8, "- 10.0.0.0/8")
	}
	g.l(4, "ports:")
	g.l(4, "- protocol: TCP")
	g.kv(6, "port", "443")
}

func (g *gen) secret(bad bool) {
	a := g.pickApp()
	s := g.seq
	if bad {
		switch g.r.IntN(3) {
		case 0:
			g.issue(IssueSATokenSecret)
			sa := g.pickSA()
			g.begin("v1", "Secret")
			g.meta(sa+"-token-"+g.hex(5), g.ns.name, nil, []pair{
				{"kubernetes.io/service-account.name", sa},
				{"kubernetes.io/service-account.uid", g.uid()},
			})
			g.kv(0, "type", "kubernetes.io/service-account-token")
			g.l(0, "data:")
			g.kv(2, "ca.crt", fake("ca-crt", s))
			g.kv(2, "namespace", fake("namespace", s))
			g.kv(2, "token", fake("service-account-token", s))
			return
		case 1:
			g.issue(IssueSecretStringData)
			g.begin("v1", "Secret")
			g.meta(a.name+"-db", g.ns.name, g.appLabels(a), nil)
			g.kv(0, "type", "Opaque")
			g.l(0, "stringData:")
			g.kq(2, "username", "app")
			g.kq(2, "password", "fake-password-not-a-real-secret-"+itoa(s))
			g.kq(2, "url", "postgres://app:fake-password-not-a-real-secret-"+itoa(s)+"@"+a.name+"-db:5432/app")
			return
		default:
			g.issue(IssueSecretLastApplied)
			g.begin("v1", "Secret")
			name := a.name + "-api-keys"
			g.meta(name, g.ns.name, g.appLabels(a), []pair{{"kubectl.kubernetes.io/last-applied-configuration",
				`{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"` + name + `\",\"namespace\":\"` + g.ns.name +
					`\"},\"stringData\":{\"api-key\":\"fake-api-key-not-a-real-secret-` + itoa(s) + `\"},\"type\":\"Opaque\"}`}})
			g.kv(0, "type", "Opaque")
			g.l(0, "data:")
			g.kv(2, "api-key", fake("api-key", s))
			return
		}
	}
	switch g.r.IntN(3) {
	case 0:
		g.begin("v1", "Secret")
		g.meta(a.name+"-tls", g.ns.name, g.appLabels(a), []pair{{"cert-manager.io/issuer-name", "letsencrypt-prod"}})
		g.kv(0, "type", "kubernetes.io/tls")
		g.l(0, "data:")
		g.kv(2, "tls.crt", fake("tls-certificate", s))
		g.kv(2, "tls.key", fake("tls-private-key", s))
	case 1:
		g.begin("v1", "Secret")
		g.meta("registry-credentials", g.ns.name, []pair{{"team", g.ns.team}}, nil)
		g.kv(0, "type", "kubernetes.io/dockerconfigjson")
		g.l(0, "data:")
		// The API server checks that this key holds a JSON document.
		g.kv(2, ".dockerconfigjson", base64.StdEncoding.EncodeToString([]byte(`{"auths":{"registry.example.com":{"auth":"`+fake("registry-auth", s)+`"}}}`)))
	default:
		g.begin("v1", "Secret")
		g.meta(a.name+"-db", g.ns.name, g.appLabels(a), nil)
		g.kv(0, "type", "Opaque")
		g.l(0, "data:")
		g.kv(2, "username", fake("username", s))
		g.kv(2, "password", fake("password", s))
		g.kv(2, "url", fake("database-url", s))
	}
}

func (g *gen) configMap(bad bool) {
	a := g.pickApp()
	suffix := g.pickStr([]string{"-config", "-env"})
	g.begin("v1", "ConfigMap")
	g.meta(a.name+suffix, g.ns.name, g.appLabels(a), nil)
	g.l(0, "data:")
	g.kq(2, "LOG_LEVEL", g.pickStr([]string{"info", "debug", "warn"}))
	g.kq(2, "HTTP_PORT", itoa(a.comp.port))
	g.kq(2, "FEATURE_FLAGS", "new-checkout,fast-search,dark-mode")
	g.kq(2, "CACHE_TTL", "300s")
	if bad {
		g.issue(IssueConfigMapSecretKey)
		s := itoa(g.seq)
		switch g.r.IntN(3) {
		case 0:
			g.kq(2, "DB_PASSWORD", "fake-password-not-a-real-secret-"+s)
		case 1:
			g.kq(2, "AWS_SECRET_ACCESS_KEY", "fake-aws-secret-not-a-real-secret-"+s)
		default:
			g.kq(2, "api_key", "fake-api-key-not-a-real-secret-"+s)
			g.kq(2, "client_secret", "fake-client-secret-not-a-real-secret-"+s)
		}
	}
	g.l(2, "app.yaml: |")
	g.l(4, "server:")
	g.l(6, "port: "+itoa(a.comp.port))
	g.l(6, "readTimeout: 15s")
	g.l(6, "writeTimeout: 30s")
	g.l(4, "database:")
	g.l(6, "host: "+a.name+"-db."+g.ns.name+".svc.cluster.local")
	g.l(6, "pool: 20")
	g.l(4, "tracing:")
	g.l(6, "enabled: true")
	g.l(6, "sampleRate: 0.05")
}
