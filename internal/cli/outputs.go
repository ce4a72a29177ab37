package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/palisade-sec/palisade/internal/report"
)

// output is one report to write: a format and a file ("" for stdout).
type output struct {
	format string
	file   string
}

// outputList collects -o and --output-file in the order they were given, so
// "-o sarif --output-file x.sarif -o table" writes SARIF to x.sarif and a
// table to stdout. Both flags share one value; pflag calls Set in argument
// order.
type outputList struct {
	outputs []output
}

type formatFlag struct{ l *outputList }

func (f formatFlag) String() string { return "" }
func (f formatFlag) Type() string   { return "format" }
func (f formatFlag) Set(v string) error {
	for _, name := range strings.Split(v, ",") {
		if _, err := report.New(name, report.Options{}); err != nil {
			return err
		}
		f.l.outputs = append(f.l.outputs, output{format: name})
	}
	return nil
}

type fileFlag struct{ l *outputList }

func (f fileFlag) String() string { return "" }
func (f fileFlag) Type() string   { return "file" }
func (f fileFlag) Set(v string) error {
	if len(f.l.outputs) == 0 {
		return errors.New("--output-file names the file of the -o before it; give -o first")
	}
	last := &f.l.outputs[len(f.l.outputs)-1]
	if last.file != "" {
		return fmt.Errorf("-o %s already writes to %s", last.format, last.file)
	}
	last.file = v
	return nil
}

// resolve fills in the default (a table on stdout) and rejects two reports
// on stdout, which would interleave.
func (l *outputList) resolve() ([]output, error) {
	if len(l.outputs) == 0 {
		return []output{{format: "table"}}, nil
	}
	stdout := 0
	for _, o := range l.outputs {
		if o.file == "" || o.file == "-" {
			stdout++
		}
	}
	if stdout > 1 {
		return nil, errors.New("more than one report would go to standard output; give all but one an --output-file")
	}
	return l.outputs, nil
}

// write writes the report in every requested format.
func (l *outputList) write(outs []output, r *report.Report, stdout io.Writer, color bool) error {
	for _, o := range outs {
		toStdout := o.file == "" || o.file == "-"
		w, err := report.New(o.format, report.Options{Color: color && toStdout})
		if err != nil {
			return err
		}
		if toStdout {
			if err := w.Write(stdout, r); err != nil {
				return fmt.Errorf("writing %s report: %w", o.format, err)
			}
			continue
		}
		f, err := os.Create(o.file)
		if err != nil {
			return fmt.Errorf("writing %s report: %w", o.format, err)
		}
		err = w.Write(f, r)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("writing %s report to %s: %w", o.format, o.file, err)
		}
	}
	return nil
}
