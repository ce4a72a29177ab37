package node

import (
	"strconv"

	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"

	"github.com/palisade-sec/palisade/internal/check"
)

/*
The kubelet must serve a certificate the API server can verify, and keep
its certificates renewed.

**Settings read:** tlsCertFile and tlsPrivateKeyFile (--tls-cert-file,
--tls-private-key-file), serverTLSBootstrap (--rotate-server-certificates),
rotateCertificates (--rotate-certificates, default false), the
RotateKubeletServerCertificate feature gate (featureGates or
--feature-gates, default true).

**Allowed values:** a serving certificate given, or requested from the
cluster CA with serverTLSBootstrap (CIS 4.2.9, low: kubeadm's default
self-signs); rotateCertificates true (CIS 4.2.10); the feature gate not
false (CIS 4.2.11).
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "kubelet-certificates",
			Title: "Kubelet certificates are self-signed or not rotated",
			Description: "Reads the kubelet's tlsCertFile, tlsPrivateKeyFile, serverTLSBootstrap, rotateCertificates and the " +
				"RotateKubeletServerCertificate feature gate (config file or flags). Flagged: no serving certificate and no " +
				"serverTLSBootstrap (CIS 4.2.9, low), so the kubelet serves a self-signed certificate the API server cannot verify and " +
				"its exec and log traffic can be intercepted; rotateCertificates not true (CIS 4.2.10; it defaults to false), so the " +
				"client certificate expires or lives forever; the feature gate set to false (CIS 4.2.11).",
			Severity: check.SeverityMedium,
			Vector:   check.VectorNetworkAttack,
			Strategy: check.StrategyEncryption,
			References: check.References{
				CIS:   []string{"4.2.9", "4.2.10", "4.2.11"},
				NSA:   []string{nsaWorkerNodes, nsaEncryption},
				MITRE: []string{"T1557"},
			},
			Remediation: "Set rotateCertificates: true and serverTLSBootstrap: true in the kubelet config file, approve the serving " +
				"certificate requests (a CSR approver), and leave RotateKubeletServerCertificate at its default.",
		},
		Cluster: onKubelets(kubeletCertificates),
	})
}

func kubeletCertificates(k *kubelet) []check.Violation {
	var out []check.Violation
	cert, na := k.decide("tls-cert-file", "tlsCertFile", func(c *kubeletv1beta1.KubeletConfiguration) (string, bool) {
		return c.TLSCertFile, c.TLSCertFile != ""
	}, "", "")
	if na != nil {
		return []check.Violation{*na}
	}
	bootstrap, _ := k.decide("rotate-server-certificates", "serverTLSBootstrap", func(c *kubeletv1beta1.KubeletConfiguration) (string, bool) {
		return boolValue(c.ServerTLSBootstrap)
	}, "false", "false")
	if cert.value == "" && bootstrap.value != "true" {
		out = append(out, graded(bootstrap.violation("%s and no tlsCertFile is given (CIS 4.2.9): the kubelet serves a self-signed "+
			"certificate the API server cannot verify", bootstrap.text), check.SeverityLow))
	}
	rotate, _ := k.decide("rotate-certificates", "rotateCertificates", func(c *kubeletv1beta1.KubeletConfiguration) (string, bool) {
		return boolValue(c.RotateCertificates)
	}, "false", "false")
	if rotate.value != "true" {
		out = append(out, rotate.violation("%s (CIS 4.2.10): the kubelet's client certificate is not renewed before it expires", rotate.text))
	}
	if v := k.featureGate("RotateKubeletServerCertificate"); v != nil && v.value == "false" {
		out = append(out, v.violation("%s (CIS 4.2.11): the kubelet's serving certificate is not renewed through the certificates API", v.text))
	}
	return out
}

// featureGate decides one feature gate of the kubelet, or nil when
// neither the flags nor the config file set it.
func (k *kubelet) featureGate(name string) *setting {
	if e, ok := k.flags.Map("feature-gates")[name]; ok {
		return &setting{value: normBool(e.Value), text: "--feature-gates sets " + name + "=" + e.Value + " (" + e.Flag.Arg.Where() + ")",
			obj: k.flagObject(e.Flag), field: "--feature-gates"}
	}
	if k.cfg != nil {
		if on, ok := k.cfg.FeatureGates[name]; ok {
			return &setting{value: strconv.FormatBool(on), text: "featureGates." + name + ": " + strconv.FormatBool(on), obj: k.cfgObj, field: "featureGates." + name}
		}
	}
	return nil
}

func normBool(s string) string {
	if b, err := strconv.ParseBool(s); err == nil {
		return strconv.FormatBool(b)
	}
	return s
}
