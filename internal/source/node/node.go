// Package node reads a Kubernetes node's filesystem — the static pod
// manifests of the control plane, the kubelet's unit, flags and config
// file, kube-proxy's config, the encryption and audit policy files the API
// server's flags name, and the mode and owner of the PKI, kubeconfig and
// config files — into cluster objects and node facts (see
// cluster.NodeFacts). Like every source it only reads and decodes; the
// checks judge.
//
// It also holds what the checks share with it to read a component's
// command line wherever it comes from (a static pod here, a mirror pod in
// a live cluster): FindComponent, ParseFlags and Component.NodePath.
package node

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kubeproxyv1alpha1 "k8s.io/kube-proxy/config/v1alpha1"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
)

// Options say which node filesystem to read.
type Options struct {
	// Root is the folder the node's filesystem is under: "/" on the node,
	// or a copy of it. Every path a component names is read under it; links
	// that lead out of it are not followed.
	Root string
	// Stat, when set, replaces how a file's mode and owner are read. It
	// gets the node path and the path on disk. The fixtures under examples/
	// use it to give their files the modes and owners git cannot keep.
	Stat func(nodePath, diskPath string) (FileStat, error)
	// Limits bound each document; the zero value means source.DefaultLimits.
	Limits source.Limits
}

// Result is what was read from the node.
type Result struct {
	// Objects are the static pods, the decoded config files, a NodeFile
	// object per file examined and the NodeFacts object, in that order.
	Objects []*cluster.Object
	// Errors are files that could not be read or decoded; the rest was read.
	Errors []source.InputError
	// Facts are the node facts, also among Objects.
	Facts *cluster.NodeFacts
}

// Paths the node source looks at, as on a kubeadm node.
const (
	defaultManifests     = "/etc/kubernetes/manifests"
	defaultKubeletConfig = "/var/lib/kubelet/config.yaml"
	kubernetesDir        = "/etc/kubernetes"
	pkiDir               = "/etc/kubernetes/pki"
	maxPKIEntries        = 2000
)

// ErrNoNodeFiles is returned when the root holds nothing Palisade knows
// how to read.
var ErrNoNodeFiles = errors.New("no Kubernetes node files found")

// Load reads the node's filesystem under opts.Root. Files that do not
// decode are reported in Result.Errors and the rest is still read; the
// error is for a root that cannot be read or holds no Kubernetes files.
func Load(opts Options) (*Result, error) {
	if opts.Root == "" {
		opts.Root = "/"
	}
	info, err := os.Stat(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("--root %s: %w", opts.Root, unwrapPathError(err))
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("--root %s: not a directory; give the folder a node's filesystem is under (/ on the node itself)", opts.Root)
	}
	root, err := os.OpenRoot(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("--root %s: %w", opts.Root, unwrapPathError(err))
	}
	defer root.Close()
	limits := opts.Limits
	if limits == (source.Limits{}) {
		limits = source.DefaultLimits
	}
	l := &loader{opts: opts, root: root, dec: &source.Decoder{Limits: limits}, res: &Result{}, files: map[string]*cluster.NodeFile{}}
	l.load()
	if len(l.files) == 0 && len(l.res.Errors) == 0 {
		return nil, fmt.Errorf("--root %s: %w: expected a node's filesystem with at least one of %s/*.yaml (static pods), %s, "+
			"a kubelet systemd unit (/etc/systemd/system/kubelet.service.d/), %s or %s/*.conf under it",
			opts.Root, ErrNoNodeFiles, defaultManifests, defaultKubeletConfig, pkiDir, kubernetesDir)
	}
	return l.res, nil
}

type loader struct {
	opts  Options
	root  *os.Root
	dec   *source.Decoder
	res   *Result
	files map[string]*cluster.NodeFile
	// content are the objects of decoded config files, by node path.
	content               map[string]*cluster.Object
	userNames, groupNames map[int]string
}

// disk is where a node path is on the machine Palisade runs on.
func (l *loader) disk(nodePath string) string {
	return filepath.Join(l.opts.Root, filepath.FromSlash(path.Clean("/"+nodePath)))
}

// rel is a node path relative to the root, as os.Root wants it.
func (l *loader) rel(nodePath string) string {
	r := strings.TrimPrefix(path.Clean("/"+nodePath), "/")
	if r == "" {
		return "."
	}
	return r
}

func (l *loader) addError(nodePath string, format string, args ...any) {
	l.res.Errors = append(l.res.Errors, source.InputError{File: l.disk(nodePath), Message: fmt.Sprintf(format, args...)})
}

func (l *loader) load() {
	facts := &cluster.NodeFacts{Root: l.opts.Root}
	facts.Name = l.hostname()
	kubelet, kcfg, kflags, unit := l.readKubelet()
	facts.Kubelet = kubelet

	// Static pods, from the kubelet's staticPodPath, and what the
	// control-plane components' flags name.
	manifests := defaultManifests
	if f, ok := kflags.Last("pod-manifest-path"); ok && f.Value != "" {
		manifests = f.Value
	} else if kcfg != nil && kcfg.StaticPodPath != "" {
		manifests = kcfg.StaticPodPath
	}
	for _, pt := range l.readStaticPods(path.Clean("/" + manifests)) {
		if c := FindComponent(pt, APIServer); c != nil {
			l.readReferenced(c, "encryption-provider-config", cluster.RoleEncryptionConfig, EncryptionConfigurationKind)
			l.readReferenced(c, "audit-policy-file", cluster.RoleAuditPolicy, AuditPolicyKind)
		}
		if c := FindComponent(pt, Etcd); c != nil {
			if f, ok := c.Flags.Last("data-dir"); ok {
				if p, ok := c.NodePath(f.Value); ok {
					l.addFile(p, cluster.RoleEtcdDataDir)
				}
			}
		}
	}

	// Kubeconfigs and the PKI of the control plane; kube-proxy's files.
	for _, k := range []struct {
		name string
		role cluster.FileRole
	}{
		{"admin.conf", cluster.RoleAdminKubeconfig}, {"super-admin.conf", cluster.RoleAdminKubeconfig},
		{"scheduler.conf", cluster.RoleSchedulerKubeconfig}, {"controller-manager.conf", cluster.RoleControllerManagerKubeconf},
	} {
		l.addFile(kubernetesDir+"/"+k.name, k.role)
	}
	l.readPKI()
	l.readKubeProxy()

	// Config objects, then a NodeFile object per file (by path), then the facts.
	paths := make([]string, 0, len(l.files))
	for p := range l.files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if o := l.content[p]; o != nil {
			l.res.Objects = append(l.res.Objects, o)
		}
	}
	for _, p := range paths {
		f := l.files[p]
		f.Content = l.content[p]
		o := cluster.NewNodeFileObject(f, l.disk(p))
		l.res.Objects = append(l.res.Objects, o)
		if kubelet != nil && len(unit.files) > 0 && p == unit.files[0] {
			kubelet.Unit = o
		}
	}
	l.res.Facts = facts
	l.res.Objects = append(l.res.Objects, cluster.NewNodeFactsObject(facts))
}

// readKubelet reads how the kubelet is started (its unit, drop-ins and
// environment files), its config file and the files they name. It returns
// nil facts when the node has no kubelet Palisade can find.
func (l *loader) readKubelet() (*cluster.KubeletFacts, *kubeletv1beta1.KubeletConfiguration, Flags, *kubeletUnit) {
	unit := l.readKubeletUnit()
	if !unit.found && !l.isFile(defaultKubeletConfig) {
		return nil, nil, nil, unit
	}
	kubelet := &cluster.KubeletFacts{Args: unit.args}
	flags := ParseFlags(unit.args)
	for _, f := range unit.files {
		l.addFile(f, cluster.RoleKubeletService)
	}
	for _, f := range unit.envFiles {
		l.addFile(f, cluster.RoleKubeletEnv)
	}
	if f, ok := flags.Last("config"); ok && f.Value != "" {
		kubelet.ConfigPath = path.Clean("/" + f.Value)
	} else if len(unit.files) == 0 {
		kubelet.ConfigPath = defaultKubeletConfig // no unit to say: assume kubeadm's layout
	}
	var cfg *kubeletv1beta1.KubeletConfiguration
	if kubelet.ConfigPath != "" {
		if o := l.readConfig(kubelet.ConfigPath, cluster.RoleKubeletConfig, KubeletConfigurationKind); o != nil {
			kubelet.Config = o
			cfg, _ = o.Typed.(*kubeletv1beta1.KubeletConfiguration)
		}
	}

	// Its credentials: the kubeconfig (kubeadm's unless a flag says) and
	// the client CA (a flag wins over the config file).
	kubeconfig := "/etc/kubernetes/kubelet.conf"
	if f, ok := flags.Last("kubeconfig"); ok && f.Value != "" {
		kubeconfig = f.Value
	}
	l.addFile(kubeconfig, cluster.RoleKubeletKubeconfig)
	ca := ""
	if cfg != nil {
		ca = cfg.Authentication.X509.ClientCAFile
	}
	if f, ok := flags.Last("client-ca-file"); ok {
		ca = f.Value
	}
	if ca != "" {
		l.addFile(ca, cluster.RoleKubeletClientCA)
	}
	return kubelet, cfg, flags, unit
}

// readKubeProxy reads kube-proxy's config file and kubeconfig when
// kube-proxy runs from files on the node (kubeadm keeps them in a
// ConfigMap instead).
func (l *loader) readKubeProxy() {
	kubeconfigs := []string{"/var/lib/kube-proxy/kubeconfig", "/var/lib/kube-proxy/kubeconfig.conf", "/etc/kubernetes/proxy.conf"}
	for _, p := range []string{"/var/lib/kube-proxy/config.conf", "/var/lib/kube-proxy/kube-proxy-config.yaml"} {
		if !l.isFile(p) {
			continue
		}
		if o := l.readConfig(p, cluster.RoleProxyConfig, KubeProxyConfigurationKind); o != nil {
			if cfg, ok := o.Typed.(*kubeproxyv1alpha1.KubeProxyConfiguration); ok && cfg.ClientConnection.Kubeconfig != "" {
				kubeconfigs = append([]string{cfg.ClientConnection.Kubeconfig}, kubeconfigs...)
			}
		}
		break
	}
	for _, p := range kubeconfigs {
		if l.addFile(p, cluster.RoleProxyKubeconfig) != nil {
			return
		}
	}
}

// manifestRoles name a static pod manifest after the component it runs.
var manifestRoles = []struct {
	component string
	role      cluster.FileRole
}{
	{APIServer, cluster.RoleAPIServerManifest},
	{ControllerManager, cluster.RoleControllerManagerManifest},
	{Scheduler, cluster.RoleSchedulerManifest},
	{Etcd, cluster.RoleEtcdManifest},
}

// readStaticPods decodes every manifest in the static pod folder (as the
// kubelet does: every file not starting with "."), records each file in
// the role of the component its pod runs, and returns the pod templates.
func (l *loader) readStaticPods(dir string) []*cluster.PodTemplate {
	entries, err := l.readDir(dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			l.addError(dir, "%v", unwrapPathError(err))
		}
		return nil
	}
	var pods []*cluster.PodTemplate
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p := dir + "/" + e.Name()
		data, err := l.readFile(p)
		if err != nil {
			l.addError(p, "%v", unwrapPathError(err))
			continue
		}
		objs, errs := l.dec.Decode(l.disk(p), data)
		l.res.Errors = append(l.res.Errors, errs...)
		role := cluster.RoleStaticPodManifest
		for _, o := range objs {
			l.res.Objects = append(l.res.Objects, o)
			pt := cluster.PodTemplateOf(o)
			if _, isPod := o.Typed.(*corev1.Pod); !isPod || pt == nil {
				continue
			}
			pods = append(pods, pt)
			for _, m := range manifestRoles {
				if role == cluster.RoleStaticPodManifest && FindComponent(pt, m.component) != nil {
					role = m.role
				}
			}
		}
		l.addFile(p, role)
	}
	return pods
}

// readReferenced reads the config file a component's flag names, through
// the container's hostPath mounts. A file that is missing, or that is not
// on a hostPath volume, is left for the checks to report as not assessed.
func (l *loader) readReferenced(c *Component, flag string, role cluster.FileRole, kind schema.GroupVersionKind) {
	f, ok := c.Flags.Last(flag)
	if !ok || f.Value == "" {
		return
	}
	if p, ok := c.NodePath(f.Value); ok {
		l.readConfig(p, role, kind)
	}
}

// readConfig records a config file and decodes its content. It returns
// the decoded object, or nil when the file is missing or does not decode
// (the reason is in the NodeFile and in Result.Errors).
func (l *loader) readConfig(nodePath string, role cluster.FileRole, kind schema.GroupVersionKind) *cluster.Object {
	f := l.addFile(nodePath, role)
	if f == nil {
		return nil
	}
	if o := l.content[f.Path]; o != nil || f.ContentError != "" {
		return o
	}
	data, err := l.readFile(f.Path)
	if err != nil {
		f.ContentError = unwrapPathError(err).Error()
		l.addError(f.Path, "%s", f.ContentError)
		return nil
	}
	o, errs := DecodeConfig(l.dec, l.disk(f.Path), f.Path, data, kind)
	if len(errs) > 0 {
		f.ContentError = errs[0].Error()
		l.res.Errors = append(l.res.Errors, errs...)
		return nil
	}
	if l.content == nil {
		l.content = map[string]*cluster.Object{}
	}
	l.content[f.Path] = o
	return o
}

// readPKI records the PKI directory and, below it, every certificate,
// private key and other file.
func (l *loader) readPKI() {
	if l.addFile(pkiDir, cluster.RolePKIDir) == nil {
		return
	}
	n := 0
	var walk func(dir string)
	walk = func(dir string) {
		entries, err := l.readDir(dir)
		if err != nil {
			return
		}
		for _, e := range entries {
			if n++; n > maxPKIEntries {
				return
			}
			p := dir + "/" + e.Name()
			switch {
			case e.IsDir():
				l.addFile(p, cluster.RolePKIDir)
				walk(p)
			case strings.HasSuffix(e.Name(), ".crt"):
				l.addFile(p, cluster.RolePKICert)
			case strings.HasSuffix(e.Name(), ".key"):
				l.addFile(p, cluster.RolePKIKey)
			default:
				l.addFile(p, cluster.RolePKIFile)
			}
		}
	}
	walk(pkiDir)
}

// hostname names the node after its /etc/hostname, or "node".
func (l *loader) hostname() string {
	if data, err := l.readFile("/etc/hostname"); err == nil {
		if h := strings.TrimSpace(string(data)); h != "" && !strings.ContainsAny(h, " \t\n/") {
			return h
		}
	}
	return "node"
}
