package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/palisade-sec/palisade/internal/attackpath"
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/netpol"
	"github.com/palisade-sec/palisade/internal/rbac"
	rbacv1 "k8s.io/api/rbac/v1"
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
	collapse  bool
}

// isSubject reports whether a --from value names an account rather than
// a workload: it has a subject's prefix.
func isSubject(v string) bool {
	for _, p := range []string{"sa:", "serviceaccount:", "system:serviceaccount:", "user:", "group:", "system:anonymous"} {
		if strings.HasPrefix(v, p) {
			return true
		}
	}
	return false
}

// knownPrincipal reports an error when a ServiceAccount the input does
// not hold is named.
func knownPrincipal(snap *cluster.Snapshot, p rbac.Principal) error {
	if p.Kind != rbacv1.ServiceAccountKind {
		return nil
	}
	for _, o := range snap.OfKind("ServiceAccount") {
		if nsOrDefault(o.ID.Namespace) == p.Namespace && o.ID.Name == p.Name {
			return nil
		}
	}
	for _, sa := range rbac.EscalationOf(snap).Principals() {
		if sa == p {
			return nil
		}
	}
	return fmt.Errorf("%s: no such ServiceAccount in the input, and no binding names it", p)
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

Targets (--to, repeatable): cluster-admin, node, secrets, cloud.

--from says where paths start: internet (the default); a workload assumed
compromised, named as netpol can names it (NAMESPACE/NAME or
NAMESPACE/KIND/NAME, a pod a workload made, or a Service's workload); or a
ServiceAccount whose token is assumed stolen, named as rbac who-can names
subjects (sa:NAMESPACE:NAME, sa:NAMESPACE/NAME,
system:serviceaccount:NAMESPACE:NAME; user:NAME and group:NAME too).`,
		Example: `  palisade paths ./k8s
  palisade paths --cluster --to cluster-admin
  palisade paths ./k8s -o mermaid > paths.mmd
  palisade paths ./k8s -o svg > paths.svg
  palisade paths ./k8s --from shop/deployment/web
  palisade paths ./k8s --from sa:shop:deployer --to secrets`,
		RunE: func(cmd *cobra.Command, args []string) error {
			var to []attackpath.Target
			for _, t := range o.to {
				if !slices.Contains(attackpath.Targets(), attackpath.Target(t)) {
					return &exitError{ExitInput, fmt.Errorf("--to %q: want cluster-admin, node, secrets or cloud", t)}
				}
				to = append(to, attackpath.Target(t))
			}
			var subject *rbac.Principal
			if o.from != "" && o.from != attackpath.FromInternet && isSubject(o.from) {
				p, err := principalFlag("--from", o.from)
				if err != nil {
					return err
				}
				subject = &p
			}
			snap, in, err := o.load(cmd, s, args)
			if err != nil {
				return err
			}
			g := attackpath.Build(snap)
			from := attackpath.FromInternet
			switch {
			case subject != nil:
				if err := knownPrincipal(snap, *subject); err != nil {
					return withInputErrors(s, in, &exitError{ExitInput, fmt.Errorf("--from %s", err)})
				}
				from = g.PrincipalStart(*subject)
			case o.from != "" && o.from != attackpath.FromInternet:
				ep, err := resolveEndpoint(netpol.For(snap), snap, o.from, "")
				if err == nil && ep.Pod == nil {
					err = fmt.Errorf("%q: want a workload (NAMESPACE/NAME or NAMESPACE/KIND/NAME), a ServiceAccount (sa:NAMESPACE:NAME) or internet", o.from)
				}
				if err != nil {
					return withInputErrors(s, in, &exitError{ExitInput, fmt.Errorf("--from %w", err)})
				}
				from = g.WorkloadStart(ep.Pod)
			}
			g.Cite(check.Run(snap, check.Options{}).Findings)
			res := g.Search(attackpath.Options{To: to, From: from, MaxLength: o.maxLength, MaxPaths: o.maxPaths})
			switch o.output {
			case "json":
				err = attackpath.WriteJSON(s.out, res)
			case "dot":
				err = attackpath.WriteDOT(s.out, res, res.Paths, o.collapse)
			case "mermaid":
				err = attackpath.WriteMermaid(s.out, res, res.Paths, o.collapse)
			case "svg":
				err = attackpath.WriteSVG(cmd.Context(), s.out, res, res.Paths, o.collapse)
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
	cmd.Flags().StringVar(&o.from, "from", attackpath.FromInternet, "where paths start: internet, a workload (NAMESPACE/NAME, NAMESPACE/KIND/NAME) or a ServiceAccount (sa:NAMESPACE:NAME)")
	cmd.Flags().BoolVar(&o.collapse, "collapse", true, "dot, mermaid, svg: draw equal workloads (and their entries and containers) of a namespace as one node")
	cmd.Flags().IntVar(&o.maxLength, "max-length", attackpath.DefaultMaxLength, "the most steps a path may have")
	cmd.Flags().IntVar(&o.maxPaths, "max-paths", attackpath.DefaultMaxPaths, "the most paths listed, the shortest kept")
	return cmd
}
