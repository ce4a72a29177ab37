package cli

import "github.com/spf13/cobra"

// newRBACCommand is the `palisade rbac` command tree. It is hidden until its
// subcommands land.
func newRBACCommand(s *streams) *cobra.Command {
	_ = s
	return &cobra.Command{Use: "rbac", Hidden: true}
}
