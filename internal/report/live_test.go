package report

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
)

// liveReport is a scan of a live cluster: findings without a file, each
// naming the cluster and the resourceVersion judged.
func liveReport() *Report {
	live := &check.LiveOrigin{Cluster: "prod", Server: "https://10.0.0.1:6443", ResourceVersion: "1234"}
	privileged := findingOf(metaPrivileged, webDeploy, "spec.template.spec.containers[0].securityContext.privileged",
		cluster.Position{}, `container "web" runs privileged`)
	privileged.Live = live
	wildcard := findingOf(metaWildcard, adminCRB, "", cluster.Position{}, `binds ClusterRole "all" which grants * on *`)
	wildcard.Live = &check.LiveOrigin{Cluster: "prod", Server: "https://10.0.0.1:6443", ResourceVersion: "77"}
	return &Report{
		Tool:     ToolInfo{Name: "palisade", Version: "1.2.3", URI: "https://github.com/palisade-sec/palisade"},
		Inputs:   []string{"cluster prod (https://10.0.0.1:6443)"},
		Objects:  2,
		Checks:   []check.Metadata{metaPrivileged, metaWildcard},
		Findings: []check.Finding{privileged, wildcard},
		InputErrors: []source.InputError{{File: "cluster prod",
			Message: `list secrets (v1) across all namespaces: forbidden: User "x" cannot list resource "secrets"`}},
	}
}

func TestLiveLocation(t *testing.T) {
	tests := []struct {
		f    check.Finding
		want string
	}{
		{check.Finding{Field: "spec.hostPID", Live: &check.LiveOrigin{Cluster: "prod", ResourceVersion: "1234"}},
			"spec.hostPID (cluster prod, resourceVersion 1234)"},
		{check.Finding{Live: &check.LiveOrigin{Cluster: "prod", ResourceVersion: "1234"}}, "cluster prod, resourceVersion 1234"},
		{check.Finding{Live: &check.LiveOrigin{Server: "https://10.0.0.1:6443"}}, "cluster https://10.0.0.1:6443"},
		{check.Finding{Field: "spec.hostPID", Position: cluster.Position{File: "a.yaml", Line: 3, Column: 5}}, "a.yaml:3:5"},
		{check.Finding{Field: "spec.hostPID"}, "spec.hostPID"},
	}
	for _, tt := range tests {
		if got := location(&tt.f); got != tt.want {
			t.Errorf("location(%+v) = %q, want %q", tt.f, got, tt.want)
		}
	}
}

func TestLiveFindingsInEveryFormat(t *testing.T) {
	r := liveReport()
	for _, format := range []string{"table", "markdown", "html", "junit"} {
		out := string(render(t, format, Options{}, r))
		for _, want := range []string{"cluster prod, resourceVersion 1234", "cluster prod, resourceVersion 77"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: lacks %q", format, want)
			}
		}
	}
	table := string(render(t, "table", Options{}, r))
	if !strings.Contains(table, "spec.template.spec.containers[0].securityContext.privileged (cluster prod, resourceVersion 1234)") {
		t.Errorf("table does not give the field with the cluster:\n%s", table)
	}
}

func TestLiveFindingsInJSON(t *testing.T) {
	var got struct {
		Inputs   []string `json:"inputs"`
		Findings []struct {
			Position map[string]any    `json:"position"`
			Live     map[string]string `json:"live"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(render(t, "json", Options{}, liveReport()), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Inputs) != 1 || got.Inputs[0] != "cluster prod (https://10.0.0.1:6443)" {
		t.Errorf("inputs = %v", got.Inputs)
	}
	f := got.Findings[0]
	if len(f.Position) != 0 {
		t.Errorf("position = %v, want {}", f.Position)
	}
	want := map[string]string{"cluster": "prod", "server": "https://10.0.0.1:6443", "resourceVersion": "1234"}
	if len(f.Live) != len(want) {
		t.Errorf("live = %v, want %v", f.Live, want)
	}
	for k, v := range want {
		if f.Live[k] != v {
			t.Errorf("live.%s = %q, want %q", k, f.Live[k], v)
		}
	}

	// Findings from files carry no "live" key at all.
	if strings.Contains(string(render(t, "json", Options{}, sampleReport())), `"live"`) {
		t.Error(`a report of files has a "live" key`)
	}
}

func TestLiveFindingsInSARIF(t *testing.T) {
	log := readSARIF(t, render(t, "sarif", Options{}, liveReport()))
	if err := log.Validate(); err != nil {
		t.Fatalf("schema validation: %v", err)
	}
	res := log.Runs[0].Results
	if len(res) != 2 {
		t.Fatalf("%d results, want 2", len(res))
	}
	for _, r := range res {
		if len(r.Locations) != 1 {
			t.Fatalf("%d locations, want 1", len(r.Locations))
		}
		loc := r.Locations[0]
		if loc.PhysicalLocation != nil {
			t.Errorf("a live finding has a physical location: %+v", loc.PhysicalLocation)
		}
		if len(loc.LogicalLocations) != 1 || loc.LogicalLocations[0].FullyQualifiedName == nil {
			t.Errorf("a live finding lacks its logical location")
		}
		if r.Properties.Properties["cluster"] != "prod" || r.Properties.Properties["server"] != "https://10.0.0.1:6443" {
			t.Errorf("properties = %v", r.Properties.Properties)
		}
	}
	if rv := res[0].Properties.Properties["resourceVersion"]; rv != "1234" {
		t.Errorf("resourceVersion = %v, want 1234", rv)
	}
}
