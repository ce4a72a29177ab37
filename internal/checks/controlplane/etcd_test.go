package controlplane

import "testing"

func etcd(flags ...string) string { return staticPod("etcd", flags...) }

func TestEtcdClientTLS(t *testing.T) {
	runCases(t, Prefix+"etcd-client-tls", []testCase{
		{"TLS", etcd("--cert-file=/c", "--key-file=/k", "--listen-client-urls=https://127.0.0.1:2379,https://10.0.0.1:2379"), nil},
		{"plain and auto", etcd("--auto-tls=true", "--listen-client-urls=http://127.0.0.1:2379,http://10.0.0.1:2379"), []want{
			"high: --cert-file, --key-file not set (CIS 2.1)",
			"medium: --auto-tls=true (CIS 2.3)",
			"high: --listen-client-urls includes http://10.0.0.1:2379",
			"low: --listen-client-urls includes http://127.0.0.1:2379",
		}},
		{"config file", etcd("--config-file=/etc/etcd.yaml"), []want{"info: not assessed: etcd reads its settings from --config-file=/etc/etcd.yaml"}},
	})
}

func TestEtcdClientCertAuth(t *testing.T) {
	runCases(t, Prefix+"etcd-client-cert-auth", []testCase{
		{"on", etcd("--client-cert-auth=true"), nil},
		{"on by environment", `apiVersion: v1
kind: Pod
metadata: {name: etcd, namespace: kube-system}
spec:
  containers:
  - name: etcd
    image: registry.k8s.io/etcd:3.6.16-0
    command: [etcd]
    env: [{name: ETCD_CLIENT_CERT_AUTH, value: "true"}]
`, nil},
		{"default off", etcd(), []want{"critical: --client-cert-auth is not set, and defaults to false (CIS 2.2)"}},
		{"off", etcd("--client-cert-auth=false"), []want{"critical: --client-cert-auth=false (CIS 2.2)"}},
	})
}

func TestEtcdPeerTLS(t *testing.T) {
	runCases(t, Prefix+"etcd-peer-tls", []testCase{
		{"TLS", etcd("--peer-cert-file=/c", "--peer-key-file=/k", "--listen-peer-urls=https://10.0.0.1:2380"), nil},
		{"none, network", etcd("--peer-auto-tls=true", "--listen-peer-urls=http://10.0.0.1:2380"), []want{
			"high: --peer-cert-file, --peer-key-file not set (CIS 2.4)",
			"medium: --peer-auto-tls=true (CIS 2.6)",
			"high: --listen-peer-urls includes http://10.0.0.1:2380",
		}},
		{"none, loopback only", etcd(), []want{"low: peers are only heard on loopback"}},
	})
}

func TestEtcdPeerClientCertAuth(t *testing.T) {
	runCases(t, Prefix+"etcd-peer-client-cert-auth", []testCase{
		{"on", etcd("--peer-client-cert-auth=true"), nil},
		{"off, network", etcd("--listen-peer-urls=https://10.0.0.1:2380"), []want{"high: --peer-client-cert-auth is not set, and defaults to false (CIS 2.5)"}},
		{"off, loopback", etcd("--listen-peer-urls=https://127.0.0.1:2380"), []want{"low: (CIS 2.5)"}},
	})
}
