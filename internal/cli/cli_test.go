package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const privilegedPod = `apiVersion: v1
kind: Pod
metadata: {name: root, namespace: shop}
spec:
  containers:
  - name: c
    image: c:1
    securityContext: {privileged: true}
`

// run runs the command line in process.
func run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestScanExitStatus(t *testing.T) {
	dir := writeFiles(t, map[string]string{"pod.yaml": privilegedPod, "broken/bad.yaml": "apiVersion: v1\nkind: [oops\n"})
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"findings, no --fail-on", []string{"scan", filepath.Join(dir, "pod.yaml")}, ExitOK},
		{"findings at or above --fail-on", []string{"scan", filepath.Join(dir, "pod.yaml"), "--fail-on", "critical"}, ExitFindings},
		{"input error wins", []string{"scan", dir, "--fail-on", "critical"}, ExitInput},
		{"bad severity", []string{"scan", dir, "--fail-on", "severe"}, ExitInput},
		{"no path", []string{"scan"}, ExitInput},
		{"unknown format", []string{"scan", dir, "-o", "pdf"}, ExitInput},
		{"missing file", []string{"scan", filepath.Join(dir, "nope.yaml")}, ExitInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, _, stderr := run(t, "", tt.args...); code != tt.want {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.want, stderr)
			}
		})
	}
}

func TestScanInputErrorStillScansTheRest(t *testing.T) {
	dir := writeFiles(t, map[string]string{"a.yaml": privilegedPod, "b.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: x\n"})
	code, stdout, stderr := run(t, "", "scan", dir, "-o", "json")
	if code != ExitInput {
		t.Fatalf("exit %d, want %d", code, ExitInput)
	}
	var rep struct {
		Findings []struct {
			CheckID string `json:"checkID"`
		} `json:"findings"`
		InputErrors []struct {
			File string `json:"file"`
			Line int    `json:"line"`
		} `json:"inputErrors"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("JSON report: %v\n%s", err, stdout)
	}
	if len(rep.InputErrors) != 1 || !strings.HasSuffix(rep.InputErrors[0].File, "b.yaml") || rep.InputErrors[0].Line == 0 {
		t.Errorf("input errors = %+v", rep.InputErrors)
	}
	found := false
	for _, f := range rep.Findings {
		found = found || f.CheckID == "pss/privileged"
	}
	if !found {
		t.Error("a.yaml was not scanned after b.yaml failed")
	}
	if !strings.Contains(stderr, "b.yaml:3") {
		t.Errorf("stderr does not name the file and line: %s", stderr)
	}
}

func TestScanStdinAndSeveralOutputs(t *testing.T) {
	dir := t.TempDir()
	sarif := filepath.Join(dir, "out.sarif")
	code, stdout, stderr := run(t, privilegedPod, "scan", "-", "-o", "sarif", "--output-file", sarif, "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(sarif)
	if err != nil || !bytes.Contains(data, []byte(`"pss/privileged"`)) {
		t.Fatalf("SARIF file: %v\n%s", err, data)
	}
	if !strings.Contains(stdout, `"schemaVersion"`) || !strings.Contains(stdout, `"file": "-"`) {
		t.Errorf("JSON on stdout lacks the stdin finding:\n%s", stdout)
	}
}

func TestTwoReportsOnStdoutIsAnError(t *testing.T) {
	if code, _, stderr := run(t, privilegedPod, "scan", "-", "-o", "json", "-o", "table"); code != ExitInput || !strings.Contains(stderr, "output-file") {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
}

func TestConfigWaiverSuppressesAndDoesNotFail(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"pod.yaml": privilegedPod,
		"cfg.yaml": "waivers:\n- checks: [\"pss/*\", \"workload/*\", \"supplychain/*\", \"exposure/*\", \"network/*\"]\n  reason: lab cluster\n  owner: sec\n  expires: \"2999-01-01\"\n",
	})
	code, stdout, stderr := run(t, "", "scan", filepath.Join(dir, "pod.yaml"), "--config", filepath.Join(dir, "cfg.yaml"), "--fail-on", "low", "-o", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, `"reason": "lab cluster"`) {
		t.Errorf("waived findings must stay in JSON, marked suppressed:\n%s", stdout)
	}
}

func TestChecksListAndShow(t *testing.T) {
	code, stdout, _ := run(t, "", "checks", "list")
	if code != ExitOK || !strings.Contains(stdout, "pss/privileged") {
		t.Fatalf("checks list: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = run(t, "", "checks", "show", "pss/privileged")
	if code != ExitOK || !strings.Contains(stdout, "Remediation") || !strings.Contains(stdout, "5.2.2") {
		t.Fatalf("checks show: exit %d\n%s", code, stdout)
	}
	if code, _, stderr := run(t, "", "checks", "show", "nope/nope"); code != ExitInput || !strings.Contains(stderr, "checks list") {
		t.Fatalf("unknown check: exit %d, %s", code, stderr)
	}
}
