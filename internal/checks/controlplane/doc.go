// Package controlplane holds the CIS Kubernetes Benchmark checks of the
// control plane (sections 1.2–1.4, 2 and 3.2): the API server, etcd, the
// controller manager and the scheduler, plus what the API server's flags
// point at — its encryption provider config and its audit policy.
//
// Every check reads a component's command line from the pod that runs it
// (node.FindComponent: by the command's first word, or the pod's
// "component" label), never a file directly, so the same check judges a
// static pod read from a node, a kube-system mirror pod read from a live
// cluster, and a hosted control plane's Deployment. A pod that runs none
// of these components gets nothing: scanning application manifests adds
// no noise. Files a flag names (the encryption config, the audit policy)
// are looked up among the node facts the node source read; when they are
// not there the check says it could not assess them, with the reason.
//
// A flag that is not given is judged by the default the component really
// has, and the message says so. One check per file; each file's doc
// comment states the flags read and the values allowed; each check is a
// pure function of the pod and the snapshot.
package controlplane
