// Package network holds the checks on network isolation, asked of the
// internal/netpol engine (built once per snapshot and shared): default-deny
// ingress and egress per namespace, pods that can reach the cloud instance
// metadata endpoint (the Capital One case), workloads reachable from every
// namespace, unrestricted egress to the internet, policies that select
// nothing, allow-everything rules hidden among strict ones, and named ports
// that resolve to nothing. One check per file.
package network
