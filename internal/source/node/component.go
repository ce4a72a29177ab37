package node

import (
	"path"
	"strconv"
	"strings"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// The components whose command lines Palisade reads from pods.
const (
	APIServer         = "kube-apiserver"
	Etcd              = "etcd"
	ControllerManager = "kube-controller-manager"
	Scheduler         = "kube-scheduler"
	KubeProxy         = "kube-proxy"
)

// componentNames maps what a command's first word (or hyperkube's second)
// may be to the component it starts.
var componentNames = map[string]string{
	APIServer: APIServer, "apiserver": APIServer,
	Etcd:              Etcd,
	ControllerManager: ControllerManager, "controller-manager": ControllerManager,
	Scheduler: Scheduler, "scheduler": Scheduler,
	KubeProxy: KubeProxy, "proxy": KubeProxy,
}

// Component is a control-plane or node component running in a container
// of a pod: a static pod read from a node, a kube-system mirror pod read
// from a live cluster, or a workload of a hosted control plane.
type Component struct {
	// Name is one of the component constants.
	Name      string
	Pod       *cluster.PodTemplate
	Container cluster.ContainerRef
	// Flags are the component's flags: the container's command after the
	// binary, then its args; for etcd also ETCD_* environment variables
	// for flags the command line does not set, as etcd reads them.
	Flags Flags
	// Field is where the flags are written ("spec.containers[0].command"),
	// the field a missing flag is reported on.
	Field string
}

// FindComponent returns the first container of the pod that runs the
// named component, or nil. A container runs a component when its
// command's first word is the component's binary (any directory;
// "hyperkube apiserver" too), or, for a container with no command, when
// the pod's "component" or "k8s-app" label names the component and the
// container bears its name or is the pod's only container.
func FindComponent(pod *cluster.PodTemplate, name string) *Component {
	label := pod.Meta.Labels["component"]
	if label == "" {
		label = pod.Meta.Labels["k8s-app"]
	}
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		skip := -1 // words of the command before the flags; -1: the container does not run it
		switch cmd := c.Command; {
		case len(cmd) > 0:
			first, n := path.Base(cmd[0]), 1
			if first == "hyperkube" && len(cmd) > 1 {
				first, n = cmd[1], 2
			}
			if componentNames[first] == name {
				skip = n
			}
		case componentNames[label] == name && (c.Name == name || len(pod.Spec.Containers) == 1):
			skip = 0
		}
		if skip < 0 {
			continue
		}
		ref := cluster.ContainerRef{Container: c, Path: pod.Field("containers[" + strconv.Itoa(i) + "]")}
		field := ref.Field("command")
		if skip == 0 {
			field = ref.Field("args")
		}
		var args []cluster.Arg
		for j := skip; j < len(c.Command); j++ {
			args = append(args, cluster.Arg{Value: c.Command[j], Field: ref.Field("command[" + strconv.Itoa(j) + "]")})
		}
		for j, a := range c.Args {
			args = append(args, cluster.Arg{Value: a, Field: ref.Field("args[" + strconv.Itoa(j) + "]")})
		}
		comp := &Component{Name: name, Pod: pod, Container: ref, Flags: ParseFlags(args), Field: field}
		if name == Etcd {
			comp.Flags = append(comp.Flags, etcdEnvFlags(ref, comp.Flags)...)
		}
		return comp
	}
	return nil
}

// etcdEnvFlags reads the ETCD_* environment variables etcd takes as flags
// ("ETCD_CLIENT_CERT_AUTH" for --client-cert-auth) when the command line
// does not set the same flag.
func etcdEnvFlags(ref cluster.ContainerRef, set Flags) Flags {
	var out Flags
	for i, e := range ref.Container.Env {
		if !strings.HasPrefix(e.Name, "ETCD_") || e.ValueFrom != nil {
			continue
		}
		name := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(e.Name, "ETCD_"), "_", "-"))
		if name == "" || set.Has(name) {
			continue
		}
		out = append(out, Flag{Name: name, Value: e.Value, Arg: cluster.Arg{Value: e.Value, Field: ref.Field("env[" + strconv.Itoa(i) + "].value")}})
	}
	return out
}

// NodePath translates a path the component's container sees into the
// node path it comes from, through the container's hostPath volume mounts
// (the longest mount path that holds it wins, subPath included). ok is
// false when the path is relative or no hostPath volume holds it: the
// file is then in the image or in another kind of volume, and not on the
// node's filesystem.
func (c *Component) NodePath(p string) (nodePath string, ok bool) {
	if !strings.HasPrefix(p, "/") {
		return "", false
	}
	p = path.Clean(p)
	best := -1
	var rest string
	mounts := c.Container.Container.VolumeMounts
	for i, m := range mounts {
		mp := path.Clean(m.MountPath)
		var r string
		switch {
		case p == mp:
		case mp == "/":
			r = p[1:]
		case strings.HasPrefix(p, mp+"/"):
			r = p[len(mp)+1:]
		default:
			continue
		}
		if best < 0 || len(mp) > len(path.Clean(mounts[best].MountPath)) {
			best, rest = i, r
		}
	}
	if best < 0 {
		return "", false
	}
	m := mounts[best]
	for _, v := range c.Pod.Spec.Volumes {
		if v.Name == m.Name && v.HostPath != nil {
			return path.Join("/", v.HostPath.Path, m.SubPath, rest), true
		}
	}
	return "", false
}

// FlagField is the field a flag is reported on: where it is written, or,
// when it is not given, where the flags are.
func (c *Component) FlagField(name string) string {
	if f, ok := c.Flags.Last(name); ok {
		return f.Arg.Field
	}
	return c.Field
}
