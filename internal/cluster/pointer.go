package cluster

import (
	"strconv"
	"strings"
)

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// JSONPointer turns a field path ("spec.template.spec.containers[1].image",
// `metadata.labels["a/b"]`) into the RFC 6901 JSON pointer a JSON patch
// operation needs ("/spec/template/spec/containers/1/image").
func JSONPointer(field string) string {
	var b strings.Builder
	for _, el := range ParsePath(field) {
		b.WriteByte('/')
		if el.Key == "" {
			b.WriteString(strconv.Itoa(el.Index))
			continue
		}
		b.WriteString(pointerEscaper.Replace(el.Key))
	}
	return b.String()
}
