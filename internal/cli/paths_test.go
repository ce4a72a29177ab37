package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// runPaths runs palisade paths in process.
func runPaths(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return run(t, "", append([]string{"paths"}, args...)...)
}

const tesla = "../../examples/tesla-2018"

func TestPathsTable(t *testing.T) {
	code, out, errOut := runPaths(t, tesla)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"Fixes that close most paths:",
		"Internet → service/kubernetes-dashboard -n kube-system (LoadBalancer) → deployment.apps/kubernetes-dashboard -n kube-system → ServiceAccount kube-system/kubernetes-dashboard → cluster-admin",
		"[runs-as T1078]",
		"finding: exposure/dashboard-skip-login deployment.apps/kubernetes-dashboard -n kube-system spec.template.spec.containers[0].args[1]",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}

func TestPathsJSONAndTo(t *testing.T) {
	code, out, errOut := runPaths(t, tesla, "-o", "json", "--to", "cluster-admin")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var res struct {
		Paths []struct {
			ID     string `json:"id"`
			Target string `json:"target"`
			Steps  []struct {
				Kind      string `json:"kind"`
				Technique string `json:"technique"`
			} `json:"steps"`
		} `json:"paths"`
		Cuts []struct {
			Fix   string   `json:"fix"`
			Paths []string `json:"paths"`
		} `json:"cuts"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(res.Paths) == 0 || len(res.Cuts) == 0 {
		t.Fatalf("want paths and cuts, got %s", out)
	}
	for _, p := range res.Paths {
		if p.Target != "cluster-admin" || !strings.HasPrefix(p.ID, "ap-") || len(p.Steps) == 0 || p.Steps[0].Technique == "" {
			t.Errorf("path %+v", p)
		}
	}
}

func TestPathsDiagrams(t *testing.T) {
	for format, want := range map[string]string{
		"dot":     "digraph attackpaths {",
		"mermaid": "flowchart LR",
		"svg":     "<svg",
		"html":    `<section id="attack-paths">`,
	} {
		code, out, errOut := runPaths(t, "../../examples/capital-one", "-o", format)
		if code != ExitOK {
			t.Fatalf("-o %s: exit %d: %s", format, code, errOut)
		}
		if !strings.Contains(out, want) || !strings.Contains(out, "111122223333") {
			t.Errorf("-o %s: want %q and the role in:\n%.2000s", format, want, out)
		}
	}
}

func TestPathsBadFlags(t *testing.T) {
	for _, args := range [][]string{{tesla, "-o", "xml"}, {tesla, "--to", "moon"}, {tesla, "--from", "pod"},
		{tesla, "--from", "sa:kube-system:nobody"}, {tesla, "--from", "10.0.0.0/8"}, {tesla, "--from", "kube-system/nothing"}} {
		if code, _, _ := runPaths(t, args...); code != ExitInput {
			t.Errorf("%v: exit %d, want %d", args, code, ExitInput)
		}
	}
}

func TestScanAttackPaths(t *testing.T) {
	findingPaths := func(args ...string) (n int, notices string) {
		t.Helper()
		code, out, errOut := run(t, "", append([]string{"scan", tesla, "-o", "json"}, args...)...)
		if code != ExitOK {
			t.Fatalf("scan %v: exit %d: %s", args, code, errOut)
		}
		var rep struct {
			Findings []struct {
				Paths []string `json:"paths"`
			} `json:"findings"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		for _, f := range rep.Findings {
			if len(f.Paths) > 0 {
				n++
			}
		}
		return n, errOut
	}
	if n, _ := findingPaths(); n == 0 {
		t.Error("scan (--attack-paths=auto, a small input) marked no finding as on an attack path")
	}
	if n, _ := findingPaths("--attack-paths=on"); n == 0 {
		t.Error("--attack-paths=on marked no finding")
	}
	if n, _ := findingPaths("--attack-paths=off"); n != 0 {
		t.Errorf("--attack-paths=off marked %d findings", n)
	}
	if code, _, errOut := run(t, "", "scan", tesla, "--attack-paths=maybe"); code != ExitInput || !strings.Contains(errOut, "auto, on or off") {
		t.Errorf("--attack-paths=maybe: exit %d, %q", code, errOut)
	}
}

// TestPathsFrom: --from a workload assumed compromised, and a
// ServiceAccount whose token is assumed stolen.
func TestPathsFrom(t *testing.T) {
	for from, want := range map[string]string{
		"kube-system/kubernetes-dashboard":            "deployment.apps/kubernetes-dashboard -n kube-system → ServiceAccount kube-system/kubernetes-dashboard → cluster-admin",
		"kube-system/deployment/kubernetes-dashboard": "deployment.apps/kubernetes-dashboard -n kube-system → ServiceAccount kube-system/kubernetes-dashboard → cluster-admin",
		"sa:kube-system:kubernetes-dashboard":         "ServiceAccount kube-system/kubernetes-dashboard → cluster-admin",
	} {
		code, out, errOut := runPaths(t, tesla, "--from", from, "--to", "cluster-admin")
		if code != ExitOK {
			t.Fatalf("--from %s: exit %d: %s", from, code, errOut)
		}
		if !strings.Contains(out, "\n  "+want+"\n") || strings.Contains(out, "Internet →") {
			t.Errorf("--from %s: want %q in:\n%s", from, want, out)
		}
	}
	// The miner reaches the dashboard over the network, like anyone.
	code, out, _ := runPaths(t, tesla, "--from", "default/kube-metrics-helper", "--to", "cluster-admin")
	if code != ExitOK || !strings.Contains(out, "\n  deployment.apps/kube-metrics-helper -n default → deployment.apps/kubernetes-dashboard -n kube-system → ServiceAccount kube-system/kubernetes-dashboard → cluster-admin\n") {
		t.Errorf("from the miner: exit %d\n%s", code, out)
	}
	code, out, _ = runPaths(t, tesla, "--from", "sa:default:default", "--to", "cluster-admin")
	if code != ExitOK || !strings.Contains(out, "No attack path from ServiceAccount default/default to a target.") {
		t.Errorf("default/default may do nothing: exit %d\n%s", code, out)
	}
}
