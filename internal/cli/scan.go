package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/report"
	"github.com/palisade-sec/palisade/internal/source"

	_ "github.com/palisade-sec/palisade/internal/checks" // registers every check
)

type scanOptions struct {
	valuesFiles []string
	outputs     outputList
	failOn      string
	configPath  string
	noColor     bool
}

func newScanCommand(s *streams) *cobra.Command {
	o := &scanOptions{}
	cmd := &cobra.Command{
		Use:   "scan PATH...",
		Short: "Scan manifests, Helm charts and Kustomize trees",
		Long: `Scan reads Kubernetes manifests and reports what an attacker could use.

PATH is a file, a folder (read recursively: .yaml, .yml and .json files,
multi-document YAML and kind: List), a Helm chart folder (rendered in
process), a folder with a kustomization.yaml (built in process), or "-" for
standard input.

Exit status: 0 when no finding at or above --fail-on remains (the default is
never to fail), 1 when one does, 2 on a usage error or input that could not
be read (every other file is still scanned and reported).`,
		Example: `  palisade scan ./k8s/
  cat all.yaml | palisade scan -
  palisade scan ./charts/shop -f values-prod.yaml
  palisade scan ./overlays/prod
  palisade scan ./k8s -o sarif --output-file palisade.sarif -o table
  palisade scan ./k8s --fail-on high`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return &exitError{ExitInput, errors.New("name what to scan: a file, a folder, a chart, or - for stdin (e.g. palisade scan ./k8s)")}
			}
			return runScan(s, o, args)
		},
	}
	f := cmd.Flags()
	f.StringArrayVarP(&o.valuesFiles, "values", "f", nil, "Helm values file for charts (repeatable; later files win)")
	f.VarP(formatFlag{&o.outputs}, "output", "o", "report format: "+strings.Join(report.Formats(), ", ")+" (repeatable)")
	f.Var(fileFlag{&o.outputs}, "output-file", "write the report of the -o before it to this file")
	f.StringVar(&o.failOn, "fail-on", "", "exit 1 when a finding at or above this severity remains: info, low, medium, high, critical")
	f.StringVar(&o.configPath, "config", "", "config file with waivers and settings (default ./"+check.ConfigFileName+" when present)")
	f.BoolVar(&o.noColor, "no-color", false, "never colour the table (colour is used only on a terminal; NO_COLOR is honoured)")
	return cmd
}

func runScan(s *streams, o *scanOptions, paths []string) error {
	var failOn *check.Severity
	if o.failOn != "" {
		sev, err := check.ParseSeverity(o.failOn)
		if err != nil {
			return &exitError{ExitInput, fmt.Errorf("--fail-on: %w", err)}
		}
		failOn = &sev
	}
	outs, err := o.outputs.resolve()
	if err != nil {
		return &exitError{ExitInput, err}
	}
	cfg, err := loadConfig(o.configPath)
	if err != nil {
		return &exitError{ExitInput, err}
	}

	loaded := source.Load(source.Options{Paths: paths, Stdin: s.in, ValuesFiles: o.valuesFiles})
	snap := cluster.NewSnapshot(loaded.Objects)
	result := check.Run(snap, check.Options{Config: cfg})

	rep := &report.Report{
		Tool:           report.ToolInfo{Name: "palisade", Version: Version, URI: "https://github.com/palisade-sec/palisade"},
		GeneratedAt:    time.Now(),
		Inputs:         paths,
		Objects:        snap.Len(),
		Checks:         metadataOf(check.Default().All()),
		Findings:       result.Findings,
		InputErrors:    loaded.Errors,
		ExpiredWaivers: result.ExpiredWaivers,
	}
	color := !o.noColor && os.Getenv("NO_COLOR") == "" && isTerminal(s.out)
	if err := o.outputs.write(outs, rep, s.out, color); err != nil {
		return &exitError{ExitInput, err}
	}

	for _, e := range loaded.Errors {
		fmt.Fprintf(s.err, "palisade: %s\n", e.Error())
	}
	for _, w := range result.ExpiredWaivers {
		fmt.Fprintf(s.err, "palisade: waiver for %s expired on %s (owner %q); it no longer waives %d finding(s): renew it or fix them\n",
			strings.Join(w.Waiver.Checks, ","), w.Waiver.Expires, w.Waiver.Owner, w.Matches)
	}
	if len(loaded.Errors) > 0 {
		return &exitError{code: ExitInput, err: fmt.Errorf("%d input error(s); the rest of the input was scanned", len(loaded.Errors))}
	}
	if failOn != nil {
		n := 0
		for i := range result.Findings {
			if f := &result.Findings[i]; !f.Suppressed() && f.Severity >= *failOn {
				n++
			}
		}
		if n > 0 {
			return &exitError{code: ExitFindings, err: fmt.Errorf("%d finding(s) at or above %s", n, *failOn)}
		}
	}
	return nil
}

// loadConfig reads the named config file, or ./.palisade.yaml when present.
func loadConfig(path string) (*check.Config, error) {
	if path == "" {
		if _, err := os.Stat(check.ConfigFileName); err != nil {
			return &check.Config{}, nil
		}
		path = check.ConfigFileName
	}
	return check.LoadConfig(path)
}

func metadataOf(checks []*check.Check) []check.Metadata {
	out := make([]check.Metadata, len(checks))
	for i, c := range checks {
		out[i] = c.Metadata
	}
	return out
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
