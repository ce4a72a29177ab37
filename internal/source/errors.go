// Package source reads manifests, Helm charts and Kustomize trees into
// cluster objects. A source only reads and decodes; it never judges.
package source

import (
	"fmt"
)

// InputError is input Palisade could not read: a file that does not parse,
// a document over a bound, a chart that does not render. The rest of the
// input is still read.
type InputError struct {
	File string `json:"file"`
	// Line is 1-based; 0 when the error is about the whole file.
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

// Error formats the error like a compiler: "k8s/web.yaml:12: message".
func (e *InputError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Message)
}
