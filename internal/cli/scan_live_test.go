package cli

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
	"github.com/palisade-sec/palisade/internal/source/live"
)

var prodCluster = live.ClusterInfo{Name: "kind-prod", Server: "https://127.0.0.1:6443"}

// liveDeployment is a Deployment as the live source returns it: typed, with
// TypeMeta, and an origin naming the cluster instead of a file.
func liveDeployment() *cluster.Object {
	privileged := true
	d := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web", ResourceVersion: "1234"},
		Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "web", Image: "nginx:1.27",
			SecurityContext: &corev1.SecurityContext{Privileged: &privileged},
		}}}}},
	}
	return &cluster.Object{
		ID:     cluster.ObjectID{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"},
		Typed:  d,
		Meta:   d,
		Origin: cluster.Origin{Cluster: prodCluster.Name, Server: prodCluster.Server, ResourceVersion: "1234"},
	}
}

// fakeLive replaces the live loader for one test and records its options.
func fakeLive(t *testing.T, res *live.Result, err error) *live.Options {
	t.Helper()
	var got live.Options
	saved := loadLive
	loadLive = func(_ context.Context, opts live.Options) (*live.Result, error) {
		got = opts
		return res, err
	}
	t.Cleanup(func() { loadLive = saved })
	return &got
}

type liveReport struct {
	Inputs   []string `json:"inputs"`
	Objects  int      `json:"objects"`
	Findings []struct {
		CheckID  string            `json:"checkID"`
		Position map[string]any    `json:"position"`
		Live     map[string]string `json:"live"`
	} `json:"findings"`
	InputErrors []source.InputError `json:"inputErrors"`
}

func TestScanClusterReportsLiveFindings(t *testing.T) {
	opts := fakeLive(t, &live.Result{Objects: []*cluster.Object{liveDeployment()}, Cluster: prodCluster}, nil)
	code, stdout, stderr := run(t, "", "scan", "--cluster", "--context", "kind-prod", "--kubeconfig", "/k/config",
		"--qps", "7", "--burst", "9", "--request-timeout", "1m", "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := live.Options{Kubeconfig: "/k/config", Context: "kind-prod", QPS: 7, Burst: 9, RequestTimeout: time.Minute}
	if *opts != want {
		t.Errorf("options %+v, want %+v (and no progress: stderr is not a terminal)", *opts, want)
	}
	var rep liveReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("JSON report: %v\n%s", err, stdout)
	}
	if len(rep.Inputs) != 1 || rep.Inputs[0] != "cluster kind-prod (https://127.0.0.1:6443)" || rep.Objects != 1 {
		t.Errorf("inputs %v, objects %d", rep.Inputs, rep.Objects)
	}
	found := false
	for _, f := range rep.Findings {
		if len(f.Position) != 0 {
			t.Errorf("%s: position %v, want {} for a live object", f.CheckID, f.Position)
		}
		if f.Live["cluster"] != "kind-prod" || f.Live["server"] != "https://127.0.0.1:6443" || f.Live["resourceVersion"] != "1234" {
			t.Errorf("%s: live = %v", f.CheckID, f.Live)
		}
		found = found || f.CheckID == "pss/privileged"
	}
	if !found {
		t.Errorf("no pss/privileged finding:\n%s", stdout)
	}

	code, stdout, _ = run(t, "", "scan", "--cluster")
	if code != ExitOK || !strings.Contains(stdout, "cluster kind-prod, resourceVersion 1234") {
		t.Errorf("exit %d; the table does not name the cluster and resourceVersion:\n%s", code, stdout)
	}
}

func TestScanClusterNamespace(t *testing.T) {
	opts := fakeLive(t, &live.Result{Cluster: prodCluster}, nil)
	code, stdout, stderr := run(t, "", "scan", "--cluster", "-n", "shop", "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if opts.Namespace != "shop" || opts.AllNamespaces {
		t.Errorf("options %+v", *opts)
	}
	if !strings.Contains(stdout, `"cluster kind-prod (https://127.0.0.1:6443) -n shop"`) {
		t.Errorf("inputs do not name the namespace:\n%s", stdout)
	}
	run(t, "", "scan", "--cluster", "--namespace", "shop", "-A")
	if !opts.AllNamespaces || opts.Namespace != "shop" {
		t.Errorf("-A not passed on: %+v", *opts)
	}
	// The flags' defaults are the live source's.
	run(t, "", "scan", "--cluster")
	if opts.QPS != live.DefaultQPS || opts.Burst != live.DefaultBurst || opts.RequestTimeout != live.DefaultRequestTimeout {
		t.Errorf("defaults %+v", *opts)
	}
}

func TestScanClusterPartialResultExits2(t *testing.T) {
	fakeLive(t, &live.Result{
		Objects: []*cluster.Object{liveDeployment()},
		Errors: []source.InputError{{File: "cluster kind-prod",
			Message: `list secrets (v1) across all namespaces: forbidden: User "x" cannot list resource "secrets"`}},
		Cluster: prodCluster,
	}, nil)
	code, stdout, stderr := run(t, "", "scan", "--cluster", "-o", "json", "--fail-on", "critical")
	if code != ExitInput {
		t.Fatalf("exit %d, want %d (partial result)", code, ExitInput)
	}
	var rep liveReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.InputErrors) != 1 || rep.InputErrors[0].File != "cluster kind-prod" || len(rep.Findings) == 0 {
		t.Errorf("input errors %+v, %d findings: the rest must still be judged", rep.InputErrors, len(rep.Findings))
	}
	if !strings.Contains(stderr, `palisade: cluster kind-prod: list secrets (v1) across all namespaces: forbidden`) {
		t.Errorf("stderr does not name the failed kind:\n%s", stderr)
	}
}

// liveKubeletConfig is a node's kubelet configuration as the live source
// returns it: read from configz, named after the node.
func liveKubeletConfig(node string, mode kubeletv1beta1.KubeletAuthorizationMode) *cluster.Object {
	cfg := &kubeletv1beta1.KubeletConfiguration{
		TypeMeta:      metav1.TypeMeta{APIVersion: "kubelet.config.k8s.io/v1beta1", Kind: "KubeletConfiguration"},
		Authorization: kubeletv1beta1.KubeletAuthorization{Mode: mode},
	}
	return &cluster.Object{
		ID:     cluster.ObjectID{APIVersion: "kubelet.config.k8s.io/v1beta1", Kind: "KubeletConfiguration", Name: node},
		Typed:  cfg,
		Meta:   &metav1.ObjectMeta{Name: node},
		Origin: cluster.Origin{Cluster: prodCluster.Name, Server: prodCluster.Server, ResourceVersion: "77"},
	}
}

func TestScanClusterJudgesKubeletConfiguration(t *testing.T) {
	fakeLive(t, &live.Result{Objects: []*cluster.Object{liveKubeletConfig("node-1", kubeletv1beta1.KubeletAuthorizationModeAlwaysAllow)}, Cluster: prodCluster}, nil)
	code, stdout, stderr := run(t, "", "scan", "--cluster", "-o", "json", "--fail-on", "critical")
	if code != ExitFindings {
		t.Fatalf("exit %d, want %d: %s", code, ExitFindings, stderr)
	}
	var rep liveReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range rep.Findings {
		if f.CheckID == "node/kubelet-authorization-mode" {
			found = true
			if f.Live["cluster"] != "kind-prod" || f.Live["resourceVersion"] != "77" {
				t.Errorf("live = %v", f.Live)
			}
		}
	}
	if !found {
		t.Errorf("node/kubelet-authorization-mode did not fire on a live AlwaysAllow kubelet:\n%s", stdout)
	}
}

// A notice (kubelet configuration not read) goes to standard error and is
// not an input error: the status is not 2.
func TestScanClusterNoticesAreNotInputErrors(t *testing.T) {
	notice := "kubelet configuration not read (get nodes/proxy is not granted): the kubelet checks are not assessed in live mode; " +
		"run `palisade node --root /` on a node, or grant it (deploy/rbac-readonly.yaml, commented)"
	fakeLive(t, &live.Result{
		Objects: []*cluster.Object{liveKubeletConfig("node-1", kubeletv1beta1.KubeletAuthorizationModeWebhook)},
		Notices: []string{notice, "kubelet configuration of 1 of 2 nodes not read, so the kubelet checks do not assess them: node-2 (502 Bad Gateway)"},
		Cluster: prodCluster,
	}, nil)
	code, stdout, stderr := run(t, "", "scan", "--cluster", "-o", "json", "--fail-on", "critical")
	if code != ExitOK {
		t.Fatalf("exit %d, want %d: notices do not make the result partial\n%s", code, ExitOK, stderr)
	}
	for _, want := range []string{"palisade: cluster kind-prod: " + notice + "\n", "palisade: cluster kind-prod: kubelet configuration of 1 of 2 nodes not read"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	var rep liveReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("JSON report: %v\n%s", err, stdout)
	}
	if len(rep.InputErrors) != 0 {
		t.Errorf("input errors %+v", rep.InputErrors)
	}
}

func TestScanClusterUnreachable(t *testing.T) {
	fakeLive(t, nil, errors.New("cannot reach cluster kind-prod at https://127.0.0.1:6443: connection refused — check it is running"))
	code, stdout, stderr := run(t, "", "scan", "--cluster")
	if code != ExitInput || stdout != "" || !strings.Contains(stderr, "palisade: cannot reach cluster kind-prod") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestScanClusterUsageErrors(t *testing.T) {
	fakeLive(t, &live.Result{Cluster: prodCluster}, nil)
	dir := writeFiles(t, map[string]string{"pod.yaml": privilegedPod})
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"PATH and --cluster", []string{"scan", "--cluster", dir}, "either PATH... or --cluster, not both"},
		{"--context without --cluster", []string{"scan", dir, "--context", "prod"}, "--context applies to a live cluster: add --cluster"},
		{"-A without --cluster", []string{"scan", dir, "-A"}, "--all-namespaces applies to a live cluster"},
		{"--values with --cluster", []string{"scan", "--cluster", "-f", "v.yaml"}, "-f/--values applies to Helm charts"},
		{"zero qps", []string{"scan", "--cluster", "--qps", "0"}, "--qps must be above 0"},
		{"zero burst", []string{"scan", "--cluster", "--burst", "0"}, "--burst must be above 0"},
		{"negative timeout", []string{"scan", "--cluster", "--request-timeout", "-1s"}, "--request-timeout must be above 0"},
		{"bad --fail-on", []string{"scan", "--cluster", "--fail-on", "severe"}, "--fail-on"},
		{"nothing to scan", []string{"scan"}, "or --cluster"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := run(t, "", tt.args...)
			if code != ExitInput || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, ExitInput, tt.want)
			}
		})
	}
}

// The real loader, up to the point where it would connect: a kubeconfig
// that cannot be used is a clear error and exit 2.
func TestScanClusterBadKubeconfig(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	if err := os.WriteFile(cfg, []byte(`apiVersion: v1
kind: Config
current-context: kind-prod
contexts:
- name: kind-prod
  context: {cluster: prod, user: admin}
clusters:
- name: prod
  cluster: {server: "https://127.0.0.1:6443"}
users:
- name: admin
  user: {token: not-a-real-token}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"missing file", []string{"--kubeconfig", filepath.Join(dir, "nope")}, []string{"nope", "--kubeconfig"}},
		{"unknown context", []string{"--kubeconfig", cfg, "--context", "staging"}, []string{`context "staging" is not in kubeconfig`, "kind-prod", "--context"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, "", append([]string{"scan", "--cluster"}, tt.args...)...)
			if code != ExitInput || stdout != "" {
				t.Errorf("exit %d, stdout %q", code, stdout)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q lacks %q", stderr, w)
				}
			}
		})
	}
}

func TestScanHelpMentionsCluster(t *testing.T) {
	_, stdout, _ := run(t, "", "scan", "--help")
	for _, want := range []string{"--cluster", "--kubeconfig", "--context", "-n, --namespace", "-A, --all-namespaces", "--qps", "--burst", "--request-timeout", "rbac-readonly.yaml", "nodes/NAME/proxy/configz"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}
