// Package supplychain holds checks; see doc.go.
package supplychain
