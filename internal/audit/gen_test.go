package audit

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"time"
)

// writeSyntheticLog writes n events of a busy cluster's audit log, as JSON
// lines in the API server's own layout: kubelets renewing leases and
// reading their pods' secrets, controllers listing and watching, workloads
// reading their config, people using kubectl, a few workloads created at
// Request level, and now and then an attack (anonymous probes, bursts of
// refusals, exec, cluster-admin bindings, privileged pods). Each run with
// the same seed writes the same log.
func writeSyntheticLog(w io.Writer, n int, seed uint64) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	g := &logGen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), t: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	for i := 0; i < n; i++ {
		g.buf = g.event(g.buf[:0], i)
		g.buf = append(g.buf, '\n')
		if _, err := bw.Write(g.buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

type logGen struct {
	r   *rand.Rand
	t   time.Time
	buf []byte
}

const (
	genNodes      = 50
	genNamespaces = 120
)

var genControllers = []string{"replicaset-controller", "deployment-controller", "endpointslice-controller", "namespace-controller",
	"generic-garbage-collector", "daemon-set-controller", "job-controller", "statefulset-controller"}

var genResources = []string{"pods", "configmaps", "services", "endpoints", "deployments", "replicasets", "events", "serviceaccounts"}

func (g *logGen) uuid(b []byte) []byte {
	const hex = "0123456789abcdef"
	v1, v2 := g.r.Uint64(), g.r.Uint64()
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			b = append(b, '-')
			continue
		}
		if i < 18 {
			b = append(b, hex[v1&15])
			v1 >>= 4
		} else {
			b = append(b, hex[v2&15])
			v2 >>= 4
		}
	}
	return b
}

// event appends the i-th event.
func (g *logGen) event(b []byte, i int) []byte {
	g.t = g.t.Add(time.Duration(2+g.r.IntN(5)) * time.Millisecond)
	ns := "app-" + strconv.Itoa(g.r.IntN(genNamespaces))
	p := g.r.IntN(10000)
	switch {
	case p < 2: // anonymous probe
		return g.line(b, "get", "/api/v1/namespaces/kube-system/secrets", `{"username":"system:anonymous","groups":["system:unauthenticated"]}`,
			"203.0.113."+strconv.Itoa(g.r.IntN(4)), "curl/8.5.0", `{"resource":"secrets","namespace":"kube-system","apiVersion":"v1"}`, 403, "", false)
	case p < 4: // exec by a person
		return g.line(b, "create", "/api/v1/namespaces/"+ns+"/pods/web-0/exec?command=sh&container=web", `{"username":"dev-`+strconv.Itoa(g.r.IntN(20))+`@example.com","groups":["dev","system:authenticated"]}`,
			"10.1.0.9", "kubectl/v1.37.2 (linux/amd64) kubernetes/abcdef0", `{"resource":"pods","namespace":"`+ns+`","name":"web-0","apiVersion":"v1","subresource":"exec"}`, 101, "", false)
	case p < 5: // cluster-admin binding
		return g.line(b, "create", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", `{"username":"ops@example.com","groups":["ops","system:authenticated"]}`,
			"10.1.0.12", "kubectl/v1.37.2 (linux/amd64) kubernetes/abcdef0", `{"resource":"clusterrolebindings","name":"tmp-`+strconv.Itoa(i)+`","apiGroup":"rbac.authorization.k8s.io","apiVersion":"v1"}`, 201,
			`{"kind":"ClusterRoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"tmp"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"User","name":"ops@example.com"}]}`, false)
	case p < 40: // refused requests of one client
		return g.line(b, "list", "/api/v1/namespaces/"+ns+"/secrets", `{"username":"system:serviceaccount:`+ns+`:ci","groups":["system:serviceaccounts","system:authenticated"]}`,
			"10.2.0.4", "python-requests/2.31.0", `{"resource":"secrets","namespace":"`+ns+`","apiVersion":"v1"}`, 403, "", false)
	case p < 80: // workloads created at Request level, now and then privileged
		priv := "false"
		if g.r.IntN(10) == 0 {
			priv = "true"
		}
		return g.line(b, "create", "/apis/apps/v1/namespaces/"+ns+"/deployments", `{"username":"system:serviceaccount:argocd:argocd-application-controller","groups":["system:serviceaccounts","system:authenticated"]}`,
			"10.3.0.2", "argocd-application-controller/v2.11.0 (linux/amd64)", `{"resource":"deployments","namespace":"`+ns+`","name":"web","apiGroup":"apps","apiVersion":"v1"}`, 201,
			`{"kind":"Deployment","apiVersion":"apps/v1","metadata":{"name":"web","namespace":"`+ns+`","labels":{"app":"web"}},"spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"web","image":"registry.example.com/web:1.4.2","ports":[{"containerPort":8080}],"resources":{"limits":{"cpu":"500m","memory":"256Mi"}},"securityContext":{"privileged":`+priv+`,"runAsNonRoot":true}}]}}}}`, false)
	case p < 600: // RequestReceived stage, which the policy did not omit
		return g.line(b, "get", "/api/v1/namespaces/"+ns+"/configmaps/settings", `{"username":"system:serviceaccount:`+ns+`:web","uid":"6f1c2a9e-5b0d-4c1e-9f3a-2d7b8e6c4a10","groups":["system:serviceaccounts","system:serviceaccounts:`+ns+`","system:authenticated"]}`,
			"10.244.3.17", "web/v0.0.0 (linux/amd64) kubernetes/$Format", `{"resource":"configmaps","namespace":"`+ns+`","name":"settings","apiVersion":"v1"}`, 0, "", true)
	case p < 3500: // kubelets: leases, their pods' status, secrets and config maps
		node := "node-" + strconv.Itoa(g.r.IntN(genNodes))
		user := `{"username":"system:node:` + node + `","groups":["system:nodes","system:authenticated"]}`
		switch g.r.IntN(4) {
		case 0:
			return g.line(b, "update", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/"+node+"?timeout=10s", user, "10.0.1."+strconv.Itoa(g.r.IntN(250)),
				"kubelet/v1.37.2 (linux/amd64) kubernetes/abcdef0", `{"resource":"leases","namespace":"kube-node-lease","name":"`+node+`","apiGroup":"coordination.k8s.io","apiVersion":"v1"}`, 200, "", false)
		case 1:
			return g.line(b, "patch", "/api/v1/namespaces/"+ns+"/pods/web-7d9f8c6b5-x2x9z/status", user, "10.0.1."+strconv.Itoa(g.r.IntN(250)),
				"kubelet/v1.37.2 (linux/amd64) kubernetes/abcdef0", `{"resource":"pods","namespace":"`+ns+`","name":"web-7d9f8c6b5-x2x9z","apiVersion":"v1","subresource":"status"}`, 200, "", false)
		case 2:
			return g.line(b, "get", "/api/v1/namespaces/"+ns+"/secrets/web-tls", user, "10.0.1."+strconv.Itoa(g.r.IntN(250)),
				"kubelet/v1.37.2 (linux/amd64) kubernetes/abcdef0", `{"resource":"secrets","namespace":"`+ns+`","name":"web-tls","apiVersion":"v1"}`, 200, "", false)
		default:
			return g.line(b, "create", "/api/v1/namespaces/"+ns+"/serviceaccounts/web/token", user, "10.0.1."+strconv.Itoa(g.r.IntN(250)),
				"kubelet/v1.37.2 (linux/amd64) kubernetes/abcdef0", `{"resource":"serviceaccounts","namespace":"`+ns+`","name":"web","apiVersion":"v1","subresource":"token"}`, 201, "", false)
		}
	case p < 6500: // controllers
		ctrl := genControllers[g.r.IntN(len(genControllers))]
		res := genResources[g.r.IntN(len(genResources))]
		verb := [...]string{"list", "watch", "get", "update", "patch"}[g.r.IntN(5)]
		return g.line(b, verb, "/api/v1/namespaces/"+ns+"/"+res+"?resourceVersion=12345&timeout=8m21s", `{"username":"system:serviceaccount:kube-system:`+ctrl+`","uid":"a8b9c0d1-e2f3-4a5b-8c7d-9e0f1a2b3c4d","groups":["system:serviceaccounts","system:serviceaccounts:kube-system","system:authenticated"]}`,
			"10.0.0.2", "kube-controller-manager/v1.37.2 (linux/amd64) kubernetes/abcdef0/"+ctrl, `{"resource":"`+res+`","namespace":"`+ns+`","apiVersion":"v1"}`, 200, "", false)
	case p < 9000: // workloads reading their own config and secrets
		res := "configmaps"
		if g.r.IntN(4) == 0 {
			res = "secrets"
		}
		return g.line(b, "get", "/api/v1/namespaces/"+ns+"/"+res+"/settings", `{"username":"system:serviceaccount:`+ns+`:web","uid":"6f1c2a9e-5b0d-4c1e-9f3a-2d7b8e6c4a10","groups":["system:serviceaccounts","system:serviceaccounts:`+ns+`","system:authenticated"],"extra":{"authentication.kubernetes.io/credential-id":["JTI=0c6a3e7e-5d2b-4f0e-8a3c-1b9d7e5f2a64"],"authentication.kubernetes.io/node-name":["node-3"],"authentication.kubernetes.io/pod-name":["web-7d9f8c6b5-x2x9z"],"authentication.kubernetes.io/pod-uid":["c0ffee00-1111-2222-3333-444455556666"]}}`,
			"10.244.3.17", "web/v0.0.0 (linux/amd64) kubernetes/$Format", `{"resource":"`+res+`","namespace":"`+ns+`","name":"settings","apiVersion":"v1"}`, 200, "", false)
	default: // people with kubectl
		res := genResources[g.r.IntN(len(genResources))]
		return g.line(b, "list", "/api/v1/namespaces/"+ns+"/"+res+"?limit=500", `{"username":"dev-`+strconv.Itoa(g.r.IntN(20))+`@example.com","groups":["dev","system:authenticated"]}`,
			"10.1.0."+strconv.Itoa(g.r.IntN(30)), "kubectl/v1.37.2 (linux/amd64) kubernetes/abcdef0", `{"resource":"`+res+`","namespace":"`+ns+`","apiVersion":"v1"}`, 200, "", false)
	}
}

// line appends one event. code 0 with received set writes a
// RequestReceived event; reqObj, when set, makes it a Request level event.
func (g *logGen) line(b []byte, verb, uri, user, ip, ua, objectRef string, code int, reqObj string, received bool) []byte {
	level, stage := "Metadata", "ResponseComplete"
	if reqObj != "" {
		level = "Request"
	}
	if received {
		stage = "RequestReceived"
	}
	b = append(b, `{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"`...)
	b = append(b, level...)
	b = append(b, `","auditID":"`...)
	b = g.uuid(b)
	b = append(b, `","stage":"`...)
	b = append(b, stage...)
	b = append(b, `","requestURI":`...)
	b = strconv.AppendQuote(b, uri)
	b = append(b, `,"verb":"`...)
	b = append(b, verb...)
	b = append(b, `","user":`...)
	b = append(b, user...)
	b = append(b, `,"sourceIPs":["`...)
	b = append(b, ip...)
	b = append(b, `"],"userAgent":`...)
	b = strconv.AppendQuote(b, ua)
	b = append(b, `,"objectRef":`...)
	b = append(b, objectRef...)
	if code != 0 {
		b = append(b, `,"responseStatus":{"metadata":{},"code":`...)
		b = strconv.AppendInt(b, int64(code), 10)
		if code >= 400 {
			b = append(b, `,"status":"Failure","message":"forbidden","reason":"Forbidden"`...)
		}
		b = append(b, '}')
	}
	if reqObj != "" {
		b = append(b, `,"requestObject":`...)
		b = append(b, reqObj...)
	}
	b = append(b, `,"requestReceivedTimestamp":"`...)
	b = g.t.AppendFormat(b, "2006-01-02T15:04:05.000000Z")
	b = append(b, `","stageTimestamp":"`...)
	b = g.t.Add(1500*time.Microsecond).AppendFormat(b, "2006-01-02T15:04:05.000000Z")
	b = append(b, `"`...)
	if !received {
		decision := "allow"
		if code == 403 {
			decision = "forbid"
		}
		b = append(b, `,"annotations":{"authorization.k8s.io/decision":"`...)
		b = append(b, decision...)
		b = append(b, `","authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \"system:controller:`...)
		b = append(b, fmt.Sprint(len(verb))...)
		b = append(b, `\" of ClusterRole \"system:controller\" to ServiceAccount \"x/kube-system\""}`...)
	}
	return append(b, '}')
}
