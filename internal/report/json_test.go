package report

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func TestJSONRoundTrips(t *testing.T) {
	tests := []struct {
		name   string
		report *Report
	}{
		{"sample", sampleReport()},
		{"empty", emptyReport()},
		{"zero", &Report{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := render(t, "json", Options{}, tt.report)
			var got jsonReport
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields() // every field written is a field of the schema
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("decoding: %v\n%s", err, b)
			}
			r := tt.report
			if got.SchemaVersion != "palisade.dev/report/v1" {
				t.Errorf("schemaVersion %q", got.SchemaVersion)
			}
			if !got.GeneratedAt.Equal(r.GeneratedAt) || got.GeneratedAt.Location() != time.UTC {
				t.Errorf("generatedAt %v, want %v in UTC", got.GeneratedAt, r.GeneratedAt)
			}
			want := jsonReport{
				SchemaVersion: SchemaVersion, Tool: r.Tool, GeneratedAt: got.GeneratedAt,
				Inputs: nonNil(r.Inputs), Objects: r.Objects, Summary: r.Summarize(),
				Findings: nonNil(r.Findings), InputErrors: nonNil(r.InputErrors), Notices: nonNil(r.Notices),
				ExpiredWaivers: nonNil(r.ExpiredWaivers), Checks: nonNil(r.Checks),
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round trip differs:\n got %+v\nwant %+v", got, want)
			}
			// and writing what was read gives the same bytes
			again := render(t, "json", Options{}, &Report{
				Tool: got.Tool, GeneratedAt: got.GeneratedAt, Inputs: got.Inputs, Objects: got.Objects,
				Checks: got.Checks, Findings: got.Findings, InputErrors: got.InputErrors, Notices: got.Notices, ExpiredWaivers: got.ExpiredWaivers,
			})
			if !bytes.Equal(again, b) {
				t.Errorf("re-encoding changed the document:\n%s\n---\n%s", b, again)
			}
		})
	}
}

func TestJSONEmptyListsAreArrays(t *testing.T) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(render(t, "json", Options{}, &Report{}), &doc); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ field, want string }{
		{"inputs", "[]"},
		{"findings", "[]"},
		{"inputErrors", "[]"},
		{"notices", "[]"},
		{"expiredWaivers", "[]"},
		{"checks", "[]"},
		{"objects", "0"},
	}
	for _, tt := range tests {
		if got := string(doc[tt.field]); got != tt.want {
			t.Errorf("%s = %s, want %s", tt.field, got, tt.want)
		}
	}
	var sum map[string]json.RawMessage
	if err := json.Unmarshal(doc["summary"], &sum); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"bySeverity", "byVector", "byStrategy"} {
		if got := string(bytes.Join(bytes.Fields(sum[k]), nil)); got != "{}" {
			t.Errorf("summary.%s = %s, want {}", k, sum[k])
		}
	}
}

func TestJSONNamesSeverities(t *testing.T) {
	var doc struct {
		Summary struct {
			BySeverity map[string]int `json:"bySeverity"`
		} `json:"summary"`
		Findings []struct {
			Severity    string          `json:"severity"`
			Suppression json.RawMessage `json:"suppression"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(render(t, "json", Options{}, sampleReport()), &doc); err != nil {
		t.Fatal(err)
	}
	want := []string{"critical", "high", "high", "medium", "low", "low"}
	for i, f := range doc.Findings {
		if f.Severity != want[i] {
			t.Errorf("finding %d severity %q, want %q", i, f.Severity, want[i])
		}
		if (len(f.Suppression) > 0) != (i == 2 || i == 5) {
			t.Errorf("finding %d suppression %s", i, f.Suppression)
		}
	}
	// suppressed findings are counted apart, not by severity
	if got := doc.Summary.BySeverity; !reflect.DeepEqual(got, map[string]int{"critical": 1, "high": 1, "medium": 1, "low": 1}) {
		t.Errorf("bySeverity %v", got)
	}
}

// TestJSONStreamingMatchesEncoder: the streamed report is byte for byte what
// encoding/json writes for the documented jsonReport struct.
func TestJSONStreamingMatchesEncoder(t *testing.T) {
	many := sampleReport()
	for len(many.Findings) < 5000 { // several windows of parallel chunks
		many.Findings = append(many.Findings, many.Findings...)
	}
	for name, r := range map[string]*Report{"sample": sampleReport(), "empty": {}, "many": many} {
		var streamed, encoded bytes.Buffer
		if err := writeJSON(&streamed, r); err != nil {
			t.Fatal(err)
		}
		enc := json.NewEncoder(&encoded)
		enc.SetIndent("", "  ")
		if err := enc.Encode(jsonReport{
			SchemaVersion: SchemaVersion, Tool: r.Tool, GeneratedAt: r.GeneratedAt.UTC(), Inputs: nonNil(r.Inputs),
			Objects: r.Objects, Summary: r.Summarize(), Findings: nonNil(r.Findings), InputErrors: nonNil(r.InputErrors),
			Notices: nonNil(r.Notices), ExpiredWaivers: nonNil(r.ExpiredWaivers), Checks: nonNil(r.Checks),
		}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(streamed.Bytes(), encoded.Bytes()) {
			t.Errorf("%s: streamed JSON differs from encoding/json:\n%s\n---\n%s", name, streamed.String(), encoded.String())
		}
	}
}
