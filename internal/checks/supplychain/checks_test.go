package supplychain_test

import (
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/checks/checktest"
	_ "github.com/palisade-sec/palisade/internal/checks/supplychain"
)

const digest = "sha256:9f0b5d4c2e1a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c"

// want is one expected finding: its exact field, and strings its message
// must contain.
type want struct {
	field string
	msg   []string
}

type testCase struct {
	name  string
	cfg   *check.Config
	yaml  string
	wants []want
}

func run(t *testing.T, id string, cases []testCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := checktest.Run(t, id, tc.cfg, tc.yaml)
			if len(got) != len(tc.wants) {
				for _, f := range got {
					t.Logf("got %s %s: %s", f.Object, f.Field, f.Message)
				}
				t.Fatalf("%s: %d findings, want %d", id, len(got), len(tc.wants))
			}
		next:
			for _, w := range tc.wants {
				for _, f := range got {
					if f.Field == w.field && containsAll(f.Message, w.msg) {
						if f.CheckID != id {
							t.Errorf("finding has check id %q, want %q", f.CheckID, id)
						}
						continue next
					}
				}
				t.Errorf("no finding at %s with message containing %q; got:", w.field, w.msg)
				for _, f := range got {
					t.Logf("  %s: %s", f.Field, f.Message)
				}
			}
		})
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// deployment is a Deployment whose pod runs the given container specs
// (YAML list items, already indented for the containers list).
func deployment(name, initContainers, containers string) string {
	s := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ` + name + `
  namespace: shop
spec:
  selector:
    matchLabels: {app: ` + name + `}
  template:
    metadata:
      labels: {app: ` + name + `}
    spec:
`
	if initContainers != "" {
		s += "      initContainers:\n" + initContainers
	}
	return s + "      containers:\n" + containers
}

func TestImageTagMutable(t *testing.T) {
	run(t, "supplychain/image-tag-mutable", []testCase{
		{
			name: "no tag and latest fire",
			yaml: deployment("web",
				`      - name: migrate
        image: busybox:latest
`,
				`      - name: web
        image: nginx
      - name: sidecar
        image: ghcr.io/acme/proxy:2.1.0
      - name: pinned-latest
        image: ghcr.io/acme/agent:latest@`+digest+`
`),
			wants: []want{
				{"spec.template.spec.initContainers[0].image", []string{`init container "migrate"`, `"busybox:latest"`, `tag "latest"`}},
				{"spec.template.spec.containers[0].image", []string{`container "web"`, `"nginx"`, "no tag and no digest"}},
			},
		},
		{
			name: "cronjob with version tags and digests passes",
			yaml: `apiVersion: batch/v1
kind: CronJob
metadata:
  name: report
  namespace: shop
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: report
            image: registry.corp:5000/finance/report:2024.06.1
          - name: upload
            image: amazon/aws-cli@` + digest + `
`,
		},
	})
}

func TestImageNotPinned(t *testing.T) {
	run(t, "supplychain/image-not-pinned", []testCase{
		{
			name: "tagged image without digest fires",
			yaml: `apiVersion: v1
kind: Pod
metadata:
  name: api
  namespace: shop
spec:
  containers:
  - name: api
    image: ghcr.io/acme/api:1.4.2
  - name: envoy
    image: envoyproxy/envoy:v1.30.1@` + digest + `
  - name: redis
    image: redis
`,
			wants: []want{
				{"spec.containers[0].image", []string{`container "api"`, `"ghcr.io/acme/api:1.4.2"`, `the tag "1.4.2"`}},
				{"spec.containers[2].image", []string{`container "redis"`, `"redis"`, `implied tag "latest"`}},
			},
		},
		{
			name: "every image by digest passes",
			yaml: deployment("web", `      - name: init
        image: busybox@`+digest+`
`, `      - name: web
        image: ghcr.io/acme/web:3.2.0@`+digest+`
`),
		},
	})
}

func TestUntrustedRegistry(t *testing.T) {
	images := deployment("web",
		`      - name: fetch
        image: docker.io/curlimages/curl:8.7.1
`,
		`      - name: web
        image: ghcr.io/acme/web:3.2.0
      - name: cache
        image: redis:7.2
      - name: metrics
        image: ghcr.io/acme-evil/exporter:1.0
      - name: broken
        image: Ghcr.io/Acme/Web
`)
	cfg := &check.Config{AllowedRegistries: []string{"ghcr.io/acme", "docker.io/library"}}
	run(t, "supplychain/untrusted-registry", []testCase{
		{name: "no allow list: not assessed", yaml: images},
		{name: "empty allow list: not assessed", cfg: &check.Config{}, yaml: images},
		{
			name: "images outside the allow list fire",
			cfg:  cfg,
			yaml: images,
			wants: []want{
				{"spec.template.spec.initContainers[0].image", []string{`init container "fetch"`, "docker.io/curlimages/curl", "registry docker.io", "[ghcr.io/acme, docker.io/library]"}},
				{"spec.template.spec.containers[2].image", []string{`container "metrics"`, `"ghcr.io/acme-evil/exporter:1.0"`, "registry ghcr.io"}},
				{"spec.template.spec.containers[3].image", []string{`container "broken"`, `"Ghcr.io/Acme/Web"`, "not a valid image reference"}},
			},
		},
		{
			name: "registry host entries allow everything on the host",
			cfg:  &check.Config{AllowedRegistries: []string{"ghcr.io", "docker.io"}},
			yaml: deployment("web", "", `      - name: web
        image: ghcr.io/acme/web:3.2.0
      - name: cache
        image: redis:7.2
      - name: tools
        image: bitnami/kubectl:1.30
`),
		},
		{
			name: "private registry with port",
			cfg:  &check.Config{AllowedRegistries: []string{"registry.corp:5000"}},
			yaml: deployment("web", "", `      - name: web
        image: registry.corp:5000/shop/web:3.2.0
      - name: other-port
        image: registry.corp/shop/web:3.2.0
`),
			wants: []want{{"spec.template.spec.containers[1].image", []string{`"registry.corp/shop/web:3.2.0"`, "(registry registry.corp)"}}},
		},
	})
}

func TestImagePullPolicy(t *testing.T) {
	yaml := deployment("web",
		`      - name: migrate
        image: ghcr.io/acme/migrate:1.0
        imagePullPolicy: Never
`,
		`      - name: web
        image: ghcr.io/acme/web:3.2.0
      - name: cache
        image: redis:7.2
        imagePullPolicy: IfNotPresent
      - name: edge
        image: nginx
      - name: agent
        image: ghcr.io/acme/agent:2.0
        imagePullPolicy: Always
      - name: pinned
        image: ghcr.io/acme/pinned:2.0@`+digest+`
        imagePullPolicy: IfNotPresent
      - name: latest-never
        image: nginx:latest
        imagePullPolicy: Never
`)
	run(t, "supplychain/image-pull-policy", []testCase{
		{
			name: "stale-cache policies fire",
			yaml: yaml,
			wants: []want{
				{"spec.template.spec.initContainers[0].imagePullPolicy", []string{`init container "migrate"`, "imagePullPolicy Never", `"ghcr.io/acme/migrate:1.0"`}},
				{"spec.template.spec.containers[0].imagePullPolicy", []string{`container "web"`, "unset and defaults to IfNotPresent", `"ghcr.io/acme/web:3.2.0"`, `tag "3.2.0"`}},
				{"spec.template.spec.containers[1].imagePullPolicy", []string{`container "cache"`, "imagePullPolicy IfNotPresent", `"redis:7.2"`}},
				{"spec.template.spec.containers[5].imagePullPolicy", []string{`container "latest-never"`, "imagePullPolicy Never", `"nginx:latest"`}},
			},
		},
		{
			name: "Always, defaulted Always and digests pass",
			yaml: deployment("web", "", `      - name: edge
        image: nginx
      - name: latest
        image: nginx:latest
      - name: agent
        image: ghcr.io/acme/agent:2.0
        imagePullPolicy: Always
      - name: pinned
        image: ghcr.io/acme/pinned@`+digest+`
`),
		},
	})
}

func TestImagePullPolicyFix(t *testing.T) {
	got := checktest.Run(t, "supplychain/image-pull-policy", nil, deployment("web", "", `      - name: web
        image: ghcr.io/acme/web:3.2.0
`))
	if len(got) != 1 {
		t.Fatalf("%d findings, want 1", len(got))
	}
	fix := got[0].Fix
	if len(fix) != 1 || fix[0].Op != "add" || fix[0].Path != "/spec/template/spec/containers/0/imagePullPolicy" || fix[0].Value != "Always" {
		t.Errorf("fix = %+v, want add /spec/template/spec/containers/0/imagePullPolicy Always", fix)
	}
	if got[0].Position.Line == 0 {
		t.Errorf("finding has no source position")
	}
}
