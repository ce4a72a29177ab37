package admission

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/palisade-sec/palisade/internal/check"
)

// InstallOptions say how `palisade webhook install` deploys the webhook.
type InstallOptions struct {
	// Namespace the webhook runs in; it is also excluded from judgement.
	Namespace string
	// Image is the palisade container image.
	Image string
	// Replicas of the webhook Deployment.
	Replicas int32
	// FailClosed makes the API server reject requests it cannot get a
	// decision for (failurePolicy: Fail); the default admits them
	// (failurePolicy: Ignore), so a webhook outage never blocks the
	// cluster, at the cost of admitting unjudged objects meanwhile.
	FailClosed bool
	// TimeoutSeconds the API server waits for a decision (1-30).
	TimeoutSeconds int32
	// DefaultMode applies to namespaces without a valid EnforceLabel and to
	// cluster-scoped objects.
	DefaultMode Mode
	// MinSeverity selects the findings that count.
	MinSeverity check.Severity
	// ExcludeNamespaces are never judged, besides the control plane's
	// (kube-system, kube-public, kube-node-lease) and Namespace.
	ExcludeNamespaces []string
	// CABundle is the PEM certificate authority that signed the serving
	// certificate, embedded in the ValidatingWebhookConfiguration.
	CABundle []byte
	// TLS, when set, adds the serving certificate as a Secret.
	TLS *TLSBundle
	// Config is the .palisade.yaml the webhook judges with (waivers,
	// allowedRegistries), put in a ConfigMap; nil means an empty one.
	Config []byte
	// LookupServiceAccounts lets the webhook read the default
	// ServiceAccount of each namespace (list and watch on serviceaccounts
	// named "default"), as a scan of the cluster does.
	LookupServiceAccounts bool
	// Registry decides which kinds the webhook is registered for; nil
	// means check.Default().
	Registry *check.Registry
}

// Names of the installed objects.
const (
	AppName            = "palisade-webhook"
	WebhookConfigName  = "palisade"
	TLSSecretName      = "palisade-webhook-tls"
	ConfigMapName      = "palisade-webhook-config"
	DefaultNamespace   = "palisade-system"
	webhookPort        = 8443
	tlsMountPath       = "/etc/palisade/tls"
	configMountPath    = "/etc/palisade/config"
	configFileName     = "config.yaml"
	managedByLabel     = "app.kubernetes.io/managed-by"
	nameLabel          = "app.kubernetes.io/name"
	componentLabel     = "app.kubernetes.io/component"
	defaultConfigYAML  = "# Waivers and settings, as in .palisade.yaml (see palisade scan --help).\n{}\n"
	controlPlaneNSList = "kube-system,kube-public,kube-node-lease"
)

// DefaultInstallOptions are the defaults of `palisade webhook install`.
func DefaultInstallOptions(version string) InstallOptions {
	tag := version
	if tag == "" {
		tag = "dev"
	}
	return InstallOptions{
		Namespace:             DefaultNamespace,
		Image:                 "ghcr.io/palisade-sec/palisade:" + tag,
		Replicas:              2,
		TimeoutSeconds:        5,
		DefaultMode:           ModeWarn,
		MinSeverity:           check.SeverityHigh,
		LookupServiceAccounts: true,
	}
}

// ExcludedNamespaces are the namespaces the webhooks' namespaceSelector
// leaves out: the control plane's, the webhook's own, and the extra ones.
func (o InstallOptions) ExcludedNamespaces() []string {
	seen := map[string]bool{}
	var out []string
	for _, ns := range append(append(strings.Split(controlPlaneNSList, ","), o.Namespace), o.ExcludeNamespaces...) {
		if ns != "" && !seen[ns] {
			seen[ns] = true
			out = append(out, ns)
		}
	}
	return out
}

func labels() map[string]string {
	return map[string]string{nameLabel: "palisade", componentLabel: "webhook", managedByLabel: "palisade"}
}

func meta(name, namespace string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: labels()}
}

// ServeArgs are the arguments of `palisade webhook serve` in the
// Deployment.
func (o InstallOptions) ServeArgs() []string {
	args := []string{
		"webhook", "serve",
		"--listen=:" + fmt.Sprint(webhookPort),
		"--tls-cert-file=" + tlsMountPath + "/tls.crt",
		"--tls-private-key-file=" + tlsMountPath + "/tls.key",
		"--config=" + configMountPath + "/" + configFileName,
		"--default-mode=" + string(o.DefaultMode),
		"--min-severity=" + o.MinSeverity.String(),
	}
	if o.LookupServiceAccounts {
		args = append(args, "--lookup-service-accounts")
	}
	return args
}

// InstallObjects returns the objects that run the webhook, in the order
// they are applied: Namespace, ServiceAccount, RBAC (only when it reads
// ServiceAccounts), ConfigMap, Secret (only with TLS), Deployment,
// PodDisruptionBudget, Service, ValidatingWebhookConfiguration.
func InstallObjects(o InstallOptions) []runtime.Object {
	ns := o.Namespace
	out := []runtime.Object{
		&corev1.Namespace{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{
				nameLabel: "palisade", managedByLabel: "palisade",
				"pod-security.kubernetes.io/enforce": "restricted",
			}},
		},
		&corev1.ServiceAccount{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
			ObjectMeta: meta(AppName, ns),
		},
	}
	if o.LookupServiceAccounts {
		out = append(out,
			&rbacv1.ClusterRole{
				TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole"},
				ObjectMeta: meta(AppName, ""),
				Rules: []rbacv1.PolicyRule{{
					APIGroups: []string{""}, Resources: []string{"serviceaccounts"},
					ResourceNames: []string{"default"}, Verbs: []string{"list", "watch"},
				}},
			},
			&rbacv1.ClusterRoleBinding{
				TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding"},
				ObjectMeta: meta(AppName, ""),
				RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: AppName},
				Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: AppName, Namespace: ns}},
			},
		)
	}
	cfg := string(o.Config)
	if cfg == "" {
		cfg = defaultConfigYAML
	}
	out = append(out, &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta(ConfigMapName, ns),
		Data:       map[string]string{configFileName: cfg},
	})
	if o.TLS != nil {
		out = append(out, &corev1.Secret{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
			ObjectMeta: meta(TLSSecretName, ns),
			Type:       corev1.SecretTypeTLS,
			Data:       map[string][]byte{corev1.TLSCertKey: o.TLS.Cert, corev1.TLSPrivateKeyKey: o.TLS.Key},
		})
	}
	out = append(out, deployment(o), &policyv1.PodDisruptionBudget{
		TypeMeta:   metav1.TypeMeta{APIVersion: "policy/v1", Kind: "PodDisruptionBudget"},
		ObjectMeta: meta(AppName, ns),
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: ptr(intstr.FromInt32(1)),
			Selector:     &metav1.LabelSelector{MatchLabels: podLabels()},
		},
	}, &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: meta(AppName, ns),
		Spec: corev1.ServiceSpec{
			Selector: podLabels(),
			Ports:    []corev1.ServicePort{{Name: "https", Port: 443, TargetPort: intstr.FromString("https"), Protocol: corev1.ProtocolTCP}},
		},
	})
	out = append(out, WebhookConfiguration(o, func(path string) admissionregistrationv1.WebhookClientConfig {
		return admissionregistrationv1.WebhookClientConfig{
			Service:  &admissionregistrationv1.ServiceReference{Namespace: ns, Name: AppName, Path: ptr(path), Port: ptr(int32(443))},
			CABundle: o.CABundle,
		}
	}))
	return out
}

func podLabels() map[string]string {
	return map[string]string{nameLabel: "palisade", componentLabel: "webhook"}
}

func deployment(o InstallOptions) *appsv1.Deployment {
	probe := func(path string, period int32) *corev1.Probe {
		return &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: path, Port: intstr.FromString("https"), Scheme: corev1.URISchemeHTTPS}},
			PeriodSeconds: period, TimeoutSeconds: 2, FailureThreshold: 3,
		}
	}
	podMeta := metav1.ObjectMeta{Labels: podLabels()}
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: meta(AppName, o.Namespace),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(o.Replicas),
			Selector: &metav1.LabelSelector{MatchLabels: podLabels()},
			Strategy: appsv1.DeploymentStrategy{
				Type:          appsv1.RollingUpdateDeploymentStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDeployment{MaxUnavailable: ptr(intstr.FromInt32(0)), MaxSurge: ptr(intstr.FromInt32(1))},
			},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: podMeta,
				Spec: corev1.PodSpec{
					ServiceAccountName:           AppName,
					AutomountServiceAccountToken: ptr(o.LookupServiceAccounts),
					Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
						PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
							Weight: 100,
							PodAffinityTerm: corev1.PodAffinityTerm{
								TopologyKey:   corev1.LabelHostname,
								LabelSelector: &metav1.LabelSelector{MatchLabels: podLabels()},
							},
						}},
					}},
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:   ptr(true),
						RunAsUser:      ptr(int64(65532)),
						RunAsGroup:     ptr(int64(65532)),
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Containers: []corev1.Container{{
						Name:            "webhook",
						Image:           o.Image,
						ImagePullPolicy: corev1.PullIfNotPresent,
						Args:            o.ServeArgs(),
						// The Go runtime collects garbage harder as the heap nears the
						// container's memory limit, instead of being killed at it.
						Env: []corev1.EnvVar{{Name: "GOMEMLIMIT", ValueFrom: &corev1.EnvVarSource{
							ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.memory", Divisor: resource.MustParse("1")},
						}}},
						Ports:          []corev1.ContainerPort{{Name: "https", ContainerPort: webhookPort, Protocol: corev1.ProtocolTCP}},
						ReadinessProbe: probe("/readyz", 5),
						LivenessProbe:  probe("/healthz", 10),
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
							Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("256Mi")},
						},
						SecurityContext: &corev1.SecurityContext{
							AllowPrivilegeEscalation: ptr(false),
							ReadOnlyRootFilesystem:   ptr(true),
							Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
						},
						VolumeMounts: []corev1.VolumeMount{
							{Name: "tls", MountPath: tlsMountPath, ReadOnly: true},
							{Name: "config", MountPath: configMountPath, ReadOnly: true},
						},
					}},
					Volumes: []corev1.Volume{
						{Name: "tls", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: TLSSecretName}}},
						{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: ConfigMapName}}}},
					},
				},
			},
		},
	}
}

// WebhookConfiguration returns the ValidatingWebhookConfiguration. Each mode
// has a webhook whose namespaceSelector picks the namespaces labelled with
// it (the API server evaluates the label, so the webhook needs no read
// access to Namespaces); a fourth takes the namespaces without a valid
// label in the default mode; a fifth takes the cluster-scoped kinds other
// than Namespace (whose own labels select its mode). The control plane's
// namespaces and the webhook's own are excluded. clientConfig says how the
// API server reaches a path of the webhook.
func WebhookConfiguration(o InstallOptions, clientConfig func(path string) admissionregistrationv1.WebhookClientConfig) *admissionregistrationv1.ValidatingWebhookConfiguration {
	reg := o.Registry
	if reg == nil {
		reg = check.Default()
	}
	var namespaced, clusterScoped []Resource
	for _, k := range Kinds(reg) {
		r := apiResources[k]
		if r.Namespaced || r.Kind == "Namespace" {
			namespaced = append(namespaced, r)
		} else {
			clusterScoped = append(clusterScoped, r)
		}
	}
	failure := admissionregistrationv1.Ignore
	if o.FailClosed {
		failure = admissionregistrationv1.Fail
	}
	excluded := metav1.LabelSelectorRequirement{Key: corev1.LabelMetadataName, Operator: metav1.LabelSelectorOpNotIn, Values: o.ExcludedNamespaces()}
	var modeNames []string
	for _, m := range Modes() {
		modeNames = append(modeNames, string(m))
	}
	webhook := func(name, path string, rules []admissionregistrationv1.RuleWithOperations, selector *metav1.LabelSelector) admissionregistrationv1.ValidatingWebhook {
		return admissionregistrationv1.ValidatingWebhook{
			Name:                    name,
			ClientConfig:            clientConfig(path),
			Rules:                   rules,
			FailurePolicy:           ptr(failure),
			MatchPolicy:             ptr(admissionregistrationv1.Equivalent),
			NamespaceSelector:       selector,
			SideEffects:             ptr(admissionregistrationv1.SideEffectClassNone),
			TimeoutSeconds:          ptr(o.TimeoutSeconds),
			AdmissionReviewVersions: []string{"v1"},
		}
	}
	nsRules := rulesFor(namespaced)
	var hooks []admissionregistrationv1.ValidatingWebhook
	for _, m := range Modes() {
		hooks = append(hooks, webhook(string(m)+".palisade.dev", m.Path(), nsRules, &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: EnforceLabel, Operator: metav1.LabelSelectorOpIn, Values: []string{string(m)}}, excluded,
		}}))
	}
	hooks = append(hooks, webhook("default.palisade.dev", ValidatePath, nsRules, &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: EnforceLabel, Operator: metav1.LabelSelectorOpNotIn, Values: modeNames}, excluded,
	}}))
	if len(clusterScoped) > 0 {
		hooks = append(hooks, webhook("cluster.palisade.dev", ValidatePath, rulesFor(clusterScoped), nil))
	}
	return &admissionregistrationv1.ValidatingWebhookConfiguration{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingWebhookConfiguration"},
		ObjectMeta: meta(WebhookConfigName, ""),
		Webhooks:   hooks,
	}
}

// rulesFor makes one rule per API group and scope, for CREATE and UPDATE.
func rulesFor(resources []Resource) []admissionregistrationv1.RuleWithOperations {
	type key struct {
		group string
		scope admissionregistrationv1.ScopeType
	}
	byKey := map[key][]string{}
	var keys []key
	for _, r := range resources {
		scope := admissionregistrationv1.NamespacedScope
		if !r.Namespaced {
			scope = admissionregistrationv1.ClusterScope
		}
		k := key{r.Group, scope}
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], r.Resource)
		for _, sub := range r.Subresources {
			byKey[k] = append(byKey[k], r.Resource+"/"+sub)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].group != keys[j].group {
			return keys[i].group < keys[j].group
		}
		return keys[i].scope > keys[j].scope // Namespaced before Cluster
	})
	out := make([]admissionregistrationv1.RuleWithOperations, 0, len(keys))
	for _, k := range keys {
		res := byKey[k]
		sort.Strings(res)
		out = append(out, admissionregistrationv1.RuleWithOperations{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
			Rule: admissionregistrationv1.Rule{
				APIGroups: []string{k.group}, APIVersions: []string{"v1"}, Resources: res, Scope: ptr(k.scope),
			},
		})
	}
	return out
}

// InstallYAML renders InstallObjects as one multi-document YAML stream,
// after a header that says how it was made.
func InstallYAML(o InstallOptions, header string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(header)
	for i, obj := range InstallObjects(o) {
		if i > 0 {
			b.WriteString("---\n")
		}
		data, err := ObjectYAML(obj)
		if err != nil {
			return nil, err
		}
		b.Write(data)
	}
	return b.Bytes(), nil
}

// ObjectYAML renders one object without the fields an object that was
// never created carries (status, null fields).
func ObjectYAML(obj runtime.Object) ([]byte, error) {
	js, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil {
		return nil, err
	}
	Prune(m)
	return yaml.Marshal(m)
}

// Prune removes, in place, what an object that was never created carries:
// its status and null fields. Empty maps stay: `emptyDir: {}` means
// something.
func Prune(m map[string]any) {
	delete(m, "status")
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				if x == nil {
					delete(t, k)
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		}
	}
	walk(m)
}

func ptr[T any](v T) *T { return &v }
