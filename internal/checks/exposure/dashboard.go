package exposure

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/imageref"
)

// The Kubernetes dashboard is recognized by any one of:
//
//   - an image whose last path component starts with "kubernetes-dashboard"
//     (k8s.gcr.io/kubernetes-dashboard-amd64, bitnami/kubernetes-dashboard),
//     or that is kubernetesui/dashboard or kubernetesui/dashboard-* (the v2
//     image and the v3 api, web and auth images), on any registry or mirror;
//   - a pod label k8s-app, app or app.kubernetes.io/name equal to
//     kubernetes-dashboard (or its v3 -api, -web, -auth parts);
//   - a workload named kubernetes-dashboard (or -api, -web, -auth);
//   - a container argument --enable-skip-login or
//     --disable-settings-authorizer, flags no other program has.
//
// The metrics scraper (kubernetesui/metrics-scraper,
// dashboard-metrics-scraper) is not the dashboard.

// dashboardNames are the names and label values of dashboard components.
var dashboardNames = map[string]bool{
	"kubernetes-dashboard":      true,
	"kubernetes-dashboard-api":  true,
	"kubernetes-dashboard-web":  true,
	"kubernetes-dashboard-auth": true,
}

// dashboardLabels are the labels whose value names the component.
var dashboardLabels = []string{"k8s-app", "app.kubernetes.io/name", "app"}

// The dashboard flags the flag checks read.
const (
	flagSkipLogin          = "enable-skip-login"
	flagSettingsAuthorizer = "disable-settings-authorizer"
)

// dashboardEvidence says why a pod template is the dashboard, or "" when it
// is not: `image "kubernetesui/dashboard:v2.0.0"`.
func dashboardEvidence(pod *cluster.PodTemplate) string {
	for _, c := range pod.Containers() {
		if isDashboardImage(c.Container.Image) {
			return fmt.Sprintf("image %q", c.Container.Image)
		}
	}
	for _, k := range dashboardLabels {
		if v, ok := pod.Meta.Labels[k]; ok && dashboardNames[v] {
			return fmt.Sprintf("label %s=%s", k, v)
		}
	}
	if dashboardNames[pod.Object.ID.Name] {
		return fmt.Sprintf("name %q", pod.Object.ID.Name)
	}
	for _, c := range pod.Containers() {
		for _, name := range []string{flagSkipLogin, flagSettingsAuthorizer} {
			if f, ok := findFlag(c, name); ok {
				return fmt.Sprintf("flag %s", f.arg)
			}
		}
	}
	return ""
}

func isDashboardImage(image string) bool {
	if !strings.Contains(image, "dashboard") {
		return false // every name below holds the word; skip parsing
	}
	ref, err := imageref.Parse(image)
	if err != nil {
		return false
	}
	parts := strings.Split(ref.Path, "/")
	last := parts[len(parts)-1]
	if strings.HasPrefix(last, "kubernetes-dashboard") {
		return true
	}
	return len(parts) >= 2 && parts[len(parts)-2] == "kubernetesui" &&
		(last == "dashboard" || strings.HasPrefix(last, "dashboard-"))
}

// dashboard is a workload running the Kubernetes dashboard.
type dashboard struct {
	pod      *cluster.PodTemplate
	evidence string
}

// String names the dashboard for messages:
// `the Kubernetes dashboard deployment.apps/kubernetes-dashboard -n kubernetes-dashboard (image "kubernetesui/dashboard:v2.0.0")`.
func (d dashboard) String() string {
	return fmt.Sprintf("the Kubernetes dashboard %s (%s)", d.pod.Object.ID, d.evidence)
}

// skipLogin reports whether any container of the dashboard turns on
// --enable-skip-login.
func (d dashboard) skipLogin() bool {
	for _, c := range d.pod.Containers() {
		if f, ok := findFlag(c, flagSkipLogin); ok && f.on {
			return true
		}
	}
	return false
}

// serviceAccount is the service account the dashboard's pods run as.
func (d dashboard) serviceAccount() string { return d.pod.ServiceAccount() }

// dashboards lists the workloads of the snapshot that run the dashboard.
func dashboards(snap *cluster.Snapshot) []dashboard {
	var out []dashboard
	for _, pod := range snap.PodTemplates() {
		if ev := dashboardEvidence(pod); ev != "" {
			out = append(out, dashboard{pod: pod, evidence: ev})
		}
	}
	return out
}

// flag is the effective setting of a boolean flag in a container's command
// and args: the last occurrence wins, as with the dashboard's flag parser.
type flag struct {
	// arg is the last occurrence as written; field is its path.
	arg, field string
	// on is the flag's effective value.
	on bool
	// fields are the paths of every occurrence, in order.
	fields []string
}

// findFlag finds "--name", "--name=<bool>" (and the single-dash spellings)
// in a container's command and args.
func findFlag(c cluster.ContainerRef, name string) (flag, bool) {
	var f flag
	found := false
	scan := func(list []string, field string) {
		for i, a := range list {
			val, ok := flagValue(a, name)
			if !ok {
				continue
			}
			found = true
			f.arg = a
			f.field = c.Field(fmt.Sprintf("%s[%d]", field, i))
			f.fields = append(f.fields, f.field)
			f.on = val
		}
	}
	scan(c.Container.Command, "command")
	scan(c.Container.Args, "args")
	return f, found
}

// flagValue parses one argument as the boolean flag name: "--name" is true,
// "--name=false" is false; a value that is not a boolean is false (the
// program refuses to start).
func flagValue(arg, name string) (on, ok bool) {
	rest, ok := strings.CutPrefix(arg, "--")
	if !ok {
		if rest, ok = strings.CutPrefix(arg, "-"); !ok {
			return false, false
		}
	}
	if rest == name {
		return true, true
	}
	v, ok := strings.CutPrefix(rest, name+"=")
	if !ok {
		return false, false
	}
	b, _ := strconv.ParseBool(v)
	return b, true
}

// removeFlag is a JSON patch removing every occurrence of a flag, last
// first so earlier indices stay valid.
func removeFlag(f flag) []check.PatchOp {
	ops := make([]check.PatchOp, 0, len(f.fields))
	for i := len(f.fields) - 1; i >= 0; i-- {
		ops = append(ops, check.PatchOp{Op: "remove", Path: cluster.JSONPointer(f.fields[i])})
	}
	return ops
}

// flagViolations is one violation per container that turns the flag on,
// pointing at the argument, with a fix that removes it; message explains
// what that container's flag gives away.
func flagViolations(pod *cluster.PodTemplate, name string, message func(cluster.ContainerRef, flag) string) []check.Violation {
	var out []check.Violation
	for _, c := range pod.Containers() {
		if f, ok := findFlag(c, name); ok && f.on {
			out = append(out, check.Violation{Field: f.field, Message: message(c, f), Fix: removeFlag(f)})
		}
	}
	return out
}
