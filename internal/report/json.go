package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"sync"
	"time"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source"
)

func init() { register("json", func(Options) Writer { return WriterFunc(writeJSON) }) }

// jsonReport is the documented JSON schema (docs/json-report.md).
type jsonReport struct {
	SchemaVersion  string                `json:"schemaVersion"`
	Tool           ToolInfo              `json:"tool"`
	GeneratedAt    time.Time             `json:"generatedAt"`
	Inputs         []string              `json:"inputs"`
	Objects        int                   `json:"objects"`
	Summary        Summary               `json:"summary"`
	Findings       []check.Finding       `json:"findings"`
	InputErrors    []source.InputError   `json:"inputErrors"`
	Notices        []string              `json:"notices"`
	ExpiredWaivers []check.ExpiredWaiver `json:"expiredWaivers"`
	Checks         []check.Metadata      `json:"checks"`
	// Images is present only when images were scanned (scan --images).
	Images []ImageReport `json:"images,omitempty"`
}

// writeJSON writes the documented schema (jsonReport) indented by two
// spaces, streaming the findings one by one so a 100k-finding report is never
// held in memory whole.
func writeJSON(w io.Writer, r *Report) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	fields := []struct {
		key   string
		value any
	}{
		{"schemaVersion", SchemaVersion},
		{"tool", r.Tool},
		{"generatedAt", r.GeneratedAt.UTC()},
		{"inputs", nonNil(r.Inputs)},
		{"objects", r.Objects},
		{"summary", r.Summarize()},
		{"findings", nil}, // streamed below
		{"inputErrors", nonNil(r.InputErrors)},
		{"notices", nonNil(r.Notices)},
		{"expiredWaivers", nonNil(r.ExpiredWaivers)},
		{"checks", nonNil(r.Checks)},
	}
	if r.Images != nil {
		fields = append(fields, struct {
			key   string
			value any
		}{"images", r.Images})
	}
	bw.WriteString("{\n")
	for i, f := range fields {
		fmt.Fprintf(bw, "  %q: ", f.key)
		if f.key == "findings" {
			if err := writeFindingsJSON(bw, r.Findings); err != nil {
				return err
			}
		} else {
			b, err := json.MarshalIndent(f.value, "  ", "  ")
			if err != nil {
				return err
			}
			bw.Write(b)
		}
		if i < len(fields)-1 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

func writeFindingsJSON(w *bufio.Writer, findings []check.Finding) error {
	if len(findings) == 0 {
		_, err := w.WriteString("[]")
		return err
	}
	w.WriteString("[\n")
	// Findings are marshalled a window of chunks at a time, the chunks of a
	// window in parallel, and written in order.
	const chunk = 1024
	workers := runtime.GOMAXPROCS(0)
	bufs := make([]bytes.Buffer, workers)
	errs := make([]error, workers)
	for start := 0; start < len(findings); start += chunk * workers {
		var wg sync.WaitGroup
		for k := 0; k < workers; k++ {
			lo := start + k*chunk
			if lo >= len(findings) {
				break
			}
			hi := min(lo+chunk, len(findings))
			bufs[k].Reset()
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[k] = marshalFindings(&bufs[k], findings[lo:hi], hi == len(findings))
			}()
		}
		wg.Wait()
		for k := range bufs {
			if errs[k] != nil {
				return errs[k]
			}
			w.Write(bufs[k].Bytes())
			bufs[k].Reset()
		}
	}
	_, err := w.WriteString("  ]")
	return err
}

// marshalFindings writes findings as indented array elements, each followed
// by a comma unless it is the last of the array.
func marshalFindings(b *bytes.Buffer, findings []check.Finding, endsArray bool) error {
	for i := range findings {
		out, err := json.MarshalIndent(&findings[i], "    ", "  ")
		if err != nil {
			return err
		}
		b.WriteString("    ")
		b.Write(out)
		if !endsArray || i < len(findings)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	return nil
}

// nonNil makes empty lists appear as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
