package report

import (
	"fmt"
	"io"
)

func init() { register("table", func(o Options) Writer { return &tableWriter{opts: o} }) }

// tableWriter is the human report. Placeholder: replaced by the full table.
type tableWriter struct{ opts Options }

func (t *tableWriter) Write(w io.Writer, r *Report) error {
	for _, f := range r.Findings {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", f.Severity, f.CheckID, f.Object, f.Position, f.Message)
	}
	return nil
}
