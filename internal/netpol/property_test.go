package netpol_test

import (
	"encoding/binary"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/netpol"
)

// entropy drives the generator: a seeded PRNG for the property tests, the
// fuzzer's bytes for the fuzz test.
type entropy interface{ intn(n int) int }

type randEntropy struct{ r *rand.Rand }

func (e randEntropy) intn(n int) int { return e.r.IntN(n) }

type byteEntropy struct {
	b []byte
	i int
}

func (e *byteEntropy) intn(n int) int {
	if e.i >= len(e.b) {
		return 0
	}
	v := int(e.b[e.i])
	e.i++
	return v % n
}

func pick[T any](e entropy, list ...T) T { return list[e.intn(len(list))] }

func chance(e entropy, percent int) bool { return e.intn(100) < percent }

// world is one generated cluster: the objects the engine reads, and the
// same cluster as the reference sees it.
type world struct {
	ref     *refWorld
	objects []*cluster.Object
}

var (
	genNamespaces = []string{"a", "b", "c", ""}
	genNodes      = []string{"n1", "n2"}
	genNodeIP     = map[string]netip.Addr{"n1": netip.MustParseAddr("192.168.0.1"), "n2": netip.MustParseAddr("192.168.0.2")}
	// genAddrs are the addresses outside the pod network the tests ask
	// about: the metadata endpoint, the internet, private space, a node.
	genAddrs = []struct {
		addr netip.Addr
		node string
	}{
		{netip.MustParseAddr("169.254.169.254"), ""},
		{netip.MustParseAddr("8.8.8.8"), ""},
		{netip.MustParseAddr("10.1.2.3"), ""},
		{netip.MustParseAddr("203.0.113.9"), ""},
		{netip.MustParseAddr("192.168.0.1"), "n1"},
		{netip.MustParseAddr("fd00:ec2::254"), ""},
		{netip.MustParseAddr("2001:4860::8888"), ""},
	}
	genPorts = []int32{53, 80, 81, 443, 5432, 8080, 8180, 9090}
	// genCIDRs are the ranges the tests ask about, and genSamples the
	// addresses they check inside them (edges of the generated ipBlocks).
	genCIDRs   = mustPrefixes("0.0.0.0/0", "10.0.0.0/8", "169.254.169.254/32", "192.168.0.0/16", "8.0.0.0/7", "::/0", "fd00::/8")
	genSamples = mustAddrs("0.0.0.0", "0.0.0.1", "8.8.8.8", "9.255.255.255", "10.0.0.0", "10.0.255.255", "10.1.0.0", "10.1.255.255",
		"10.2.0.0", "10.255.255.255", "169.254.169.253", "169.254.169.254", "169.254.169.255", "192.168.0.1", "192.168.0.255",
		"192.168.1.0", "203.0.113.9", "255.255.255.255", "::", "fd00::1", "fd00:ec2::254", "fd00:ec2::255", "2001:4860::8888",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")
	genProtocols = []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP}
)

func genLabels(e entropy, keys map[string][]string) map[string]string {
	out := map[string]string{}
	for _, k := range []string{"app", "tier", "team", "env"} {
		if vals, ok := keys[k]; ok && chance(e, 60) {
			out[k] = pick(e, vals...)
		}
	}
	return out
}

var podLabelValues = map[string][]string{"app": {"web", "db", "api"}, "tier": {"fe", "be"}, "team": {"x", "y"}}
var nsLabelValues = map[string][]string{"team": {"x", "y"}, "env": {"prod", "dev"}}

func genSelector(e entropy, values map[string][]string, nilOK bool) *metav1.LabelSelector {
	switch e.intn(6) {
	case 0:
		if nilOK {
			return nil
		}
		return &metav1.LabelSelector{}
	case 1:
		return &metav1.LabelSelector{}
	case 2, 3:
		return &metav1.LabelSelector{MatchLabels: genLabels(e, values)}
	}
	var keys []string
	for k := range values {
		keys = append(keys, k)
	}
	// map order is random; sort for determinism
	sortStrings(keys)
	sel := &metav1.LabelSelector{}
	for n := 1 + e.intn(2); n > 0; n-- {
		k := pick(e, keys...)
		vals := values[k]
		switch e.intn(4) {
		case 0:
			sel.MatchExpressions = append(sel.MatchExpressions, metav1.LabelSelectorRequirement{Key: k, Operator: metav1.LabelSelectorOpIn, Values: []string{pick(e, vals...), pick(e, vals...)}})
		case 1:
			sel.MatchExpressions = append(sel.MatchExpressions, metav1.LabelSelectorRequirement{Key: k, Operator: metav1.LabelSelectorOpNotIn, Values: []string{pick(e, vals...)}})
		case 2:
			sel.MatchExpressions = append(sel.MatchExpressions, metav1.LabelSelectorRequirement{Key: k, Operator: metav1.LabelSelectorOpExists})
		default:
			sel.MatchExpressions = append(sel.MatchExpressions, metav1.LabelSelectorRequirement{Key: k, Operator: metav1.LabelSelectorOpDoesNotExist})
		}
	}
	return sel
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func genPeer(e entropy) networkingv1.NetworkPolicyPeer {
	switch e.intn(5) {
	case 0:
		return networkingv1.NetworkPolicyPeer{PodSelector: genSelector(e, podLabelValues, false)}
	case 1:
		return networkingv1.NetworkPolicyPeer{NamespaceSelector: genSelector(e, nsLabelValues, false)}
	case 2:
		return networkingv1.NetworkPolicyPeer{PodSelector: genSelector(e, podLabelValues, false), NamespaceSelector: genSelector(e, nsLabelValues, false)}
	}
	b := &networkingv1.IPBlock{CIDR: pick(e, "0.0.0.0/0", "10.0.0.0/8", "192.168.0.0/24", "169.254.169.254/32", "203.0.113.0/24", "::/0", "fd00::/8")}
	if chance(e, 40) {
		switch b.CIDR {
		case "0.0.0.0/0":
			b.Except = []string{pick(e, "169.254.169.254/32", "10.0.0.0/8", "192.168.0.0/16")}
		case "10.0.0.0/8":
			b.Except = []string{"10.1.0.0/16"}
		case "::/0":
			b.Except = []string{"fd00:ec2::254/128"}
		}
	}
	return networkingv1.NetworkPolicyPeer{IPBlock: b}
}

func genPort(e entropy) networkingv1.NetworkPolicyPort {
	var p networkingv1.NetworkPolicyPort
	if chance(e, 60) {
		proto := pick(e, genProtocols...)
		p.Protocol = &proto
	}
	switch e.intn(5) {
	case 0:
	case 1:
		v := intstr.FromString(pick(e, "http", "dns", "metrics", "nope"))
		p.Port = &v
	case 2:
		v := intstr.FromInt32(pick(e, genPorts...))
		p.Port = &v
		end := v.IntVal + int32(pick(e, 0, 1, 100, 1000))
		p.EndPort = &end
	default:
		v := intstr.FromInt32(pick(e, genPorts...))
		p.Port = &v
	}
	return p
}

func genContainerPorts(e entropy) []corev1.ContainerPort {
	all := []corev1.ContainerPort{
		{Name: "http", ContainerPort: 8080},
		{Name: "http", ContainerPort: 80},
		{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP},
		{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolTCP},
		{Name: "metrics", ContainerPort: 9090},
		{ContainerPort: 5432},
	}
	var out []corev1.ContainerPort
	used := map[string]bool{}
	for _, cp := range all {
		if chance(e, 35) && !used[cp.Name] {
			if cp.Name != "" {
				used[cp.Name] = true
			}
			out = append(out, cp)
		}
	}
	return out
}

// genWorld generates a small cluster: namespaces (some without a
// Namespace object), bare Pods (with addresses and nodes) and Deployments,
// some on the host network, and policies exercising every field.
func genWorld(e entropy) *world {
	w := &world{ref: &refWorld{nsLabels: map[string]map[string]string{}}}
	for _, ns := range genNamespaces {
		name := ns
		if name == "" {
			name = "default"
		}
		l := map[string]string{corev1.LabelMetadataName: name}
		if ns != "" && chance(e, 75) {
			own := genLabels(e, nsLabelValues)
			for k, v := range own {
				l[k] = v
			}
			n := &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: own}}
			w.objects = append(w.objects, object(n, n))
		}
		w.ref.nsLabels[name] = l
	}
	nPods := 2 + e.intn(7)
	podIP := 1
	for i := 0; i < nPods; i++ {
		ns := pick(e, genNamespaces...)
		rp := &refPod{ns: refNS(ns), name: fmt.Sprintf("p%d", i), labels: genLabels(e, podLabelValues), ports: genContainerPorts(e)}
		rp.host = chance(e, 12)
		spec := corev1.PodSpec{HostNetwork: rp.host, Containers: []corev1.Container{{Name: "c", Image: "i", Ports: rp.ports}}}
		if chance(e, 40) {
			// A second container sharing the pod's named ports space.
			spec.InitContainers = []corev1.Container{{Name: "init", Image: "i"}}
		}
		if chance(e, 45) {
			rp.isPod = true
			pod := &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
				ObjectMeta: metav1.ObjectMeta{Name: rp.name, Namespace: ns, Labels: rp.labels}, Spec: spec}
			if chance(e, 80) {
				rp.node = pick(e, genNodes...)
				pod.Spec.NodeName = rp.node
				ip := netip.AddrFrom4([4]byte{10, 0, 0, byte(podIP)})
				podIP++
				if rp.host {
					ip = genNodeIP[rp.node]
				}
				rp.ips = []netip.Addr{ip}
				pod.Status.PodIP = ip.String()
				pod.Status.PodIPs = []corev1.PodIP{{IP: ip.String()}}
			}
			w.objects = append(w.objects, object(pod, pod))
		} else {
			d := &appsv1.Deployment{TypeMeta: metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
				ObjectMeta: metav1.ObjectMeta{Name: rp.name, Namespace: ns},
				Spec:       appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: rp.labels}, Spec: spec}}}
			w.objects = append(w.objects, object(d, d))
		}
		w.ref.pods = append(w.ref.pods, rp)
	}
	nPol := e.intn(6)
	for i := 0; i < nPol; i++ {
		np := &networkingv1.NetworkPolicy{TypeMeta: metav1.TypeMeta{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy"},
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("np%d", i), Namespace: pick(e, genNamespaces...)}}
		np.Spec.PodSelector = *genSelector(e, podLabelValues, false)
		switch e.intn(4) {
		case 1:
			np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}
		case 2:
			np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}
		case 3:
			np.Spec.PolicyTypes = []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}
		}
		for n := e.intn(3); n > 0; n-- {
			var r networkingv1.NetworkPolicyIngressRule
			for k := e.intn(3); k > 0; k-- {
				r.From = append(r.From, genPeer(e))
			}
			for k := e.intn(3); k > 0; k-- {
				r.Ports = append(r.Ports, genPort(e))
			}
			np.Spec.Ingress = append(np.Spec.Ingress, r)
		}
		for n := e.intn(3); n > 0; n-- {
			var r networkingv1.NetworkPolicyEgressRule
			for k := e.intn(3); k > 0; k-- {
				r.To = append(r.To, genPeer(e))
			}
			for k := e.intn(3); k > 0; k-- {
				r.Ports = append(r.Ports, genPort(e))
			}
			np.Spec.Egress = append(np.Spec.Egress, r)
		}
		w.objects = append(w.objects, object(np, np))
		w.ref.policies = append(w.ref.policies, np)
	}
	return w
}

func mustPrefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

func mustAddrs(ss ...string) []netip.Addr {
	out := make([]netip.Addr, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParseAddr(s)
	}
	return out
}

func inAny(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// compareCIDRs checks AllowedCIDR against the reference, address by
// address, for every pod, range, direction and port.
func compareCIDRs(t testing.TB, w *world, eng *netpol.Engine) int {
	t.Helper()
	n := 0
	for i, pod := range eng.Pods() {
		rp := refEnd{pod: w.ref.pods[i]}
		for _, prefix := range genCIDRs {
			for _, d := range []netpol.Direction{netpol.Egress, netpol.Ingress} {
				anyPort := eng.AllowedCIDR(pod, prefix, d, "", 0)
				for _, proto := range genProtocols {
					for _, port := range genPorts {
						v := eng.AllowedCIDR(pod, prefix, d, proto, port)
						for _, a := range genSamples {
							if !prefix.Contains(a) {
								continue
							}
							if inAny(v.Allowed, a) == inAny(v.Denied, a) {
								t.Fatalf("%s %s %s/%d: %s is in both or neither of allowed %v and denied %v", pod, prefix, proto, port, a, v.Allowed, v.Denied)
							}
							ra := refEnd{addr: a}
							want := w.ref.refAllowed(rp, ra, proto, port, false)
							if d == netpol.Ingress {
								want = w.ref.refAllowed(ra, rp, proto, port, false)
							}
							if got := inAny(v.Allowed, a); got != want {
								t.Fatalf("AllowedCIDR %s %s %s %s/%d: %s allowed = %v, reference %v\n%s\nworld:\n%s",
									pod, d, prefix, proto, port, a, got, want, strings.Join(v.Explain(), "\n"), w.dump())
							}
							if want && !inAny(anyPort.Allowed, a) {
								t.Fatalf("AllowedCIDR %s %s %s on any port leaves out %s, allowed on %s/%d", pod, d, prefix, a, proto, port)
							}
							n++
						}
					}
				}
			}
		}
	}
	return n
}

type typedObject interface {
	runtime.Object
	metav1.Object
}

func object(t typedObject, m metav1.Object) *cluster.Object {
	gvk := t.GetObjectKind().GroupVersionKind()
	return &cluster.Object{
		ID:    cluster.ObjectID{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind, Namespace: m.GetNamespace(), Name: m.GetName()},
		Typed: t, Meta: m,
	}
}

// dump is the world as YAML, for a failure message.
func (w *world) dump() string {
	var b strings.Builder
	for _, o := range w.objects {
		data, _ := yaml.Marshal(o.Typed)
		b.WriteString("---\n")
		b.Write(data)
	}
	return b.String()
}

// compare asks the engine every question the reference can answer about
// the world and fails on the first disagreement. It returns how many
// answers it compared.
func compare(t testing.TB, w *world) int {
	t.Helper()
	eng := netpol.New(cluster.NewSnapshot(w.objects))
	pods := eng.Pods()
	if len(pods) != len(w.ref.pods) {
		t.Fatalf("engine has %d pods, reference %d", len(pods), len(w.ref.pods))
	}
	m := eng.Matrix(nil)
	row := map[*netpol.Pod]int{}
	for i, p := range m.Pods {
		row[p] = i
	}
	ends := func(i int) (netpol.Endpoint, refEnd) {
		return netpol.PodEndpoint(pods[i]), refEnd{pod: w.ref.pods[i]}
	}
	n := 0
	fail := func(what string, v netpol.Verdict, want bool) {
		t.Helper()
		t.Fatalf("%s: engine says %v, reference %v\n%s\nworld:\n%s", what, v.Allowed, want, strings.Join(v.Explain(), "\n"), w.dump())
	}
	for i := range pods {
		for j := range pods {
			src, rsrc := ends(i)
			dst, rdst := ends(j)
			reach := eng.Reach(src, dst)
			mports := m.Ports(row[pods[i]], row[pods[j]])
			for _, proto := range genProtocols {
				for _, port := range genPorts {
					want := w.ref.refAllowed(rsrc, rdst, proto, port, true)
					v := eng.Allowed(src, dst, proto, port)
					if v.Allowed != want {
						fail(fmt.Sprintf("%s -> %s %s/%d", src, dst, proto, port), v, want)
					}
					if reach.Ports.Has(proto, port) != want {
						fail(fmt.Sprintf("Reach %s -> %s has %s/%d", src, dst, proto, port), reach, want)
					}
					// The matrix leaves a pod's own node out.
					wantM := w.ref.refAllowed(rsrc, rdst, proto, port, false) || (i == j && w.ref.pods[i].isPod)
					if mports.Has(proto, port) != wantM {
						t.Fatalf("matrix %s -> %s %s/%d: engine %v, reference %v (cell %s)\nworld:\n%s", src, dst, proto, port, !wantM, wantM, mports, w.dump())
					}
					n += 3
				}
			}
		}
		for _, a := range genAddrs {
			addr := netpol.Endpoint{Addr: a.addr, Node: a.node}
			raddr := refEnd{addr: a.addr, node: a.node}
			src, rsrc := ends(i)
			for _, proto := range genProtocols {
				for _, port := range genPorts {
					want := w.ref.refAllowed(rsrc, raddr, proto, port, true)
					if v := eng.Allowed(src, addr, proto, port); v.Allowed != want {
						fail(fmt.Sprintf("%s -> %s %s/%d", src, addr, proto, port), v, want)
					}
					if ok, _, _ := eng.EgressToAddr(pods[i], a.addr, proto, port); ok != want {
						t.Fatalf("EgressToAddr %s -> %s %s/%d = %v, reference %v\nworld:\n%s", src, a.addr, proto, port, ok, want, w.dump())
					}
					want = w.ref.refAllowed(raddr, rsrc, proto, port, true)
					if v := eng.Allowed(addr, src, proto, port); v.Allowed != want {
						fail(fmt.Sprintf("%s -> %s %s/%d", addr, src, proto, port), v, want)
					}
					// The matrix's internet column holds every port some
					// internet address is allowed on.
					if netpol.IsInternet(a.addr) && !w.ref.pods[i].host {
						if w.ref.refAllowed(rsrc, raddr, proto, port, false) && !m.ToInternet(row[pods[i]]).Has(proto, port) {
							t.Fatalf("matrix: %s reaches %s on %s/%d, not in its internet column %s\nworld:\n%s", src, a.addr, proto, port, m.ToInternet(row[pods[i]]), w.dump())
						}
						if w.ref.refAllowed(raddr, rsrc, proto, port, false) && !m.FromInternet(row[pods[i]]).Has(proto, port) {
							t.Fatalf("matrix: %s reaches %s on %s/%d, not in its internet row %s\nworld:\n%s", a.addr, src, proto, port, m.FromInternet(row[pods[i]]), w.dump())
						}
					}
					n += 3
				}
			}
		}
	}
	return n
}

var propertyWorlds = flag.Int("netpol.worlds", 600, "random clusters TestEngineAgreesWithReference generates")

// TestEngineAgreesWithReference generates random clusters and policies and
// asserts the engine (Allowed, Reach and the class matrix) answers every
// question exactly as the reference evaluator does.
func TestEngineAgreesWithReference(t *testing.T) {
	worlds := *propertyWorlds
	if testing.Short() {
		worlds = min(worlds, 150)
	}
	total := 0
	for seed := 0; seed < worlds; seed++ {
		w := genWorld(randEntropy{rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))})
		total += compare(t, w)
		if seed%4 == 0 {
			total += compareCIDRs(t, w, netpol.New(cluster.NewSnapshot(w.objects)))
		}
	}
	t.Logf("%d random clusters, %d answers compared", worlds, total)
}

// FuzzEngineAgreesWithReference lets the fuzzer choose the clusters.
func FuzzEngineAgreesWithReference(f *testing.F) {
	for seed := uint64(0); seed < 16; seed++ {
		b := make([]byte, 256)
		r := rand.New(rand.NewPCG(seed, 1))
		for i := 0; i < len(b); i += 8 {
			binary.LittleEndian.PutUint64(b[i:], r.Uint64())
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		w := genWorld(&byteEntropy{b: data})
		compare(t, w)
		compareCIDRs(t, w, netpol.New(cluster.NewSnapshot(w.objects)))
	})
}

// TestMatrixFromAgreesWithMatrix checks the rectangular matrix against the
// square one on random clusters: every pair of a row pod and a column pod
// gets the same ports.
func TestMatrixFromAgreesWithMatrix(t *testing.T) {
	pairs := 0
	for seed := 0; seed < 300; seed++ {
		w := genWorld(randEntropy{rand.New(rand.NewPCG(uint64(seed), 7))})
		eng := netpol.New(cluster.NewSnapshot(w.objects))
		square := eng.Matrix(nil)
		at := map[*netpol.Pod]int{}
		for i, p := range square.Pods {
			at[p] = i
		}
		from := func(p *netpol.Pod) bool { return at[p]%2 == 0 }
		to := func(p *netpol.Pod) bool { return at[p]%3 != 0 }
		rect := eng.MatrixFrom(from, to)
		for i, a := range rect.Pods {
			for j, b := range rect.Pods {
				if !from(a) || !to(b) || a == b {
					if !from(a) && rect.ClassOf(i) != -1 || !to(b) && rect.ColumnOf(j) != -1 {
						t.Fatalf("seed %d: a pod outside the rows or columns has a place in them", seed)
					}
					continue
				}
				got := rect.ClassPorts(rect.ClassOf(i), rect.ColumnOf(j))
				want := square.Ports(at[a], at[b])
				if !got.Equal(want) {
					t.Fatalf("seed %d: %s -> %s: MatrixFrom says %s, Matrix says %s", seed, a, b, got, want)
				}
				pairs++
			}
		}
	}
	if pairs < 1000 {
		t.Fatalf("only %d pairs compared", pairs)
	}
	t.Logf("%d pairs compared", pairs)
}
