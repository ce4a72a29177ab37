// Package network holds the checks on network isolation: default-deny
// policies, reachability of the cloud metadata endpoint, unrestricted
// egress, asked of the internal/netpol engine. One check per file.
package network
