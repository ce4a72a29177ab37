package e2e

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/rbac"
	"github.com/palisade-sec/palisade/internal/source/live"
)

var oracleSeed = flag.Uint64("rbac-oracle-seed", 20240917, "seed of the RBAC sets TestRBACMatchesAPIServer generates")

// The sizes of the oracle run: requests asked of one subject each, and a
// sample of requests asked of every subject (for WhoCan).
const (
	oracleResourceTuples    = 9000
	oracleNonResourceTuples = 2000
	oracleWhoCanRequests    = 100
	oracleSARWorkers        = 16
)

// TestRBACMatchesAPIServer proves the RBAC engine answers as the API
// server's own authorizer does. It generates, from a fixed seed, a few
// hundred Roles, ClusterRoles (some aggregated, in chains, some feeding the
// built-in view and edit), RoleBindings and ClusterRoleBindings with every
// kind of wildcard and subject, creates them in a real kube-apiserver, lets
// the real clusterrole-aggregation controller (kube-controller-manager)
// fill the aggregated roles, reads the cluster back with Palisade's live
// reader (bootstrap roles and bindings included), and then asks the server
// SubjectAccessReviews for thousands of requests: Allowed must give the
// server's answer every time, and WhoCan must name a subject exactly when
// the server allows it. Aggregation is proven separately: from the rules
// as written (aggregated roles emptied), the engine must compute every
// aggregated ClusterRole's rules exactly as the controller stored them.
func TestRBACMatchesAPIServer(t *testing.T) {
	start := time.Now()
	dir := assetsDir(t)
	kcmBin := filepath.Join(dir, "kube-controller-manager")
	if _, err := os.Stat(kcmBin); err != nil {
		msg := fmt.Sprintf("no kube-controller-manager in %s: build it with hack/testbin.sh", dir)
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	var env *envtest.Environment
	cfg := startAPIServerWith(t, func(e *envtest.Environment) { env = e })
	startAggregationController(t, env, kcmBin)
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = -1, 0
	cs := kubernetes.NewForConfigOrDie(cfg)
	ctx := context.Background()

	rng := rand.New(rand.NewPCG(*oracleSeed, 0x9e3779b97f4a7c15))
	set := generateRBACSet(rng)
	createRBACSet(t, cs, set)
	t.Logf("created %d namespaces, %d ClusterRoles (%d aggregated), %d Roles, %d ClusterRoleBindings, %d RoleBindings (%s since start)",
		len(set.namespaces), len(set.clusterRoles), set.aggregated, len(set.roles), len(set.clusterBindings), len(set.roleBindings), time.Since(start).Round(time.Millisecond))

	waitAggregated(t, cs)
	waitAuthorizerCaught(t, cs, set)

	res, err := live.Load(ctx, live.Options{RESTConfig: cfg})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range res.Errors {
		t.Errorf("live read error: %s", e.Error())
	}
	model := rbac.Build(cluster.NewSnapshot(res.Objects))
	if bad := aggregationMismatches(res.Objects); len(bad) > 0 {
		t.Errorf("aggregated rules of the live cluster differ from the engine's:\n%s", strings.Join(bad, "\n"))
	}
	t.Logf("model of %d roles and %d bindings built from the live cluster (%s)", len(model.Roles()), len(model.Bindings()), time.Since(start).Round(time.Millisecond))

	// Requests asked of one subject each: most drawn from a rule of a
	// binding and asked of a subject it names (half of them then changed
	// in one field, to land just outside), the rest at random.
	var tuples []oracleTuple
	for range oracleResourceTuples {
		tuples = append(tuples, drawResourceTuple(rng, model, set))
	}
	for range oracleNonResourceTuples {
		tuples = append(tuples, drawNonResourceTuple(rng, model, set))
	}
	// A sample of requests asked of every subject, for WhoCan.
	var whoCan []rbac.Request
	for i := range oracleWhoCanRequests {
		var tu oracleTuple
		if i%6 == 5 {
			tu = drawNonResourceTuple(rng, model, set)
		} else {
			tu = drawResourceTuple(rng, model, set)
		}
		whoCan = append(whoCan, tu.req)
		for _, s := range set.identities {
			tuples = append(tuples, oracleTuple{subject: s, req: tu.req, whoCan: len(whoCan)})
		}
	}

	answers := askServer(t, cs, tuples)
	var allowed, denied, nrAllowed, nrDenied, mismatches int
	for i, tu := range tuples {
		server := answers[i]
		grant, ours := model.Allowed(tu.subject, tu.req)
		switch {
		case server.Allowed && tu.req.IsNonResource():
			nrAllowed++
		case tu.req.IsNonResource():
			nrDenied++
		case server.Allowed:
			allowed++
		default:
			denied++
		}
		if ours != server.Allowed {
			mismatches++
			if mismatches <= 30 {
				t.Errorf("%s: server says %v (%s), Palisade says %v (grant: %s)",
					describeTuple(tu), server.Allowed, server.Reason, ours, grant)
			}
		}
	}
	if mismatches > 30 {
		t.Errorf("%d mismatches in all", mismatches)
	}

	// WhoCan: a subject holds a sampled permission exactly when the
	// server allows it.
	holdersCount, whoCanMismatches := 0, 0
	for wi, req := range whoCan {
		holders := model.WhoCan(req)
		holdersCount += len(holders)
		for i, tu := range tuples {
			if tu.whoCan != wi+1 {
				continue
			}
			var by []string
			for _, h := range holders {
				if h.Includes(tu.subject) {
					by = append(by, h.Subject.Kind+" "+h.Subject.Namespace+"/"+h.Subject.Name)
				}
			}
			if (len(by) > 0) != answers[i].Allowed {
				whoCanMismatches++
				if whoCanMismatches <= 20 {
					t.Errorf("WhoCan %s: server says %v (%s), WhoCan holders for the subject: %v", describeTuple(tu), answers[i].Allowed, answers[i].Reason, by)
				}
			}
		}
	}
	t.Logf("compared %d SubjectAccessReviews: resource %d allowed / %d denied, non-resource %d allowed / %d denied; %d mismatches",
		len(tuples), allowed, denied, nrAllowed, nrDenied, mismatches)
	t.Logf("WhoCan: %d requests x %d subjects, %d holders named, %d mismatches; total %s",
		len(whoCan), len(set.identities), holdersCount, whoCanMismatches, time.Since(start).Round(time.Millisecond))
	if allowed < oracleResourceTuples/5 || denied < oracleResourceTuples/5 || nrAllowed < oracleNonResourceTuples/10 || nrDenied < oracleNonResourceTuples/10 {
		t.Errorf("the drawn requests do not hit both answers enough: %d/%d resource, %d/%d non-resource allowed/denied", allowed, denied, nrAllowed, nrDenied)
	}
}

// startAggregationController runs kube-controller-manager with only the
// clusterrole-aggregation controller, as a system:masters user, serving
// nothing; it is stopped when the test ends.
func startAggregationController(t *testing.T, env *envtest.Environment, bin string) {
	t.Helper()
	user, err := env.AddUser(envtest.User{Name: "palisade-e2e-controller-manager", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := user.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	kubeconfigPath := filepath.Join(tmp, "controller-manager.kubeconfig")
	if err := os.WriteFile(kubeconfigPath, kubeconfig, 0o600); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(tmp, "controller-manager.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin,
		"--kubeconfig="+kubeconfigPath,
		"--controllers=clusterrole-aggregation",
		"--leader-elect=false",
		"--secure-port=0",
		"--bind-address=127.0.0.1",
		"--v=1",
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting kube-controller-manager: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case err := <-exited:
			t.Logf("kube-controller-manager exited early: %v", err)
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
		logFile.Close()
		if t.Failed() {
			if b, err := os.ReadFile(logPath); err == nil {
				lines := strings.Split(strings.TrimSpace(string(b)), "\n")
				t.Logf("kube-controller-manager log (last lines):\n%s", strings.Join(lines[max(0, len(lines)-30):], "\n"))
			}
		}
	})
}

// rbacSet is one generated set of RBAC objects and the subjects asked
// about.
type rbacSet struct {
	namespaces      []string
	clusterRoles    []*rbacv1.ClusterRole
	roles           []*rbacv1.Role
	clusterBindings []*rbacv1.ClusterRoleBinding
	roleBindings    []*rbacv1.RoleBinding
	aggregated      int
	// identities are the request subjects: users (in groups), service
	// accounts, group members, the anonymous user and some built-in users.
	identities []rbac.Subject
}

// The vocabulary of the generated rules and requests.
var (
	oracleVerbs       = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "impersonate", "escalate", "bind", "use"}
	oracleGroups      = []string{"", "", "apps", "batch", "example.com"}
	oracleResources   = []string{"pods", "pods/exec", "pods/log", "secrets", "configmaps", "deployments", "deployments/scale", "statefulsets/scale", "jobs", "jobs/status", "widgets", "serviceaccounts/token"}
	oracleReqGroups   = []string{"", "", "apps", "batch", "example.com", "other.io"}
	oracleReqRes      = []string{"pods", "secrets", "configmaps", "deployments", "statefulsets", "jobs", "widgets", "serviceaccounts"}
	oracleSubres      = []string{"", "", "", "exec", "log", "scale", "status", "token"}
	oracleNames       = []string{"", "", "n0", "n1", "n2", "n3"}
	oracleURLs        = []string{"/healthz", "/metrics", "/logs/*", "/api*", "/debug/pprof/*", "/x/y*", "/readyz/*", "/version"}
	oraclePaths       = []string{"/healthz", "/healthz/etcd", "/livez", "/readyz", "/readyz/ping", "/version", "/metrics", "/logs", "/logs/kube", "/api", "/api/v1", "/apis", "/apis/apps", "/openapi/v2", "/openid/v1/jwks", "/debug/pprof/", "/debug/pprof/heap", "/x/y", "/x/yz", "/x", "/"}
	oracleHTTPVerbs   = []string{"get", "get", "post", "put", "delete", "head"}
	oracleAggLabel    = "oracle.palisade.dev/agg-"
	oracleTierLabel   = "oracle.palisade.dev/tier"
	oracleAggregates  = 6
	oracleNamespaces  = 5
	oracleRolesPerNS  = 24
	oracleRBsPerNS    = 40
	oracleClusterRole = 60
	oracleCRBs        = 40
)

func pickOne[T any](rng *rand.Rand, list []T) T { return list[rng.IntN(len(list))] }

func pickSome(rng *rand.Rand, list []string, n int) []string {
	var out []string
	for range n {
		if s := pickOne(rng, list); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func generateRule(rng *rand.Rand, clusterScoped bool) rbacv1.PolicyRule {
	var r rbacv1.PolicyRule
	if clusterScoped && rng.IntN(100) < 15 {
		r.Verbs = pickSome(rng, []string{"get", "get", "post", "*"}, 1+rng.IntN(2))
		r.NonResourceURLs = pickSome(rng, oracleURLs, 1+rng.IntN(2))
		if rng.IntN(30) == 0 {
			r.NonResourceURLs = []string{"*"}
		}
		return r
	}
	switch n := rng.IntN(100); {
	case n < 8:
		r.Verbs = []string{"*"}
	case n < 40:
		r.Verbs = []string{"get", "list", "watch"}
	default:
		r.Verbs = pickSome(rng, oracleVerbs, 1+rng.IntN(3))
	}
	if rng.IntN(100) < 10 {
		r.APIGroups = []string{"*"}
	} else {
		r.APIGroups = pickSome(rng, oracleGroups, 1+rng.IntN(2))
	}
	switch n := rng.IntN(100); {
	case n < 7:
		r.Resources = []string{"*"}
	case n < 15:
		r.Resources = []string{"*/scale"}
	case n < 19:
		r.Resources = []string{"*/status", "pods"}
	default:
		r.Resources = pickSome(rng, oracleResources, 1+rng.IntN(3))
	}
	if rng.IntN(100) < 20 {
		r.ResourceNames = pickSome(rng, []string{"n0", "n1", "n2"}, 1+rng.IntN(2))
	}
	return r
}

func generateRBACSet(rng *rand.Rand) *rbacSet {
	set := &rbacSet{}
	for i := range oracleNamespaces {
		set.namespaces = append(set.namespaces, fmt.Sprintf("oracle-%d", i))
	}
	rules := func(clusterScoped bool) []rbacv1.PolicyRule {
		var out []rbacv1.PolicyRule
		for range 1 + rng.IntN(3) {
			out = append(out, generateRule(rng, clusterScoped))
		}
		return out
	}
	for i := range oracleClusterRole {
		cr := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("oracle-cr-%d", i), Labels: map[string]string{}}, Rules: rules(true)}
		for j := range oracleAggregates {
			if rng.IntN(100) < 20 {
				cr.Labels[fmt.Sprintf("%s%d", oracleAggLabel, j)] = "true"
			}
		}
		cr.Labels[oracleTierLabel] = pickOne(rng, []string{"gold", "silver", "bronze"})
		// A few feed the built-in aggregated roles view (and through it
		// edit and admin) and edit.
		switch i {
		case 3:
			cr.Labels["rbac.authorization.k8s.io/aggregate-to-view"] = "true"
		case 7:
			cr.Labels["rbac.authorization.k8s.io/aggregate-to-edit"] = "true"
		}
		set.clusterRoles = append(set.clusterRoles, cr)
	}
	// Aggregated roles; agg-i may carry the label agg-j selects for j > i,
	// so they chain without a cycle.
	for i := range oracleAggregates {
		cr := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("oracle-agg-%d", i), Labels: map[string]string{}},
			AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{
				{MatchLabels: map[string]string{fmt.Sprintf("%s%d", oracleAggLabel, i): "true"}},
			}}}
		for j := i + 1; j < oracleAggregates; j++ {
			if rng.IntN(100) < 40 {
				cr.Labels[fmt.Sprintf("%s%d", oracleAggLabel, j)] = "true"
			}
		}
		if rng.IntN(2) == 0 {
			cr.AggregationRule.ClusterRoleSelectors = append(cr.AggregationRule.ClusterRoleSelectors, metav1.LabelSelector{
				MatchLabels:      map[string]string{fmt.Sprintf("%s%d", oracleAggLabel, (i+1)%oracleAggregates): "true"},
				MatchExpressions: []metav1.LabelSelectorRequirement{{Key: oracleTierLabel, Operator: metav1.LabelSelectorOpIn, Values: []string{"gold", "bronze"}}},
			})
		}
		set.clusterRoles = append(set.clusterRoles, cr)
		set.aggregated++
	}
	for _, ns := range set.namespaces {
		for i := range oracleRolesPerNS {
			set.roles = append(set.roles, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("oracle-role-%d", i)}, Rules: rules(false)})
		}
	}

	subject := func(bindingNS string) rbacv1.Subject {
		switch n := rng.IntN(100); {
		case n < 33:
			return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: fmt.Sprintf("u%d", rng.IntN(14))}
		case n < 53:
			return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: fmt.Sprintf("g%d", rng.IntN(7))}
		case n < 88:
			s := rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: fmt.Sprintf("sa%d", rng.IntN(4))}
			if bindingNS == "" || rng.IntN(2) == 0 {
				s.Namespace = pickOne(rng, set.namespaces)
			}
			return s
		}
		switch rng.IntN(6) {
		case 0:
			return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "system:serviceaccounts:" + pickOne(rng, set.namespaces)}
		case 1:
			return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "system:serviceaccounts"}
		case 2:
			return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "system:unauthenticated"}
		case 3:
			return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "system:anonymous"}
		case 4:
			// A User subject spelled as a service account's user name.
			return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "system:serviceaccount:" + pickOne(rng, set.namespaces) + ":sa1"}
		}
		return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: "system:authenticated"}
	}
	subjects := func(bindingNS string) []rbacv1.Subject {
		var out []rbacv1.Subject
		for range 1 + rng.IntN(3) {
			out = append(out, subject(bindingNS))
		}
		return out
	}
	clusterRoleRef := func() rbacv1.RoleRef {
		name := ""
		switch n := rng.IntN(100); {
		case n < 70:
			name = fmt.Sprintf("oracle-cr-%d", rng.IntN(oracleClusterRole))
		case n < 88:
			name = fmt.Sprintf("oracle-agg-%d", rng.IntN(oracleAggregates))
		case n < 95:
			name = pickOne(rng, []string{"view", "edit", "admin", "system:aggregate-to-view"})
		default:
			name = "oracle-missing-clusterrole"
		}
		return rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: name}
	}
	for i := range oracleCRBs {
		ref := clusterRoleRef()
		if ref.Name == "admin" || ref.Name == "edit" {
			ref.Name = "view" // keep the cluster-wide grants narrow enough to leave denials
		}
		set.clusterBindings = append(set.clusterBindings, &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("oracle-crb-%d", i)}, RoleRef: ref, Subjects: subjects("")})
	}
	for _, ns := range set.namespaces {
		for i := range oracleRBsPerNS {
			rb := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("oracle-rb-%d", i)}, Subjects: subjects(ns)}
			if rng.IntN(100) < 60 {
				// oracle-role-24 and -25 do not exist.
				rb.RoleRef = rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: fmt.Sprintf("oracle-role-%d", rng.IntN(oracleRolesPerNS+2))}
			} else {
				rb.RoleRef = clusterRoleRef()
			}
			set.roleBindings = append(set.roleBindings, rb)
		}
	}

	// The subjects asked about. u12, u13, g6 and sa3 are named by bindings
	// but are nobody here; they stay unasked, as does everyone the
	// bindings do not name.
	for i := range 12 {
		groups := pickSome(rng, []string{"g0", "g1", "g2", "g3", "g4", "g5"}, rng.IntN(3))
		set.identities = append(set.identities, rbac.User(fmt.Sprintf("u%d", i), groups...))
	}
	for _, ns := range set.namespaces {
		for i := range 3 {
			set.identities = append(set.identities, rbac.ServiceAccount(ns, fmt.Sprintf("sa%d", i)))
		}
	}
	set.identities = append(set.identities,
		rbac.Group("g0"), rbac.Group("g4"), rbac.Anonymous(),
		rbac.User("system:kube-scheduler"), rbac.User("system:kube-controller-manager"),
		rbac.ServiceAccount("kube-system", "namespace-controller"),
		rbac.ServiceAccount("other", "sa1"))
	return set
}

// createRBACSet creates the set in the server, several objects at once.
func createRBACSet(t *testing.T, cs kubernetes.Interface, set *rbacSet) {
	t.Helper()
	ctx := context.Background()
	for _, ns := range append(slices.Clone(set.namespaces), "other") {
		if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var creates []func() error
	for _, o := range set.clusterRoles {
		creates = append(creates, func() error { _, err := cs.RbacV1().ClusterRoles().Create(ctx, o, metav1.CreateOptions{}); return err })
	}
	for _, o := range set.roles {
		creates = append(creates, func() error {
			_, err := cs.RbacV1().Roles(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
			return err
		})
	}
	for _, o := range set.clusterBindings {
		creates = append(creates, func() error {
			_, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, o, metav1.CreateOptions{})
			return err
		})
	}
	for _, o := range set.roleBindings {
		creates = append(creates, func() error {
			_, err := cs.RbacV1().RoleBindings(o.Namespace).Create(ctx, o, metav1.CreateOptions{})
			return err
		})
	}
	errs := make([]error, len(creates))
	var wg sync.WaitGroup
	next := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range next {
				errs[i] = creates[i]()
			}
		})
	}
	for i := range creates {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("creating the RBAC set: %v", err)
		}
	}
}

// waitAggregated waits until the controller has filled every aggregated
// ClusterRole with what the engine computes from the rules as written,
// and fails with the differences if it does not within half a minute.
func waitAggregated(t *testing.T, cs kubernetes.Interface) {
	t.Helper()
	start := time.Now()
	deadline := start.Add(30 * time.Second)
	for {
		list, err := cs.RbacV1().ClusterRoles().List(context.Background(), metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var objs []*cluster.Object
		for i := range list.Items {
			cr := &list.Items[i]
			objs = append(objs, &cluster.Object{ID: cluster.ObjectID{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole", Name: cr.Name}, Typed: cr, Meta: cr})
		}
		bad := aggregationMismatches(objs)
		if len(bad) == 0 {
			roles, rules := 0, 0
			for _, cr := range list.Items {
				if cr.AggregationRule != nil {
					roles++
					rules += len(cr.Rules)
				}
			}
			t.Logf("the controller aggregated %d ClusterRoles (%d rules) as the engine computes them, after %s", roles, rules, time.Since(start).Round(time.Millisecond))
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the aggregated ClusterRoles did not reach the rules the engine computes:\n%s", strings.Join(bad, "\n"))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// aggregationMismatches compares the rules stored in every aggregated
// ClusterRole of objects with the rules the engine computes for it from
// the other roles alone (every aggregated role's stored rules removed):
// the same rules in the same order, as the controller writes them.
func aggregationMismatches(objects []*cluster.Object) []string {
	var stripped []*cluster.Object
	stored := map[string][]rbacv1.PolicyRule{}
	for _, o := range objects {
		cr, ok := o.Typed.(*rbacv1.ClusterRole)
		if !ok || cr.AggregationRule == nil {
			stripped = append(stripped, o)
			continue
		}
		stored[cr.Name] = cr.Rules
		c := cr.DeepCopy()
		c.Rules = nil
		stripped = append(stripped, &cluster.Object{ID: o.ID, Typed: c, Meta: c})
	}
	m := rbac.Build(cluster.NewSnapshot(stripped))
	var bad []string
	for name, want := range stored {
		role := m.Role("", name)
		var got []rbacv1.PolicyRule
		for _, sr := range role.Rules {
			got = append(got, sr.Rule)
		}
		if !equality.Semantic.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
			bad = append(bad, fmt.Sprintf("  ClusterRole %s: stored %d rules, engine %d:\n    stored %v\n    engine %v", name, len(want), len(got), compactRules(want), compactRules(got)))
		}
	}
	slices.Sort(bad)
	return bad
}

func compactRules(rules []rbacv1.PolicyRule) string {
	var out []string
	for _, r := range rules {
		out = append(out, rbac.DescribeRule(r))
	}
	return strings.Join(out, "; ")
}

// waitAuthorizerCaught waits until the server's authorizer has seen every
// object created: the API server authorizes from informer caches, which
// trail the writes. It writes one more Role, ClusterRole and binding of
// each kind, after everything else, and asks until they count; each
// informer delivers its kind in order, so the rest is seen by then.
func waitAuthorizerCaught(t *testing.T, cs kubernetes.Interface, set *rbacSet) {
	t.Helper()
	ctx := context.Background()
	ns := set.namespaces[0]
	rule := []rbacv1.PolicyRule{{Verbs: []string{"get"}, APIGroups: []string{"oracle.palisade.dev"}, Resources: []string{"sentinels"}}}
	who := []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "oracle-sentinel"}}
	steps := []func() error{
		func() error {
			_, err := cs.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "oracle-sentinel"}, Rules: rule}, metav1.CreateOptions{})
			return err
		},
		func() error {
			_, err := cs.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "oracle-sentinel"}, Rules: rule}, metav1.CreateOptions{})
			return err
		},
		func() error {
			_, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "oracle-sentinel"},
				RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "oracle-sentinel"}, Subjects: who}, metav1.CreateOptions{})
			return err
		},
		func() error {
			_, err := cs.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "oracle-sentinel"},
				RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "oracle-sentinel"},
				Subjects: []rbacv1.Subject{{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: "oracle-sentinel-ns"}}}, metav1.CreateOptions{})
			return err
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, tu := range []oracleTuple{
		{subject: rbac.User("oracle-sentinel"), req: rbac.Request{Verb: "get", APIGroup: "oracle.palisade.dev", Resource: "sentinels"}},
		{subject: rbac.User("oracle-sentinel-ns"), req: rbac.Request{Verb: "get", APIGroup: "oracle.palisade.dev", Resource: "sentinels", Namespace: ns}},
	} {
		for !askServer(t, cs, []oracleTuple{tu})[0].Allowed {
			if time.Now().After(deadline) {
				t.Fatalf("the authorizer never allowed %s", describeTuple(tu))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// oracleTuple is one question: may the subject make the request. whoCan
// is, for the requests asked of every subject, the 1-based index of the
// request in the WhoCan sample.
type oracleTuple struct {
	subject rbac.Subject
	req     rbac.Request
	whoCan  int
}

func describeTuple(tu oracleTuple) string {
	r := tu.req
	who := fmt.Sprintf("user %q groups %q", tu.subject.User, tu.subject.Groups)
	if r.IsNonResource() {
		return fmt.Sprintf("%s: %s %s", who, r.Verb, r.Path)
	}
	return fmt.Sprintf("%s: %s group=%q resource=%q subresource=%q namespace=%q name=%q", who, r.Verb, r.APIGroup, r.Resource, r.Subresource, r.Namespace, r.Name)
}

// askServer asks the API server a SubjectAccessReview for each tuple,
// several at once.
func askServer(t *testing.T, cs kubernetes.Interface, tuples []oracleTuple) []authorizationv1.SubjectAccessReviewStatus {
	t.Helper()
	out := make([]authorizationv1.SubjectAccessReviewStatus, len(tuples))
	errs := make([]error, len(tuples))
	next := make(chan int)
	var wg sync.WaitGroup
	for range oracleSARWorkers {
		wg.Go(func() {
			for i := range next {
				tu := tuples[i]
				sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{User: tu.subject.User, Groups: tu.subject.Groups}}
				if tu.req.IsNonResource() {
					sar.Spec.NonResourceAttributes = &authorizationv1.NonResourceAttributes{Verb: tu.req.Verb, Path: tu.req.Path}
				} else {
					sar.Spec.ResourceAttributes = &authorizationv1.ResourceAttributes{
						Verb: tu.req.Verb, Group: tu.req.APIGroup, Resource: tu.req.Resource, Subresource: tu.req.Subresource,
						Namespace: tu.req.Namespace, Name: tu.req.Name,
					}
				}
				res, err := cs.AuthorizationV1().SubjectAccessReviews().Create(context.Background(), sar, metav1.CreateOptions{})
				if err != nil {
					errs[i] = err
					continue
				}
				out[i] = res.Status
			}
		})
	}
	for i := range tuples {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("SubjectAccessReview for %s: %v", describeTuple(tuples[i]), err)
		}
	}
	return out
}

// oracleBindings returns the bindings of the model that grant something,
// the generated ones and the built-in ones alike.
func oracleBindings(m *rbac.Model, clusterOnly bool) []*rbac.Binding {
	var out []*rbac.Binding
	for _, b := range m.Bindings() {
		if len(b.Rules) > 0 && (!clusterOnly || b.IsClusterRoleBinding()) {
			out = append(out, b)
		}
	}
	return out
}

// subjectsNamed returns the identities a binding names.
func subjectsNamed(b *rbac.Binding, identities []rbac.Subject) []rbac.Subject {
	var out []rbac.Subject
	subs, _ := b.HolderSubjects()
	for _, id := range identities {
		for _, s := range subs {
			if (rbac.Holder{Subject: s}).Includes(id) {
				out = append(out, id)
				break
			}
		}
	}
	return out
}

// drawResourceTuple draws a resource request: three in four from a rule
// of a binding, asked of a subject the binding names (half of those then
// changed in one field), the rest at random.
func drawResourceTuple(rng *rand.Rand, m *rbac.Model, set *rbacSet) oracleTuple {
	tu := oracleTuple{subject: pickOne(rng, set.identities), req: randomResourceRequest(rng, set)}
	if rng.IntN(4) == 0 {
		return tu
	}
	b := pickOne(rng, oracleBindings(m, false))
	var resourceRules []rbacv1.PolicyRule
	for _, sr := range b.Rules {
		if len(sr.Rule.Resources) > 0 {
			resourceRules = append(resourceRules, sr.Rule)
		}
	}
	if len(resourceRules) == 0 {
		return tu
	}
	rule := pickOne(rng, resourceRules)
	r := rbac.Request{Verb: pickOne(rng, rule.Verbs), APIGroup: pickOne(rng, rule.APIGroups)}
	if r.Verb == "*" {
		r.Verb = pickOne(rng, oracleVerbs)
	}
	if r.APIGroup == "*" {
		r.APIGroup = pickOne(rng, oracleReqGroups)
	}
	res := pickOne(rng, rule.Resources)
	switch {
	case res == "*":
		r.Resource, r.Subresource = pickOne(rng, oracleReqRes), pickOne(rng, oracleSubres)
	case strings.HasPrefix(res, "*/"):
		r.Resource, r.Subresource = pickOne(rng, oracleReqRes), strings.TrimPrefix(res, "*/")
	default:
		r.Resource, r.Subresource, _ = strings.Cut(res, "/")
	}
	switch {
	case len(rule.ResourceNames) > 0 && rng.IntN(4) > 0:
		r.Name = pickOne(rng, rule.ResourceNames)
	default:
		r.Name = pickOne(rng, oracleNames)
	}
	if b.Namespace != "" {
		r.Namespace = b.Namespace
	} else {
		r.Namespace = pickOne(rng, append([]string{"", "other"}, set.namespaces...))
	}
	if rng.IntN(2) == 0 {
		switch rng.IntN(6) {
		case 0:
			r.Verb = pickOne(rng, oracleVerbs)
		case 1:
			r.APIGroup = pickOne(rng, oracleReqGroups)
		case 2:
			r.Resource = pickOne(rng, oracleReqRes)
		case 3:
			r.Subresource = pickOne(rng, oracleSubres)
		case 4:
			r.Name = pickOne(rng, oracleNames)
		default:
			r.Namespace = pickOne(rng, append([]string{"", "other"}, set.namespaces...))
		}
	}
	tu.req = r
	if named := subjectsNamed(b, set.identities); len(named) > 0 {
		tu.subject = pickOne(rng, named)
	}
	return tu
}

func randomResourceRequest(rng *rand.Rand, set *rbacSet) rbac.Request {
	return rbac.Request{
		Verb: pickOne(rng, oracleVerbs), APIGroup: pickOne(rng, oracleReqGroups),
		Resource: pickOne(rng, oracleReqRes), Subresource: pickOne(rng, oracleSubres),
		Namespace: pickOne(rng, append([]string{"", "other"}, set.namespaces...)), Name: pickOne(rng, oracleNames),
	}
}

// drawNonResourceTuple draws a non-resource request: half from a URL rule
// of a ClusterRoleBinding (the path under a "*" varied, the verb at times
// changed), the rest at random.
func drawNonResourceTuple(rng *rand.Rand, m *rbac.Model, set *rbacSet) oracleTuple {
	tu := oracleTuple{subject: pickOne(rng, set.identities), req: rbac.Request{Verb: pickOne(rng, oracleHTTPVerbs), Path: pickOne(rng, oraclePaths)}}
	if rng.IntN(2) == 0 {
		return tu
	}
	var candidates []*rbac.Binding
	for _, b := range oracleBindings(m, true) {
		for _, sr := range b.Rules {
			if len(sr.Rule.NonResourceURLs) > 0 {
				candidates = append(candidates, b)
				break
			}
		}
	}
	b := pickOne(rng, candidates)
	var urlRules []rbacv1.PolicyRule
	for _, sr := range b.Rules {
		if len(sr.Rule.NonResourceURLs) > 0 {
			urlRules = append(urlRules, sr.Rule)
		}
	}
	rule := pickOne(rng, urlRules)
	path := pickOne(rng, rule.NonResourceURLs)
	if prefix, ok := strings.CutSuffix(path, "*"); ok {
		path = prefix + pickOne(rng, []string{"", "x", "/a/b", "z"})
		if path == "" {
			path = pickOne(rng, oraclePaths)
		}
	}
	verb := pickOne(rng, rule.Verbs)
	if verb == "*" || rng.IntN(4) == 0 {
		verb = pickOne(rng, oracleHTTPVerbs)
	}
	tu.req = rbac.Request{Verb: verb, Path: path}
	if named := subjectsNamed(b, set.identities); len(named) > 0 {
		tu.subject = pickOne(rng, named)
	}
	return tu
}
