package node

import (
	"testing"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
)

func podTemplate(t *testing.T, manifest string) *cluster.PodTemplate {
	t.Helper()
	objs, errs := (&source.Decoder{}).Decode("pod.yaml", []byte(manifest))
	if len(errs) > 0 || len(objs) != 1 {
		t.Fatalf("decode: %v", errs)
	}
	return cluster.PodTemplateOf(objs[0])
}

func TestFindComponent(t *testing.T) {
	tests := []struct {
		name, manifest, component string
		wantField, wantFlag       string // the command field, and a flag's field
	}{
		{"first word, any directory", `
apiVersion: v1
kind: Pod
metadata: {name: a}
spec:
  containers:
  - name: sidecar
    image: x
  - name: api
    image: x
    command: [/usr/local/bin/kube-apiserver, --profiling=false]
    args: [--anonymous-auth=false]
`, APIServer, "spec.containers[1].command", "spec.containers[1].args[0]"},
		{"hyperkube", `
apiVersion: v1
kind: Pod
metadata: {name: a}
spec:
  containers:
  - name: cm
    image: x
    command: [/hyperkube, controller-manager, --anonymous-auth=false]
`, ControllerManager, "spec.containers[0].command", "spec.containers[0].command[2]"},
		{"component label, args only", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: a}
spec:
  template:
    metadata: {labels: {component: kube-scheduler}}
    spec:
      containers:
      - name: kube-scheduler
        image: x
        args: [--anonymous-auth=false]
`, Scheduler, "spec.template.spec.containers[0].args", "spec.template.spec.containers[0].args[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := FindComponent(podTemplate(t, tt.manifest), tt.component)
			if c == nil {
				t.Fatal("component not found")
			}
			if c.Field != tt.wantField {
				t.Errorf("field %s, want %s", c.Field, tt.wantField)
			}
			if got := c.FlagField("anonymous-auth"); got != tt.wantFlag {
				t.Errorf("flag field %s, want %s", got, tt.wantFlag)
			}
			if got := c.FlagField("not-given"); got != tt.wantField {
				t.Errorf("a missing flag is reported on %s, want %s", got, tt.wantField)
			}
		})
	}
	app := podTemplate(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: web, labels: {component: web}}\nspec:\n  containers:\n  - {name: web, image: nginx, command: [nginx]}\n")
	for _, name := range []string{APIServer, Etcd, ControllerManager, Scheduler, KubeProxy} {
		if FindComponent(app, name) != nil {
			t.Errorf("an nginx pod was taken for %s", name)
		}
	}
}

func TestEtcdEnvironmentFlags(t *testing.T) {
	c := FindComponent(podTemplate(t, `
apiVersion: v1
kind: Pod
metadata: {name: etcd}
spec:
  containers:
  - name: etcd
    image: x
    command: [etcd, --auto-tls=false]
    env:
    - {name: ETCD_CLIENT_CERT_AUTH, value: "true"}
    - {name: ETCD_AUTO_TLS, value: "true"}
    - name: ETCD_PEER_KEY_FILE
      valueFrom: {secretKeyRef: {name: s, key: k}}
`), Etcd)
	if v, set, f, _ := c.Flags.Bool("client-cert-auth"); !v || !set || f.Arg.Field != "spec.containers[0].env[0].value" {
		t.Errorf("ETCD_CLIENT_CERT_AUTH: %v %v %+v", v, set, f)
	}
	if v, _, _, _ := c.Flags.Bool("auto-tls"); v {
		t.Error("the environment overrode a flag given on the command line")
	}
	if c.Flags.Has("peer-key-file") {
		t.Error("a valueFrom variable was read")
	}
}

func TestNodePath(t *testing.T) {
	c := FindComponent(podTemplate(t, `
apiVersion: v1
kind: Pod
metadata: {name: api}
spec:
  containers:
  - name: api
    image: x
    command: [kube-apiserver]
    volumeMounts:
    - {name: k8s, mountPath: /etc/kubernetes}
    - {name: enc, mountPath: /etc/kubernetes/enc}
    - {name: sub, mountPath: /srv/audit, subPath: policies}
    - {name: scratch, mountPath: /tmp}
  volumes:
  - {name: k8s, hostPath: {path: /etc/kubernetes}}
  - {name: enc, hostPath: {path: /opt/secrets/encryption}}
  - {name: sub, hostPath: {path: /var/lib/audit}}
  - {name: scratch, emptyDir: {}}
`), APIServer)
	for in, want := range map[string]string{
		"/etc/kubernetes/pki/ca.crt":    "/etc/kubernetes/pki/ca.crt",
		"/etc/kubernetes/enc/enc.yaml":  "/opt/secrets/encryption/enc.yaml", // the longest mount wins
		"/etc/kubernetes/enc/../a.yaml": "/etc/kubernetes/a.yaml",
		"/srv/audit/policy.yaml":        "/var/lib/audit/policies/policy.yaml",
		"/tmp/x":                        "", // not a hostPath
		"/usr/bin/x":                    "", // in the image
		"relative.yaml":                 "",
	} {
		got, ok := c.NodePath(in)
		if ok != (want != "") || got != want {
			t.Errorf("NodePath(%s) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
