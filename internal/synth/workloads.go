package synth

import "strings"

// podPlan decides, before anything is written, what a pod template holds
// and which weaknesses it carries.
type podPlan struct {
	a          app
	containers []*component
	inits      int
	restart    string // "" leaves the default (Always)
	stateful   bool   // mounts the "data" volume claim
	node       bool   // DaemonSet: tolerates control-plane taints

	// Pod-level weaknesses.
	hostPID, hostNetwork, hostIPC, hostPathRoot, dockerSocket bool
	// Container-level weaknesses, all written into containers[bad].
	bad                                                  int
	privileged, runAsRoot, netAdmin, sysAdmin, latest    bool
	noLimits, passwordEnv, privilegeEscalation, hostPort bool
}

var podIssues = []Issue{
	IssuePrivileged, IssueHostPathRoot, IssueDockerSocket, IssueHostPID, IssueHostNetwork,
	IssueHostIPC, IssueHostPort, IssueLatestTag, IssueNoLimits, IssueRunAsRoot,
	IssueNetAdmin, IssueSysAdmin, IssuePrivilegeEsc, IssuePasswordEnv,
}

func (g *gen) planPod(a app, bad bool) *podPlan {
	p := &podPlan{a: a, containers: []*component{a.comp}}
	switch n := g.r.IntN(100); {
	case n < 16:
		p.containers = append(p.containers, &sidecars[g.r.IntN(len(sidecars))])
	case n < 20:
		i := g.r.IntN(len(sidecars))
		p.containers = append(p.containers, &sidecars[i], &sidecars[(i+1)%len(sidecars)])
	}
	if g.chance(5) {
		p.inits = 1
		if g.chance(4) {
			p.inits = 2
		}
	}
	if !bad {
		return p
	}
	p.bad = g.r.IntN(len(p.containers))
	n := 1 + g.r.IntN(3)
	var chosen [4]Issue
	for k := 0; k < n; {
		is := podIssues[g.r.IntN(len(podIssues))]
		dup := false
		for _, c := range chosen[:k] {
			dup = dup || c == is
		}
		if !dup {
			chosen[k] = is
			k++
		}
	}
	for _, is := range chosen[:n] {
		g.issue(is)
		switch is {
		case IssuePrivileged:
			p.privileged = true
		case IssueHostPathRoot:
			p.hostPathRoot = true
		case IssueDockerSocket:
			p.dockerSocket = true
		case IssueHostPID:
			p.hostPID = true
		case IssueHostNetwork:
			p.hostNetwork = true
		case IssueHostIPC:
			p.hostIPC = true
		case IssueHostPort:
			p.hostPort = true
		case IssueLatestTag:
			p.latest = true
		case IssueNoLimits:
			p.noLimits = true
		case IssueRunAsRoot:
			p.runAsRoot = true
		case IssueNetAdmin:
			p.netAdmin = true
		case IssueSysAdmin:
			p.sysAdmin = true
		case IssuePrivilegeEsc:
			p.privilegeEscalation = true
		case IssuePasswordEnv:
			p.passwordEnv = true
		}
	}
	return p
}

// podTemplate writes "template:" with metadata and spec at indent n.
func (g *gen) podTemplate(n int, key string, p *podPlan) {
	g.l(n, key+":")
	g.podMeta(n+2, p)
	g.l(n+2, "spec:")
	g.podSpec(n+4, p)
}

func (g *gen) podMeta(n int, p *podPlan) {
	g.l(n, "metadata:")
	g.l(n+2, "labels:")
	g.selectorLabels(n+4, p.a)
	if g.chance(3) {
		g.l(n+2, "annotations:")
		g.kq(n+4, "checksum/config", g.hex(64))
	}
}

// podSpec writes the fields of a pod spec at indent n.
func (g *gen) podSpec(n int, p *podPlan) {
	a := p.a
	g.stats.Containers += p.inits + len(p.containers)
	if g.chance(4) {
		g.kv(n, "serviceAccountName", "default")
	} else {
		g.kv(n, "serviceAccountName", a.name)
	}
	g.kv(n, "automountServiceAccountToken", "false")
	if p.restart != "" {
		g.kv(n, "restartPolicy", p.restart)
	}
	if g.chance(3) {
		g.kv(n, "terminationGracePeriodSeconds", pickInt(g, 60, 10, 120))
	}
	if p.hostPID {
		g.kv(n, "hostPID", "true")
	}
	if p.hostNetwork {
		g.kv(n, "hostNetwork", "true")
		g.kv(n, "dnsPolicy", "ClusterFirstWithHostNet")
	}
	if p.hostIPC {
		g.kv(n, "hostIPC", "true")
	}
	g.l(n, "securityContext:")
	if !p.runAsRoot {
		g.kv(n+2, "runAsNonRoot", "true")
		g.kv(n+2, "runAsUser", "10001")
	}
	if p.stateful {
		g.kv(n+2, "fsGroup", "10001")
	}
	g.l(n+2, "seccompProfile: {type: RuntimeDefault}")
	if g.chance(3) {
		g.l(n, "nodeSelector:")
		g.kq(n+2, "kubernetes.io/os", g.pickStr(nodeOS))
	}
	if p.node {
		g.l(n, "tolerations:")
		g.l(n, "- key: node-role.kubernetes.io/control-plane")
		g.kv(n+2, "operator", "Exists")
		g.kv(n+2, "effect", "NoSchedule")
	} else if g.chance(8) {
		g.l(n, "affinity:")
		g.l(n+2, "podAntiAffinity:")
		g.l(n+4, "preferredDuringSchedulingIgnoredDuringExecution:")
		g.l(n+4, "- weight: 100")
		g.l(n+6, "podAffinityTerm:")
		g.kv(n+8, "topologyKey", "topology.kubernetes.io/zone")
		g.l(n+8, "labelSelector:")
		g.l(n+10, "matchLabels:")
		g.selectorLabels(n+12, a)
	}
	if p.inits > 0 {
		g.l(n, "initContainers:")
		for i := 0; i < p.inits; i++ {
			g.initContainer(n, p, i)
		}
	}
	g.l(n, "containers:")
	for i, c := range p.containers {
		g.container(n, p, i, c)
	}
	g.l(n, "volumes:")
	g.l(n, "- name: config")
	g.l(n+2, "configMap:")
	g.kv(n+4, "name", a.name+"-config")
	g.l(n, "- name: tmp")
	g.l(n+2, "emptyDir: {}")
	if a.comp.port == 8443 || a.comp.role == "frontend" {
		g.l(n, "- name: tls")
		g.l(n+2, "secret:")
		g.kv(n+4, "secretName", a.name+"-tls")
	}
	if p.hostPathRoot {
		g.l(n, "- name: host-root")
		g.l(n+2, "hostPath:")
		g.kv(n+4, "path", "/")
		g.kv(n+4, "type", "Directory")
	}
	if p.dockerSocket {
		g.l(n, "- name: docker-sock")
		g.l(n+2, "hostPath:")
		g.kv(n+4, "path", "/var/run/docker.sock")
		g.kv(n+4, "type", "Socket")
	}
}

func pickInt(g *gen, vs ...int) string { return itoa(vs[g.r.IntN(len(vs))]) }

func (g *gen) initContainer(n int, p *podPlan, i int) {
	g.l(n, "- name: init-"+itoa(i))
	c := n + 2
	g.kv(c, "image", g.pickStr(initImages))
	g.kv(c, "imagePullPolicy", "IfNotPresent")
	if i == 0 {
		g.f(c, `command: ["/bin/sh", "-c", "until nc -z %s-db 5432; do echo waiting for db; sleep 2; done"]`, p.a.name)
	} else {
		g.l(c, `command: ["/migrate", "-path", "/migrations", "-database", "$(DATABASE_URL)", "up"]`)
		g.l(c, "env:")
		g.l(c, "- name: DATABASE_URL")
		g.l(c+2, "valueFrom:")
		g.l(c+4, "secretKeyRef:")
		g.kv(c+6, "name", p.a.name+"-db")
		g.kv(c+6, "key", "url")
	}
	g.l(c, "resources:")
	g.l(c+2, "limits: {cpu: 100m, memory: 64Mi}")
	g.hardenedContext(c)
}

func (g *gen) hardenedContext(n int) {
	g.l(n, "securityContext:")
	g.kv(n+2, "allowPrivilegeEscalation", "false")
	g.kv(n+2, "readOnlyRootFilesystem", "true")
	g.l(n+2, "capabilities:")
	g.l(n+4, `drop: ["ALL"]`)
}

// image returns a container image reference; weak ones use :latest or no
// tag, the others a version tag and sometimes a digest.
func (g *gen) image(c *component, weak bool) string {
	reg := c.registry
	if reg == "" {
		reg = registries[g.r.IntN(len(registries))]
	}
	ref := reg + "/" + c.image
	switch {
	case weak && g.chance(3):
		return ref
	case weak:
		return ref + ":latest"
	case g.chance(4):
		return ref + ":" + c.version + "@sha256:" + g.hex(64)
	default:
		return ref + ":" + c.version
	}
}

func (g *gen) container(n int, p *podPlan, i int, c *component) {
	main, bad := i == 0, i == p.bad && (p.privileged || p.runAsRoot || p.netAdmin || p.sysAdmin ||
		p.latest || p.noLimits || p.passwordEnv || p.privilegeEscalation || p.hostPort)
	in := n + 2
	g.l(n, "- name: "+c.name)
	g.kv(in, "image", g.image(c, bad && p.latest))
	port := portName(c)
	if !main {
		port = "sidecar-" + itoa(i)
	}
	if bad && p.latest {
		g.kv(in, "imagePullPolicy", "Always")
	} else if g.chance(2) {
		g.kv(in, "imagePullPolicy", "IfNotPresent")
	}
	if main {
		g.f(in, `args: ["--port=%d", "--log-level=%s"]`, c.port, g.pickStr([]string{"info", "info", "debug", "warn"}))
	}
	g.l(in, "ports:")
	g.l(in, "- name: "+port)
	g.kv(in+2, "containerPort", itoa(c.port))
	if bad && p.hostPort {
		g.kv(in+2, "hostPort", itoa(c.port))
	}
	if main && g.chance(4) {
		g.l(in, "- name: metrics")
		g.kv(in+2, "containerPort", "9090")
	}
	g.env(in, p, c, main, bad && p.passwordEnv)
	if !(bad && p.noLimits) {
		g.l(in, "resources:")
		g.f(in+2, "requests: {cpu: %s, memory: %s}", c.cpu, c.memory)
		g.f(in+2, "limits: {cpu: %s, memory: %s}", double(c.cpu), double(c.memory))
	}
	if main {
		g.probe(in, "readinessProbe", c, 5)
		if g.r.IntN(10) < 7 {
			g.probe(in, "livenessProbe", c, 15)
		}
	}
	if bad {
		g.weakContext(in, p)
	} else {
		g.hardenedContext(in)
	}
	g.l(in, "volumeMounts:")
	g.l(in, "- {name: tmp, mountPath: /tmp}")
	if main {
		g.l(in, "- {name: config, mountPath: /etc/"+c.name+", readOnly: true}")
		if c.port == 8443 || c.role == "frontend" {
			g.l(in, "- name: tls")
			g.kv(in+2, "mountPath", "/etc/tls")
			g.kv(in+2, "readOnly", "true")
		}
		if p.stateful {
			g.l(in, "- name: data")
			g.kv(in+2, "mountPath", "/var/lib/"+c.name)
		}
	}
	if i == p.bad {
		if p.hostPathRoot {
			g.l(in, "- name: host-root")
			g.kv(in+2, "mountPath", "/host")
		}
		if p.dockerSocket {
			g.l(in, "- name: docker-sock")
			g.kv(in+2, "mountPath", "/var/run/docker.sock")
		}
	}
}

func portName(c *component) string {
	if c.probe == "http" {
		return "http"
	}
	return "tcp"
}

func (g *gen) weakContext(n int, p *podPlan) {
	g.l(n, "securityContext:")
	if p.privileged {
		g.kv(n+2, "privileged", "true")
	}
	if p.privileged || p.privilegeEscalation {
		g.kv(n+2, "allowPrivilegeEscalation", "true")
	} else {
		g.kv(n+2, "allowPrivilegeEscalation", "false")
	}
	if p.runAsRoot {
		g.kv(n+2, "runAsUser", "0")
		g.kv(n+2, "runAsNonRoot", "false")
	}
	if !p.privilegeEscalation {
		g.kv(n+2, "readOnlyRootFilesystem", "true")
	}
	if p.netAdmin || p.sysAdmin || !p.privilegeEscalation {
		g.l(n+2, "capabilities:")
		if p.netAdmin || p.sysAdmin {
			g.l(n+4, "add:")
			if p.netAdmin {
				g.l(n+4, "- NET_ADMIN")
			}
			if p.sysAdmin {
				g.l(n+4, "- SYS_ADMIN")
			}
		}
		if !p.privilegeEscalation {
			g.l(n+4, `drop: ["ALL"]`)
		}
	}
}

// env writes the env of a container: the main container gets its
// settings and a database password (from a Secret, or literally when weak);
// a weak sidecar gets only the literal password.
func (g *gen) env(n int, p *podPlan, c *component, main, password bool) {
	opened := false
	item := func(name string) {
		if !opened {
			g.l(n, "env:")
			opened = true
		}
		g.l(n, "- name: "+name)
	}
	if main && g.chance(2) {
		item("POD_NAMESPACE")
		g.l(n+2, "valueFrom:")
		g.l(n+4, "fieldRef: {fieldPath: metadata.namespace}")
	}
	switch {
	case main && (c.role == "backend" || c.role == "worker"):
		item("DB_HOST")
		g.kq(n+2, "value", p.a.name+"-db."+g.ns.name+".svc")
		item("DB_PASSWORD")
		if password {
			g.kq(n+2, "value", "fake-password-not-a-real-secret-"+itoa(g.seq))
		} else {
			g.l(n+2, "valueFrom:")
			g.l(n+4, "secretKeyRef: {name: "+p.a.name+"-db, key: password}")
		}
	case password:
		item("ADMIN_PASSWORD")
		g.kq(n+2, "value", "fake-password-not-a-real-secret-"+itoa(g.seq))
	}
	if main && g.chance(3) {
		g.l(n, "envFrom:")
		g.l(n, "- configMapRef:")
		g.kv(n+4, "name", p.a.name+"-env")
	}
}

func (g *gen) probe(n int, key string, c *component, delay int) {
	g.l(n, key+":")
	switch c.probe {
	case "http":
		if key == "readinessProbe" {
			g.l(n+2, "httpGet: {path: /readyz, port: http}")
		} else {
			g.l(n+2, "httpGet: {path: /healthz, port: http}")
		}
	case "tcp":
		g.l(n+2, "tcpSocket: {port: "+itoa(c.port)+"}")
	default:
		g.l(n+2, "exec:")
		g.l(n+4, `command: ["/usr/local/bin/healthcheck"]`)
	}
	g.kv(n+2, "initialDelaySeconds", itoa(delay))
}

// double doubles a Kubernetes quantity of the forms the word lists use:
// "250m", "1", "128Mi", "2Gi".
func double(q string) string {
	i := strings.IndexFunc(q, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 {
		i = len(q)
	}
	v := 0
	for _, ch := range q[:i] {
		v = v*10 + int(ch-'0')
	}
	return itoa(2*v) + q[i:]
}

// Workload kinds.

func (g *gen) workloadMeta(name string, a app, extra []pair) {
	var ann []pair
	if g.chance(3) {
		ann = []pair{{"meta.helm.sh/release-name", a.name}}
	}
	g.meta(name, g.ns.name, g.appLabels(a), append(ann, extra...))
}

func (g *gen) deployment(bad bool) {
	a := g.newApp()
	p := g.planPod(a, bad)
	g.begin("apps/v1", "Deployment")
	g.workloadMeta(a.name, a, nil)
	g.l(0, "spec:")
	g.kv(2, "replicas", pickInt(g, 1, 2, 3, 3, 5, 10))
	g.l(2, "selector:")
	g.l(4, "matchLabels:")
	g.selectorLabels(6, a)
	if g.chance(3) {
		g.l(2, "strategy:")
		g.l(4, "rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}")
	}
	g.podTemplate(2, "template", p)
}

func (g *gen) statefulSet(bad bool) {
	a := g.newApp()
	p := g.planPod(a, bad)
	p.stateful = true
	g.begin("apps/v1", "StatefulSet")
	g.workloadMeta(a.name, a, nil)
	g.l(0, "spec:")
	g.kv(2, "replicas", pickInt(g, 1, 3, 3, 5))
	g.kv(2, "serviceName", a.name+"-headless")
	g.kv(2, "podManagementPolicy", "OrderedReady")
	g.l(2, "selector:")
	g.l(4, "matchLabels:")
	g.selectorLabels(6, a)
	g.l(2, "updateStrategy:")
	g.kv(4, "type", "RollingUpdate")
	g.podTemplate(2, "template", p)
	g.l(2, "volumeClaimTemplates:")
	g.l(2, "- metadata:")
	g.kv(6, "name", "data")
	g.l(4, "spec:")
	g.l(6, `accessModes: ["ReadWriteOnce"]`)
	g.kv(6, "storageClassName", "gp3")
	g.l(6, "resources:")
	g.l(8, "requests:")
	g.kv(10, "storage", pickInt(g, 10, 20, 50, 100)+"Gi")
}

func (g *gen) daemonSet(bad bool) {
	a := g.newApp()
	p := g.planPod(a, bad)
	p.node = true
	g.begin("apps/v1", "DaemonSet")
	g.workloadMeta(a.name, a, nil)
	g.l(0, "spec:")
	g.l(2, "selector:")
	g.l(4, "matchLabels:")
	g.selectorLabels(6, a)
	g.l(2, "updateStrategy:")
	g.kv(4, "type", "RollingUpdate")
	g.l(4, "rollingUpdate:")
	g.kv(6, "maxUnavailable", "1")
	g.podTemplate(2, "template", p)
}

func (g *gen) job(bad bool) {
	a := g.newApp()
	p := g.planPod(a, bad)
	p.restart = g.pickStr([]string{"Never", "OnFailure"})
	g.begin("batch/v1", "Job")
	g.workloadMeta(a.name+"-"+g.hex(5), a, nil)
	g.l(0, "spec:")
	g.kv(2, "backoffLimit", "4")
	g.kv(2, "completions", "1")
	g.kv(2, "parallelism", "1")
	g.kv(2, "ttlSecondsAfterFinished", "86400")
	g.podTemplate(2, "template", p)
}

func (g *gen) cronJob(bad bool) {
	a := g.newApp()
	p := g.planPod(a, bad)
	p.restart = "OnFailure"
	g.begin("batch/v1", "CronJob")
	g.workloadMeta(a.name+"-nightly", a, nil)
	g.l(0, "spec:")
	g.kq(2, "schedule", g.pickStr([]string{"*/15 * * * *", "0 3 * * *", "30 1 * * 0", "0 */6 * * *"}))
	g.kv(2, "concurrencyPolicy", "Forbid")
	g.kv(2, "successfulJobsHistoryLimit", "3")
	g.kv(2, "failedJobsHistoryLimit", "1")
	g.kv(2, "startingDeadlineSeconds", "300")
	g.l(2, "jobTemplate:")
	g.l(4, "spec:")
	g.kv(6, "backoffLimit", "2")
	g.kv(6, "activeDeadlineSeconds", "3600")
	g.podTemplate(6, "template", p)
}

func (g *gen) owner(kind, name string) {
	g.l(2, "ownerReferences:")
	g.l(2, "- apiVersion: apps/v1")
	g.kv(4, "kind", kind)
	g.kv(4, "name", name)
	g.kv(4, "uid", g.uid())
	g.kv(4, "controller", "true")
	g.kv(4, "blockOwnerDeletion", "true")
}

func (g *gen) uid() string {
	h := g.hex(32)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func (g *gen) replicaSet(bad bool) {
	a := g.pickApp()
	p := g.planPod(a, bad)
	hash := g.hex(10)
	g.begin("apps/v1", "ReplicaSet")
	g.workloadMeta(a.name+"-"+hash, a, []pair{{"deployment.kubernetes.io/revision", pickInt(g, 1, 2, 3)}})
	g.owner("Deployment", a.name)
	g.l(0, "spec:")
	g.kv(2, "replicas", pickInt(g, 0, 2, 3))
	g.l(2, "selector:")
	g.l(4, "matchLabels:")
	g.selectorLabels(6, a)
	g.podTemplate(2, "template", p)
}

func (g *gen) replicationController(bad bool) {
	a := g.newApp()
	p := g.planPod(a, bad)
	g.begin("v1", "ReplicationController")
	g.workloadMeta(a.name, a, nil)
	g.l(0, "spec:")
	g.kv(2, "replicas", pickInt(g, 1, 2))
	g.l(2, "selector:")
	g.selectorLabels(4, a)
	g.podTemplate(2, "template", p)
}

func (g *gen) pod(bad bool) {
	a := g.pickApp()
	p := g.planPod(a, bad)
	g.begin("v1", "Pod")
	name := a.name + "-" + g.hex(10) + "-" + g.hex(5)
	g.l(0, "metadata:")
	g.kv(2, "name", name)
	g.kv(2, "namespace", g.ns.name)
	g.l(2, "labels:")
	g.selectorLabels(4, a)
	g.kq(4, "app.kubernetes.io/version", a.comp.version)
	g.kq(4, "team", g.ns.team)
	g.l(2, "annotations:")
	g.kq(4, "prometheus.io/scrape", "true")
	g.kq(4, "prometheus.io/port", itoa(a.comp.port))
	if g.chance(2) {
		g.owner("ReplicaSet", a.name+"-"+g.hex(10))
	}
	g.l(0, "spec:")
	g.podSpec(2, p)
}
