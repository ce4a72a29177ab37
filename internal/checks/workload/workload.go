package workload

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// Prefix is the area of every check id in this package.
const Prefix = "workload/"

// Sections of the NSA/CISA Kubernetes Hardening Guide (v1.2). Checks name
// the top-level section, as the pss checks do, and the subsection that
// covers them when there is one.
const (
	nsaPodSecurity       = "Kubernetes Pod security"
	nsaNonRoot           = "Non-root containers and rootless container engines"
	nsaImmutableFS       = "Immutable container file systems"
	nsaSATokens          = "Protecting Pod service account tokens"
	nsaNetworkSeparation = "Network separation and hardening"
	nsaNamespaces        = "Namespaces"
	nsaResourcePolicy    = "Resource policies"
	nsaSecrets           = "Secrets"
)

// mapField is the path of one key of a map-valued field:
// mapField("data", "tls.key") is `data["tls.key"]`.
func mapField(field, key string) string {
	return field + `["` + key + `"]`
}

// isWindows reports whether the pod declares that it runs on Windows
// nodes, where the Linux-only security context fields are ignored or
// forbidden.
func isWindows(spec *corev1.PodSpec) bool {
	return spec.OS != nil && spec.OS.Name == corev1.Windows
}

// quoteJoin quotes each name and joins them with commas: "a", "b".
func quoteJoin(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// kindOf names what a container is for messages: "container",
// "init container" or "ephemeral container".
func kindOf(ref cluster.ContainerRef) string {
	switch {
	case ref.Init:
		return "init container"
	case ref.Ephemeral:
		return "ephemeral container"
	}
	return "container"
}
