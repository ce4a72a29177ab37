package e2e

import (
	"context"
	"os"
	"strings"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/palisade-sec/palisade/internal/source"
	"github.com/palisade-sec/palisade/internal/source/live"
)

// serviceAccountConfig creates a service account bound to a ClusterRole
// and returns a client config that authenticates as it with a bound token.
func serviceAccountConfig(t *testing.T, admin *rest.Config, ns, name, clusterRole string) *rest.Config {
	t.Helper()
	ctx := context.Background()
	cs := kubernetes.NewForConfigOrDie(admin)
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil && !strings.Contains(err.Error(), "already exists") {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	binding := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: ns + "-" + name},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: clusterRole},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: name}},
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tok, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, name, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := rest.AnonymousClientConfig(admin)
	cfg.BearerToken = tok.Status.Token
	return cfg
}

// TestReadOnlyScan proves a live scan needs nothing but the read verbs of
// deploy/rbac-readonly.yaml.
func TestReadOnlyScan(t *testing.T) {
	admin := startAPIServer(t)
	data, err := os.ReadFile("../../deploy/rbac-readonly.yaml")
	if err != nil {
		t.Fatal(err)
	}
	role := source.Load(source.Options{Paths: []string{"../../deploy/rbac-readonly.yaml"}})
	if len(role.Errors) > 0 || len(role.Objects) == 0 {
		t.Fatalf("deploy/rbac-readonly.yaml: %v", role.Errors)
	}
	var roleName string
	for _, o := range role.Objects {
		cr, ok := o.Typed.(*rbacv1.ClusterRole)
		if !ok {
			continue
		}
		roleName = cr.Name
		for _, rule := range cr.Rules {
			for _, verb := range rule.Verbs {
				if verb != "get" && verb != "list" && verb != "watch" {
					t.Errorf("%s grants %q: a scan is read-only", cr.Name, verb)
				}
			}
		}
	}
	if roleName == "" {
		t.Fatalf("no ClusterRole in deploy/rbac-readonly.yaml:\n%s", data)
	}
	apply(t, admin, role.Objects)
	scenario := source.Load(source.Options{Paths: []string{"../../examples/insecure-shop"}})
	apply(t, admin, scenario.Objects)

	cfg := serviceAccountConfig(t, admin, "palisade", "palisade-scanner", roleName)
	res, err := live.Load(context.Background(), live.Options{RESTConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Errors {
		t.Errorf("read-only scan error: %s", e.Error())
	}
	if len(res.Objects) < len(scenario.Objects) {
		t.Errorf("read %d objects, want at least the scenario's %d", len(res.Objects), len(scenario.Objects))
	}
}

// readonlyRole returns the ClusterRole of deploy/rbac-readonly.yaml.
func readonlyRole(t *testing.T) *rbacv1.ClusterRole {
	t.Helper()
	role := source.Load(source.Options{Paths: []string{"../../deploy/rbac-readonly.yaml"}})
	for _, o := range role.Objects {
		if cr, ok := o.Typed.(*rbacv1.ClusterRole); ok {
			return cr.DeepCopy()
		}
	}
	t.Fatal("no ClusterRole in deploy/rbac-readonly.yaml")
	return nil
}

// TestForbiddenKindIsReportedOnce: a scanner that may not list Secrets gets
// one error naming secrets, and everything else is still read.
func TestForbiddenKindIsReportedOnce(t *testing.T) {
	admin := startAPIServer(t)
	// The read-only role without Secrets. (The built-in view role would do,
	// but its rules are filled in by the aggregation controller, which this
	// API server runs without.)
	role := readonlyRole(t)
	role.Name = "palisade-readonly-no-secrets"
	for i := range role.Rules {
		var kept []string
		for _, r := range role.Rules[i].Resources {
			if r != "secrets" {
				kept = append(kept, r)
			}
		}
		role.Rules[i].Resources = kept
	}
	if _, err := kubernetes.NewForConfigOrDie(admin).RbacV1().ClusterRoles().Create(context.Background(), role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg := serviceAccountConfig(t, admin, "palisade", "no-secrets", role.Name)
	res, err := live.Load(context.Background(), live.Options{RESTConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	var secretErrors int
	for _, e := range res.Errors {
		if strings.Contains(e.Message, "secrets") {
			secretErrors++
		}
	}
	if secretErrors != 1 {
		t.Errorf("want exactly one error about secrets, got %+v", res.Errors)
	}
	var namespaces int
	for _, o := range res.Objects {
		if o.ID.Kind == "Namespace" {
			namespaces++
		}
	}
	if namespaces == 0 {
		t.Error("the rest of the scan did not go on: no Namespace read")
	}
}
