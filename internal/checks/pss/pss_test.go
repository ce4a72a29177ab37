package pss_test

import (
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/checks/checktest"
)

func TestPrivilegedNamesTheContainer(t *testing.T) {
	tests := []struct {
		name      string
		manifests string
		want      []string // fields of the findings
	}{
		{
			name: "second container of a deployment is privileged",
			manifests: `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      containers:
      - {name: app, image: app:1}
      - name: sidecar
        image: sidecar:1
        securityContext: {privileged: true}
`,
			want: []string{"spec.template.spec.containers[1].securityContext.privileged"},
		},
		{
			name: "cronjob init container",
			manifests: `
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          initContainers:
          - name: setup
            image: setup:1
            securityContext: {privileged: true}
          containers: [{name: job, image: job:1}]
`,
			want: []string{"spec.jobTemplate.spec.template.spec.initContainers[0].securityContext.privileged"},
		},
		{
			name: "nothing privileged",
			manifests: `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: c, image: c:1, securityContext: {privileged: false}}]
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := checktest.Run(t, "pss/privileged", nil, tt.manifests)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d findings %+v, want %d", len(got), got, len(tt.want))
			}
			for i, f := range got {
				if f.Field != tt.want[i] {
					t.Errorf("field = %q, want %q", f.Field, tt.want[i])
				}
				if !strings.Contains(f.Message, "privileged") || f.Position.Line == 0 {
					t.Errorf("finding lacks the upstream reason or a position: %+v", f)
				}
			}
		})
	}
}

func TestHostNamespacesIsPodLevel(t *testing.T) {
	got := checktest.Run(t, "pss/hostNamespaces", nil, `
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  hostPID: true
  containers: [{name: c, image: c:1}]
`)
	if len(got) != 1 || got[0].Field != "spec.hostPID" || !strings.Contains(got[0].Message, "hostPID=true") {
		t.Fatalf("got %+v", got)
	}
	if got[0].Position.Line != 6 {
		t.Errorf("position line = %d, want 6 (the hostPID line)", got[0].Position.Line)
	}
}
