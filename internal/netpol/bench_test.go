package netpol_test

import (
	"fmt"
	"net/netip"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/netpol"
)

// benchCluster generates a live-looking cluster of about pods Pods and
// policies NetworkPolicies, 100 pods and policies/(pods/100) policies per
// namespace, the way real clusters look: Deployments' replicas share their
// labels (one class per Deployment), each StatefulSet pod and each Job pod
// has labels of its own, a node agent DaemonSet runs on the host network
// of every node, and every namespace has a default deny (of ingress only in
// every other namespace, so half the pods may connect anywhere), DNS egress,
// ingress from the ingress controller and monitoring, app-to-app rules
// with numeric, named and ranged ports, and internet egress with excepts.
func benchCluster(pods, policies int) []*cluster.Object {
	var objs []*cluster.Object
	add := func(o typedObject) { objs = append(objs, object(o, o)) }
	nsCount := max(1, pods/100)
	perNS := policies / nsCount
	nodes := max(1, pods/200)
	envs := []string{"prod", "staging", "dev"}
	ip := 0
	nextIP := func() string {
		ip++
		return netip.AddrFrom4([4]byte{10, byte(ip >> 16), byte(ip >> 8), byte(ip)}).String()
	}
	for _, ns := range []string{"kube-system", "ingress-nginx", "monitoring"} {
		add(&corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"team": ns}}})
	}
	for n := 0; n < nodes; n++ {
		nodeIP := netip.AddrFrom4([4]byte{192, 168, byte(n >> 8), byte(n)}).String()
		add(&corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
			ObjectMeta: metav1.ObjectMeta{Name: "node-agent-" + strconv.Itoa(n), Namespace: "kube-system", Labels: map[string]string{"app": "node-agent"}},
			Spec:       corev1.PodSpec{HostNetwork: true, NodeName: "node-" + strconv.Itoa(n), Containers: []corev1.Container{{Name: "agent", Image: "agent:1", Ports: []corev1.ContainerPort{{Name: "metrics", ContainerPort: 9100}}}}},
			Status:     corev1.PodStatus{PodIP: nodeIP}})
	}
	pod := func(ns, name string, labels map[string]string, ports []corev1.ContainerPort, node int) {
		add(&corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels},
			Spec:       corev1.PodSpec{NodeName: "node-" + strconv.Itoa(node%nodes), Containers: []corev1.Container{{Name: "app", Image: "app:1", Ports: ports}}},
			Status:     corev1.PodStatus{Phase: corev1.PodRunning, PodIP: nextIP()}})
	}
	made := 0
	for i := 0; i < nsCount; i++ {
		ns := fmt.Sprintf("team%02d-%03d", i%25, i)
		add(&corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"team": fmt.Sprintf("team%02d", i%25), "env": envs[i%3]}}})
		// 8 Deployments of 10 replicas, a 3-pod StatefulSet, and Job pods.
		for a := 0; a < 8; a++ {
			app := "app" + strconv.Itoa(a)
			labels := map[string]string{"app": app, "tier": []string{"frontend", "backend", "worker"}[a%3], "pod-template-hash": fmt.Sprintf("%x", (i*8+a)*2654435761%0xffffff)}
			ports := []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}, {Name: "metrics", ContainerPort: 9090}}
			if a%2 == 0 {
				ports = append(ports, corev1.ContainerPort{Name: "grpc", ContainerPort: int32(9000 + a)})
			}
			for r := 0; r < 10; r++ {
				pod(ns, fmt.Sprintf("%s-%d", app, r), labels, ports, made)
				made++
			}
		}
		for r := 0; r < 3; r++ {
			pod(ns, fmt.Sprintf("db-%d", r), map[string]string{"app": "db", "statefulset.kubernetes.io/pod-name": fmt.Sprintf("db-%d", r)},
				[]corev1.ContainerPort{{Name: "pg", ContainerPort: 5432}}, made)
			made++
		}
		for r := 0; r < 17; r++ {
			pod(ns, fmt.Sprintf("job-%d", r), map[string]string{"job-name": fmt.Sprintf("job-%d", r), "batch.kubernetes.io/controller-uid": fmt.Sprintf("%d-%d", i, r)}, nil, made)
			made++
		}
		for p := 0; p < perNS; p++ {
			add(benchPolicy(ns, i, p))
		}
	}
	return objs
}

func benchPolicy(ns string, nsIndex, k int) *networkingv1.NetworkPolicy {
	np := &networkingv1.NetworkPolicy{TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
		ObjectMeta: metav1.ObjectMeta{Name: "np-" + strconv.Itoa(k), Namespace: ns}}
	app := func(n int) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchLabels: map[string]string{"app": "app" + strconv.Itoa(n%8)}}
	}
	port := func(p intstr.IntOrString, proto corev1.Protocol) networkingv1.NetworkPolicyPort {
		return networkingv1.NetworkPolicyPort{Port: &p, Protocol: &proto}
	}
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
	in := func(from []networkingv1.NetworkPolicyPeer, ports ...networkingv1.NetworkPolicyPort) {
		np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress)
		np.Spec.Ingress = append(np.Spec.Ingress, networkingv1.NetworkPolicyIngressRule{From: from, Ports: ports})
	}
	out := func(to []networkingv1.NetworkPolicyPeer, ports ...networkingv1.NetworkPolicyPort) {
		np.Spec.PolicyTypes = append(np.Spec.PolicyTypes, networkingv1.PolicyTypeEgress)
		np.Spec.Egress = append(np.Spec.Egress, networkingv1.NetworkPolicyEgressRule{To: to, Ports: ports})
	}
	nsName := func(name string) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: name}}
	}
	switch k % 10 {
	case 0: // default deny; egress stays open in every other namespace
		np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
		if nsIndex%2 == 1 {
			np.Spec.PolicyTypes = np.Spec.PolicyTypes[:1]
		}
	case 1: // DNS
		out([]networkingv1.NetworkPolicyPeer{{NamespaceSelector: nsName("kube-system"), PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}}}},
			port(intstr.FromInt32(53), udp), port(intstr.FromInt32(53), tcp))
	case 2: // from the ingress controller to the frontend
		np.Spec.PodSelector = *app(k / 10 * 3)
		in([]networkingv1.NetworkPolicyPeer{{NamespaceSelector: nsName("ingress-nginx")}}, port(intstr.FromString("http"), tcp))
	case 3: // frontend to backend
		np.Spec.PodSelector = *app(k/10*3 + 1)
		in([]networkingv1.NetworkPolicyPeer{{PodSelector: app(k / 10 * 3)}}, port(intstr.FromInt32(8080), tcp))
	case 4: // gRPC by name
		np.Spec.PodSelector = *app(k/10*3 + 2)
		in([]networkingv1.NetworkPolicyPeer{{PodSelector: app(k/10*3 + 1)}, {PodSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"backend", "worker"}}}}}},
			port(intstr.FromString("grpc"), tcp))
	case 5: // database
		np.Spec.PodSelector = metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}
		in([]networkingv1.NetworkPolicyPeer{{PodSelector: app(2)}, {PodSelector: app(3)}}, port(intstr.FromString("pg"), tcp))
	case 6: // monitoring scrapes every pod
		in([]networkingv1.NetworkPolicyPeer{{NamespaceSelector: nsName("monitoring")}}, port(intstr.FromString("metrics"), tcp))
	case 7: // internet egress for the frontend
		np.Spec.PodSelector = *app(k / 10 * 3)
		out([]networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: []string{"10.0.0.0/8", "169.254.169.254/32"}}}},
			port(intstr.FromInt32(443), tcp))
	case 8: // the same team's namespaces, prod and staging only
		np.Spec.PodSelector = *app(4 + k/10)
		in([]networkingv1.NetworkPolicyPeer{{
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"team": fmt.Sprintf("team%02d", nsIndex%25)},
				MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "env", Operator: metav1.LabelSelectorOpIn, Values: []string{"prod", "staging"}}}},
			PodSelector: app(4 + k/10),
		}})
	default: // a range of ports to other teams' workers
		np.Spec.PodSelector = *app(5 + k/10)
		end := int32(32767)
		p := port(intstr.FromInt32(30000), tcp)
		p.EndPort = &end
		out([]networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "env", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"dev"}}}}, PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "worker"}}}}, p)
	}
	return np
}

var (
	benchOnce sync.Once
	benchSnap *cluster.Snapshot
)

func bench10k(b *testing.B) *cluster.Snapshot {
	benchOnce.Do(func() { benchSnap = cluster.NewSnapshot(benchCluster(10000, 1000)) })
	return benchSnap
}

// peakHeap samples the live heap while a benchmark runs and reports its
// peak above the heap at the start, in MiB.
type peakHeap struct {
	stop  chan struct{}
	done  chan struct{}
	base  uint64
	peak  atomic.Uint64
	probe []metrics.Sample
}

func startPeakHeap() *peakHeap {
	runtime.GC()
	p := &peakHeap{stop: make(chan struct{}), done: make(chan struct{}), probe: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}}
	p.base = p.read()
	go func() {
		defer close(p.done)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				if v := p.read(); v > p.peak.Load() {
					p.peak.Store(v)
				}
			}
		}
	}()
	return p
}

func (p *peakHeap) read() uint64 {
	metrics.Read(p.probe)
	return p.probe[0].Value.Uint64()
}

func (p *peakHeap) report(b *testing.B) {
	close(p.stop)
	<-p.done
	peak := p.peak.Load()
	if peak < p.base {
		peak = p.base
	}
	b.ReportMetric(float64(peak-p.base)/(1<<20), "peak-MiB")
}

// BenchmarkEngine10k builds the engine over 10k pods and 1k policies.
func BenchmarkEngine10k(b *testing.B) {
	snap := bench10k(b)
	b.ReportAllocs()
	ph := startPeakHeap()
	b.ResetTimer()
	var eng *netpol.Engine
	for i := 0; i < b.N; i++ {
		eng = netpol.New(snap)
	}
	b.StopTimer()
	ph.report(b)
	b.ReportMetric(float64(len(eng.Pods())), "pods")
	b.ReportMetric(float64(eng.Classes()), "classes")
}

// BenchmarkMatrix10k builds the engine and the full class-by-class matrix
// over 10k pods and 1k policies: the target is under 2 s and 500 MiB.
func BenchmarkMatrix10k(b *testing.B) {
	snap := bench10k(b)
	b.ReportAllocs()
	ph := startPeakHeap()
	b.ResetTimer()
	var (
		eng *netpol.Engine
		m   *netpol.ClassMatrix
	)
	for i := 0; i < b.N; i++ {
		eng = netpol.New(snap)
		m = eng.ClassMatrix()
	}
	b.StopTimer()
	ph.report(b)
	b.ReportMetric(float64(eng.Classes()), "classes")
	b.ReportMetric(float64(m.Size()), "cells")
	b.ReportMetric(float64(m.Reachable())/float64(m.Size())*100, "reachable-%")
}
