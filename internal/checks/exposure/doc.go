// Package exposure holds the checks on how the cluster and its workloads
// are reached from outside and how traffic between them is protected:
// Services opened to the internet or on every node, Ingresses without TLS,
// the Kubernetes dashboard (exposed, without login, running as
// cluster-admin: the 2018 Tesla breach), namespaces with no NetworkPolicy
// or no Pod Security enforcement, and long-lived service account tokens.
package exposure
