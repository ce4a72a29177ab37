package report

import (
	"encoding/json"
	"io"
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
	ExpiredWaivers []check.ExpiredWaiver `json:"expiredWaivers"`
	Checks         []check.Metadata      `json:"checks"`
}

func writeJSON(w io.Writer, r *Report) error {
	out := jsonReport{
		SchemaVersion:  SchemaVersion,
		Tool:           r.Tool,
		GeneratedAt:    r.GeneratedAt.UTC(),
		Inputs:         nonNil(r.Inputs),
		Objects:        r.Objects,
		Summary:        r.Summarize(),
		Findings:       nonNil(r.Findings),
		InputErrors:    nonNil(r.InputErrors),
		ExpiredWaivers: nonNil(r.ExpiredWaivers),
		Checks:         nonNil(r.Checks),
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// nonNil makes empty lists appear as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
