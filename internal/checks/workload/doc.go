// Package workload holds checks; see doc.go.
package workload
