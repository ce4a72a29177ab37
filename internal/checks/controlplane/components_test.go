package controlplane

import "testing"

func controllerManager(flags ...string) string { return staticPod("kube-controller-manager", flags...) }
func scheduler(flags ...string) string         { return staticPod("kube-scheduler", flags...) }

func TestControllerManagerServiceAccountCredentials(t *testing.T) {
	runCases(t, Prefix+"controller-manager-service-account-credentials", []testCase{
		{"on", controllerManager("--use-service-account-credentials=true"), nil},
		{"default off", controllerManager(), []want{"medium: --use-service-account-credentials is not set, and defaults to false (CIS 1.3.3)"}},
	})
}

func TestControllerManagerKeys(t *testing.T) {
	runCases(t, Prefix+"controller-manager-keys", []testCase{
		{"both", controllerManager("--service-account-private-key-file=/k", "--root-ca-file=/ca"), nil},
		{"neither", controllerManager(), []want{"low: (CIS 1.3.4)", "low: (CIS 1.3.5)"}},
	})
}

func TestControllerManagerTerminatedPodGC(t *testing.T) {
	runCases(t, Prefix+"controller-manager-terminated-pod-gc", []testCase{
		{"set", controllerManager("--terminated-pod-gc-threshold=100"), nil},
		{"default", controllerManager(), []want{"low: keeps up to 12500 terminated pods"}},
		{"off", controllerManager("--terminated-pod-gc-threshold=0"), []want{"low: --terminated-pod-gc-threshold=0 (CIS 1.3.1): terminated pods are never collected"}},
	})
}

func TestControllerManagerRotateKubeletServerCertificate(t *testing.T) {
	runCases(t, Prefix+"controller-manager-rotate-kubelet-server-certificate", []testCase{
		{"default", controllerManager("--feature-gates=SomethingElse=false"), nil},
		{"off", controllerManager("--feature-gates=RotateKubeletServerCertificate=true", "--feature-gates=RotateKubeletServerCertificate=false"), []want{"medium: RotateKubeletServerCertificate=false (CIS 1.3.6)"}},
	})
}

func TestProfiling(t *testing.T) {
	runCases(t, Prefix+"profiling", []testCase{
		{"off everywhere", apiserver("--profiling=false") + "---\n" + controllerManager("--profiling=false") + "---\n" + scheduler("--profiling=false"), nil},
		{"defaults", apiserver() + "---\n" + controllerManager() + "---\n" + scheduler(), []want{
			"low: kube-apiserver: --profiling is not set, and defaults to true (CIS 1.2.15)",
			"low: kube-controller-manager: --profiling is not set, and defaults to true (CIS 1.3.2)",
			"low: kube-scheduler: --profiling is not set, and defaults to true (CIS 1.4.1)",
		}},
		{"scheduler config file", scheduler("--config=/etc/kubernetes/scheduler-config.yaml"), []want{"info: not assessed: kube-scheduler takes enableProfiling from --config"}},
		{"bare flag", scheduler("--profiling"), []want{"low: kube-scheduler: --profiling (CIS 1.4.1)"}},
	})
}

func TestBindAddress(t *testing.T) {
	runCases(t, Prefix+"bind-address", []testCase{
		{"loopback", controllerManager("--bind-address=127.0.0.1") + "---\n" + scheduler("--bind-address=::1"), nil},
		{"serving off", scheduler("--secure-port=0"), nil},
		{"defaults", controllerManager() + "---\n" + scheduler(), []want{
			"medium: kube-controller-manager: --bind-address is not set, and defaults to 0.0.0.0 (CIS 1.3.7)",
			"medium: kube-scheduler: --bind-address is not set, and defaults to 0.0.0.0 (CIS 1.4.2)",
		}},
		{"routable", scheduler("--bind-address=10.0.0.1"), []want{"medium: --bind-address=10.0.0.1"}},
	})
}
