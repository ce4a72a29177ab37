package cli

import (
	"errors"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source"

	_ "github.com/palisade-sec/palisade/internal/checks" // registers every check
)

type scanOptions struct {
	valuesFiles []string
	reportOptions
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
	o.addFlags(f)
	return cmd
}

func runScan(s *streams, o *scanOptions, paths []string) error {
	if err := o.validate(); err != nil {
		return err
	}
	loaded := source.Load(source.Options{Paths: paths, Stdin: s.in, ValuesFiles: o.valuesFiles})
	return judgeAndReport(s, &o.reportOptions, paths, loaded.Objects, loaded.Errors)
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
