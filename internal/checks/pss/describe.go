package pss

import (
	corev1 "k8s.io/api/core/v1"
	psaapi "k8s.io/pod-security-admission/api"

	"github.com/palisade-sec/palisade/internal/check"
)

// about is Palisade's description of one upstream check: what the
// evaluator reads, what it allows, and how bad a failure is.
type about struct {
	title, description, remediation string
	severity                        check.Severity
	cis, mitre                      []string
}

const nsaPodSecurity = "Kubernetes Pod security"

var abouts = map[string]about{
	"privileged": {
		title:       "Privileged container",
		description: "Reads securityContext.privileged of every container. Allowed: unset or false. A privileged container has every device and capability of the node: it is root on the host.",
		remediation: "Remove securityContext.privileged (or set it to false); grant the one capability the process needs instead.",
		severity:    check.SeverityCritical, cis: []string{"5.2.2"}, mitre: []string{"T1611"},
	},
	"hostNamespaces": {
		title:       "Pod shares the host's namespaces",
		description: "Reads spec.hostNetwork, spec.hostPID and spec.hostIPC. Allowed: unset or false. Host namespaces let a pod see and signal node processes, sniff node traffic and reach services bound to the node's loopback.",
		remediation: "Remove hostNetwork, hostPID and hostIPC from the pod spec; expose ports through a Service instead.",
		severity:    check.SeverityHigh, cis: []string{"5.2.3", "5.2.4", "5.2.5"}, mitre: []string{"T1611"},
	},
	"hostPathVolumes": {
		title:       "hostPath volume",
		description: "Reads spec.volumes[*].hostPath. Allowed: none. A hostPath volume mounts the node's filesystem into the pod.",
		remediation: "Replace the hostPath volume with a persistentVolumeClaim, configMap, secret, emptyDir or CSI volume.",
		severity:    check.SeverityHigh, cis: []string{"5.2.12"}, mitre: []string{"T1611"},
	},
	"hostPorts": {
		title:       "Container binds a host port",
		description: "Reads containers[*].ports[*].hostPort. Allowed: unset or 0. A host port exposes the container on every address of the node, around NetworkPolicy-aware Services.",
		remediation: "Remove hostPort and expose the container through a Service.",
		severity:    check.SeverityMedium, cis: []string{"5.2.13"}, mitre: []string{"T1133"},
	},
	"appArmorProfile": {
		title:       "AppArmor profile overridden",
		description: "Reads the appArmorProfile of the pod and containers and the legacy container.apparmor.security.beta.kubernetes.io annotations. Allowed: unset, RuntimeDefault or Localhost.",
		remediation: "Remove the Unconfined AppArmor profile; use RuntimeDefault or a Localhost profile.",
		severity:    check.SeverityMedium, mitre: []string{"T1611"},
	},
	"seLinuxOptions": {
		title:       "Custom SELinux user, role or type",
		description: "Reads seLinuxOptions of the pod and containers. Allowed: type unset or one of container_t, container_init_t, container_kvm_t, container_engine_t; user and role unset.",
		remediation: "Remove seLinuxOptions.user and .role and use one of the standard container types.",
		severity:    check.SeverityMedium, mitre: []string{"T1611"},
	},
	"procMount": {
		title:       "Unmasked /proc mount",
		description: "Reads containers[*].securityContext.procMount. Allowed: unset or Default. An Unmasked /proc exposes kernel interfaces the runtime normally hides.",
		remediation: "Remove securityContext.procMount or set it to Default.",
		severity:    check.SeverityMedium, mitre: []string{"T1611"},
	},
	"procMount_restricted": {
		title:       "Unmasked /proc mount (restricted)",
		description: "Reads containers[*].securityContext.procMount at the restricted level. Allowed: unset or Default.",
		remediation: "Remove securityContext.procMount or set it to Default.",
		severity:    check.SeverityMedium, mitre: []string{"T1611"},
	},
	"seccompProfile_baseline": {
		title:       "Seccomp explicitly disabled",
		description: "Reads seccompProfile.type of the pod and containers. Allowed at baseline: unset, RuntimeDefault or Localhost; Unconfined is forbidden.",
		remediation: "Set seccompProfile.type to RuntimeDefault (or a Localhost profile).",
		severity:    check.SeverityMedium, cis: []string{"5.7.2"}, mitre: []string{"T1611"},
	},
	"seccompProfile_restricted": {
		title:       "No seccomp profile",
		description: "Reads seccompProfile.type of the pod and containers. Required at restricted: RuntimeDefault or Localhost, set on the pod or on every container.",
		remediation: "Set spec.securityContext.seccompProfile.type: RuntimeDefault on the pod.",
		severity:    check.SeverityLow, cis: []string{"5.7.2"}, mitre: []string{"T1611"},
	},
	"sysctls": {
		title:       "Unsafe sysctl",
		description: "Reads spec.securityContext.sysctls. Allowed: the namespaced sysctls the Pod Security Standards list as safe (kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, and others added per version).",
		remediation: "Remove the unsafe sysctl, or run the workload on dedicated nodes where the kubelet allows it.",
		severity:    check.SeverityMedium, mitre: []string{"T1611"},
	},
	"windowsHostProcess": {
		title:       "Windows HostProcess container",
		description: "Reads windowsOptions.hostProcess of the pod and containers. Allowed: unset or false. A HostProcess container runs as a process on the Windows node.",
		remediation: "Remove windowsOptions.hostProcess.",
		severity:    check.SeverityCritical, cis: []string{"5.2.11"}, mitre: []string{"T1611"},
	},
	"hostProbesAndHostLifecycle": {
		title:       "Probe or lifecycle hook aimed at another host",
		description: "Reads the host field of httpGet and tcpSocket probes and lifecycle handlers. Allowed: unset or 127.0.0.1/::1. A set host turns the kubelet into a proxy to any address it can reach.",
		remediation: "Remove the host field from probes and lifecycle handlers.",
		severity:    check.SeverityMedium, mitre: []string{"T1090"},
	},
	"capabilities_baseline": {
		title:       "Capability beyond the default set",
		description: "Reads containers[*].securityContext.capabilities.add. Allowed: the container runtime's defaults (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT).",
		remediation: "Remove the added capabilities the process does not need.",
		severity:    check.SeverityHigh, cis: []string{"5.2.9"}, mitre: []string{"T1611"},
	},
	"capabilities_restricted": {
		title:       "Capabilities not dropped",
		description: "Reads containers[*].securityContext.capabilities. Required at restricted: drop includes ALL; add holds at most NET_BIND_SERVICE.",
		remediation: "Set securityContext.capabilities.drop: [ALL] on every container and add back only NET_BIND_SERVICE if needed.",
		severity:    check.SeverityMedium, cis: []string{"5.2.8", "5.2.10"}, mitre: []string{"T1611"},
	},
	"allowPrivilegeEscalation": {
		title:       "Privilege escalation allowed",
		description: "Reads containers[*].securityContext.allowPrivilegeEscalation. Required at restricted: false. Otherwise setuid binaries can gain more privileges than the container started with.",
		remediation: "Set securityContext.allowPrivilegeEscalation: false on every container.",
		severity:    check.SeverityMedium, cis: []string{"5.2.6"}, mitre: []string{"T1548"},
	},
	"runAsNonRoot": {
		title:       "May run as root",
		description: "Reads runAsNonRoot of the pod and containers. Required at restricted: true on the pod, or on every container.",
		remediation: "Set spec.securityContext.runAsNonRoot: true and a non-zero runAsUser in the image or the pod.",
		severity:    check.SeverityMedium, cis: []string{"5.2.7"}, mitre: []string{"T1611"},
	},
	"runAsUser": {
		title:       "Runs as UID 0",
		description: "Reads runAsUser of the pod and containers. Allowed at restricted: unset or a non-zero UID.",
		remediation: "Set runAsUser to a non-zero UID, or remove it and set runAsNonRoot: true.",
		severity:    check.SeverityMedium, cis: []string{"5.2.7"}, mitre: []string{"T1611"},
	},
	"restrictedVolumes": {
		title:       "Volume type outside the restricted set",
		description: "Reads spec.volumes. Allowed at restricted: configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret.",
		remediation: "Use one of the allowed volume types; reach storage through a PersistentVolumeClaim.",
		severity:    check.SeverityLow, mitre: []string{"T1611"},
	},
}

// describe builds a check's metadata from its description; an upstream
// check Palisade has not described yet still gets complete metadata.
func describe(id string, level psaapi.Level) check.Metadata {
	name := id[len(Prefix):]
	a, ok := abouts[name]
	if !ok {
		a = about{
			title:       "Pod Security Standards: " + name,
			description: "Upstream Pod Security Standards check " + name + ".",
			remediation: "Change the pod so that Pod Security Admission at level " + string(level) + " admits it.",
			severity:    check.SeverityMedium,
		}
	}
	return check.Metadata{
		ID:          id,
		Title:       a.title,
		Description: a.description + " Evaluated by k8s.io/pod-security-admission, exactly as the API server admits pods at level " + string(level) + ".",
		Severity:    a.severity,
		Vector:      check.VectorInsecureConfig,
		Strategy:    check.StrategyPodSecurity,
		References:  check.References{CIS: a.cis, NSA: []string{nsaPodSecurity}, MITRE: a.mitre, PSS: string(level)},
		Remediation: a.remediation,
	}
}

// containerFields maps the checks that judge containers one by one to the
// container field they read.
var containerFields = map[string]string{
	"privileged":                 "securityContext.privileged",
	"hostPorts":                  "ports",
	"appArmorProfile":            "securityContext.appArmorProfile",
	"seLinuxOptions":             "securityContext.seLinuxOptions",
	"procMount":                  "securityContext.procMount",
	"procMount_restricted":       "securityContext.procMount",
	"seccompProfile_baseline":    "securityContext.seccompProfile",
	"seccompProfile_restricted":  "securityContext.seccompProfile",
	"windowsHostProcess":         "securityContext.windowsOptions.hostProcess",
	"hostProbesAndHostLifecycle": "livenessProbe",
	"capabilities_baseline":      "securityContext.capabilities.add",
	"capabilities_restricted":    "securityContext.capabilities",
	"allowPrivilegeEscalation":   "securityContext.allowPrivilegeEscalation",
	"runAsNonRoot":               "securityContext.runAsNonRoot",
	"runAsUser":                  "securityContext.runAsUser",
}

// podField names the pod-level field a failed check points at.
func podField(name string, spec *corev1.PodSpec) string {
	switch name {
	case "hostNamespaces":
		switch {
		case spec.HostPID:
			return "hostPID"
		case spec.HostIPC:
			return "hostIPC"
		default:
			return "hostNetwork"
		}
	case "hostPathVolumes", "restrictedVolumes":
		return "volumes"
	case "sysctls":
		return "securityContext.sysctls"
	case "", "appArmorProfile", "seLinuxOptions", "seccompProfile_baseline", "seccompProfile_restricted", "runAsNonRoot", "runAsUser", "windowsHostProcess":
		return "securityContext"
	}
	return ""
}
