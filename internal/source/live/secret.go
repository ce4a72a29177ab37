package live

import (
	"encoding/json"

	corev1 "k8s.io/api/core/v1"
)

// lastApplied is the annotation kubectl apply writes: the whole object as
// applied, which for a Secret includes its values.
const lastApplied = corev1.LastAppliedConfigAnnotation

// scrubSecret drops a Secret's values as soon as it is received: data and
// stringData, and the values copied into kubectl's last-applied
// annotation. What checks read is kept: the type, the metadata, and the
// names of the keys in the annotation (each value replaced by ""), so a
// check can still tell that values were written there.
func scrubSecret(s *corev1.Secret) {
	s.Data = nil
	s.StringData = nil
	if v, ok := s.Annotations[lastApplied]; ok {
		s.Annotations[lastApplied] = redactLastApplied(v)
	}
}

// redactLastApplied returns the annotation with every value under data
// and stringData replaced by "", or "" when it cannot be read.
func redactLastApplied(v string) string {
	var obj map[string]any
	if err := json.Unmarshal([]byte(v), &obj); err != nil {
		return ""
	}
	for _, field := range []string{"data", "stringData"} {
		m, ok := obj[field].(map[string]any)
		if !ok {
			if _, present := obj[field]; present {
				obj[field] = map[string]any{}
			}
			continue
		}
		for k := range m {
			m[k] = ""
		}
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return ""
	}
	return string(out)
}
