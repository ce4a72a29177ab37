package policy

import (
	"sort"
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/imageref"
)

// rule is the CEL form of one check: an expression that is true when an
// object (the root) fails the check, as the check's Go function decides.
type rule struct {
	// kinds are the API kinds the check reads; workload means every kind
	// that runs pods.
	kinds []string
	// violates is the CEL predicate "r fails the check".
	violates func(r root, cfg *check.Config) string
	// params: the policy reads the default ServiceAccount of the object's
	// namespace as its params.
	params bool
	// needs, when set, says why the check cannot be exported with this
	// config (it would not be assessed), or "".
	needs func(cfg *check.Config) string
}

// workloadKinds are the kinds whose pod template Pod checks read.
var workloadKinds = []string{"Pod", "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicationController"}

// podRule wraps a predicate over a pod spec so it is false (not failing)
// for a ReplicationController without a template, which runs no pods.
func podRule(body func(r root, cfg *check.Config) string) rule {
	return rule{kinds: workloadKinds, violates: func(r root, cfg *check.Config) string {
		R := r.obj
		return "((" + R + ".kind != 'ReplicationController' || " + field(R, "spec", "template", "spec") + ") && (" + body(r, cfg) + "))"
	}}
}

// pod is podRule for predicates that do not read the config.
func pod(body func(r root) string) rule {
	return podRule(func(r root, _ *check.Config) string { return body(r) })
}

// sc is a presence-checked securityContext field of c.
func sc(c string, path ...string) string {
	return field(c, append([]string{"securityContext"}, path...)...)
}

func scRef(c string, path ...string) string { return c + ".securityContext." + strings.Join(path, ".") }

// Values the Pod Security Standards allow, as k8s.io/pod-security-admission
// lists them at its newest version (the tests compare them with its
// verdicts).
var (
	baselineCapabilities = []string{"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}
	seLinuxTypes         = []string{"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
	safeSysctls          = []string{
		"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
		"net.ipv4.ip_unprivileged_port_start", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time",
		"net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem",
		"net.ipv4.tcp_wmem", "net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat",
	}
	restrictedVolumeSources = []string{"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"}
	seccompTypes            = []string{"RuntimeDefault", "Localhost"}
)

// Lists of the workload and supplychain checks (the tests run those checks
// on every entry).
var (
	dangerousCapabilities = []string{"ALL", "SYS_ADMIN", "SYS_MODULE", "SYS_PTRACE", "NET_ADMIN", "NET_RAW", "BPF", "DAC_READ_SEARCH", "SYS_RAWIO"}
	runtimeSockets        = []string{"containerd/containerd.sock", "crio/crio.sock", "docker.sock", "cri-dockerd.sock", "dockershim.sock", "k3s/containerd/containerd.sock", "podman/podman.sock"}
	sensitiveDirs         = []string{"/etc", "/proc", "/var/lib/kubelet", "/var/lib/etcd", "/sys", "/dev", "/boot", "/root", "/home", "/var/log", "/var/lib/docker", "/var/lib/containerd"}
	publishedFiles        = []string{"/etc/localtime", "/etc/timezone", "/etc/machine-id", "/etc/ssl/certs", "/etc/pki/tls/certs", "/etc/ca-certificates"}
)

// sensitivePaths are the exact sensitive node paths: the sockets under /run
// and /var/run, /, and the sensitive directories.
func sensitivePaths() []string {
	out := []string{"/"}
	for _, run := range []string{"/run/", "/var/run/"} {
		for _, s := range runtimeSockets {
			out = append(out, run+s)
		}
	}
	return append(out, sensitiveDirs...)
}

// rules are the checks CEL expresses, by id.
var rules = map[string]rule{
	// Pod Security Standards, at the newest policy version.
	"pss/privileged": pod(func(r root) string {
		return r.v("containers") + ".exists(c, " + isTrue("c", "securityContext", "privileged") + ")"
	}),
	"pss/hostNamespaces": pod(func(r root) string {
		S := r.v("spec")
		return isTrue(S, "hostNetwork") + " || " + isTrue(S, "hostPID") + " || " + isTrue(S, "hostIPC")
	}),
	"pss/hostPathVolumes": pod(func(r root) string {
		S := r.v("spec")
		return "has(" + S + ".volumes) && " + S + ".volumes.exists(v, has(v.hostPath))"
	}),
	"pss/hostPorts": pod(func(r root) string {
		return r.v("containers") + ".exists(c, has(c.ports) && c.ports.exists(p, has(p.hostPort) && p.hostPort != 0))"
	}),
	"pss/appArmorProfile": pod(func(r root) string {
		S, A := r.v("spec"), r.v("podAnnotations")
		bad := func(x string) string {
			return "(" + field(x, "appArmorProfile") + " && !(has(" + x + ".appArmorProfile.type) && " + x + ".appArmorProfile.type in " + list(seccompTypes) + "))"
		}
		return "(has(" + S + ".securityContext) && " + bad(S+".securityContext") + ") || " + r.v("containers") + ".exists(c, has(c.securityContext) && " + bad("c.securityContext") + ") || " +
			A + ".exists(k, k.startsWith('container.apparmor.security.beta.kubernetes.io/') && !(" + A + "[k] == '' || " + A + "[k] == 'runtime/default' || " + A + "[k].startsWith('localhost/')))"
	}),
	"pss/seLinuxOptions": pod(func(r root) string {
		bad := func(o string) string {
			return "((has(" + o + ".type) && !(" + o + ".type in " + list(seLinuxTypes) + ")) || (has(" + o + ".user) && " + o + ".user != '') || (has(" + o + ".role) && " + o + ".role != ''))"
		}
		S := r.v("spec")
		return "(" + field(S, "securityContext", "seLinuxOptions") + " && " + bad(S+".securityContext.seLinuxOptions") + ") || " +
			r.v("containers") + ".exists(c, " + sc("c", "seLinuxOptions") + " && " + bad("c.securityContext.seLinuxOptions") + ")"
	}),
	"pss/procMount": pod(func(r root) string {
		return "!(" + r.v("userNamespace") + ") && " + procMountBad(r)
	}),
	"pss/procMount_restricted": pod(procMountBad),
	"pss/seccompProfile_baseline": pod(func(r root) string {
		S := r.v("spec")
		return "(" + field(S, "securityContext", "seccompProfile") + " && !" + seccompValid(S+".securityContext.seccompProfile") + ") || " +
			r.v("containers") + ".exists(c, " + sc("c", "seccompProfile") + " && !" + seccompValid("c.securityContext.seccompProfile") + ")"
	}),
	"pss/seccompProfile_restricted": pod(func(r root) string {
		S := r.v("spec")
		podSet := field(S, "securityContext", "seccompProfile")
		podValid := "(" + podSet + " && " + seccompValid(S+".securityContext.seccompProfile") + ")"
		return "!(" + r.v("windows") + ") && ((" + podSet + " && !" + podValid + ") || " +
			r.v("containers") + ".exists(c, " + sc("c", "seccompProfile") + " ? !" + seccompValid("c.securityContext.seccompProfile") + " : !" + podValid + "))"
	}),
	"pss/sysctls": pod(func(r root) string {
		S := r.v("spec")
		return field(S, "securityContext", "sysctls") + " && " + S + ".securityContext.sysctls.exists(s, !(s.name in " + list(safeSysctls) + "))"
	}),
	"pss/windowsHostProcess": pod(func(r root) string {
		return isTrue(r.v("spec"), "securityContext", "windowsOptions", "hostProcess") + " || " +
			r.v("containers") + ".exists(c, " + isTrue("c", "securityContext", "windowsOptions", "hostProcess") + ")"
	}),
	"pss/hostProbesAndHostLifecycle": pod(func(r root) string {
		host := func(h string) string {
			return "(" + field(h, "httpGet", "host") + " && " + h + ".httpGet.host != '') || (" + field(h, "tcpSocket", "host") + " && " + h + ".tcpSocket.host != '')"
		}
		var parts []string
		for _, p := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
			parts = append(parts, "(has(c."+p+") && ("+host("c."+p)+"))")
		}
		for _, h := range []string{"postStart", "preStop"} {
			parts = append(parts, "("+field("c", "lifecycle", h)+" && ("+host("c.lifecycle."+h)+"))")
		}
		return r.v("containers") + ".exists(c, " + strings.Join(parts, " || ") + ")"
	}),
	"pss/capabilities_baseline": pod(func(r root) string {
		return r.v("containers") + ".exists(c, " + sc("c", "capabilities", "add") + " && " + scRef("c", "capabilities", "add") + ".exists(a, !(a in " + list(baselineCapabilities) + ")))"
	}),
	"pss/capabilities_restricted": pod(func(r root) string {
		return "!(" + r.v("windows") + ") && " + r.v("containers") + ".exists(c, !(" + sc("c", "capabilities", "drop") + " && 'ALL' in " + scRef("c", "capabilities", "drop") + ") || (" +
			sc("c", "capabilities", "add") + " && " + scRef("c", "capabilities", "add") + ".exists(a, a != 'NET_BIND_SERVICE')))"
	}),
	"pss/allowPrivilegeEscalation": pod(func(r root) string {
		return "!(" + r.v("windows") + ") && " + r.v("containers") + ".exists(c, !(" + sc("c", "allowPrivilegeEscalation") + " && " + scRef("c", "allowPrivilegeEscalation") + " == false))"
	}),
	"pss/runAsNonRoot": pod(func(r root) string {
		S := r.v("spec")
		podSet := field(S, "securityContext", "runAsNonRoot")
		podTrue := "(" + podSet + " && " + S + ".securityContext.runAsNonRoot == true)"
		return "!(" + r.v("userNamespace") + ") && ((" + podSet + " && " + S + ".securityContext.runAsNonRoot == false) || " +
			r.v("containers") + ".exists(c, " + sc("c", "runAsNonRoot") + " ? " + scRef("c", "runAsNonRoot") + " == false : !" + podTrue + "))"
	}),
	"pss/runAsUser": pod(func(r root) string {
		S := r.v("spec")
		return "!(" + r.v("userNamespace") + ") && ((" + field(S, "securityContext", "runAsUser") + " && " + S + ".securityContext.runAsUser == 0) || " +
			r.v("containers") + ".exists(c, " + sc("c", "runAsUser") + " && " + scRef("c", "runAsUser") + " == 0))"
	}),
	"pss/restrictedVolumes": pod(func(r root) string {
		S := r.v("spec")
		var allowed []string
		for _, s := range restrictedVolumeSources {
			allowed = append(allowed, "has(v."+s+")")
		}
		return "has(" + S + ".volumes) && " + S + ".volumes.exists(v, !(" + strings.Join(allowed, " || ") + "))"
	}),

	// Images.
	"supplychain/image-not-pinned": pod(func(r root) string {
		return r.v("imgValid") + ".exists(i, ok, ok && " + r.v("imgDigest") + "[i] == '')"
	}),
	"supplychain/image-tag-mutable": pod(func(r root) string {
		return r.v("imgValid") + ".exists(i, ok, ok && " + r.v("imgDigest") + "[i] == '' && (" + r.v("imgTag") + "[i] == '' || " + r.v("imgTag") + "[i] == 'latest'))"
	}),
	"supplychain/image-pull-policy": pod(func(r root) string {
		C, tag := r.v("containers"), r.v("imgTag")
		return r.v("imgValid") + ".exists(i, ok, ok && " + r.v("imgDigest") + "[i] == '' && " +
			"((has(" + C + "[i].imagePullPolicy) && " + C + "[i].imagePullPolicy != '') ? " + C + "[i].imagePullPolicy : (" + tag + "[i] == 'latest' || " + tag + "[i] == '' ? 'Always' : 'IfNotPresent')) != 'Always')"
	}),
	"supplychain/untrusted-registry": func() rule {
		r := podRule(func(r root, cfg *check.Config) string {
			allowed := allowedRegistries(cfg)
			repo := r.v("imgRepo")
			return r.v("imgValid") + ".exists(i, ok, !ok || !" + list(allowed) + ".exists(a, " + repo + "[i] == a || " + repo + "[i].startsWith(a + '/')))"
		})
		r.needs = func(cfg *check.Config) string {
			if len(allowedRegistries(cfg)) == 0 {
				return "no allowedRegistries in the config: the check is not assessed (export with --config naming them)"
			}
			return ""
		}
		return r
	}(),

	// Workload hardening.
	"workload/dangerous-capabilities": pod(func(r root) string {
		n := "a.trim().upperAscii()"
		return r.v("containers") + ".exists(c, " + sc("c", "capabilities", "add") + " && " + scRef("c", "capabilities", "add") +
			".exists(a, (" + n + ".startsWith('CAP_') ? " + n + ".substring(4) : " + n + ") in " + list(dangerousCapabilities) + "))"
	}),
	"workload/runs-as-root-uid": pod(func(r root) string {
		S := r.v("spec")
		return "!(" + r.v("windows") + ") && " + r.v("containers") + ".exists(c, " + sc("c", "runAsUser") + " ? " + scRef("c", "runAsUser") + " == 0 : (" +
			field(S, "securityContext", "runAsUser") + " && " + S + ".securityContext.runAsUser == 0))"
	}),
	"workload/share-process-namespace": pod(func(r root) string {
		return isTrue(r.v("spec"), "shareProcessNamespace")
	}),
	"workload/writable-root-filesystem": pod(func(r root) string {
		return "!(" + r.v("windows") + ") && " + r.v("containers") + ".exists(c, !" + isTrue("c", "securityContext", "readOnlyRootFilesystem") + ")"
	}),
	"workload/no-resource-limits": pod(func(r root) string {
		S := r.v("spec")
		limit := func(res string, l string) string {
			return "(" + field(l, "limits") + " && " + lit(res) + " in " + l + ".limits && quantity(string(" + l + ".limits[" + lit(res) + "])).compareTo(quantity('0')) != 0)"
		}
		missing := func(res string) string {
			return "(!(has(c.resources) && " + limit(res, "c.resources") + ") && !(has(" + S + ".resources) && " + limit(res, S+".resources") + "))"
		}
		// Ephemeral containers cannot have resources and are not read.
		return r.v("podContainers") + ".exists(c, " + missing("cpu") + " || " + missing("memory") + ")"
	}),
	"workload/default-namespace": pod(func(r root) string {
		return "request.namespace == 'default'"
	}),
	"workload/sensitive-host-path": pod(func(r root) string {
		S := r.v("spec")
		// path.Clean of a path without "..", which the API server refuses
		// in a hostPath: drop empty and "." segments.
		p := "('/' + v.hostPath.path.split('/').filter(s, s != '' && s != '.').join('/'))"
		return "has(" + S + ".volumes) && " + S + ".volumes.exists(v, " + field("v", "hostPath", "path") + " && v.hostPath.path.startsWith('/') && (" +
			"v.hostPath.path.split('/').exists(s, s == '..') || (" +
			"!" + list(publishedFiles) + ".exists(x, " + p + " == x || " + p + ".startsWith(x + '/')) && (" +
			list(sensitivePaths()) + ".exists(x, " + p + " == x) || " +
			list(sensitiveDirs) + ".exists(x, " + p + ".startsWith(x + '/')) || " +
			list(sensitivePaths()) + ".exists(x, " + p + " == '/' ? x != '/' : x.startsWith(" + p + " + '/'))))))"
	}),
	"workload/service-account-token-automount": func() rule {
		r := pod(func(r root) string {
			S := r.v("spec")
			name := "((has(" + S + ".serviceAccountName) && " + S + ".serviceAccountName != '') ? " + S + ".serviceAccountName : (has(" + S + ".serviceAccount) ? " + S + ".serviceAccount : ''))"
			return "(" + name + " == '' || " + name + " == 'default') && (has(" + S + ".automountServiceAccountToken) ? " + S + ".automountServiceAccountToken == true : " +
				"!(params != null && has(params.automountServiceAccountToken) && params.automountServiceAccountToken == false))"
		})
		r.params = true
		return r
	}(),

	// Exposure.
	"exposure/ingress-without-tls": {kinds: []string{"Ingress"}, violates: func(r root, _ *check.Config) string {
		R := r.obj
		tls := R + ".spec.tls"
		match := "(t.hosts.exists(p, p.lowerAscii() == h.host.lowerAscii() || (p.startsWith('*.') && !h.host.startsWith('*') && " +
			"h.host.lowerAscii().endsWith(p.lowerAscii().substring(1)) && size(h.host) > size(p) - 1 && " +
			"!h.host.substring(0, size(h.host) - size(p) + 1).contains('.'))))"
		covered := "(has(h.host) && h.host != '' ? " + tls + ".exists(t, has(t.hosts) && " + match + ") : " + tls + ".exists(t, !has(t.hosts) || size(t.hosts) == 0))"
		return "!(" + field(R, "spec", "tls") + " && size(" + tls + ") > 0) || (has(" + R + ".spec.rules) && " + R + ".spec.rules.exists(h, !" + covered + "))"
	}},
	"exposure/legacy-service-account-token": {kinds: []string{"Secret"}, violates: func(r root, _ *check.Config) string {
		R := r.obj
		return "has(" + R + ".type) && " + R + ".type == 'kubernetes.io/service-account-token' && !(" + field(R, "metadata", "labels") + " && 'kubernetes.io/legacy-token-invalid-since' in " + R + ".metadata.labels)"
	}},
	"exposure/loadbalancer-open": {kinds: []string{"Service"}, violates: func(r root, _ *check.Config) string {
		R := r.obj
		open := func(x string) string {
			return "(isCIDR(" + x + ".trim()) && cidr(" + x + ".trim()).prefixLength() == 0)"
		}
		ann := R + ".metadata.annotations['service.beta.kubernetes.io/load-balancer-source-ranges']"
		annSet := "(" + field(R, "metadata", "annotations") + " && 'service.beta.kubernetes.io/load-balancer-source-ranges' in " + R + ".metadata.annotations && " + ann + ".trim() != '')"
		ranges := R + ".spec.loadBalancerSourceRanges"
		return field(R, "spec", "type") + " && " + R + ".spec.type == 'LoadBalancer' && (" +
			"(" + field(R, "spec", "loadBalancerSourceRanges") + " && size(" + ranges + ") > 0) ? " + ranges + ".exists(x, " + open("x") + ") : " +
			"(" + annSet + " ? " + ann + ".trim().split(',').exists(x, " + open("x") + ") : true))"
	}},
	"exposure/namespace-without-pss-enforce": {kinds: []string{"Namespace"}, violates: func(r root, _ *check.Config) string {
		R := r.obj
		key := "'pod-security.kubernetes.io/enforce'"
		return R + ".metadata.name != 'kube-system' && (!(" + field(R, "metadata", "labels") + " && " + key + " in " + R + ".metadata.labels) || " + R + ".metadata.labels[" + key + "] == 'privileged')"
	}},
	"exposure/nodeport-service": {kinds: []string{"Service"}, violates: func(r root, _ *check.Config) string {
		return field(r.obj, "spec", "type") + " && " + r.obj + ".spec.type == 'NodePort'"
	}},
}

func procMountBad(r root) string {
	return r.v("containers") + ".exists(c, " + sc("c", "procMount") + " && " + scRef("c", "procMount") + " != 'Default')"
}

func seccompValid(p string) string {
	return "(has(" + p + ".type) && " + p + ".type in " + list(seccompTypes) + ")"
}

// allowedRegistries normalizes the config's allowedRegistries as
// supplychain/untrusted-registry does: trimmed, without a trailing "/",
// the host lower-cased and index.docker.io read as docker.io.
func allowedRegistries(cfg *check.Config) []string {
	if cfg == nil {
		return nil
	}
	var out []string
	for _, e := range cfg.AllowedRegistries {
		e = strings.TrimRight(strings.TrimSpace(e), "/")
		host, rest, hasPath := strings.Cut(e, "/")
		host = strings.ToLower(host)
		if host == imageref.LegacyDefaultRegistry {
			host = imageref.DefaultRegistry
		}
		if hasPath {
			host += "/" + rest
		}
		if host != "" {
			out = append(out, host)
		}
	}
	sort.Strings(out)
	return out
}
