package controlplane

import "testing"

func apiserver(flags ...string) string { return staticPod("kube-apiserver", flags...) }

func TestAPIServerAnonymousAuth(t *testing.T) {
	runCases(t, Prefix+"apiserver-anonymous-auth", []testCase{
		{"off", apiserver("--anonymous-auth=false", "--authorization-mode=Node,RBAC"), nil},
		{"default is on", apiserver("--authorization-mode=Node,RBAC"), []want{"medium: --anonymous-auth is not set, and defaults to true (CIS 1.2.1)"}},
		{"on with AlwaysAllow", apiserver("--anonymous-auth=true", "--authorization-mode=AlwaysAllow"), []want{"critical: AlwaysAllow authorizer lets them do anything"}},
		{"configured in a file", apiserver("--authentication-config=/etc/kubernetes/authn.yaml"), []want{"info: not assessed: --anonymous-auth is not set and --authentication-config"}},
		{"not a boolean", apiserver("--anonymous-auth=maybe"), []want{"info: not assessed: --anonymous-auth=maybe is not a boolean"}},
	})
}

func TestAPIServerAuthorizationMode(t *testing.T) {
	runCases(t, Prefix+"apiserver-authorization-mode", []testCase{
		{"Node and RBAC", apiserver("--authorization-mode=Node,RBAC"), nil},
		{"repeated flag", apiserver("--authorization-mode=Node", "--authorization-mode=RBAC,Webhook"), nil},
		{"default AlwaysAllow", apiserver(), []want{
			"critical: --authorization-mode is not set, and defaults to AlwaysAllow (CIS 1.2.6)",
			"high: does not include RBAC (CIS 1.2.8)",
			"medium: does not include Node (CIS 1.2.7)",
		}},
		{"RBAC only", apiserver("--authorization-mode=RBAC"), []want{"medium: --authorization-mode=RBAC does not include Node"}},
		{"AlwaysAllow last", apiserver("--authorization-mode=Node,RBAC,AlwaysAllow"), []want{"critical: every authenticated request is allowed"}},
		{"authorization config", apiserver("--authorization-config=/etc/kubernetes/authz.yaml"), []want{"info: not assessed: the authorizers are configured by --authorization-config"}},
	})
}

func TestAPIServerInsecurePort(t *testing.T) {
	runCases(t, Prefix+"apiserver-insecure-port", []testCase{
		{"not set", apiserver(), nil},
		{"zero", apiserver("--insecure-port=0"), nil},
		{"loopback", apiserver("--insecure-port=8080"), []want{"high: --insecure-port=8080 with --insecure-bind-address is not set, and defaults to 127.0.0.1"}},
		{"every interface", apiserver("--insecure-port=8080", "--insecure-bind-address=0.0.0.0"), []want{"critical: cluster-admin without credentials"}},
		{"old alias", apiserver("--port=8080", "--insecure-bind-address=10.0.0.1"), []want{"critical: --port=8080"}},
	})
}

func TestAPIServerStaticCredentials(t *testing.T) {
	runCases(t, Prefix+"apiserver-static-credentials", []testCase{
		{"none", apiserver("--token-auth-file="), nil},
		{"token and password files", apiserver("--token-auth-file=/etc/kubernetes/tokens.csv", "--basic-auth-file=/etc/kubernetes/passwords.csv"), []want{
			"high: --token-auth-file=/etc/kubernetes/tokens.csv (CIS 1.2.2)",
			"high: --basic-auth-file=/etc/kubernetes/passwords.csv: passwords in clear text",
		}},
	})
}

func TestAPIServerAdmissionPlugins(t *testing.T) {
	runCases(t, Prefix+"apiserver-admission-plugins", []testCase{
		{"NodeRestriction on", apiserver("--enable-admission-plugins=NodeRestriction,PodSecurity"), nil},
		{"defaults", apiserver(), []want{"medium: NodeRestriction is not enabled (CIS 1.2.14)"}},
		{"AlwaysAdmit and disabled defaults", apiserver("--enable-admission-plugins=NodeRestriction,AlwaysAdmit", "--disable-admission-plugins=ServiceAccount,NamespaceLifecycle"), []want{
			"high: AlwaysAdmit is enabled (CIS 1.2.10)",
			"medium: the ServiceAccount admission plugin is off (CIS 1.2.12)",
			"low: the NamespaceLifecycle admission plugin is off (CIS 1.2.13)",
		}},
		{"legacy list replaces the defaults", apiserver("--admission-control=NodeRestriction,NamespaceLifecycle"), []want{"medium: ServiceAccount admission plugin is off"}},
	})
}

func TestAPIServerAuditLog(t *testing.T) {
	runCases(t, Prefix+"apiserver-audit-log", []testCase{
		{"kept long enough", apiserver("--audit-log-path=/var/log/audit.log", "--audit-log-maxage=30", "--audit-log-maxbackup=10", "--audit-log-maxsize=100"), nil},
		{"retention unset keeps everything", apiserver("--audit-log-path=/var/log/audit.log"), nil},
		{"standard output", apiserver("--audit-log-path=-", "--audit-log-maxage=1"), nil},
		{"no path", apiserver("--audit-webhook-config-file=/etc/kubernetes/webhook.yaml"), []want{"medium: --audit-log-path is not set (CIS 1.2.16): no audit log file is written; events go only to the webhook"}},
		{"short retention", apiserver("--audit-log-path=/var/log/audit.log", "--audit-log-maxage=7", "--audit-log-maxbackup=2", "--audit-log-maxsize=10"), []want{
			"medium: --audit-log-maxage=7 is below 30 days (CIS 1.2.17)",
			"medium: --audit-log-maxbackup=2 is below 10 rotated files (CIS 1.2.18)",
			"low: --audit-log-maxsize=10 is below 100 MB (CIS 1.2.19)",
		}},
		{"not a number", apiserver("--audit-log-path=/a", "--audit-log-maxage=month"), []want{"info: not assessed: --audit-log-maxage=month is not a number"}},
	})
}

func TestAPIServerRequestTimeout(t *testing.T) {
	runCases(t, Prefix+"apiserver-request-timeout", []testCase{
		{"default", apiserver(), nil},
		{"five minutes", apiserver("--request-timeout=5m"), nil},
		{"half an hour", apiserver("--request-timeout=30m"), []want{"low: --request-timeout=30m is not between 0 and 5m0s (CIS 1.2.20)"}},
		{"not a duration", apiserver("--request-timeout=soon"), []want{"info: not assessed"}},
	})
}

func TestAPIServerServiceAccountTokens(t *testing.T) {
	runCases(t, Prefix+"apiserver-service-account-tokens", []testCase{
		{"lookup default and key file", apiserver("--service-account-key-file=/etc/kubernetes/pki/sa.pub"), nil},
		{"lookup off, no key file", apiserver("--service-account-lookup=false"), []want{
			"medium: --service-account-lookup=false (CIS 1.2.21)",
			"low: --service-account-key-file is not set (CIS 1.2.22)",
		}},
	})
}

func TestAPIServerEtcdTLS(t *testing.T) {
	runCases(t, Prefix+"apiserver-etcd-tls", []testCase{
		{"mutual TLS", apiserver("--etcd-certfile=/c", "--etcd-keyfile=/k", "--etcd-cafile=/ca", "--etcd-servers=https://127.0.0.1:2379"), nil},
		{"plain", apiserver("--etcd-servers=http://10.0.0.5:2379"), []want{
			"high: --etcd-certfile, --etcd-keyfile not set (CIS 1.2.23)",
			"high: --etcd-cafile is not set (CIS 1.2.26)",
			"high: --etcd-servers lists http://10.0.0.5:2379",
		}},
	})
}

func TestAPIServerTLS(t *testing.T) {
	runCases(t, Prefix+"apiserver-tls", []testCase{
		{"configured", apiserver("--tls-cert-file=/c", "--tls-private-key-file=/k", "--client-ca-file=/ca"), nil},
		{"missing", apiserver("--tls-cert-file=/c"), []want{
			"medium: --tls-private-key-file not set (CIS 1.2.24)",
			"low: --client-ca-file is not set (CIS 1.2.25)",
		}},
	})
}

func TestAPIServerTLSCiphers(t *testing.T) {
	runCases(t, Prefix+"apiserver-tls-ciphers", []testCase{
		{"defaults", apiserver(), nil},
		{"strong", apiserver("--tls-min-version=VersionTLS13", "--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"), nil},
		{"weak", apiserver("--tls-min-version=VersionTLS10", "--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_RC4_128_SHA,TLS_RSA_WITH_AES_256_CBC_SHA"), []want{
			"high: --tls-min-version=VersionTLS10 (CIS 1.2.29)",
			"medium: weak suites TLS_RSA_WITH_RC4_128_SHA, TLS_RSA_WITH_AES_256_CBC_SHA (CIS 1.2.29)",
		}},
	})
}

func TestAPIServerKubeletTLS(t *testing.T) {
	runCases(t, Prefix+"apiserver-kubelet-tls", []testCase{
		{"configured", apiserver("--kubelet-client-certificate=/c", "--kubelet-client-key=/k", "--kubelet-certificate-authority=/ca"), nil},
		{"kubeadm default", apiserver("--kubelet-client-certificate=/c", "--kubelet-client-key=/k"), []want{"medium: --kubelet-certificate-authority is not set (CIS 1.2.5)"}},
		{"nothing", apiserver(), []want{"medium: --kubelet-client-certificate, --kubelet-client-key not set (CIS 1.2.4)", "medium: (CIS 1.2.5)"}},
	})
}
