package workload

import (
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/checks/checktest"
)

func hostPathSpec(paths ...string) string {
	var b strings.Builder
	b.WriteString("containers:\n- name: app\n  image: app\nvolumes:\n- name: scratch\n  emptyDir: {}\n")
	for i, p := range paths {
		b.WriteString("- name: host" + string(rune('a'+i)) + "\n  hostPath:\n    path: " + p + "\n")
	}
	return b.String()
}

func TestSensitiveHostPath(t *testing.T) {
	const id = "workload/sensitive-host-path"
	runCases(t, id, []testCase{
		{
			name: "pod mounting the docker socket",
			yaml: workload("Pod", "shop", hostPathSpec("/var/run/docker.sock")),
			want: []want{{field: "spec.volumes[1].hostPath.path", msg: []string{
				`hostPath volume "hosta"`, "/var/run/docker.sock", "the container runtime socket: full control of every container on the node", "(critical)"}}},
		},
		{
			name: "deployment mounting the containerd socket and /var/log",
			yaml: workload("Deployment", "shop", hostPathSpec("/data/app", "/run/containerd/containerd.sock", "/var/log")),
			want: []want{
				{field: at("Deployment", "volumes[2].hostPath.path"), msg: []string{"/run/containerd/containerd.sock", "container runtime socket", "(critical)"}},
				{field: at("Deployment", "volumes[3].hostPath.path"), msg: []string{"/var/log", "the node's logs", "(high)"}},
			},
		},
		{
			name: "daemonset mounting /var/run/ (trailing slash): a parent of the sockets",
			yaml: workload("DaemonSet", "kube-system", hostPathSpec("/var/run/")),
			want: []want{{field: at("DaemonSet", "volumes[1].hostPath.path"), msg: []string{
				"mounts /var/run, which holds the container runtime socket (/var/run/containerd/containerd.sock", "full control", "(critical)"}}},
		},
		{
			name: "cronjob mounting the node's root",
			yaml: workload("CronJob", "shop", hostPathSpec("/")),
			want: []want{{field: at("CronJob", "volumes[1].hostPath.path"), msg: []string{"mounts /, the node's whole filesystem", "(critical)"}}},
		},
		{
			name: "inside the kubelet's state, path not clean",
			yaml: workload("Job", "shop", hostPathSpec("/var/lib/kubelet//pods/")),
			want: []want{{field: at("Job", "volumes[1].hostPath.path"), msg: []string{
				"/var/lib/kubelet/pods, inside /var/lib/kubelet, the kubelet's state", "service account token", "(critical)"}}},
		},
		{
			name: "/var holds several sensitive paths",
			yaml: workload("StatefulSet", "shop", hostPathSpec("/var")),
			want: []want{{field: at("StatefulSet", "volumes[1].hostPath.path"), msg: []string{
				"mounts /var, which holds the container runtime socket", "(critical)", "it also holds the kubelet's state (/var/lib/kubelet)", "the node's logs (/var/log)"}}},
		},
		{
			name: "high-risk paths",
			yaml: workload("Pod", "shop", hostPathSpec("/sys/fs/cgroup", "/root/.ssh", "/dev", "/etc/kubernetes/pki", "/proc")),
			want: []want{
				{field: "spec.volumes[1].hostPath.path", msg: []string{"/sys/fs/cgroup", "release_agent", "(high)"}},
				{field: "spec.volumes[2].hostPath.path", msg: []string{"/root/.ssh", "SSH keys", "(high)"}},
				{field: "spec.volumes[3].hostPath.path", msg: []string{"/dev", "raw disks", "(high)"}},
				{field: "spec.volumes[4].hostPath.path", msg: []string{"/etc/kubernetes/pki", "inside /etc", "(critical)"}},
				{field: "spec.volumes[5].hostPath.path", msg: []string{"/proc", "every process on the node", "(critical)"}},
			},
		},
		{
			name: "harmless host paths",
			yaml: workload("DaemonSet", "shop", hostPathSpec("/data/app", "/etc/localtime", "/etc/ssl/certs", "/opt/agent", "/run/xtables.lock", "/var/lib/app", "C:\\ProgramData")),
		},
		{name: "no hostPath at all", yaml: workload("Deployment", "shop", hostPathSpec())},
	})
}

func TestHostPathRisk(t *testing.T) {
	for p, want := range map[string]string{
		"/var/run/docker.sock":               "critical",
		"/run/crio/crio.sock":                "critical",
		"/var/run/crio/crio.sock":            "critical",
		"/run":                               "critical",
		"/run/containerd":                    "critical",
		"/run/k3s":                           "critical",
		"/etc":                               "critical",
		"/etc/":                              "critical",
		"/etc/ssl":                           "critical",
		"/var/lib/kubelet":                   "critical",
		"/var/lib":                           "critical",
		"/var/lib/etcd/member":               "critical",
		"/proc/sys":                          "critical",
		"/":                                  "critical",
		"/sys":                               "high",
		"/var/lib/docker":                    "high",
		"/var/lib/containerd/io.containerd":  "high",
		"/home":                              "high",
		"/boot":                              "high",
		"/var/log/pods":                      "high",
		"/etc/localtime":                     "",
		"/etc/ssl/certs/ca-certificates.crt": "",
		"/opt":                               "",
		"/usr/share/zoneinfo":                "",
		"/var/lib/app":                       "",
		"/mnt/data":                          "",
		"relative/path":                      "",
	} {
		msg, risk := hostPathRisk(p)
		ok := risk != nil
		switch {
		case want == "" && ok:
			t.Errorf("%s: flagged (%s), want not", p, msg)
		case want != "" && !ok:
			t.Errorf("%s: not flagged, want %s", p, want)
		case want != "" && !strings.Contains(msg, "("+want+")"):
			t.Errorf("%s: %s, want gravity %s", p, msg, want)
		}
	}
}

func TestSensitiveHostPathGradesSeverity(t *testing.T) {
	got := checktest.Run(t, "workload/sensitive-host-path", nil, `
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ops}
spec:
  containers: [{name: c, image: c:1}]
  volumes:
  - {name: sock, hostPath: {path: /var/run/docker.sock}}
  - {name: logs, hostPath: {path: /var/log}}
`)
	if len(got) != 2 {
		t.Fatalf("got %d findings, want 2: %+v", len(got), got)
	}
	bySeverity := map[string]check.Severity{}
	for _, f := range got {
		bySeverity[f.Field] = f.Severity
	}
	if s := bySeverity["spec.volumes[0].hostPath.path"]; s != check.SeverityCritical {
		t.Errorf("runtime socket: severity %s, want critical", s)
	}
	if s := bySeverity["spec.volumes[1].hostPath.path"]; s != check.SeverityHigh {
		t.Errorf("/var/log: severity %s, want high", s)
	}
}
