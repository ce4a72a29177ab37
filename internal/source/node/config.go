package node

import (
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
	kubeproxyv1alpha1 "k8s.io/kube-proxy/config/v1alpha1"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
)

// The component configuration kinds the node source reads, typed.
var (
	KubeletConfigurationKind    = schema.GroupVersionKind{Group: "kubelet.config.k8s.io", Version: "v1beta1", Kind: "KubeletConfiguration"}
	KubeProxyConfigurationKind  = schema.GroupVersionKind{Group: "kubeproxy.config.k8s.io", Version: "v1alpha1", Kind: "KubeProxyConfiguration"}
	EncryptionConfigurationKind = schema.GroupVersionKind{Group: "apiserver.config.k8s.io", Version: "v1", Kind: "EncryptionConfiguration"}
	AuditPolicyKind             = schema.GroupVersionKind{Group: "audit.k8s.io", Version: "v1", Kind: "Policy"}
)

var configTypes = map[schema.GroupVersionKind]func() runtime.Object{
	KubeletConfigurationKind:    func() runtime.Object { return &kubeletv1beta1.KubeletConfiguration{} },
	KubeProxyConfigurationKind:  func() runtime.Object { return &kubeproxyv1alpha1.KubeProxyConfiguration{} },
	EncryptionConfigurationKind: func() runtime.Object { return &apiserverv1.EncryptionConfiguration{} },
	AuditPolicyKind:             func() runtime.Object { return &auditv1.Policy{} },
}

// DecodeConfig decodes a component configuration file into its typed
// object: a KubeletConfiguration, KubeProxyConfiguration,
// EncryptionConfiguration or audit Policy, as want says. The document is
// read by the manifest Decoder (same limits, same YAML handling, positions
// kept for findings); the object is named after nodePath, since config
// files have no name of their own. Input errors carry the file's line.
func DecodeConfig(dec *source.Decoder, diskPath, nodePath string, data []byte, want schema.GroupVersionKind) (*cluster.Object, []source.InputError) {
	objs, errs := dec.Decode(diskPath, data)
	if len(errs) > 0 {
		return nil, errs
	}
	fail := func(format string, args ...any) (*cluster.Object, []source.InputError) {
		return nil, []source.InputError{{File: diskPath, Message: fmt.Sprintf(format, args...)}}
	}
	if len(objs) != 1 {
		return fail("expected one %s document, found %d", want.Kind, len(objs))
	}
	o := objs[0]
	gvk := schema.FromAPIVersionAndKind(o.ID.APIVersion, o.ID.Kind)
	if gvk != want {
		return fail("expected %s %s, found %s %s", want.GroupVersion(), want.Kind, o.ID.APIVersion, o.ID.Kind)
	}
	u, ok := o.Typed.(*unstructured.Unstructured)
	if !ok {
		return fail("%s %s: not decoded as a config file", o.ID.APIVersion, o.ID.Kind)
	}
	js, err := u.MarshalJSON()
	if err != nil {
		return fail("%s: %v", want.Kind, err)
	}
	typed := configTypes[want]()
	if err := json.Unmarshal(js, typed); err != nil {
		return fail("%s: %v", want.Kind, err)
	}
	typed.GetObjectKind().SetGroupVersionKind(want)
	name := cluster.NodeObjectName(nodePath)
	u.SetName(name)
	o.ID.Name = name
	o.Typed = typed
	o.Meta = u // config files have no metadata of their own; the document's is kept
	return o, nil
}
