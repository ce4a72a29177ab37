package controlplane

import (
	"github.com/palisade-sec/palisade/internal/checks/checktest"
	"strings"
	"testing"

	apiserverv1 "k8s.io/apiserver/pkg/apis/apiserver/v1"
	"sigs.k8s.io/yaml"

	"github.com/palisade-sec/palisade/internal/check"
)

func TestJudgeEncryption(t *testing.T) {
	tests := []struct {
		name, config string
		sev          check.Severity // -1: passes
		field, text  string
	}{
		{"identity first", `
resources:
- resources: [secrets]
  providers: [{identity: {}}, {aescbc: {keys: [{name: k, secret: eA==}]}}]`, check.SeverityHigh, "resources[0].providers[0].identity", "written to etcd in plain text; the providers after it only decrypt"},
		{"secrets not covered", `
resources:
- resources: [configmaps, "*.apps"]
  providers: [{secretbox: {keys: [{name: k, secret: eA==}]}}]`, check.SeverityHigh, "resources", "no resource entry covers secrets"},
		{"aescbc only", `
resources:
- resources: [secrets]
  providers: [{aescbc: {keys: [{name: k, secret: eA==}]}}, {identity: {}}]`, check.SeverityMedium, "resources[0].providers[0].aescbc", "aescbc"},
		{"kms v1 by default", `
resources:
- resources: ["*.*"]
  providers: [{kms: {name: vault, endpoint: "unix:///kms.sock"}}]`, check.SeverityMedium, "resources[0].providers[0].kms", "v1 (the default when apiVersion is not set)"},
		{"kms v1", `
resources:
- resources: [secrets]
  providers: [{kms: {apiVersion: v1, name: vault, endpoint: "unix:///kms.sock"}}]`, check.SeverityMedium, "resources[0].providers[0].kms", "KMS v1 is deprecated"},
		{"kms v2", `
resources:
- resources: [secrets]
  providers: [{kms: {apiVersion: v2, name: vault, endpoint: "unix:///kms.sock"}}, {identity: {}}]`, -1, "", ""},
		{"secretbox, core wildcard", `
resources:
- resources: ["*."]
  providers: [{secretbox: {keys: [{name: k, secret: eA==}]}}]`, -1, "", ""},
		{"aesgcm needs rotation", `
resources:
- resources: [secrets]
  providers: [{aesgcm: {keys: [{name: k, secret: eA==}]}}]`, check.SeverityInfo, "resources[0].providers[0].aesgcm", "rotate the key"},
		{"first covering entry wins", `
resources:
- resources: [events]
  providers: [{identity: {}}]
- resources: [secrets]
  providers: [{identity: {}}]
- resources: ["*.*"]
  providers: [{kms: {apiVersion: v2, name: v, endpoint: "unix:///k.sock"}}]`, check.SeverityHigh, "resources[1].providers[0].identity", "plain text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg apiserverv1.EncryptionConfiguration
			if err := yaml.Unmarshal([]byte(tt.config), &cfg); err != nil {
				t.Fatal(err)
			}
			vs := judgeEncryption(nil, &cfg)
			if tt.sev < 0 {
				if len(vs) > 0 {
					t.Fatalf("flagged: %+v", vs)
				}
				return
			}
			if len(vs) != 1 {
				t.Fatalf("%d violations, want 1: %+v", len(vs), vs)
			}
			v := vs[0]
			if v.Field != tt.field || *v.Severity != tt.sev || !contains(v.Message, tt.text) {
				t.Errorf("got %s %s %q; want %s %s containing %q", *v.Severity, v.Field, v.Message, tt.sev, tt.field, tt.text)
			}
		})
	}
}

const encryptingAPIServer = `apiVersion: v1
kind: Pod
metadata: {name: kube-apiserver, namespace: kube-system}
spec:
  containers:
  - name: kube-apiserver
    image: registry.k8s.io/kube-apiserver:v1.37.2
    command: [kube-apiserver, --encryption-provider-config=/etc/kubernetes/enc/enc.yaml]
    volumeMounts:
    - {name: enc, mountPath: /etc/kubernetes/enc}
  volumes:
  - {name: enc, hostPath: {path: /srv/enc}}
`

func TestEncryptionAtRest(t *testing.T) {
	const id = Prefix + "encryption-at-rest"
	runCases(t, id, []testCase{
		{"no flag", apiserver(), []want{"high: --encryption-provider-config is not set (CIS 1.2.27): Secrets are stored in etcd in plain text"}},
		{"manifest scan: the file is on the node", encryptingAPIServer, []want{"info: not assessed: --encryption-provider-config=/etc/kubernetes/enc/enc.yaml names /srv/enc/enc.yaml on the control-plane node"}},
		{"not on a hostPath", apiserver("--encryption-provider-config=/opt/enc.yaml"), []want{"info: not assessed: --encryption-provider-config=/opt/enc.yaml is not on a hostPath volume"}},
	})
	manifest := map[string]string{"etc/kubernetes/manifests/kube-apiserver.yaml": encryptingAPIServer}
	t.Run("node: file missing under the root", func(t *testing.T) {
		checktest.Expect(t, runOnNode(t, id, manifest), []want{"info: not assessed: --encryption-provider-config=/etc/kubernetes/enc/enc.yaml names /srv/enc/enc.yaml, which is missing under --root"})
	})
	t.Run("node: file does not decode", func(t *testing.T) {
		checktest.Expect(t, runOnNode(t, id, map[string]string{
			"etc/kubernetes/manifests/kube-apiserver.yaml": encryptingAPIServer,
			"srv/enc/enc.yaml": "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources: {}\n",
		}), []want{"info: not assessed: --encryption-provider-config=/etc/kubernetes/enc/enc.yaml names /srv/enc/enc.yaml, which could not be read"})
	})
	t.Run("node: identity first, on the config's own line", func(t *testing.T) {
		got := runOnNode(t, id, map[string]string{
			"etc/kubernetes/manifests/kube-apiserver.yaml": encryptingAPIServer,
			"srv/enc/enc.yaml": "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - identity: {}\n",
		})
		checktest.Expect(t, got, []want{"high: the first provider for secrets is identity"})
		if len(got) == 1 && (got[0].Object.Kind != "EncryptionConfiguration" || got[0].Position.Line != 6) {
			t.Errorf("reported on %s line %d, want the EncryptionConfiguration, line 6", got[0].Object, got[0].Position.Line)
		}
	})
	t.Run("node: kms v2 passes", func(t *testing.T) {
		checktest.Expect(t, runOnNode(t, id, map[string]string{
			"etc/kubernetes/manifests/kube-apiserver.yaml": encryptingAPIServer,
			"srv/enc/enc.yaml": "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - kms: {apiVersion: v2, name: k, endpoint: unix:///k.sock}\n",
		}), nil)
	})
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
