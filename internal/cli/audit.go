package cli

import "github.com/spf13/cobra"

// newAuditCommand is the `palisade audit` command tree. It is hidden until its
// subcommands land.
func newAuditCommand(s *streams) *cobra.Command {
	_ = s
	return &cobra.Command{Use: "audit", Hidden: true}
}
