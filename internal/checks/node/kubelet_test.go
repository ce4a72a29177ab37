package node

import "testing"

func TestKubeletAnonymousAuth(t *testing.T) {
	runNodeCases(t, Prefix+"kubelet-anonymous-auth", []nodeCase{
		{name: "config off", files: kubeletNode("authentication: {anonymous: {enabled: false}}\n")},
		{name: "config default off", files: kubeletNode("")},
		{name: "config on", files: kubeletNode("authentication: {anonymous: {enabled: true}}\n"), want: []want{"high: authentication.anonymous.enabled: true (CIS 4.2.1)"}},
		{name: "flag overrides config", files: kubeletNode("authentication: {anonymous: {enabled: false}}\n", "--anonymous-auth=true"),
			want: []want{"high: --anonymous-auth=true (/var/lib/kubelet/kubeadm-flags.env:1) (CIS 4.2.1)"}},
		{name: "flags only: both defaults open", files: flagsOnlyNode(), want: []want{"critical: --anonymous-auth is not set and the kubelet reads no config file (the flag default is true)"}},
		{name: "config file missing", files: kubeletNode("-"), want: []want{"info: not assessed: the kubelet reads /var/lib/kubelet/config.yaml, which Palisade could not read"}},
	})
}

func TestKubeletAuthorizationMode(t *testing.T) {
	runNodeCases(t, Prefix+"kubelet-authorization-mode", []nodeCase{
		{name: "config default Webhook", files: kubeletNode("")},
		{name: "flag Webhook", files: flagsOnlyNode("--authorization-mode=Webhook")},
		{name: "config AlwaysAllow", files: kubeletNode("authorization: {mode: AlwaysAllow}\n"), want: []want{"critical: authorization.mode: AlwaysAllow (CIS 4.2.2)"}},
		{name: "flags only default", files: flagsOnlyNode(), want: []want{"critical: (the flag default is AlwaysAllow)"}},
	})
}

func TestKubeletClientCA(t *testing.T) {
	runNodeCases(t, Prefix+"kubelet-client-ca", []nodeCase{
		{name: "set", files: kubeletNode("authentication: {x509: {clientCAFile: /etc/kubernetes/pki/ca.crt}}\n")},
		{name: "set by flag", files: flagsOnlyNode("--client-ca-file=/etc/kubernetes/pki/ca.crt")},
		{name: "unset", files: kubeletNode(""), want: []want{"medium: authentication.x509.clientCAFile is not set"}},
	})
}

func TestKubeletReadOnlyPort(t *testing.T) {
	runNodeCases(t, Prefix+"kubelet-read-only-port", []nodeCase{
		{name: "config default off", files: kubeletNode("")},
		{name: "flag closes it", files: kubeletNode("readOnlyPort: 10255\n", "--read-only-port=0")},
		{name: "config open", files: kubeletNode("readOnlyPort: 10255\n"), want: []want{"high: readOnlyPort: 10255 (CIS 4.2.4)"}},
		{name: "flags only default", files: flagsOnlyNode(), want: []want{"high: --read-only-port is not set and the kubelet reads no config file (the flag default is 10255)"}},
	})
}

func TestKubeletStreamingIdleTimeout(t *testing.T) {
	runNodeCases(t, Prefix+"kubelet-streaming-idle-timeout", []nodeCase{
		{name: "config", files: kubeletNode("streamingConnectionIdleTimeout: 5m\n")},
		{name: "default", files: flagsOnlyNode()},
		{name: "flag zero", files: kubeletNode("", "--streaming-connection-idle-timeout=0"), want: []want{"low: --streaming-connection-idle-timeout=0 (/var/lib/kubelet/kubeadm-flags.env:1) (CIS 4.2.5)"}},
	})
}

func TestKubeletProtectKernelDefaults(t *testing.T) {
	runNodeCases(t, Prefix+"kubelet-protect-kernel-defaults", []nodeCase{
		{name: "on", files: kubeletNode("protectKernelDefaults: true\n")},
		{name: "on by flag", files: flagsOnlyNode("--protect-kernel-defaults")},
		{name: "default", files: kubeletNode(""), want: []want{"low: protectKernelDefaults is not set (the kubelet config file default is false)"}},
	})
}

func TestKubeletIPTablesUtilChains(t *testing.T) {
	runNodeCases(t, Prefix+"kubelet-iptables-util-chains", []nodeCase{
		{name: "default", files: kubeletNode("")},
		{name: "off", files: kubeletNode("makeIPTablesUtilChains: false\n"), want: []want{"low: makeIPTablesUtilChains: false (CIS 4.2.6)"}},
	})
}

func TestKubeletCertificates(t *testing.T) {
	runNodeCases(t, Prefix+"kubelet-certificates", []nodeCase{
		{name: "rotated and CA-signed", files: kubeletNode("rotateCertificates: true\nserverTLSBootstrap: true\n")},
		{name: "given serving certificate", files: kubeletNode("rotateCertificates: true\ntlsCertFile: /c\ntlsPrivateKeyFile: /k\n")},
		{name: "defaults", files: kubeletNode(""), want: []want{
			"medium: rotateCertificates is not set (the kubelet config file default is false) (CIS 4.2.10)",
			"low: serverTLSBootstrap is not set (the kubelet config file default is false) and no tlsCertFile is given (CIS 4.2.9)",
		}},
		{name: "feature gate off", files: kubeletNode("rotateCertificates: true\nserverTLSBootstrap: true\nfeatureGates: {RotateKubeletServerCertificate: false}\n"),
			want: []want{"medium: featureGates.RotateKubeletServerCertificate: false (CIS 4.2.11)"}},
		{name: "feature gate off by flag", files: kubeletNode("rotateCertificates: true\nserverTLSBootstrap: true\n", "--feature-gates=RotateKubeletServerCertificate=false"),
			want: []want{"medium: --feature-gates sets RotateKubeletServerCertificate=false (/var/lib/kubelet/kubeadm-flags.env:1) (CIS 4.2.11)"}},
	})
}

func TestKubeletTLSCiphers(t *testing.T) {
	runNodeCases(t, Prefix+"kubelet-tls-ciphers", []nodeCase{
		{name: "defaults", files: kubeletNode("")},
		{name: "strong", files: kubeletNode("tlsMinVersion: VersionTLS12\ntlsCipherSuites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]\n")},
		{name: "weak", files: kubeletNode("tlsMinVersion: VersionTLS10\ntlsCipherSuites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_RSA_WITH_3DES_EDE_CBC_SHA]\n"), want: []want{
			"high: tlsMinVersion: VersionTLS10 (CIS 4.2.12)",
			"medium: weak TLS_RSA_WITH_3DES_EDE_CBC_SHA (CIS 4.2.12)",
		}},
	})
}

func TestKubeletEventQPS(t *testing.T) {
	runNodeCases(t, Prefix+"kubelet-event-qps", []nodeCase{
		{name: "default", files: kubeletNode("")},
		{name: "unlimited", files: kubeletNode("eventRecordQPS: 0\n"), want: []want{"low: eventRecordQPS: 0 (CIS 4.2.8): events are not rate-limited"}},
		{name: "too low", files: kubeletNode("", "--event-qps=2"), want: []want{"low: events beyond 2 per second are dropped"}},
	})
}

func TestKubeProxyMetricsBindAddress(t *testing.T) {
	proxy := func(addr string) map[string]string {
		return map[string]string{"var/lib/kube-proxy/config.conf": "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n" + addr}
	}
	runNodeCases(t, Prefix+"kube-proxy-metrics-bind-address", []nodeCase{
		{name: "default", files: proxy("")},
		{name: "loopback", files: proxy("metricsBindAddress: 127.0.0.1:10249\n")},
		{name: "every interface", files: proxy("metricsBindAddress: 0.0.0.0:10249\n"), want: []want{"medium: metricsBindAddress: 0.0.0.0:10249 (CIS 4.3.1)"}},
		{name: "empty host", files: proxy("metricsBindAddress: \":10249\"\n"), want: []want{"medium: metricsBindAddress: :10249"}},
	})
}
