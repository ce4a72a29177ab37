package cli

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/palisade-sec/palisade/internal/admission"
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/policy"
)

func newPolicyCommand(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Export Palisade's checks as ValidatingAdmissionPolicies (CEL), enforced by the API server itself",
		Long: `Policy exports the checks whose logic CEL can express as
ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding objects, which
the API server evaluates itself, without a webhook: the Pod Security
Standards, image references (tags, digests, pull policy, allowed
registries), host paths, capabilities, limits, Services, Ingresses,
Secrets and Namespaces. 'palisade policy checks' lists every check with
why it is or is not exported.`,
		Example: `  palisade policy export --format vap > palisade-policies.yaml && kubectl apply -f palisade-policies.yaml
  palisade policy checks`,
	}
	cmd.AddCommand(newPolicyExportCommand(s), newPolicyChecksCommand(s))
	return cmd
}

type policyExportOptions struct {
	format      string
	configPath  string
	minSeverity string
	defaultMode string
	exclude     []string
}

func newPolicyExportCommand(s *streams) *cobra.Command {
	o := &policyExportOptions{}
	cmd := &cobra.Command{
		Use:   "export --format vap",
		Short: "Print a ValidatingAdmissionPolicy and its bindings for every check CEL can express",
		Long: `Export prints, to standard output, one ValidatingAdmissionPolicy per check
CEL can express, at or above --min-severity, and three bindings each, one
per mode, selecting namespaces by their palisade.dev/enforce label as the
webhook does: deny (validationActions Deny), warn (Warn), audit (Audit);
the --default-mode binding also takes the namespaces without a valid
label. kube-system, kube-public and kube-node-lease are excluded.

Each policy rejects what the check reports, with the same meaning as
palisade scan: objects whose palisade.dev/waive annotation names the check
are skipped, and so are objects a waiver of --config selects. CEL has no
clock, so a waiver that has expired is left out and one that has not is
compiled in: the policy carries the first expiry in the annotation
palisade.dev/waivers-valid-until; export again by then. An update is
rejected only when it makes the object fail a check it passed, so existing
objects can still be changed. allowedRegistries comes from --config too;
without it supplychain/untrusted-registry is not exported (scan does not
assess it either).

The checks that are not exported, and why, are listed at the top of the
output and on standard error: those that read several objects (RBAC,
NetworkPolicies, dashboards), node files and control-plane flags, and the
secret-name heuristics.

Exit status: 0 on success, 2 on a usage error or a config that does not
load.`,
		Example: `  palisade policy export --format vap > palisade-policies.yaml
  palisade policy export --format vap --config .palisade.yaml --min-severity medium --default-mode deny
  palisade policy export --format vap --exclude-namespace monitoring | kubectl apply -f -`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd, s)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", "", "output format: vap (ValidatingAdmissionPolicy, admissionregistration.k8s.io/v1) (required)")
	f.StringVar(&o.configPath, "config", "", "config file with waivers and allowedRegistries (default ./"+check.ConfigFileName+" when present)")
	f.StringVar(&o.minSeverity, "min-severity", check.SeverityHigh.String(), "export checks at or above this severity: info, low, medium, high, critical")
	f.StringVar(&o.defaultMode, "default-mode", string(admission.ModeWarn), "mode for namespaces without a valid palisade.dev/enforce label: deny, warn or audit")
	f.StringArrayVar(&o.exclude, "exclude-namespace", nil, "another namespace never to judge (repeatable)")
	return cmd
}

func (o *policyExportOptions) run(cmd *cobra.Command, s *streams) error {
	switch o.format {
	case "vap":
	case "":
		return &exitError{ExitInput, errors.New("--format is required: --format vap (ValidatingAdmissionPolicy)")}
	default:
		return &exitError{ExitInput, fmt.Errorf("--format %q is not supported: use --format vap (ValidatingAdmissionPolicy)", o.format)}
	}
	sev, err := check.ParseSeverity(o.minSeverity)
	if err != nil {
		return &exitError{ExitInput, fmt.Errorf("--min-severity: %w", err)}
	}
	mode, err := admission.ParseMode(o.defaultMode)
	if err != nil {
		return &exitError{ExitInput, fmt.Errorf("--default-mode: %w", err)}
	}
	cfg, err := loadConfig(o.configPath)
	if err != nil {
		return &exitError{ExitInput, err}
	}
	res, err := policy.Export(policy.Options{Config: cfg, MinSeverity: sev, DefaultMode: mode, ExcludeNamespaces: o.exclude, Now: time.Now()})
	if err != nil {
		return &exitError{ExitInput, fmt.Errorf("%w (in the config's waivers)", err)}
	}
	var args []string
	cmd.Flags().Visit(func(f *pflag.Flag) { args = append(args, "--"+f.Name+"="+f.Value.String()) })
	header := "# Palisade checks as ValidatingAdmissionPolicies. Generated by: palisade policy export " + strings.Join(args, " ") + "\n" +
		"# Label namespaces with palisade.dev/enforce=deny|warn|audit; others get " + string(mode) + ".\n"
	data, err := res.YAML(header)
	if err != nil {
		return &exitError{ExitInput, err}
	}
	if _, err := s.out.Write(data); err != nil {
		return err
	}
	fmt.Fprintf(s.err, "palisade: exported %d checks as ValidatingAdmissionPolicies; %d not exported:\n", len(res.Exported), len(res.Skipped))
	for _, g := range res.SkippedByReason() {
		fmt.Fprintf(s.err, "  %s: %s\n", strings.Join(g.IDs, ", "), g.Reason)
	}
	for _, n := range res.Notes {
		fmt.Fprintf(s.err, "palisade: %s\n", n)
	}
	return nil
}

func newPolicyChecksCommand(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:     "checks",
		Short:   "List which checks are exported as ValidatingAdmissionPolicies, and why the others are not",
		Example: "  palisade policy checks\n  palisade policy checks | grep ' no '",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSEVERITY\tCEL\tPOLICY OR REASON")
			for _, c := range check.Default().All() {
				if r := policy.Reason(c); r != "" {
					fmt.Fprintf(tw, "%s\t%s\tno\t%s\n", c.ID, c.Severity, r)
				} else {
					fmt.Fprintf(tw, "%s\t%s\tyes\t%s\n", c.ID, c.Severity, policy.Name(c.ID))
				}
			}
			return tw.Flush()
		},
	}
}
