// Package exposure holds checks; see doc.go.
package exposure
