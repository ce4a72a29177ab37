package cluster

import (
	"io/fs"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Node facts: what a node's filesystem says beyond Kubernetes objects —
// the mode and owner of the PKI and config files, how the kubelet is
// started, the config files the components' flags name.
//
// They travel as objects of the palisade.dev group (kinds NodeFacts and
// NodeFile), so every source, cluster.NewSnapshot, the engine, waivers and
// reports carry them unchanged: a source appends them to the objects it
// read, a check reads them through Snapshot.Node and Snapshot.NodeFile or,
// for NodeFile, as an Object check. A manifest that merely claims these
// kinds decodes as unstructured and is never mistaken for them.

// NodeAPIVersion is the apiVersion of the node fact kinds.
const NodeAPIVersion = "palisade.dev/v1alpha1"

// The node fact kinds.
const (
	KindNodeFacts = "NodeFacts"
	KindNodeFile  = "NodeFile"
)

// NodeFacts are the facts about one node as a whole. A snapshot holds at
// most one, added by the node source.
type NodeFacts struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`

	// Root is the folder the node's filesystem was read under: "/" on the
	// node itself, or a copy of it.
	Root string `json:"root"`
	// Kubelet says how the kubelet is started; nil when Palisade found no
	// kubelet unit, flags or config file.
	Kubelet *KubeletFacts `json:"kubelet,omitempty"`
}

// KubeletFacts say how the kubelet on the node is started.
type KubeletFacts struct {
	// Args are the kubelet's command-line words after the binary, in order,
	// from its systemd unit and drop-ins and the environment files they load
	// (kubeadm-flags.env, /etc/default/kubelet), each with the file and
	// line it was written on.
	Args []Arg `json:"args,omitempty"`
	// ConfigPath is the node path of the KubeletConfiguration file the
	// kubelet reads (its --config); "" when it reads none.
	ConfigPath string `json:"configPath,omitempty"`
	// Config is that file's object (Typed is a
	// *k8s.io/kubelet/config/v1beta1.KubeletConfiguration); nil when there is
	// no such file or it could not be read.
	Config *Object `json:"-"`
	// Unit is the NodeFile object of the unit file that starts the kubelet,
	// where a flag that is missing would be added; nil when none was found.
	Unit *Object `json:"-"`
}

// Arg is one word of a command line and where it was written.
type Arg struct {
	Value string `json:"value"`
	// Field is the word's path in its object ("spec.containers[0].command[4]")
	// when it is part of one.
	Field string `json:"field,omitempty"`
	// File (a node path) and Line (1-based) say where the word was written
	// when it is not part of an object: a systemd unit, an environment file.
	File string `json:"file,omitempty"`
	Line int    `json:"line,omitempty"`
}

// Where names the place the word was written for a message:
// "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf:6", or its field.
func (a Arg) Where() string {
	switch {
	case a.File != "" && a.Line > 0:
		return a.File + ":" + strconv.Itoa(a.Line)
	case a.File != "":
		return a.File
	}
	return a.Field
}

// FileRole says what a node file is to Kubernetes. The checks decide what
// each role requires.
type FileRole string

// The files the node source examines, named after what they hold.
const (
	RoleAPIServerManifest         FileRole = "kube-apiserver static pod manifest"
	RoleControllerManagerManifest FileRole = "kube-controller-manager static pod manifest"
	RoleSchedulerManifest         FileRole = "kube-scheduler static pod manifest"
	RoleEtcdManifest              FileRole = "etcd static pod manifest"
	RoleStaticPodManifest         FileRole = "static pod manifest"
	RoleEtcdDataDir               FileRole = "etcd data directory"
	RoleAdminKubeconfig           FileRole = "cluster-admin kubeconfig"
	RoleSchedulerKubeconfig       FileRole = "kube-scheduler kubeconfig"
	RoleControllerManagerKubeconf FileRole = "kube-controller-manager kubeconfig"
	RolePKIDir                    FileRole = "PKI directory"
	RolePKICert                   FileRole = "PKI certificate"
	RolePKIKey                    FileRole = "PKI private key"
	RolePKIFile                   FileRole = "PKI file"
	RoleKubeletService            FileRole = "kubelet service file"
	RoleKubeletEnv                FileRole = "kubelet environment file"
	RoleKubeletKubeconfig         FileRole = "kubelet kubeconfig"
	RoleKubeletClientCA           FileRole = "kubelet client CA file"
	RoleKubeletConfig             FileRole = "kubelet config file"
	RoleProxyKubeconfig           FileRole = "kube-proxy kubeconfig"
	RoleProxyConfig               FileRole = "kube-proxy config file"
	RoleEncryptionConfig          FileRole = "encryption provider config"
	RoleAuditPolicy               FileRole = "audit policy file"
)

// NodeFile is one file or directory of the node that Palisade examined.
// Only files that exist are recorded; one that could not be examined says
// why in Error.
type NodeFile struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`

	// Path is the file's absolute path on the node ("/etc/kubernetes/admin.conf").
	Path string `json:"path"`
	// Roles say what the file is; a file may be several things (the
	// cluster CA certificate is often the kubelet's client CA too).
	Roles []FileRole `json:"roles"`
	// IsDir is true for a directory.
	IsDir bool `json:"isDir,omitempty"`
	// Mode holds the permission bits (and setuid, setgid, sticky).
	Mode fs.FileMode `json:"mode"`
	// Owner and Group are names from the node's own /etc/passwd and
	// /etc/group (under the root), or numeric ids when the node does not
	// name them; "" when unknown.
	Owner string `json:"owner,omitempty"`
	Group string `json:"group,omitempty"`
	// Error says why the file could not be examined; Mode and owner are
	// then unknown.
	Error string `json:"error,omitempty"`
	// Content is the object a config file decoded to: a
	// KubeletConfiguration, KubeProxyConfiguration, EncryptionConfiguration
	// or audit Policy. Nil for other files.
	Content *Object `json:"-"`
	// ContentError says why a config file's content could not be read.
	ContentError string `json:"contentError,omitempty"`
}

// HasRole reports whether the file plays that role.
func (f *NodeFile) HasRole(r FileRole) bool {
	for _, x := range f.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// ModeString formats the permission bits like chmod: "0640".
func (f *NodeFile) ModeString() string { return FormatMode(f.Mode) }

// Ownership formats the owner like chown: "root:root".
func (f *NodeFile) Ownership() string { return f.Owner + ":" + f.Group }

// FormatMode formats permission bits like chmod: "0640".
func FormatMode(m fs.FileMode) string {
	s := strconv.FormatUint(uint64(m.Perm()), 8)
	return strings.Repeat("0", 4-len(s)) + s
}

// NodeObjectName is the object name of a node path: the path without its
// leading slash, so a report names the file
// "nodefile.palisade.dev/etc/kubernetes/admin.conf".
func NodeObjectName(path string) string { return strings.TrimPrefix(path, "/") }

// NewNodeFactsObject wraps the facts in an object; root is the folder they
// were read under, reported as their file.
func NewNodeFactsObject(f *NodeFacts) *Object {
	f.APIVersion, f.Kind = NodeAPIVersion, KindNodeFacts
	return &Object{
		ID:     ObjectID{APIVersion: NodeAPIVersion, Kind: KindNodeFacts, Name: f.Name},
		Typed:  f,
		Meta:   &f.ObjectMeta,
		Origin: Origin{File: f.Root},
	}
}

// NewNodeFileObject wraps a node file in an object named after its path;
// diskPath is where the file was read (under the root), reported as its
// file.
func NewNodeFileObject(f *NodeFile, diskPath string) *Object {
	f.APIVersion, f.Kind = NodeAPIVersion, KindNodeFile
	f.Name = NodeObjectName(f.Path)
	return &Object{
		ID:     ObjectID{APIVersion: NodeAPIVersion, Kind: KindNodeFile, Name: f.Name},
		Typed:  f,
		Meta:   &f.ObjectMeta,
		Origin: Origin{File: diskPath},
	}
}

// Node returns the node facts of the snapshot, or nil when it was not read
// from a node (a manifest scan, a live cluster).
func (s *Snapshot) Node() *NodeFacts {
	for _, o := range s.OfKind(KindNodeFacts) {
		if f, ok := o.Typed.(*NodeFacts); ok {
			return f
		}
	}
	return nil
}

// NodeFile returns the object of the node file at that absolute path, or
// nil when the file was not examined (or does not exist).
func (s *Snapshot) NodeFile(path string) *Object {
	for _, o := range s.OfKind(KindNodeFile) {
		if f, ok := o.Typed.(*NodeFile); ok && f.Path == path {
			return o
		}
	}
	return nil
}

// DeepCopyObject copies the facts; the objects they point to are shared,
// as the Snapshot never changes them.
func (f *NodeFacts) DeepCopyObject() runtime.Object {
	c := *f
	f.ObjectMeta.DeepCopyInto(&c.ObjectMeta)
	if f.Kubelet != nil {
		k := *f.Kubelet
		k.Args = append([]Arg(nil), f.Kubelet.Args...)
		c.Kubelet = &k
	}
	return &c
}

// DeepCopyObject copies the file facts; Content is shared.
func (f *NodeFile) DeepCopyObject() runtime.Object {
	c := *f
	f.ObjectMeta.DeepCopyInto(&c.ObjectMeta)
	c.Roles = append([]FileRole(nil), f.Roles...)
	return &c
}
