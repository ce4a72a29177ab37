package workload

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/checks/checktest"
)

// want is one expected finding: its exact field path and substrings its
// message must hold.
type want struct {
	field string
	msg   []string
}

// testCase is one row of a check's table.
type testCase struct {
	name string
	yaml string
	want []want
	// secrets must appear nowhere in any finding.
	secrets []string
}

// runCases runs a check's table: each case must produce exactly the wanted
// findings (in any order), and no finding may carry a listed secret.
func runCases(t *testing.T, id string, cases []testCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := checktest.Run(t, id, nil, tc.yaml)
			expect(t, got, tc.want)
			for _, s := range tc.secrets {
				noSecret(t, got, s)
			}
		})
	}
}

func expect(t *testing.T, got []check.Finding, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Fatalf("got %d findings, want %d:\n%s", len(got), len(wants), dump(got))
	}
	used := make([]bool, len(got))
	for _, w := range wants {
		found := false
		for i, f := range got {
			if used[i] || f.Field != w.field {
				continue
			}
			ok := true
			for _, m := range w.msg {
				ok = ok && strings.Contains(f.Message, m)
			}
			if ok {
				used[i], found = true, true
				break
			}
		}
		if !found {
			t.Errorf("no finding at %s with a message holding %q; got:\n%s", w.field, w.msg, dump(got))
		}
	}
}

// noSecret fails when a secret value appears anywhere in a finding.
func noSecret(t *testing.T, got []check.Finding, secret string) {
	t.Helper()
	for _, f := range got {
		js, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(js), secret) || strings.Contains(fmt.Sprintf("%+v", f), secret) {
			t.Errorf("finding leaks the secret value %q: %s", secret, js)
		}
	}
}

func dump(fs []check.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s %s: %s\n", f.Object, f.Field, f.Message)
	}
	return b.String()
}

// expectFixed applies the fix of every finding of the check over a
// single-object manifest and asserts that the check no longer fires.
func expectFixed(t *testing.T, id, manifest string) {
	t.Helper()
	before := checktest.Run(t, id, nil, manifest)
	if len(before) == 0 {
		t.Fatalf("%s does not fire on the manifest", id)
	}
	js, err := yaml.YAMLToJSON([]byte(manifest))
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	for _, f := range before {
		if len(f.Fix) == 0 {
			t.Fatalf("finding at %s has no fix", f.Field)
		}
		for _, op := range f.Fix {
			if doc, err = applyOp(doc, op); err != nil {
				t.Fatalf("fix %+v does not apply: %v", op, err)
			}
		}
	}
	fixed, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if after := checktest.Run(t, id, nil, string(fixed)); len(after) != 0 {
		t.Errorf("after the fix %s still fires:\n%s\npatched: %s", id, dump(after), fixed)
	}
}

// applyOp applies one add, replace or remove operation (RFC 6902) to a
// decoded JSON document. It is just enough JSON patch for the fixes here.
func applyOp(doc any, op check.PatchOp) (any, error) {
	if !strings.HasPrefix(op.Path, "/") {
		return nil, fmt.Errorf("path %q is not a JSON pointer", op.Path)
	}
	tokens := strings.Split(op.Path[1:], "/")
	for i, tok := range tokens {
		tokens[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
	}
	parent := doc
	for _, tok := range tokens[:len(tokens)-1] {
		switch p := parent.(type) {
		case map[string]any:
			next, ok := p[tok]
			if !ok {
				return nil, fmt.Errorf("%s: %q does not exist", op.Path, tok)
			}
			parent = next
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(p) {
				return nil, fmt.Errorf("%s: bad index %q", op.Path, tok)
			}
			parent = p[i]
		default:
			return nil, fmt.Errorf("%s: %q is not a container", op.Path, tok)
		}
	}
	last := tokens[len(tokens)-1]
	switch p := parent.(type) {
	case map[string]any:
		_, exists := p[last]
		switch op.Op {
		case "add":
			p[last] = op.Value
		case "replace":
			if !exists {
				return nil, fmt.Errorf("%s: nothing to replace", op.Path)
			}
			p[last] = op.Value
		case "remove":
			if !exists {
				return nil, fmt.Errorf("%s: nothing to remove", op.Path)
			}
			delete(p, last)
		default:
			return nil, fmt.Errorf("op %q not supported", op.Op)
		}
		return doc, nil
	case []any:
		// Removing from a list must replace the list in its parent; the
		// fixes here only remove list items, so rebuild the path's parent.
		i, err := strconv.Atoi(last)
		if err != nil || i < 0 || i >= len(p) || op.Op != "remove" {
			return nil, fmt.Errorf("%s: only remove of an existing list item is supported", op.Path)
		}
		shorter := append(append([]any{}, p[:i]...), p[i+1:]...)
		parentPath := op.Path[:strings.LastIndex(op.Path, "/")]
		return applyOp(doc, check.PatchOp{Op: "replace", Path: parentPath, Value: shorter})
	}
	return nil, fmt.Errorf("%s: parent is not a container", op.Path)
}

// TestMetadata holds every check of the package to the same bar: an id in
// the workload area, framework references, a remediation, and a valid
// vector and strategy.
func TestMetadata(t *testing.T) {
	wantIDs := map[string]check.Severity{
		"workload/no-resource-limits":              check.SeverityMedium,
		"workload/writable-root-filesystem":        check.SeverityLow,
		"workload/service-account-token-automount": check.SeverityMedium,
		"workload/secret-in-env":                   check.SeverityHigh,
		"workload/secret-in-configmap":             check.SeverityHigh,
		"workload/sensitive-host-path":             check.SeverityHigh,
		"workload/dangerous-capabilities":          check.SeverityHigh,
		"workload/runs-as-root-uid":                check.SeverityHigh,
		"workload/default-namespace":               check.SeverityLow,
		"workload/share-process-namespace":         check.SeverityMedium,
	}
	seen := 0
	for _, c := range check.Default().All() {
		if !strings.HasPrefix(c.ID, Prefix) {
			continue
		}
		seen++
		t.Run(c.ID, func(t *testing.T) {
			sev, ok := wantIDs[c.ID]
			if !ok {
				t.Fatalf("unexpected check %s: add it to this test", c.ID)
			}
			if c.Severity != sev {
				t.Errorf("severity %s, want %s", c.Severity, sev)
			}
			if err := c.Validate(); err != nil {
				t.Error(err)
			}
			r := c.References
			if len(r.MITRE) == 0 && len(r.CIS) == 0 {
				t.Error("no MITRE ATT&CK or CIS reference")
			}
			if len(r.NSA) == 0 {
				t.Error("no NSA/CISA hardening guide section")
			}
			for _, m := range r.MITRE {
				if !strings.HasPrefix(m, "T1") {
					t.Errorf("MITRE reference %q is not a technique id", m)
				}
			}
			if strings.TrimSpace(c.Remediation) == "" {
				t.Error("no remediation")
			}
			if !strings.Contains(c.Description, "Allowed") {
				t.Error("description does not say which values are allowed")
			}
		})
	}
	if seen != len(wantIDs) {
		t.Errorf("%d workload checks registered, want %d", seen, len(wantIDs))
	}
}

// specPath is where each workload kind keeps its pod spec.
var specPath = map[string]string{
	"Pod":         "spec",
	"Deployment":  "spec.template.spec",
	"StatefulSet": "spec.template.spec",
	"DaemonSet":   "spec.template.spec",
	"Job":         "spec.template.spec",
	"CronJob":     "spec.jobTemplate.spec.template.spec",
}

// workload wraps a pod spec (YAML, unindented) in a manifest of the given
// kind, named "web", in namespace ns ("" for none).
func workload(kind, ns, spec string) string {
	var b strings.Builder
	api := map[string]string{"Pod": "v1", "Job": "batch/v1", "CronJob": "batch/v1"}[kind]
	if api == "" {
		api = "apps/v1"
	}
	fmt.Fprintf(&b, "apiVersion: %s\nkind: %s\nmetadata:\n  name: web\n", api, kind)
	if ns != "" {
		fmt.Fprintf(&b, "  namespace: %s\n", ns)
	}
	b.WriteString("spec:\n")
	depth := 2
	switch kind {
	case "Pod":
	case "CronJob":
		b.WriteString("  schedule: \"0 * * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n")
		depth = 10
	case "Job":
		b.WriteString("  template:\n    spec:\n")
		depth = 6
	default:
		b.WriteString("  selector:\n    matchLabels: {app: web}\n")
		if kind == "StatefulSet" {
			b.WriteString("  serviceName: web\n")
		}
		b.WriteString("  template:\n    metadata:\n      labels: {app: web}\n    spec:\n")
		depth = 6
	}
	pad := strings.Repeat(" ", depth)
	for _, line := range strings.Split(strings.TrimRight(spec, "\n"), "\n") {
		if strings.TrimSpace(line) == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString(pad + line + "\n")
	}
	return b.String()
}

// at is the path of a pod spec field in a workload of that kind.
func at(kind, field string) string { return specPath[kind] + "." + field }

func TestWorkloadHelperDecodes(t *testing.T) {
	for kind := range specPath {
		m := workload(kind, "shop", "containers:\n- name: app\n  image: nginx\n")
		snap := checktest.Snapshot(t, m)
		pts := snap.PodTemplates()
		if len(pts) != 1 || pts[0].SpecPath != specPath[kind] || len(pts[0].Spec.Containers) != 1 {
			t.Errorf("%s: helper manifest does not decode to one pod template at %s:\n%s", kind, specPath[kind], m)
		}
	}
}
