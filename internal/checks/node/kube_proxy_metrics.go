package node

import (
	"net"
	"strings"

	kubeproxyv1alpha1 "k8s.io/kube-proxy/config/v1alpha1"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

/*
kube-proxy must serve its metrics on loopback only.

**Fields read (KubeProxyConfiguration, kubeproxy.config.k8s.io/v1alpha1):**
metricsBindAddress (default 127.0.0.1:10249, or [::1]:10249 when
bindAddress is IPv6).

**Allowed values:** a loopback host (127.0.0.1, ::1, localhost) (CIS
4.3.1).
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "kube-proxy-metrics-bind-address",
			Title: "kube-proxy serves metrics on every interface",
			Description: "Reads metricsBindAddress of a KubeProxyConfiguration (default 127.0.0.1:10249). Allowed: a loopback host. On " +
				"0.0.0.0, an empty host (\":10249\") or a routable address, kube-proxy's metrics — every Service and endpoint it " +
				"programs — are served without authentication to the network (CIS 4.3.1).",
			Severity: check.SeverityMedium,
			Vector:   check.VectorAPIExposure,
			Strategy: check.StrategyNetworkPolicy,
			References: check.References{
				CIS:   []string{"4.3.1"},
				NSA:   []string{nsaWorkerNodes},
				MITRE: []string{"T1613"},
			},
			Remediation: "Set metricsBindAddress: 127.0.0.1:10249 (or remove it) and scrape through a sidecar or node agent if needed.",
		},
		Kinds:  []string{"KubeProxyConfiguration"},
		Object: kubeProxyMetrics,
	})
}

func kubeProxyMetrics(_ *check.Context, obj *cluster.Object) []check.Violation {
	cfg, ok := obj.Typed.(*kubeproxyv1alpha1.KubeProxyConfiguration)
	if !ok || cfg.MetricsBindAddress == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(cfg.MetricsBindAddress)
	if err != nil {
		host = cfg.MetricsBindAddress // a bare IP; kube-proxy adds the port
	}
	host = strings.Trim(host, "[]")
	if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
		return nil
	}
	return []check.Violation{{Field: "metricsBindAddress", Message: "metricsBindAddress: " + cfg.MetricsBindAddress +
		" (CIS 4.3.1): kube-proxy's metrics, which list every Service it programs, are served without authentication beyond the node"}}
}
