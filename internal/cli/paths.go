package cli

import (
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/palisade-sec/palisade/internal/attackpath"
	"github.com/palisade-sec/palisade/internal/check"
)

// pathsFormats are the answer formats of palisade paths.
var pathsFormats = []string{"table", "json", "dot", "mermaid", "svg", "html"}

// pathsOptions are the flags of palisade paths.
type pathsOptions struct {
	answerOptions
	to        []string
	from      string
	maxLength int
	maxPaths  int
}

func newPathsCommand(s *streams) *cobra.Command {
	o := &pathsOptions{}
	cmd := &cobra.Command{
		Use:   "paths (PATH... | --cluster)",
		Short: "Find the attack paths from the internet to cluster-admin, node root, Secrets and cloud credentials",
		Long: `paths builds the attack graph of the input — exposed Services, Ingresses
and host ports; workloads and the tokens they mount; what those accounts may
do (the RBAC engine); where workloads may connect (the NetworkPolicy
engine); escapes to the node; the cloud metadata endpoint — and lists every
path from the internet to a target, shortest first, each step explained
with its MITRE ATT&CK technique, its evidence and the findings of the scan
that report it. The fixes that close most paths come first.

Any exposed workload is assumed to have a flaw (remote code execution or
request forgery): the question is what it leads to. Placement is unknown
from manifests, so node root leads to the tokens of every node ("any node").

Targets (--to, repeatable): cluster-admin, node, secrets, cloud.`,
		Example: `  palisade paths ./k8s
  palisade paths --cluster --to cluster-admin
  palisade paths ./k8s -o mermaid > paths.mmd
  palisade paths ./k8s -o svg > paths.svg`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var to []attackpath.Target
			for _, t := range o.to {
				if !slices.Contains(attackpath.Targets(), attackpath.Target(t)) {
					return &exitError{ExitInput, fmt.Errorf("--to %q: want cluster-admin, node, secrets or cloud", t)}
				}
				to = append(to, attackpath.Target(t))
			}
			if o.from != "" && o.from != "internet" {
				return &exitError{ExitInput, fmt.Errorf("--from %q: only internet is supported", o.from)}
			}
			snap, in, err := o.load(cmd, s, args)
			if err != nil {
				return err
			}
			g := attackpath.Build(snap)
			g.Cite(check.Run(snap, check.Options{}).Findings)
			res := g.Search(attackpath.Options{To: to, MaxLength: o.maxLength, MaxPaths: o.maxPaths})
			switch o.output {
			case "json":
				err = attackpath.WriteJSON(s.out, res)
			case "dot":
				err = attackpath.WriteDOT(s.out, res, res.Paths)
			case "mermaid":
				err = attackpath.WriteMermaid(s.out, res, res.Paths)
			case "svg":
				err = attackpath.WriteSVG(cmd.Context(), s.out, res, res.Paths)
			case "html":
				err = attackpath.WriteHTML(cmd.Context(), s.out, res)
			default:
				err = attackpath.WriteTable(s.out, res)
			}
			if err != nil {
				return err
			}
			return reportInputErrors(s, in)
		},
	}
	o.addFlags(cmd, pathsFormats...)
	cmd.Flags().StringArrayVar(&o.to, "to", nil, "only paths to this target: cluster-admin, node, secrets, cloud (repeatable; default all)")
	cmd.Flags().StringVar(&o.from, "from", "internet", "where paths start: internet")
	cmd.Flags().IntVar(&o.maxLength, "max-length", attackpath.DefaultMaxLength, "the most steps a path may have")
	cmd.Flags().IntVar(&o.maxPaths, "max-paths", attackpath.DefaultMaxPaths, "the most paths listed, the shortest kept")
	return cmd
}
