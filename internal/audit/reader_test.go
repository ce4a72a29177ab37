package audit

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// ev is a small event line.
func ev(id, verb string) string {
	return fmt.Sprintf(`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":%q,"stage":"ResponseComplete","verb":%q,"user":{"username":"alice"}}`, id, verb)
}

type readEvent struct {
	ID        string
	Line, Col int
}

func readAll(t *testing.T, input string, limits Limits) ([]readEvent, *ReadResult) {
	t.Helper()
	var got []readEvent
	res, err := Read("audit.log", strings.NewReader(input), limits, func(e *Event) error {
		got = append(got, readEvent{string(e.AuditID), e.Line, e.Column})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, res
}

func errorLines(res *ReadResult) []string {
	var out []string
	for _, e := range res.Errors {
		out = append(out, e.Error())
	}
	return out
}

func TestReadJSONLinesWithMalformedLines(t *testing.T) {
	input := ev("a", "get") + "\n\n" +
		`{"kind":"Event","auditID":"b","verb":` + "\n" + // cut short
		"not json at all\r\n" +
		ev("c", "list") + "\r\n" +
		`{"auditID":"d","responseStatus":{"code":"200"}}` + "\n" + // wrong type
		`{"kind":"EventList","items":[` + ev("e", "get") + `,` + ev("f", "watch") + `]}` + "\n" +
		ev("g", "get") // no final newline
	got, res := readAll(t, input, Limits{})
	want := []readEvent{{"a", 1, 1}, {"c", 5, 1}, {"e", 7, 30}, {"f", 7, 30 + len(ev("e", "get")) + 1}, {"g", 8, 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events:\n got %v\nwant %v", got, want)
	}
	if res.Events != 5 || res.Malformed != 3 {
		t.Errorf("events %d, malformed %d; want 5 and 3", res.Events, res.Malformed)
	}
	wantErrs := []string{
		`audit.log:3: column 38: malformed audit event: unexpected end of JSON looking for beginning of value`,
		`audit.log:4: column 2: malformed audit event: invalid character 'o' in literal null`,
		`audit.log:6: column 41: malformed audit event: field responseStatus.code: expected a number, found a string`,
	}
	if got := errorLines(res); !reflect.DeepEqual(got, wantErrs) {
		t.Errorf("errors:\n got %q\nwant %q", got, wantErrs)
	}
}

func TestReadPrettyEventList(t *testing.T) {
	input := `{
  "kind": "EventList",
  "apiVersion": "audit.k8s.io/v1",
  "metadata": {},
  "items": [
    {
      "auditID": "a",
      "verb": "get",
      "requestURI": "/api/v1/namespaces/x/secrets?a=[1]&b={"
    },
    {"auditID": "b", "responseStatus": {"code": "x"}},
    {
      "auditID": "c",
      "verb": "list"
    }
  ]
}
{
  "auditID": "d",
  "verb": "delete"
}
[ {"auditID": "e"},
  {"auditID": "f"} ]
`
	got, res := readAll(t, input, Limits{})
	want := []readEvent{{"a", 6, 5}, {"c", 12, 5}, {"d", 18, 1}, {"e", 22, 3}, {"f", 23, 3}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("events:\n got %v\nwant %v", got, want)
	}
	wantErrs := []string{`audit.log:11: malformed audit event (starting on line 11): field responseStatus.code: expected a number, found a string`}
	if got := errorLines(res); !reflect.DeepEqual(got, wantErrs) {
		t.Errorf("errors:\n got %q\nwant %q", got, wantErrs)
	}
}

func TestReadBrokenDocumentStops(t *testing.T) {
	input := "{\n  \"items\": [\n    {\"auditID\": \"a\"},\n    {\"auditID\": \"b\"]\n  ]\n}\n"
	got, res := readAll(t, input, Limits{})
	if len(got) != 1 || got[0].ID != "a" {
		t.Errorf("events %v", got)
	}
	wantErrs := []string{`audit.log:4: malformed JSON document: found ']' where '}' closes the value; the rest of the input was not read`}
	if got := errorLines(res); !reflect.DeepEqual(got, wantErrs) {
		t.Errorf("errors:\n got %q\nwant %q", got, wantErrs)
	}
}

func TestReadGzipAndFiles(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for i := 0; i < 1000; i++ {
		fmt.Fprintln(zw, ev(fmt.Sprint(i), "get"))
	}
	zw.Close()
	path := filepath.Join(dir, "audit.log.1.gz")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	n := 0
	res, err := ReadFile(path, nil, Limits{}, func(e *Event) error {
		n++
		if e.File != path || e.Line != n {
			t.Fatalf("event %d at %s:%d", n, e.File, e.Line)
		}
		return nil
	})
	if err != nil || n != 1000 || res.Events != 1000 {
		t.Fatalf("read %d events (%d counted), err %v", n, res.Events, err)
	}
	if _, err := ReadFile(filepath.Join(dir, "nope.log"), nil, Limits{}, func(*Event) error { return nil }); err == nil {
		t.Error("a missing file is an error")
	}
	if _, err := ReadFile(dir, nil, Limits{}, func(*Event) error { return nil }); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("a directory: %v", err)
	}
	stdin := strings.NewReader(ev("s", "get") + "\n")
	res, err = ReadFile("-", stdin, Limits{}, func(e *Event) error {
		if e.File != "-" {
			t.Errorf("stdin event named %q", e.File)
		}
		return nil
	})
	if err != nil || res.Events != 1 {
		t.Fatalf("stdin: %d events, %v", res.Events, err)
	}
}

func TestReadBoundsLinesAndErrors(t *testing.T) {
	long := `{"auditID":"long","requestURI":"` + strings.Repeat("x", 300<<10) + `"}`
	input := ev("a", "get") + "\n" + long + "\n" + ev("b", "get") + "\n" + strings.Repeat("garbage\n", 10) + ev("c", "get") + "\n"
	got, res := readAll(t, input, Limits{MaxEventBytes: 256 << 10, MaxErrors: 3})
	if len(got) != 3 || got[2].Line != 14 {
		t.Errorf("events %v", got)
	}
	if res.Malformed != 11 {
		t.Errorf("malformed %d, want 11", res.Malformed)
	}
	wantErrs := []string{
		"audit.log:2: line is longer than the 256 KiB limit; it was skipped",
		"audit.log:4: column 1: malformed audit event: invalid character 'g' looking for beginning of value",
		"audit.log:5: column 1: malformed audit event: invalid character 'g' looking for beginning of value",
		"audit.log:6: 8 more malformed lines, up to line 13, are not listed",
	}
	if got := errorLines(res); !reflect.DeepEqual(got, wantErrs) {
		t.Errorf("errors:\n got %q\nwant %q", got, wantErrs)
	}
	// A long line within the limit is read whole.
	ok := `{"auditID":"ok","requestURI":"` + strings.Repeat("y", 600<<10) + `"}`
	got, res = readAll(t, ok+"\n", Limits{})
	if len(got) != 1 || res.Malformed != 0 {
		t.Errorf("long line: %v %+v", got, res)
	}
}

func TestReadCutFirstLineStaysLineByLine(t *testing.T) {
	input := `{"kind":"Event","auditID":"a","verb":"get"` + "\n" + ev("b", "get") + "\n"
	got, res := readAll(t, input, Limits{})
	if len(got) != 1 || got[0].ID != "b" || res.Malformed != 1 || res.Errors[0].Line != 1 {
		t.Errorf("events %v, errors %v", got, errorLines(res))
	}
}

// FuzzRead feeds anything to the reader: it must not panic, and every
// line or event it reads is either an event or counted as malformed.
func FuzzRead(f *testing.F) {
	f.Add([]byte(ev("a", "get") + "\n" + ev("b", "list") + "\n"))
	f.Add([]byte("{\n  \"items\": [\n    {\"auditID\": \"a\"},\n    {\"auditID\": \"b\"}\n  ]\n}\n"))
	f.Add([]byte("[ {\"auditID\": \"e\"},\n {\"auditID\": \"f\"} ]\n"))
	f.Add([]byte("{\"items\":[{\"verb\":1},{\"verb\":\"get\"}]}\n{\n \"a\": [\"]\"]\n}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		res, err := Read("f", bytes.NewReader(data), Limits{MaxEventBytes: 1 << 12, MaxErrors: 3}, func(e *Event) error {
			n++
			if e.Line < 1 || e.Column < 1 {
				t.Fatalf("event at %d:%d", e.Line, e.Column)
			}
			return nil
		})
		if err != nil {
			return // a corrupt gzip stream
		}
		if n != res.Events || len(res.Errors) > 4 || (res.Malformed > 0) != (len(res.Errors) > 0) {
			t.Fatalf("%d events handed over, result %+v", n, res)
		}
	})
}
