// Package node holds the CIS Kubernetes Benchmark checks of a node
// (sections 4.1–4.3, and the file checks of 1.1): the kubelet's
// authentication, authorization, ports, certificates and safeguards,
// kube-proxy's metrics address, and the mode and owner of the
// control-plane and node files.
//
// The kubelet checks read what the node source found: the kubelet's
// command-line flags (from its systemd unit, drop-ins and environment
// files) and its KubeletConfiguration file, and decide each setting as the
// kubelet does — a flag wins over the file, and a setting in neither takes
// the default of the file API when the kubelet reads a file, the flag's
// default when it does not; messages say which. The file checks run on the
// NodeFile objects the node source records. A scan with no kubelet and no
// node files gets nothing from this package.
//
// One check per file; each file's doc comment states the settings read and
// the values allowed; each check is a pure function of the snapshot.
package node
