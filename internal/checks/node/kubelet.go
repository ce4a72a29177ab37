package node

import (
	"fmt"

	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	nodesrc "github.com/palisade-sec/palisade/internal/source/node"
)

// Prefix is the area of every check id in this package.
const Prefix = "node/"

// Sections of the NSA/CISA Kubernetes Hardening Guide (v1.2).
const (
	nsaWorkerNodes  = "Worker node segmentation"
	nsaKubeconfig   = "Kubeconfig Files"
	nsaControlPlane = "Control plane hardening"
	nsaAuthn        = "Authentication and authorization"
	nsaEncryption   = "Encryption"
	nsaLogging      = "Audit Logging and Threat Detection"
	nsaNetwork      = "Network separation and hardening"
)

// kubelet is one kubelet as the snapshot describes it: its flags, its
// config file, and the objects findings about it are reported on.
type kubelet struct {
	snap  *cluster.Snapshot
	flags nodesrc.Flags
	// cfg and cfgObj are its KubeletConfiguration; nil when it reads none.
	cfg    *kubeletv1beta1.KubeletConfiguration
	cfgObj *cluster.Object
	// configPath is the config file the kubelet is told to read; set with
	// a nil cfg when that file could not be read.
	configPath string
	// home is where a setting that is nowhere is reported: the kubelet's
	// unit file, or the node facts.
	home *cluster.Object
}

// kubelets returns the kubelet of the node the snapshot was read from, if
// any, and one per other KubeletConfiguration object.
func kubelets(snap *cluster.Snapshot) []*kubelet {
	var out []*kubelet
	var used *cluster.Object
	if facts := snap.Node(); facts != nil && facts.Kubelet != nil {
		kf := facts.Kubelet
		k := &kubelet{snap: snap, flags: nodesrc.ParseFlags(kf.Args), configPath: kf.ConfigPath, home: kf.Unit}
		for _, o := range snap.OfKind(cluster.KindNodeFacts) {
			if _, ok := o.Typed.(*cluster.NodeFacts); ok && k.home == nil {
				k.home = o
			}
		}
		if kf.Config != nil {
			k.cfgObj, used = kf.Config, kf.Config
			k.cfg, _ = kf.Config.Typed.(*kubeletv1beta1.KubeletConfiguration)
		}
		out = append(out, k)
	}
	for _, o := range snap.OfKind("KubeletConfiguration") {
		if cfg, ok := o.Typed.(*kubeletv1beta1.KubeletConfiguration); ok && o != used {
			out = append(out, &kubelet{snap: snap, cfg: cfg, cfgObj: o, home: o})
		}
	}
	return out
}

// onKubelets makes a Cluster check that judges every kubelet.
func onKubelets(fn func(k *kubelet) []check.Violation) func(*check.Context) []check.Violation {
	return func(ctx *check.Context) []check.Violation {
		var out []check.Violation
		for _, k := range kubelets(ctx.Snapshot) {
			out = append(out, fn(k)...)
		}
		return out
	}
}

// setting is one kubelet setting as decided, and where.
type setting struct {
	value string
	// text says how the value came about: "--read-only-port=10255 (FILE:LINE)",
	// "readOnlyPort: 10255", "readOnlyPort is not set (...)".
	text  string
	obj   *cluster.Object
	field string
}

// violation reports on the setting.
func (s setting) violation(format string, args ...any) check.Violation {
	return check.Violation{Object: s.obj, Field: s.field, Message: fmt.Sprintf(format, args...)}
}

// configValue reads a setting from the config file: its value as text and
// whether the file sets it.
type configValue func(cfg *kubeletv1beta1.KubeletConfiguration) (value string, set bool)

// decide resolves a setting as the kubelet does: the flag, when given,
// wins over the config file's field; a setting in neither takes
// fileDefault when the kubelet reads a config file and flagDefault when
// it does not. When the kubelet was told to read a config file that could
// not be read, a setting no flag decides is not assessed.
func (k *kubelet) decide(flag, field string, fromConfig configValue, fileDefault, flagDefault string) (setting, *check.Violation) {
	if f, ok := k.flags.Last(flag); ok {
		value := f.Value
		if f.Bare {
			value = "true"
		}
		return setting{value: value, text: fmt.Sprintf("%s (%s)", f, f.Arg.Where()), obj: k.flagObject(f), field: "--" + flag}, nil
	}
	if k.cfg != nil {
		if v, set := fromConfig(k.cfg); set {
			return setting{value: v, text: field + ": " + v, obj: k.cfgObj, field: field}, nil
		}
		return setting{value: fileDefault, text: fmt.Sprintf("%s is not set (the kubelet config file default is %s)", field, fileDefault), obj: k.cfgObj, field: field}, nil
	}
	if k.configPath != "" {
		na := check.NotAssessed(k.home, "--"+flag, fmt.Sprintf("the kubelet reads %s, which Palisade could not read; --%s is not set, so the file may set %s", k.configPath, flag, field))
		return setting{}, &na
	}
	return setting{value: flagDefault, text: fmt.Sprintf("--%s is not set and the kubelet reads no config file (the flag default is %s)", flag, flagDefault),
		obj: k.home, field: "--" + flag}, nil
}

// flagObject is the object a flag's findings are reported on: the node
// file it is written in, or the kubelet's home.
func (k *kubelet) flagObject(f nodesrc.Flag) *cluster.Object {
	if o := k.snap.NodeFile(f.Arg.File); o != nil {
		return o
	}
	return k.home
}

// boolPtr reads an optional boolean field.
func boolPtr(p *bool) (string, bool) {
	if p == nil {
		return "", false
	}
	return fmt.Sprint(*p), true
}

// boolValue reads a boolean field whose zero value is indistinguishable
// from unset: true counts as set.
func boolValue(b bool) (string, bool) {
	if !b {
		return "", false
	}
	return "true", true
}

func graded(v check.Violation, s check.Severity) check.Violation {
	v.Severity = &s
	return v
}
