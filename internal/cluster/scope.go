package cluster

import "k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

// clusterScoped are the built-in kinds that live outside namespaces, by
// API group and kind.
var clusterScoped = map[[2]string]bool{
	{"", "Namespace"}: true, {"", "Node"}: true, {"", "PersistentVolume"}: true, {"", "ComponentStatus"}: true,
	{"rbac.authorization.k8s.io", "ClusterRole"}: true, {"rbac.authorization.k8s.io", "ClusterRoleBinding"}: true,
	{"storage.k8s.io", "StorageClass"}: true, {"storage.k8s.io", "VolumeAttachment"}: true,
	{"storage.k8s.io", "CSIDriver"}: true, {"storage.k8s.io", "CSINode"}: true, {"storage.k8s.io", "VolumeAttributesClass"}: true,
	{"scheduling.k8s.io", "PriorityClass"}: true, {"node.k8s.io", "RuntimeClass"}: true,
	{"networking.k8s.io", "IngressClass"}: true, {"networking.k8s.io", "IPAddress"}: true, {"networking.k8s.io", "ServiceCIDR"}: true,
	{"apiextensions.k8s.io", "CustomResourceDefinition"}: true, {"apiregistration.k8s.io", "APIService"}: true,
	{"admissionregistration.k8s.io", "MutatingWebhookConfiguration"}:     true,
	{"admissionregistration.k8s.io", "ValidatingWebhookConfiguration"}:   true,
	{"admissionregistration.k8s.io", "ValidatingAdmissionPolicy"}:        true,
	{"admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"}: true,
	{"admissionregistration.k8s.io", "MutatingAdmissionPolicy"}:          true,
	{"admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"}:   true,
	{"certificates.k8s.io", "CertificateSigningRequest"}:                 true, {"certificates.k8s.io", "ClusterTrustBundle"}: true,
	{"flowcontrol.apiserver.k8s.io", "FlowSchema"}: true, {"flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"}: true,
	{"resource.k8s.io", "DeviceClass"}: true, {"resource.k8s.io", "ResourceSlice"}: true,
}

// IsNamespaced reports whether the object is of a built-in kind that lives
// in a namespace. Unknown kinds (CRDs, untyped objects) report false: their
// scope is not known without the cluster's discovery.
func IsNamespaced(o *Object) bool {
	if _, untyped := o.Typed.(*unstructured.Unstructured); untyped || o.Typed == nil {
		return false
	}
	if o.ID.APIVersion == NodeAPIVersion {
		return false
	}
	return !clusterScoped[[2]string{o.ID.Group(), o.ID.Kind}]
}
