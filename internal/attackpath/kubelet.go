package attackpath

import (
	"fmt"

	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/netpol"
	nodesrc "github.com/palisade-sec/palisade/internal/source/node"
)

// kubeletPort is the kubelet's authenticated API port.
const kubeletPort = 10250

// kubeletGuard is what the snapshot says of how the kubelets guard their
// API: a pod on the node's network reaches it on 10250 whatever
// NetworkPolicy says.
type kubeletGuard struct {
	// known is set when the snapshot holds a kubelet's settings (a
	// KubeletConfiguration, or the node facts of `palisade node`).
	known bool
	// anonymous are the kubelets that serve requests without credentials
	// with AlwaysAllow authorization: anyone on the node's network runs
	// commands in its pods.
	anonymous []Evidence
	// authenticated are the kubelets with AlwaysAllow authorization that
	// turn away anonymous requests: any caller with a credential the API
	// server accepts (a mounted ServiceAccount token) runs commands.
	authenticated []Evidence
}

// kubeletSetting is one of a kubelet's two settings, as it decides them:
// a flag wins over the config file, the config file's defaults (anonymous
// off, Webhook) hold when it is read, the flags' defaults (anonymous on,
// AlwaysAllow) when it is not.
type kubeletSetting struct {
	value string
	ev    Evidence
}

// readKubelets reads the kubelet settings a snapshot holds: the node the
// snapshot was read from (its flags and config file) and every other
// KubeletConfiguration object.
func readKubelets(snap *cluster.Snapshot) kubeletGuard {
	var g kubeletGuard
	judge := func(anon, mode kubeletSetting) {
		g.known = true
		if mode.value != "AlwaysAllow" {
			return
		}
		ev := []Evidence{mode.ev}
		if anon.value == "true" {
			g.anonymous = append(g.anonymous, append(ev, anon.ev)...)
			return
		}
		g.authenticated = append(g.authenticated, ev...)
	}
	var used *cluster.Object
	if facts := snap.Node(); facts != nil && facts.Kubelet != nil {
		kf := facts.Kubelet
		flags := nodesrc.ParseFlags(kf.Args)
		var cfg *kubeletv1beta1.KubeletConfiguration
		var cfgObj *cluster.Object
		if kf.Config != nil {
			cfg, _ = kf.Config.Typed.(*kubeletv1beta1.KubeletConfiguration)
			cfgObj, used = kf.Config, kf.Config
		}
		home := "kubelet (node facts)"
		if kf.Unit != nil {
			home = kf.Unit.ID.String()
		}
		unreadable := cfg == nil && kf.ConfigPath != ""
		anon, okA := decideKubelet(flags, "anonymous-auth", "authentication.anonymous.enabled", cfg, cfgObj, home, unreadable, anonymousOf, "false", "true")
		mode, okM := decideKubelet(flags, "authorization-mode", "authorization.mode", cfg, cfgObj, home, unreadable, modeOf, "Webhook", "AlwaysAllow")
		if okA && okM {
			judge(anon, mode)
		}
	}
	for _, o := range snap.OfKind("KubeletConfiguration") {
		cfg, ok := o.Typed.(*kubeletv1beta1.KubeletConfiguration)
		if !ok || o == used {
			continue
		}
		anon, _ := decideKubelet(nil, "anonymous-auth", "authentication.anonymous.enabled", cfg, o, "", false, anonymousOf, "false", "true")
		mode, _ := decideKubelet(nil, "authorization-mode", "authorization.mode", cfg, o, "", false, modeOf, "Webhook", "AlwaysAllow")
		judge(anon, mode)
	}
	return g
}

func anonymousOf(c *kubeletv1beta1.KubeletConfiguration) (string, bool) {
	if e := c.Authentication.Anonymous.Enabled; e != nil {
		return fmt.Sprint(*e), true
	}
	return "", false
}

func modeOf(c *kubeletv1beta1.KubeletConfiguration) (string, bool) {
	return string(c.Authorization.Mode), c.Authorization.Mode != ""
}

// decideKubelet resolves one setting; ok is false when it cannot be known
// (the config file the kubelet reads could not be read and no flag sets
// it).
func decideKubelet(flags nodesrc.Flags, flag, field string, cfg *kubeletv1beta1.KubeletConfiguration, cfgObj *cluster.Object, home string, unreadable bool,
	of func(*kubeletv1beta1.KubeletConfiguration) (string, bool), fileDefault, flagDefault string) (kubeletSetting, bool) {
	checks := []string{"node/kubelet-anonymous-auth", "node/kubelet-authorization-mode"}
	if f, ok := flags.Last(flag); ok {
		v := f.Value
		if f.Bare {
			v = "true"
		}
		obj := home
		if f.Arg.File != "" {
			obj = f.Arg.File
		}
		return kubeletSetting{v, Evidence{Object: obj, Field: "--" + flag, Detail: fmt.Sprintf("%s (%s:%d)", f, f.Arg.File, f.Arg.Line), checks: checks}}, true
	}
	if cfg != nil {
		if v, set := of(cfg); set {
			return kubeletSetting{v, Evidence{Object: cfgObj.ID.String(), Field: field, Detail: field + ": " + v, checks: checks}}, true
		}
		return kubeletSetting{fileDefault, Evidence{Object: cfgObj.ID.String(), Field: field, Detail: field + " is not set (default " + fileDefault + ")", checks: checks}}, true
	}
	if unreadable {
		return kubeletSetting{}, false
	}
	return kubeletSetting{flagDefault, Evidence{Object: home, Field: "--" + flag, Detail: "--" + flag + " is not set and no config file is read (default " + flagDefault + ")", checks: checks}}, true
}

// kubeletEdges adds, for every workload on the node's network, the
// kubelet API it reaches on 10250 and what that gives: the pods of the
// node, so the node. From manifests alone the kubelet's settings are
// unknown and the step is conditional ("if the kubelet allows anonymous
// access"); with a kubelet's settings in the snapshot, it is there only
// when one of them lets the caller in.
func (b *builder) kubeletEdges(p *netpol.Pod, w func() int, mountsToken bool) {
	guard := b.kubelet
	var ev []Evidence
	var cond string
	switch {
	case !guard.known:
		cond = "if the kubelet allows anonymous access (anonymous authentication on and AlwaysAllow authorization, the defaults of a kubelet started without a config file; its settings are not in the input)"
	case len(guard.anonymous) > 0:
		ev = guard.anonymous
		cond = "the kubelet serves anonymous requests and authorizes every one (AlwaysAllow)"
	case len(guard.authenticated) > 0 && mountsToken:
		ev = guard.authenticated
		cond = "the kubelet authorizes every authenticated request (AlwaysAllow), and the pod's mounted token authenticates it"
	default:
		return
	}
	if b.kubeletNode < 0 {
		b.kubeletNode = b.g.node(Node{Key: "kubelet", Kind: KindKubelet, Label: fmt.Sprintf("kubelet API :%d (any node)", kubeletPort),
			Note: "the kubelet runs, execs into and reads the logs of every pod on its node"})
		b.g.edge(Edge{From: b.kubeletNode, To: b.nodeRoot, Kind: EdgeEscapesToNode, Technique: "T1609",
			Text:     cond + ": a caller of the kubelet API runs commands in every pod on its node (exec, run), privileged ones included — the node and every token on it",
			Evidence: append([]Evidence{{Object: "kubelet (any node)", Detail: cond}}, ev...),
			Fix:      "set authentication.anonymous.enabled: false and authorization.mode: Webhook in every kubelet's config file"})
	}
	pt := p.Template
	b.g.edge(Edge{From: w(), To: b.kubeletNode, Kind: EdgeReachesKubelet,
		Text: fmt.Sprintf("%s is on the node's network (hostNetwork: true), where NetworkPolicy does not apply: it reaches the kubelet API on port %d; %s", p, kubeletPort, cond),
		Evidence: append([]Evidence{{Object: p.String(), Field: pt.Field("hostNetwork"), Detail: "hostNetwork: true", checks: []string{"pss/hostNamespaces"}}},
			ev...),
		Fix: fmt.Sprintf("drop hostNetwork from %s, or turn off the kubelet's anonymous access and AlwaysAllow authorization", p)})
}
