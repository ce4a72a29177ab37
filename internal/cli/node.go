package cli

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/palisade-sec/palisade/internal/source/node"
)

type nodeOptions struct {
	root string
	reportOptions
}

func newNodeCommand(s *streams) *cobra.Command {
	o := &nodeOptions{}
	cmd := &cobra.Command{
		Use:   "node [--root DIR]",
		Short: "Scan a node's filesystem: control-plane static pods, kubelet, PKI and config files (CIS sections 1-4)",
		Long: `Node reads a Kubernetes node's filesystem and judges its control plane and
kubelet the way the CIS Kubernetes Benchmark does.

It reads, under --root:
  - the static pod manifests (/etc/kubernetes/manifests, or the kubelet's
    staticPodPath): kube-apiserver, etcd, kube-controller-manager and
    kube-scheduler are judged by their command-line flags;
  - the kubelet's systemd unit and drop-ins, the environment files they load
    (kubeadm-flags.env) and its config file (/var/lib/kubelet/config.yaml);
  - kube-proxy's config file and kubeconfig, when kube-proxy runs from files;
  - the EncryptionConfiguration and audit Policy the API server's
    --encryption-provider-config and --audit-policy-file name;
  - the mode and owner of the manifests, the etcd data directory, the PKI
    (/etc/kubernetes/pki), the kubeconfigs and the kubelet's files.

Run it on the node as root (--root /, the default), or point --root at a copy
of the node's filesystem. Paths a component names are read under --root, and
links that lead out of it are not followed. Files Palisade needs but cannot
read are reported as "not assessed" with the reason.

Exit status: 0 when no finding at or above --fail-on remains (the default is
never to fail), 1 when one does, 2 on a usage error, a --root with no
Kubernetes files, or a file that could not be read (the rest is still judged).`,
		Example: `  sudo palisade node
  palisade node --root /mnt/node-snapshot
  palisade node --root /mnt/node-snapshot -o sarif --output-file node.sarif -o table
  palisade node --fail-on high`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runNode(s, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.root, "root", "/", "folder the node's filesystem is under (/ on the node, or a copy of it)")
	o.addFlags(f)
	return cmd
}

func runNode(s *streams, o *nodeOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	if o.root == "" {
		return &exitError{ExitInput, errors.New("--root: name the folder a node's filesystem is under (/ on the node itself)")}
	}
	loaded, err := node.Load(node.Options{Root: o.root})
	if err != nil {
		return &exitError{ExitInput, err}
	}
	return judgeAndReport(s, &o.reportOptions, readInput{names: []string{o.root}, objects: loaded.Objects, errors: loaded.Errors})
}
