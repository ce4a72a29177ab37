package cluster

import "testing"

func TestJSONPointer(t *testing.T) {
	for field, want := range map[string]string{
		"spec.template.spec.containers[1].imagePullPolicy":                 "/spec/template/spec/containers/1/imagePullPolicy",
		"spec.jobTemplate.spec.template.spec.automountServiceAccountToken": "/spec/jobTemplate/spec/template/spec/automountServiceAccountToken",
		`metadata.labels["a/b~c"]`:                                         "/metadata/labels/a~1b~0c",
		`metadata.annotations["a.b/c~d"]`:                                  "/metadata/annotations/a.b~1c~0d",
		"":                                                                 "",
	} {
		if got := JSONPointer(field); got != want {
			t.Errorf("JSONPointer(%q) = %q, want %q", field, got, want)
		}
	}
}
