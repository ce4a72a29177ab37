package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/palisade-sec/palisade/internal/check"
)

func newChecksCommand(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "checks",
		Short: "List and explain Palisade's checks",
	}
	var format string
	list := &cobra.Command{
		Use:     "list",
		Short:   "List every check with its severity, attack vector and defence",
		Example: "  palisade checks list\n  palisade checks list -o json",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			checks := check.Default().All()
			if format == "json" {
				return writeJSONValue(s, metadataOf(checks))
			}
			tw := tabwriter.NewWriter(s.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSEVERITY\tVECTOR\tSTRATEGY\tTITLE")
			for _, c := range checks {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Severity, c.Vector, c.Strategy, c.Title)
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVarP(&format, "output", "o", "table", "table or json")
	show := &cobra.Command{
		Use:     "show CHECK-ID",
		Short:   "Explain one check: what it looks at, why it matters, how to fix it",
		Example: "  palisade checks show pss/privileged",
		Args:    cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			c, ok := check.Default().Get(args[0])
			if !ok {
				return &exitError{ExitInput, fmt.Errorf("no check %q; run 'palisade checks list' to see them all", args[0])}
			}
			if format == "json" {
				return writeJSONValue(s, c.Metadata)
			}
			fmt.Fprint(s.out, describeCheck(&c.Metadata))
			return nil
		},
	}
	show.Flags().StringVarP(&format, "output", "o", "text", "text or json")
	cmd.AddCommand(list, show)
	return cmd
}

// describeCheck renders a check for a person.
func describeCheck(m *check.Metadata) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s — %s\n\n", m.ID, m.Title)
	fmt.Fprintf(&b, "Severity:  %s\nVector:    %s\nStrategy:  %s\n", m.Severity, m.Vector, m.Strategy)
	refs := m.References
	if refs.PSS != "" {
		fmt.Fprintf(&b, "PSS level: %s\n", refs.PSS)
	}
	for _, r := range []struct {
		name string
		ids  []string
	}{{"CIS:       ", refs.CIS}, {"NSA/CISA:  ", refs.NSA}, {"MITRE:     ", refs.MITRE}} {
		if len(r.ids) > 0 {
			fmt.Fprintf(&b, "%s%s\n", r.name, strings.Join(r.ids, ", "))
		}
	}
	fmt.Fprintf(&b, "\n%s\n\nRemediation:\n%s\n", m.Description, m.Remediation)
	return b.String()
}

func writeJSONValue(s *streams, v any) error {
	enc := json.NewEncoder(s.out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
