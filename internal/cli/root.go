// Package cli holds Palisade's commands, one file per command.
package cli

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Version is set at build time with -ldflags "-X .../internal/cli.Version=v1.2.3".
var Version = "dev"

// Exit statuses, the same for every command.
const (
	ExitOK       = 0 // nothing at or above --fail-on
	ExitFindings = 1 // findings at or above --fail-on remain
	ExitInput    = 2 // usage error, or input that could not be read
)

// exitError carries an exit status out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

// streams are the command's standard streams, so tests can run commands
// in process.
type streams struct {
	in       io.Reader
	out, err io.Writer
}

// Main runs the palisade command line and returns the exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	tuneGC()
	s := &streams{in: stdin, out: stdout, err: stderr}
	root := newRootCommand(s)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return ExitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "palisade: %v\n", ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "palisade: %v\nRun 'palisade --help' for usage.\n", err)
	return ExitInput
}

func newRootCommand(s *streams) *cobra.Command {
	root := &cobra.Command{
		Use:   "palisade",
		Short: "Find, explain and block the ways into a Kubernetes cluster",
		Long: `Palisade scans Kubernetes manifests, Helm charts and Kustomize trees for the
ways into a cluster: API exposure, insecure configuration, vulnerable and
untrusted images, and network attacks. Every finding names its attack
vector, the defence it breaks, where it is in your files and how to fix it.`,
		Example: `  palisade scan ./k8s
  palisade scan ./charts/shop -f values-prod.yaml --fail-on high
  palisade checks list`,
		Version:       Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newScanCommand(s), newNodeCommand(s), newChecksCommand(s), newRBACCommand(s), newNetpolCommand(s), newPathsCommand(s), newAuditCommand(s), newWebhookCommand(s), newPolicyCommand(s), newImageCommand(s), newDBCommand(s))
	return root
}
