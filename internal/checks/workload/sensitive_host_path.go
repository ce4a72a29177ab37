package workload

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

/*
hostPath volumes must not expose the parts of the node that give it away.

**Fields read:**

spec.volumes[*].hostPath.path

**Allowed values:** any path that is not, not inside and not a parent of one
of the sensitive paths below (compared after path.Clean; /var/run/x and
/run/x are both listed, since one is a link to the other on most nodes).

Critical: the container runtime sockets (docker.sock, containerd.sock,
crio.sock, dockershim.sock, cri-dockerd.sock, the k3s containerd socket,
podman.sock under /run or /var/run), /, /etc, /proc, /var/lib/kubelet,
/var/lib/etcd. High: /sys, /dev, /boot, /root, /home, /var/log,
/var/lib/docker, /var/lib/containerd.

A path inside /etc, /proc, ... is as sensitive as the directory, except a
few files every node publishes anyway (/etc/localtime, /etc/timezone,
/etc/machine-id, the CA bundles under /etc/ssl/certs, /etc/pki/tls/certs,
/etc/ca-certificates). A parent of a sensitive path (/var, /run, /var/lib)
is as sensitive as the gravest path it contains.

The pss/hostPathVolumes check forbids every hostPath; this one says which
are catastrophic and what they give an attacker.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "sensitive-host-path",
			Title: "hostPath volume exposes a sensitive node path",
			Description: "Reads spec.volumes[*].hostPath.path, cleaned. Allowed: a path that is not, not inside and not a parent of a sensitive node path. " +
				"Critical (named so in the message): container runtime sockets (docker, containerd, CRI-O, cri-dockerd, k3s, podman under /run or /var/run) " +
				"which give full control of every container on the node, /, /etc, /proc, /var/lib/kubelet and /var/lib/etcd; " +
				"high: /sys, /dev, /boot, /root, /home, /var/log, /var/lib/docker, /var/lib/containerd. " +
				"A path inside one is as sensitive (except timezone, machine-id and CA bundle files under /etc); a parent of one is as sensitive as the gravest path it holds. " +
				"The pss/hostPathVolumes check flags every hostPath; this one explains which are an escape to the node and why.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyPodSecurity,
			References: check.References{
				CIS:   []string{"5.2.12"},
				NSA:   []string{nsaPodSecurity},
				MITRE: []string{"T1611", "T1609"},
			},
			Remediation: "Remove the hostPath volume. Keep data in a persistentVolumeClaim or emptyDir, configuration in a configMap or secret; " +
				"a node agent that truly needs the node (log shipper, CSI driver, monitoring) belongs in its own namespace with a narrow, " +
				"read-only subpath and an admission policy that allows exactly that path.",
		},
		Pod: sensitiveHostPath,
	})
}

// hostRisk is one sensitive node path and what mounting it gives.
type hostRisk struct {
	path     string
	what     string // "the container runtime socket"
	gain     string // "full control of every container on the node"
	critical bool
	// subtree: a path inside this one is as sensitive.
	subtree bool
}

var hostRisks = func() []hostRisk {
	const runtimeSocket = "the container runtime socket"
	const socketGain = "full control of every container on the node, and a privileged container on demand: root on the node"
	sockets := []string{
		"containerd/containerd.sock", "crio/crio.sock", "docker.sock", "cri-dockerd.sock",
		"dockershim.sock", "k3s/containerd/containerd.sock", "podman/podman.sock",
	}
	var out []hostRisk
	for _, run := range []string{"/run/", "/var/run/"} {
		for _, sock := range sockets {
			out = append(out, hostRisk{path: run + sock, what: runtimeSocket, gain: socketGain, critical: true})
		}
	}
	return append(out,
		hostRisk{path: "/", what: "the node's whole filesystem", gain: "every credential and binary on the node, and a way to replace them: root on the node", critical: true},
		hostRisk{path: "/etc", what: "the node's configuration", gain: "kubelet and control-plane credentials under /etc/kubernetes and password hashes; written to (cron, systemd units, sudoers), root on the node", critical: true, subtree: true},
		hostRisk{path: "/proc", what: "the node's /proc", gain: "the environment, memory and open files of every process on the node, and through /proc/sys/kernel/core_pattern code run as root on the node", critical: true, subtree: true},
		hostRisk{path: "/var/lib/kubelet", what: "the kubelet's state", gain: "the kubelet's credentials and every Secret and service account token mounted into every pod on the node", critical: true, subtree: true},
		hostRisk{path: "/var/lib/etcd", what: "etcd's data", gain: "every Secret of the cluster", critical: true, subtree: true},
		hostRisk{path: "/sys", what: "the node's /sys", gain: "kernel, device and cgroup controls (a writable cgroup release_agent runs code as root on the node)", subtree: true},
		hostRisk{path: "/dev", what: "the node's devices", gain: "raw disks and memory, read and written around every file permission", subtree: true},
		hostRisk{path: "/boot", what: "the node's kernel and boot loader", gain: "code that runs at the next boot", subtree: true},
		hostRisk{path: "/root", what: "root's home on the node", gain: "SSH keys, shell history and cloud and kubectl credentials", subtree: true},
		hostRisk{path: "/home", what: "the node users' homes", gain: "SSH keys and credentials of the node's users", subtree: true},
		hostRisk{path: "/var/log", what: "the node's logs", gain: "every pod's logs and the secrets in them; written to, symlinks that make the kubelet read any file on the node", subtree: true},
		hostRisk{path: "/var/lib/docker", what: "Docker's state", gain: "the filesystems of every container and image on the node, and the secrets in them", subtree: true},
		hostRisk{path: "/var/lib/containerd", what: "containerd's state", gain: "the filesystems of every container and image on the node, and the secrets in them", subtree: true},
	)
}()

// publishedFiles are inside a sensitive directory but hold nothing an
// attacker gains from.
var publishedFiles = []string{"/etc/localtime", "/etc/timezone", "/etc/machine-id", "/etc/ssl/certs", "/etc/pki/tls/certs", "/etc/ca-certificates"}

func sensitiveHostPath(_ *check.Context, pod *cluster.PodTemplate) []check.Violation {
	var out []check.Violation
	for i, v := range pod.Spec.Volumes {
		if v.HostPath == nil {
			continue
		}
		msg, risk := hostPathRisk(v.HostPath.Path)
		if risk == nil {
			continue
		}
		out = append(out, check.Violation{
			Field:    pod.Field("volumes[" + strconv.Itoa(i) + "].hostPath.path"),
			Message:  fmt.Sprintf("hostPath volume %q mounts %s", v.Name, msg),
			Severity: severityOf(risk.critical),
		})
	}
	return out
}

// hostPathRisk describes what mounting p gives an attacker and returns the
// gravest risk it carries, or nil when p is not sensitive.
func hostPathRisk(raw string) (string, *hostRisk) {
	if !strings.HasPrefix(raw, "/") {
		return "", nil // not a Linux absolute path (Windows nodes, invalid)
	}
	p := path.Clean(raw)
	for _, pub := range publishedFiles {
		if p == pub || within(p, pub) {
			return "", nil
		}
	}
	for i := range hostRisks {
		if r := &hostRisks[i]; p == r.path {
			return fmt.Sprintf("%s, %s: %s (%s)", p, r.what, r.gain, gravity(r.critical)), r
		}
	}
	for i := range hostRisks {
		if r := &hostRisks[i]; r.subtree && within(p, r.path) {
			return fmt.Sprintf("%s, inside %s, %s: %s (%s)", p, r.path, r.what, r.gain, gravity(r.critical)), r
		}
	}
	// A parent: name the gravest kind of path it holds, then the others.
	type group struct {
		risk  *hostRisk
		paths []string
	}
	var groups []*group
	for i := range hostRisks {
		r := &hostRisks[i]
		if !within(r.path, p) {
			continue
		}
		if n := len(groups); n > 0 && groups[n-1].risk.what == r.what {
			groups[n-1].paths = append(groups[n-1].paths, r.path)
			continue
		}
		groups = append(groups, &group{risk: r, paths: []string{r.path}})
	}
	if len(groups) == 0 {
		return "", nil
	}
	worst := groups[0]
	for _, g := range groups {
		if g.risk.critical && !worst.risk.critical {
			worst = g
		}
	}
	msg := fmt.Sprintf("%s, which holds %s (%s): %s (%s)", p, worst.risk.what, listPaths(worst.paths), worst.risk.gain, gravity(worst.risk.critical))
	var also []string
	for _, g := range groups {
		if g != worst {
			also = append(also, g.risk.what+" ("+listPaths(g.paths)+")")
		}
	}
	if len(also) > 0 {
		msg += "; it also holds " + strings.Join(also, ", ")
	}
	return msg, worst.risk
}

// listPaths joins up to three paths, and says when there are more.
func listPaths(paths []string) string {
	if len(paths) > 3 {
		return strings.Join(paths[:3], ", ") + ", ..."
	}
	return strings.Join(paths, ", ")
}

// within reports whether p is strictly inside dir.
func within(p, dir string) bool {
	if dir == "/" {
		return p != "/"
	}
	return strings.HasPrefix(p, dir+"/")
}

// severityOf raises a violation to critical when its risk is; otherwise the
// check's own severity (high) stands.
func severityOf(critical bool) *check.Severity {
	if !critical {
		return nil
	}
	s := check.SeverityCritical
	return &s
}

func gravity(critical bool) string {
	if critical {
		return "critical"
	}
	return "high"
}
