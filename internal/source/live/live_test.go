package live

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
)

var testCluster = ClusterInfo{Name: "kind-test", Server: "https://127.0.0.1:6443"}

func meta(ns, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: ns, Name: name, ResourceVersion: "42"}
}

// controlledBy returns metadata with a controller owner reference.
func controlledBy(ns, name, apiVersion, kind, owner string) metav1.ObjectMeta {
	m := meta(ns, name)
	m.OwnerReferences = []metav1.OwnerReference{{APIVersion: apiVersion, Kind: kind, Name: owner, UID: types.UID("u-" + owner), Controller: new(true)}}
	return m
}

// oneOfEach is one object of every kind Palisade lists, in namespace shop.
func oneOfEach() []runtime.Object {
	return []runtime.Object{
		&corev1.Namespace{ObjectMeta: meta("", "shop")},
		&corev1.Node{ObjectMeta: meta("", "node1"), Status: corev1.NodeStatus{Images: []corev1.ContainerImage{{Names: []string{"nginx:1.27"}}}}},
		&corev1.Pod{ObjectMeta: meta("shop", "bare")},
		&appsv1.Deployment{ObjectMeta: meta("shop", "web")},
		&appsv1.ReplicaSet{ObjectMeta: meta("shop", "rs")},
		&appsv1.StatefulSet{ObjectMeta: meta("shop", "db")},
		&appsv1.DaemonSet{ObjectMeta: meta("shop", "agent")},
		&batchv1.Job{ObjectMeta: meta("shop", "once")},
		&batchv1.CronJob{ObjectMeta: meta("shop", "nightly")},
		&corev1.ReplicationController{ObjectMeta: meta("shop", "old"), Spec: corev1.ReplicationControllerSpec{Template: &corev1.PodTemplateSpec{}}},
		&corev1.Service{ObjectMeta: meta("shop", "web")},
		&networkingv1.Ingress{ObjectMeta: meta("shop", "web")},
		&networkingv1.NetworkPolicy{ObjectMeta: meta("shop", "deny")},
		&corev1.ServiceAccount{ObjectMeta: meta("shop", "web")},
		&corev1.Secret{ObjectMeta: meta("shop", "creds"), Type: corev1.SecretTypeOpaque},
		&corev1.ConfigMap{ObjectMeta: meta("shop", "settings")},
		&rbacv1.Role{ObjectMeta: meta("shop", "reader")},
		&rbacv1.ClusterRole{ObjectMeta: meta("", "admin")},
		&rbacv1.RoleBinding{ObjectMeta: meta("shop", "reader")},
		&rbacv1.ClusterRoleBinding{ObjectMeta: meta("", "admins")},
	}
}

// load reads through the fake client; every node's kubelet answers
// configz with a minimal configuration.
func load(t *testing.T, client *fake.Clientset, opts Options) *Result {
	t.Helper()
	res, err := loadKinds(context.Background(), client, minimalConfigz, testCluster, opts.withDefaults(), kinds())
	if err != nil {
		t.Fatalf("loadKinds: %v", err)
	}
	return res
}

func minimalConfigz(context.Context, string) ([]byte, error) {
	return []byte(`{"kubeletconfig":{"authorization":{"mode":"Webhook"}}}`), nil
}

func ids(objs []*cluster.Object) map[string]*cluster.Object {
	out := map[string]*cluster.Object{}
	for _, o := range objs {
		out[o.ID.String()] = o
	}
	return out
}

func TestLoadEveryKind(t *testing.T) {
	res := load(t, fake.NewClientset(oneOfEach()...), Options{})
	if len(res.Errors) != 0 || len(res.Notices) != 0 {
		t.Fatalf("errors: %v, notices: %v", res.Errors, res.Notices)
	}
	if res.Cluster != testCluster {
		t.Errorf("Cluster = %+v, want %+v", res.Cluster, testCluster)
	}
	want := map[string]cluster.ObjectID{
		"Namespace":             {APIVersion: "v1", Kind: "Namespace", Name: "shop"},
		"Node":                  {APIVersion: "v1", Kind: "Node", Name: "node1"},
		"KubeletConfiguration":  {APIVersion: "kubelet.config.k8s.io/v1beta1", Kind: "KubeletConfiguration", Name: "node1"},
		"Pod":                   {APIVersion: "v1", Kind: "Pod", Namespace: "shop", Name: "bare"},
		"Deployment":            {APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"},
		"ReplicaSet":            {APIVersion: "apps/v1", Kind: "ReplicaSet", Namespace: "shop", Name: "rs"},
		"StatefulSet":           {APIVersion: "apps/v1", Kind: "StatefulSet", Namespace: "shop", Name: "db"},
		"DaemonSet":             {APIVersion: "apps/v1", Kind: "DaemonSet", Namespace: "shop", Name: "agent"},
		"Job":                   {APIVersion: "batch/v1", Kind: "Job", Namespace: "shop", Name: "once"},
		"CronJob":               {APIVersion: "batch/v1", Kind: "CronJob", Namespace: "shop", Name: "nightly"},
		"ReplicationController": {APIVersion: "v1", Kind: "ReplicationController", Namespace: "shop", Name: "old"},
		"Service":               {APIVersion: "v1", Kind: "Service", Namespace: "shop", Name: "web"},
		"Ingress":               {APIVersion: "networking.k8s.io/v1", Kind: "Ingress", Namespace: "shop", Name: "web"},
		"NetworkPolicy":         {APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy", Namespace: "shop", Name: "deny"},
		"ServiceAccount":        {APIVersion: "v1", Kind: "ServiceAccount", Namespace: "shop", Name: "web"},
		"Secret":                {APIVersion: "v1", Kind: "Secret", Namespace: "shop", Name: "creds"},
		"ConfigMap":             {APIVersion: "v1", Kind: "ConfigMap", Namespace: "shop", Name: "settings"},
		"Role":                  {APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role", Namespace: "shop", Name: "reader"},
		"ClusterRole":           {APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole", Name: "admin"},
		"RoleBinding":           {APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding", Namespace: "shop", Name: "reader"},
		"ClusterRoleBinding":    {APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding", Name: "admins"},
	}
	if len(res.Objects) != len(want) {
		t.Errorf("got %d objects, want %d", len(res.Objects), len(want))
	}
	seen := map[string]bool{}
	for _, o := range res.Objects {
		w, ok := want[o.ID.Kind]
		if !ok {
			t.Errorf("unexpected object %s", o.ID)
			continue
		}
		seen[o.ID.Kind] = true
		if o.ID != w {
			t.Errorf("ID = %+v, want %+v", o.ID, w)
		}
		gvk := o.Typed.GetObjectKind().GroupVersionKind()
		if gvk.GroupVersion().String() != w.APIVersion || gvk.Kind != w.Kind {
			t.Errorf("%s: TypeMeta = %v, want %s %s", o.ID, gvk, w.APIVersion, w.Kind)
		}
		if o.Meta == nil || o.Meta.GetName() != w.Name {
			t.Errorf("%s: Meta not the object's metadata", o.ID)
		}
		if m, ok := o.Typed.(metav1.Object); ok && o.Meta != m || !ok && o.ID.Kind != "KubeletConfiguration" {
			t.Errorf("%s: Meta and Typed are different objects", o.ID)
		}
		rv := o.Meta.GetResourceVersion()
		if o.ID.Kind == "KubeletConfiguration" {
			rv = "42" // the Node's
		}
		wantOrigin := cluster.Origin{Cluster: "kind-test", Server: "https://127.0.0.1:6443", ResourceVersion: rv}
		if o.Origin != wantOrigin || o.Origin.ResourceVersion == "" || !o.Origin.IsLive() {
			t.Errorf("%s: Origin = %+v, want %+v with a resourceVersion", o.ID, o.Origin, wantOrigin)
		}
	}
	for kind := range want {
		if !seen[kind] {
			t.Errorf("no %s read", kind)
		}
	}
	if last := res.Objects[len(res.Objects)-1]; last.ID.Kind != "KubeletConfiguration" {
		t.Errorf("the last object is %s, want the kubelet configurations after every listed kind", last.ID)
	}
	for _, o := range res.Objects {
		if n, ok := o.Typed.(*corev1.Node); ok && n.Status.Images != nil {
			t.Errorf("%s keeps its images", o.ID)
		}
	}

	// The snapshot reaches every workload's pod template.
	if n := len(cluster.NewSnapshot(res.Objects).PodTemplates()); n != 8 {
		t.Errorf("%d pod templates, want 8 (one per workload kind)", n)
	}
}

func TestLoadUsesOnlyListVerbs(t *testing.T) {
	client := fake.NewClientset(oneOfEach()...)
	load(t, client, Options{})
	resources := map[string]bool{}
	for _, a := range client.Actions() {
		if a.GetVerb() != "list" {
			t.Errorf("%s %s: only list may be used", a.GetVerb(), a.GetResource().Resource)
		}
		resources[a.GetResource().Resource] = true
	}
	if len(resources) != len(kinds()) {
		t.Errorf("listed %d resources, want %d", len(resources), len(kinds()))
	}
}

func TestControllerOwnedObjectsAreSkipped(t *testing.T) {
	objs := []runtime.Object{
		&appsv1.Deployment{ObjectMeta: meta("shop", "web")},
		&appsv1.ReplicaSet{ObjectMeta: controlledBy("shop", "web-7d9", "apps/v1", "Deployment", "web")},
		&corev1.Pod{ObjectMeta: controlledBy("shop", "web-7d9-x", "apps/v1", "ReplicaSet", "web-7d9")},
		&appsv1.ReplicaSet{ObjectMeta: meta("shop", "bare-rs")},
		&corev1.Pod{ObjectMeta: controlledBy("shop", "bare-rs-y", "apps/v1", "ReplicaSet", "bare-rs")},
		&appsv1.StatefulSet{ObjectMeta: meta("shop", "db")},
		&corev1.Pod{ObjectMeta: controlledBy("shop", "db-0", "apps/v1", "StatefulSet", "db")},
		&appsv1.DaemonSet{ObjectMeta: meta("shop", "agent")},
		&corev1.Pod{ObjectMeta: controlledBy("shop", "agent-z", "apps/v1", "DaemonSet", "agent")},
		&corev1.ReplicationController{ObjectMeta: meta("shop", "old")},
		&corev1.Pod{ObjectMeta: controlledBy("shop", "old-q", "v1", "ReplicationController", "old")},
		&batchv1.CronJob{ObjectMeta: meta("shop", "nightly")},
		&batchv1.Job{ObjectMeta: controlledBy("shop", "nightly-1", "batch/v1", "CronJob", "nightly")},
		&corev1.Pod{ObjectMeta: controlledBy("shop", "nightly-1-p", "batch/v1", "Job", "nightly-1")},
		&batchv1.Job{ObjectMeta: meta("shop", "once")},

		// Kept: no controller, a controller of a kind not read, a
		// non-controller owner, a same-named kind of another group.
		&corev1.Pod{ObjectMeta: meta("shop", "bare")},
		&corev1.Pod{ObjectMeta: controlledBy("kube-system", "kube-apiserver-node1", "v1", "Node", "node1")},
		&corev1.Pod{ObjectMeta: controlledBy("shop", "custom", "example.com/v1", "ReplicaSet", "other")},
		&batchv1.Job{ObjectMeta: controlledBy("shop", "workflow", "argoproj.io/v1alpha1", "Workflow", "w")},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "adopted", OwnerReferences: []metav1.OwnerReference{
			{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-7d9", UID: "u"}}}},
	}
	res := load(t, fake.NewClientset(objs...), Options{})
	got := ids(res.Objects)
	for _, id := range []string{
		"deployment.apps/web -n shop", "replicaset.apps/bare-rs -n shop", "statefulset.apps/db -n shop",
		"daemonset.apps/agent -n shop", "replicationcontroller/old -n shop", "cronjob.batch/nightly -n shop",
		"job.batch/once -n shop", "pod/bare -n shop", "pod/kube-apiserver-node1 -n kube-system",
		"pod/custom -n shop", "job.batch/workflow -n shop", "pod/adopted -n shop",
	} {
		if got[id] == nil {
			t.Errorf("%s missing", id)
		}
		delete(got, id)
	}
	for id := range got {
		t.Errorf("%s kept, but its controller is scanned", id)
	}
}

func TestOwnedObjectsKeptWhenTheOwnerKindFails(t *testing.T) {
	client := fake.NewClientset(
		&appsv1.Deployment{ObjectMeta: meta("shop", "web")},
		&appsv1.ReplicaSet{ObjectMeta: controlledBy("shop", "web-7d9", "apps/v1", "Deployment", "web")},
		&corev1.Pod{ObjectMeta: controlledBy("shop", "web-7d9-x", "apps/v1", "ReplicaSet", "web-7d9")},
	)
	client.PrependReactor("list", "deployments", forbid)
	res := load(t, client, Options{})
	got := ids(res.Objects)
	if got["replicaset.apps/web-7d9 -n shop"] == nil {
		t.Error("the ReplicaSet of an unreadable Deployment was dropped; nothing judges its template now")
	}
	if got["pod/web-7d9-x -n shop"] != nil {
		t.Error("the pod of a listed ReplicaSet was kept")
	}
}

// forbid answers like an API server whose RBAC denies the list.
func forbid(a k8stesting.Action) (bool, runtime.Object, error) {
	gr := a.GetResource().GroupResource()
	return true, nil, apierrors.NewForbidden(gr, "", fmt.Errorf("User %q cannot list resource %q in API group %q at the cluster scope",
		"system:serviceaccount:palisade:palisade-scanner", gr.Resource, gr.Group))
}

func TestForbiddenKindIsOneErrorAndTheRestLoads(t *testing.T) {
	client := fake.NewClientset(oneOfEach()...)
	client.PrependReactor("list", "secrets", forbid)
	res := load(t, client, Options{})
	if len(res.Errors) != 1 {
		t.Fatalf("errors = %v, want exactly one", res.Errors)
	}
	e := res.Errors[0]
	if e.File != "cluster kind-test" || e.Line != 0 {
		t.Errorf("error names %q line %d, want the cluster", e.File, e.Line)
	}
	for _, want := range []string{"list secrets (v1) across all namespaces", "forbidden", `cannot list resource "secrets"`, "deploy/rbac-readonly.yaml"} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("message %q lacks %q", e.Message, want)
		}
	}
	if strings.Contains(e.Message, "secrets is forbidden") {
		t.Errorf("message %q repeats the resource", e.Message)
	}
	kinds := map[string]bool{}
	for _, o := range res.Objects {
		kinds[o.ID.Kind] = true
	}
	if kinds["Secret"] {
		t.Error("a Secret was read through a forbidden list")
	}
	if len(kinds) != len(oneOfEach()) || !kinds["KubeletConfiguration"] {
		t.Errorf("read %d kinds, want every kind but Secret, and the kubelet configuration: %v", len(kinds), kinds)
	}
}

func TestListErrorMessages(t *testing.T) {
	tests := []struct {
		name     string
		resource string
		err      error
		opts     Options
		want     []string
	}{
		{"API group absent", "ingresses", apierrors.NewNotFound(schema.GroupResource{Group: "networking.k8s.io", Resource: "ingresses"}, ""), Options{},
			[]string{"list ingresses (networking.k8s.io/v1) across all namespaces", "404", "networking.k8s.io/v1 API is absent"}},
		{"timeout", "pods", context.DeadlineExceeded, Options{Namespace: "shop", RequestTimeout: 5 * time.Second},
			[]string{"list pods (v1) in namespace shop", "timed out", "5s", "--request-timeout"}},
		{"server timeout", "configmaps", apierrors.NewTimeoutError("too slow", 1), Options{}, []string{"timed out"}},
		{"throttled", "roles", apierrors.NewTooManyRequests("slow down", 1), Options{}, []string{"429", "--qps"}},
		{"cluster-scoped", "clusterroles", errors.New("boom"), Options{Namespace: "shop"},
			[]string{"list clusterroles (rbac.authorization.k8s.io/v1): boom"}},
		{"namespace with -n", "namespaces", errors.New("boom"), Options{Namespace: "shop"}, []string{"list namespaces (v1) named shop: boom"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := fake.NewClientset()
			client.PrependReactor("list", tt.resource, func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, tt.err })
			res := load(t, client, tt.opts)
			if len(res.Errors) != 1 {
				t.Fatalf("errors = %v, want one", res.Errors)
			}
			for _, w := range tt.want {
				if !strings.Contains(res.Errors[0].Message, w) {
					t.Errorf("message %q lacks %q", res.Errors[0].Message, w)
				}
			}
		})
	}
}

func TestNamespaceRestrictsNamespacedKinds(t *testing.T) {
	objs := append(oneOfEach(),
		&corev1.Namespace{ObjectMeta: meta("", "other")},
		&corev1.Pod{ObjectMeta: meta("other", "p")},
		&corev1.Secret{ObjectMeta: meta("other", "s")},
		&rbacv1.ClusterRole{ObjectMeta: meta("", "view")},
	)
	client := fake.NewClientset(objs...)
	res := load(t, client, Options{Namespace: "shop"})
	if len(res.Errors) != 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	got := ids(res.Objects)
	for id, o := range got {
		if o.ID.Namespace != "" && o.ID.Namespace != "shop" {
			t.Errorf("%s read outside -n shop", id)
		}
	}
	if got["namespace/other"] != nil || got["namespace/shop"] == nil {
		t.Error("with -n shop only the Namespace shop is read")
	}
	if got["clusterrole.rbac.authorization.k8s.io/view"] == nil || got["clusterrolebinding.rbac.authorization.k8s.io/admins"] == nil {
		t.Error("cluster-scoped kinds are read whatever -n says")
	}
	for _, a := range client.Actions() {
		if a.GetResource().Resource == "namespaces" {
			if fs := a.(k8stesting.ListAction).GetListRestrictions().Fields.String(); fs != "metadata.name=shop" {
				t.Errorf("namespaces listed with field selector %q", fs)
			}
			continue
		}
		if a.GetNamespace() != "shop" && a.GetNamespace() != "" {
			t.Errorf("%s listed in namespace %q", a.GetResource().Resource, a.GetNamespace())
		}
	}

	// -A wins over -n, as in kubectl.
	res = load(t, fake.NewClientset(objs...), Options{Namespace: "shop", AllNamespaces: true})
	if got := ids(res.Objects); got["pod/p -n other"] == nil || got["namespace/other"] == nil {
		t.Error("-A did not read every namespace")
	}
}

func TestSecretValuesAreDropped(t *testing.T) {
	applied := `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"creds","namespace":"shop"},"data":{"password":"aHVudGVyMg=="},"stringData":{"token":"s3cr3t-t0ken"},"type":"Opaque"}`
	s := &corev1.Secret{
		ObjectMeta: meta("shop", "creds"),
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{"password": []byte("hunter2")},
		StringData: map[string]string{"token": "s3cr3t-t0ken"},
	}
	s.Annotations = map[string]string{corev1.LastAppliedConfigAnnotation: applied, "team": "pay"}
	tok := &corev1.Secret{ObjectMeta: meta("shop", "sa-token"), Type: corev1.SecretTypeServiceAccountToken,
		Data: map[string][]byte{"token": []byte("eyJhbGciOi")}}
	res := load(t, fake.NewClientset(s, tok), Options{})
	n := 0
	for _, o := range res.Objects {
		sec, ok := o.Typed.(*corev1.Secret)
		if !ok {
			continue
		}
		n++
		if sec.Data != nil || sec.StringData != nil {
			t.Errorf("%s keeps its data: %v %v", o.ID, sec.Data, sec.StringData)
		}
		dump := fmt.Sprintf("%#v", sec)
		for _, value := range []string{"hunter2", "aHVudGVyMg==", "s3cr3t-t0ken", "eyJhbGciOi"} {
			if strings.Contains(dump, value) {
				t.Errorf("%s still holds the value %q", o.ID, value)
			}
		}
		switch sec.Name {
		case "creds":
			if sec.Type != corev1.SecretTypeOpaque || sec.Annotations["team"] != "pay" {
				t.Errorf("type or metadata lost: %#v", sec.ObjectMeta)
			}
			if a := sec.Annotations[corev1.LastAppliedConfigAnnotation]; !strings.Contains(a, `"password":""`) || !strings.Contains(a, `"token":""`) {
				t.Errorf("last-applied annotation lost its keys: %s", a)
			}
		case "sa-token":
			if sec.Type != corev1.SecretTypeServiceAccountToken {
				t.Errorf("type lost: %q", sec.Type)
			}
		}
	}
	if n != 2 {
		t.Errorf("read %d Secrets, want 2", n)
	}
}

func TestRedactLastApplied(t *testing.T) {
	for in, want := range map[string]string{
		`{"data":{"a":"YQ=="},"kind":"Secret"}`: `{"data":{"a":""},"kind":"Secret"}`,
		`{"stringData":"odd"}`:                  `{"stringData":{}}`,
		`{"kind":"Secret"}`:                     `{"kind":"Secret"}`,
		`not json "hunter2"`:                    ``,
	} {
		if got := redactLastApplied(in); got != want {
			t.Errorf("redactLastApplied(%s) = %s, want %s", in, got, want)
		}
	}
}

// pageReactor serves pods in pages of the request's limit, like an API
// server, and records the limits asked for.
func pageReactor(pods []corev1.Pod, limits *[]int64, expireOnce *bool) k8stesting.ReactionFunc {
	return func(a k8stesting.Action) (bool, runtime.Object, error) {
		opts := a.(k8stesting.ListActionImpl).ListOptions
		*limits = append(*limits, opts.Limit)
		start := 0
		if opts.Continue != "" {
			if expireOnce != nil && *expireOnce {
				*expireOnce = false
				return true, nil, apierrors.NewResourceExpired("continue token too old")
			}
			fmt.Sscan(opts.Continue, &start)
		}
		end := len(pods)
		if opts.Limit > 0 {
			end = min(start+int(opts.Limit), len(pods))
		}
		l := &corev1.PodList{Items: pods[start:end]}
		if end < len(pods) {
			l.Continue = fmt.Sprint(end)
		}
		return true, l, nil
	}
}

func manyPods(n int) []corev1.Pod {
	pods := make([]corev1.Pod, n)
	for i := range pods {
		pods[i].ObjectMeta = meta("shop", fmt.Sprintf("p%03d", i))
	}
	return pods
}

func TestPagination(t *testing.T) {
	client := fake.NewClientset()
	var limits []int64
	client.PrependReactor("list", "pods", pageReactor(manyPods(25), &limits, nil))
	res := load(t, client, Options{PageSize: 10})
	if n := len(res.Objects); n != 25 {
		t.Errorf("read %d pods, want 25", n)
	}
	if fmt.Sprint(limits) != "[10 10 10]" {
		t.Errorf("limits %v, want three pages of 10", limits)
	}
	for i, o := range res.Objects {
		if want := fmt.Sprintf("p%03d", i); o.ID.Name != want {
			t.Fatalf("object %d is %s, want %s", i, o.ID.Name, want)
		}
	}
}

func TestExpiredContinueReadsTheKindAgain(t *testing.T) {
	client := fake.NewClientset()
	var limits []int64
	expire := true
	client.PrependReactor("list", "pods", pageReactor(manyPods(25), &limits, &expire))
	var progress bytes.Buffer
	res := load(t, client, Options{PageSize: 10, Progress: &progress})
	if len(res.Errors) != 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	if n := len(res.Objects); n != 25 {
		t.Errorf("read %d pods, want 25 (no duplicates)", n)
	}
	if fmt.Sprint(limits) != "[10 10 0]" {
		t.Errorf("limits %v, want a page, an expired page, then one full list", limits)
	}
	if !strings.Contains(progress.String(), "· 25 objects") {
		t.Errorf("progress does not end at 25 objects: %q", progress.String())
	}
}

func TestConcurrencyIsBounded(t *testing.T) {
	var (
		mu             sync.Mutex
		inFlight, peak int
	)
	ks := kinds()
	for _, k := range ks {
		list := k.list
		k.list = func(ctx context.Context, c kubernetes.Interface, ns string, o metav1.ListOptions) ([]item, string, error) {
			mu.Lock()
			inFlight++
			peak = max(peak, inFlight)
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
			mu.Lock()
			inFlight--
			mu.Unlock()
			return list(ctx, c, ns, o)
		}
	}
	res, err := loadKinds(context.Background(), fake.NewClientset(oneOfEach()...), minimalConfigz, testCluster, Options{Concurrency: 3}.withDefaults(), ks)
	if err != nil {
		t.Fatal(err)
	}
	if want := len(oneOfEach()) + 1; len(res.Objects) != want {
		t.Errorf("read %d objects, want %d (with the kubelet configuration)", len(res.Objects), want)
	}
	if peak > 3 {
		t.Errorf("%d lists in flight, want at most 3", peak)
	}
	if peak < 2 {
		t.Errorf("at most %d list in flight: kinds are not listed concurrently", peak)
	}
}

func TestProgress(t *testing.T) {
	var buf bytes.Buffer
	res := load(t, fake.NewClientset(oneOfEach()...), Options{Progress: &buf})
	out := buf.String()
	final := fmt.Sprintf("listing %d/%d kinds · %d objects", len(kinds()), len(kinds()), len(res.Objects))
	if !strings.HasPrefix(out, "\r") || !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
		t.Errorf("progress is not one redrawn line ending in a newline: %q", out)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\r")
	if last := strings.TrimRight(lines[len(lines)-1], " "); last != final {
		t.Errorf("last drawn %q, want %q", last, final)
	}

	// Without a writer nothing is drawn, and nothing breaks.
	if p := newProgress(nil, 3); p != nil {
		t.Error("newProgress(nil) drew to something")
	}
	var p *progress
	p.objects(3)
	p.kindDone()
	p.finish()
}

func TestProgressBlanksAShorterLine(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, 2)
	p.objects(12345)
	p.objects(-12345)
	p.finish()
	want := "\rlisting 0/2 kinds · 0 objects" +
		"\rlisting 0/2 kinds · 12,345 objects" +
		"\rlisting 0/2 kinds · 0 objects     " + "\n"
	if buf.String() != want {
		t.Errorf("got %q\nwant %q", buf.String(), want)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 12345: "12,345", 1234567: "1,234,567", -1000: "-1,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestCancelledLoadIsAnError(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := loadWith(ctx, fake.NewClientset(oneOfEach()...), testCluster, Options{}.withDefaults()); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

const kubeconfig = `apiVersion: v1
kind: Config
current-context: kind-prod
contexts:
- name: kind-prod
  context: {cluster: prod, user: admin, namespace: shop}
- name: staging
  context: {cluster: stage, user: admin}
clusters:
- name: prod
  cluster: {server: "https://127.0.0.1:6443"}
- name: stage
  cluster: {server: "https://10.0.0.1:443"}
users:
- name: admin
  user: {token: not-a-real-token}
`

func writeKubeconfig(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRESTConfigFromKubeconfig(t *testing.T) {
	path := writeKubeconfig(t, kubeconfig)
	tests := []struct {
		context string
		want    ClusterInfo
	}{
		{"", ClusterInfo{Name: "kind-prod", Server: "https://127.0.0.1:6443"}},
		{"staging", ClusterInfo{Name: "staging", Server: "https://10.0.0.1:443"}},
	}
	for _, tt := range tests {
		cfg, info, err := restConfig(Options{Kubeconfig: path, Context: tt.context})
		if err != nil {
			t.Fatalf("context %q: %v", tt.context, err)
		}
		if info != tt.want || cfg.Host != tt.want.Server {
			t.Errorf("context %q: %+v (host %s), want %+v", tt.context, info, cfg.Host, tt.want)
		}
	}
	if got := (ClusterInfo{Name: "kind-prod", Server: "https://127.0.0.1:6443"}).String(); got != "cluster kind-prod (https://127.0.0.1:6443)" {
		t.Errorf("String() = %q", got)
	}
}

func TestRESTConfigErrorsSayWhatToDo(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		opts Options
		want []string
	}{
		{"missing file", Options{Kubeconfig: filepath.Join(dir, "nope")}, []string{"nope", "--kubeconfig"}},
		{"unparsable file", Options{Kubeconfig: writeKubeconfig(t, "clusters: [oops")}, []string{"reading kubeconfig", "--kubeconfig"}},
		{"unknown context", Options{Kubeconfig: writeKubeconfig(t, kubeconfig), Context: "prod"},
			[]string{`context "prod" is not in kubeconfig`, "kind-prod, staging", "--context"}},
		{"no current context", Options{Kubeconfig: writeKubeconfig(t, strings.Replace(kubeconfig, "current-context: kind-prod\n", "", 1))},
			[]string{"no current context", "kind-prod, staging", "--context"}},
		{"context without cluster", Options{Kubeconfig: writeKubeconfig(t, strings.Replace(kubeconfig, "cluster: stage,", "cluster: gone,", 1)), Context: "staging"},
			[]string{`context "staging"`, "cannot be used"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := restConfig(tt.opts)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestRESTConfigGiven(t *testing.T) {
	cfg, info, err := restConfig(Options{RESTConfig: restConfigFor("https://127.0.0.1:34567")})
	if err != nil {
		t.Fatal(err)
	}
	if info != (ClusterInfo{Name: "127.0.0.1:34567", Server: "https://127.0.0.1:34567"}) || cfg.Host != info.Server {
		t.Errorf("info %+v host %s", info, cfg.Host)
	}
	_, info, _ = restConfig(Options{RESTConfig: restConfigFor("https://127.0.0.1:34567"), Context: "envtest"})
	if info.Name != "envtest" {
		t.Errorf("Name = %q, want the Context option", info.Name)
	}
}

func restConfigFor(host string) *rest.Config { return &rest.Config{Host: host} }

// deploy/rbac-readonly.yaml grants list on exactly the kinds Load reads,
// and only read verbs.
func TestReadOnlyRoleMatchesTheKinds(t *testing.T) {
	loaded := source.Load(source.Options{Paths: []string{filepath.Join("..", "..", "..", "deploy", "rbac-readonly.yaml")}})
	if len(loaded.Errors) > 0 || len(loaded.Objects) != 1 {
		t.Fatalf("want one object, got %d: %v", len(loaded.Objects), loaded.Errors)
	}
	role, ok := loaded.Objects[0].Typed.(*rbacv1.ClusterRole)
	if !ok || role.Name != "palisade-readonly" {
		t.Fatalf("want ClusterRole palisade-readonly, got %s", loaded.Objects[0].ID)
	}
	granted := map[schema.GroupResource]bool{}
	for _, r := range role.Rules {
		if len(r.NonResourceURLs) > 0 || len(r.ResourceNames) > 0 {
			t.Errorf("rule %+v: resources only, all names", r)
		}
		list := false
		for _, v := range r.Verbs {
			if v != "get" && v != "list" && v != "watch" {
				t.Errorf("verb %q: the role is read-only", v)
			}
			list = list || v == "list"
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				if g == "*" || res == "*" {
					t.Errorf("wildcard in %+v", r)
				}
				if list {
					granted[schema.GroupResource{Group: g, Resource: res}] = true
				}
			}
		}
	}
	for _, k := range kinds() {
		gr := schema.GroupResource{Group: k.gvk.Group, Resource: k.resource}
		if !granted[gr] {
			t.Errorf("the role does not grant list on %s", gr)
		}
		delete(granted, gr)
	}
	for gr := range granted {
		t.Errorf("the role grants %s, which Palisade does not read", gr)
	}
}
