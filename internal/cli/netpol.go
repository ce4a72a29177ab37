package cli

import "github.com/spf13/cobra"

// newNetpolCommand is the `palisade netpol` command tree. It is hidden until its
// subcommands land.
func newNetpolCommand(s *streams) *cobra.Command {
	_ = s
	return &cobra.Command{Use: "netpol", Hidden: true}
}
