package cli

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/netpol"
)

func newNetpolCommand(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "netpol",
		Short: "Answer NetworkPolicy questions: can A reach B, who reaches whom, what the internet reaches",
		Long: `The netpol commands evaluate networking.k8s.io/v1 NetworkPolicies exactly as
the Kubernetes documentation defines them, from manifests, charts, Kustomize
trees or a live cluster (the same inputs as scan), and name the policy and
rule behind every answer.

A pod is isolated for ingress (egress) only when a policy of its namespace
selects it with that policy type; a connection needs the source's egress and
the destination's ingress to allow it. Each workload's pod template stands for
its pods. ipBlocks are taken to match addresses outside the pod network (the
documentation's advice; plugins differ on pod IPs), and hostNetwork pods are
never selected: their traffic is their node's.`,
		Example: `  palisade netpol can shop/web shop/db --port 5432 ./k8s
  palisade netpol can shop/web 169.254.169.254 --port 80 --cluster
  palisade netpol matrix -n shop ./k8s
  palisade netpol matrix --cluster -o html > reachability.html
  palisade netpol exposure ./k8s -o json`,
	}
	cmd.AddCommand(newNetpolCanCommand(s), newNetpolMatrixCommand(s), newNetpolExposureCommand(s))
	return cmd
}

func newNetpolCanCommand(s *streams) *cobra.Command {
	o := &answerOptions{}
	var port, protocol string
	cmd := &cobra.Command{
		Use:   "can SOURCE DESTINATION (PATH... | --cluster)",
		Short: "Say whether SOURCE may open a connection to DESTINATION, and which policy rule decides",
		Long: `can answers whether SOURCE may open a connection to DESTINATION — on --port
when given, else on which ports — and explains it: the policies that isolate
each side, the rule (policy and spec.ingress[i] or spec.egress[i]) that allows
the connection, or why each rule of the isolating policies does not.

SOURCE and DESTINATION are each one of:
  NAMESPACE/WORKLOAD       a Deployment, StatefulSet, DaemonSet, Job, CronJob,
                           ReplicaSet, ReplicationController or Pod by name
  NAMESPACE/KIND/NAME      the same, when two kinds share a name
  NAMESPACE/POD            a pod made by a workload (web-7d9f8b-x2k4p, db-0):
                           judged through the workload's pod template
  NAMESPACE/SERVICE        the workload the Service selects (--port is then
                           the Service's port, mapped to its targetPort)
  IP                       an address: a pod's, a node's, or one outside the
                           cluster (169.254.169.254, 203.0.113.7)
  CIDR                     a range outside the pod network (0.0.0.0/0,
                           10.0.0.0/8): the answer says which parts of it
                           are allowed; the other side must be a workload
A name without a namespace is looked up in -n. With --cluster, -n also
limits what is read to that namespace: leave it out to ask across namespaces.

--port is a number or a container port name of DESTINATION; --protocol is
TCP (the default), UDP or SCTP.

Exit status: 0 with an answer, allowed or not; 2 on a usage error, an unknown
workload, or input that could not be read.`,
		Example: `  palisade netpol can shop/web shop/db --port 5432 ./k8s
  palisade netpol can web db -n shop --port postgres ./k8s
  palisade netpol can shop/web 169.254.169.254 --port 80 --cluster
  palisade netpol can 203.0.113.7 shop/web ./k8s -o json
  palisade netpol can shop/worker 10.0.0.10 --port 53 --protocol UDP ./k8s
  palisade netpol can shop/web 0.0.0.0/0 --port 443 ./k8s
  palisade netpol can 0.0.0.0/0 shop/web ./k8s`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return &exitError{ExitInput, fmt.Errorf("name a SOURCE and a DESTINATION (e.g. %s shop/web shop/db --port 5432 ./k8s)", cmd.CommandPath())}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			proto, err := parseProtocol(protocol)
			if err != nil {
				return err
			}
			snap, in, err := o.load(cmd, s, args[2:])
			if err != nil {
				return err
			}
			eng := netpol.For(snap)
			ns := o.input.live.namespace
			src, err := resolveEndpoint(eng, snap, args[0], ns)
			if err != nil {
				return withInputErrors(s, in, &exitError{ExitInput, fmt.Errorf("SOURCE %s", err)})
			}
			dst, err := resolveEndpoint(eng, snap, args[1], ns)
			if err != nil {
				return withInputErrors(s, in, &exitError{ExitInput, fmt.Errorf("DESTINATION %s", err)})
			}
			if src.cidr != nil || dst.cidr != nil {
				err = canCIDR(s, o.output, eng, src, dst, port, proto)
				if err != nil {
					return withInputErrors(s, in, err)
				}
				return reportInputErrors(s, in)
			}
			var v netpol.Verdict
			if port == "" {
				v = eng.Reach(src.Endpoint, dst.Endpoint)
			} else {
				num, note, err := resolvePort(dst, port, proto)
				if err != nil {
					return withInputErrors(s, in, &exitError{ExitInput, err})
				}
				v = eng.Allowed(src.Endpoint, dst.Endpoint, proto, num)
				if note != "" {
					dst.notes = append(dst.notes, note)
				}
			}
			v.Notes = append(append(src.notes, dst.notes...), v.Notes...)
			if o.output == "json" {
				err = netpol.WriteJSON(s.out, v.JSON())
			} else {
				err = netpol.WriteVerdictText(s.out, v)
			}
			if err != nil {
				return err
			}
			return reportInputErrors(s, in)
		},
	}
	o.addFlags(cmd, "text", "json")
	cmd.Flags().StringVar(&port, "port", "", "the destination port: a number or a container port name (default: answer for every port)")
	cmd.Flags().StringVar(&protocol, "protocol", "TCP", "the protocol: TCP, UDP or SCTP")
	return cmd
}

func newNetpolMatrixCommand(s *streams) *cobra.Command {
	o := &answerOptions{}
	cmd := &cobra.Command{
		Use:   "matrix (PATH... | --cluster)",
		Short: "Show who may connect to whom, workload by workload, and to and from the internet",
		Long: `matrix shows, for every pair of workloads, whether pods of the first may open
connections to pods of the second, on every port (*), some ports (+, listed
below the grid) or none (.), plus an internet row and column: what
NetworkPolicy admits from internet addresses, and where each workload may
connect on the internet.

Workloads whose pods no policy can tell apart (same namespace, labels and
named ports) are computed once, so large clusters stay fast.

-n limits the matrix to one namespace. With --cluster only that namespace is
read; connections between its workloads depend only on its own policies.

-o table prints the grid, -o html a self-contained page with a heatmap, and
-o json the workloads with their class and, class by class, which classes
each may connect to and on which ports. A grid holds at most 2000 workloads
and a matrix at most 5000 classes: narrow larger clusters with -n.

Exit status: 0 with a matrix; 2 on a usage error, a matrix too large, or input
that could not be read (the matrix covers the rest).`,
		Example: `  palisade netpol matrix ./k8s
  palisade netpol matrix -n shop ./k8s
  palisade netpol matrix --cluster -o html > reachability.html
  palisade netpol matrix --cluster -n payments -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			snap, in, err := o.load(cmd, s, args)
			if err != nil {
				return err
			}
			ns := o.input.live.namespace
			if o.input.live.allNamespaces {
				ns = ""
			}
			var include func(*netpol.Pod) bool
			if ns != "" {
				include = func(p *netpol.Pod) bool { return p.Namespace == ns }
			}
			eng := netpol.For(snap)
			if err := matrixFits(eng, include, o.output); err != nil {
				return withInputErrors(s, in, err)
			}
			m := eng.Matrix(include)
			switch o.output {
			case "json":
				err = netpol.WriteJSON(s.out, m.JSON())
			case "html":
				err = netpol.WriteMatrixHTML(s.out, m, netpol.HTMLOptions{Inputs: in.names, Tool: "palisade " + Version, GeneratedAt: time.Now()})
			default:
				err = netpol.WriteMatrixTable(s.out, m)
			}
			if err != nil {
				return err
			}
			if ns != "" && len(m.Pods) == 0 {
				fmt.Fprintf(s.err, "palisade: no workload in namespace %q; the namespaces read are: %s\n", ns, strings.Join(netpol.For(snap).Namespaces(), ", "))
			}
			return reportInputErrors(s, in)
		},
	}
	o.addFlags(cmd, "table", "json", "html")
	return cmd
}

func newNetpolExposureCommand(s *streams) *cobra.Command {
	o := &answerOptions{}
	cmd := &cobra.Command{
		Use:   "exposure (PATH... | --cluster)",
		Short: "List what is reachable from outside the cluster, how, and whether NetworkPolicy admits the internet",
		Long: `exposure lists every way from outside the cluster to a workload's pods:
Services of type LoadBalancer (with their source ranges) and NodePort,
Service externalIPs, Ingress backends and Gateway API routes (HTTPRoute,
GRPCRoute, TLSRoute, TCPRoute, UDPRoute, read when present) through their
Services, hostNetwork pods and hostPorts. Each entry gives the path from
outside to the workload and its ports, and whether the workload's
NetworkPolicies admit internet addresses on those ports (not isolated, or an
ipBlock holding public addresses).

-n limits the list to one namespace's workloads.

Exit status: 0 with a list; 2 on a usage error or input that could not be
read (the list covers the rest).`,
		Example: `  palisade netpol exposure ./k8s
  palisade netpol exposure --cluster -o json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			snap, in, err := o.load(cmd, s, args)
			if err != nil {
				return err
			}
			eps := netpol.Exposure(snap)
			if ns := o.input.live.namespace; ns != "" && !o.input.live.allNamespaces {
				var kept []netpol.EntryPoint
				for _, ep := range eps {
					if ep.Target.Namespace == ns {
						kept = append(kept, ep)
					}
				}
				eps = kept
			}
			if o.output == "json" {
				err = netpol.WriteJSON(s.out, netpol.ExposureView(eps))
			} else {
				err = netpol.WriteExposureTable(s.out, eps)
			}
			if err != nil {
				return err
			}
			return reportInputErrors(s, in)
		},
	}
	o.addFlags(cmd, "table", "json")
	return cmd
}

// canCIDR answers for a range of addresses on one side and a workload on
// the other.
func canCIDR(s *streams, output string, eng *netpol.Engine, src, dst endpoint, port string, proto corev1.Protocol) error {
	pod, other, d := src, dst, netpol.Egress
	if src.cidr != nil {
		pod, other, d = dst, src, netpol.Ingress
	}
	if pod.cidr != nil || pod.Pod == nil {
		return &exitError{ExitInput, fmt.Errorf("with a CIDR on one side, name a workload on the other (e.g. palisade netpol can NAMESPACE/WORKLOAD %s)", other.cidr)}
	}
	var num int32
	if port != "" {
		target := endpoint{Endpoint: netpol.AddrEndpoint(other.cidr.Addr())}
		if d == netpol.Ingress {
			target = pod
		}
		n, _, err := resolvePort(target, port, proto)
		if err != nil {
			return &exitError{ExitInput, err}
		}
		num = n
	}
	v := eng.AllowedCIDR(pod.Pod, *other.cidr, d, proto, num)
	if output == "json" {
		return netpol.WriteJSON(s.out, v.JSON())
	}
	lines := v.Explain()
	for _, n := range pod.notes {
		lines = append(lines, "note: "+n)
	}
	_, err := fmt.Fprintln(s.out, strings.Join(lines, "\n"))
	return err
}

// The largest matrices printed: a grid of more workloads cannot be read,
// and more classes than maxMatrixClasses would take gigabytes.
const (
	maxGridWorkloads = 2000
	maxMatrixClasses = 5000
)

// matrixFits refuses a matrix too large to print or to hold, and says how
// to narrow it.
func matrixFits(eng *netpol.Engine, include func(*netpol.Pod) bool, format string) error {
	workloads := 0
	classes := map[int]bool{}
	for _, p := range eng.Pods() {
		if include == nil || include(p) {
			workloads++
			classes[p.Class()] = true
		}
	}
	switch {
	case format != "json" && workloads > maxGridWorkloads:
		return &exitError{ExitInput, fmt.Errorf("%d workloads are too many for a readable -o %s grid (at most %d): narrow it with -n NAMESPACE, or use -o json", workloads, format, maxGridWorkloads)}
	case len(classes) > maxMatrixClasses:
		return &exitError{ExitInput, fmt.Errorf("%d workloads fall into %d classes, too many for one matrix (at most %d): narrow it with -n NAMESPACE", workloads, len(classes), maxMatrixClasses)}
	}
	return nil
}

// withInputErrors reports input errors before a usage error, since an
// unknown workload may be in a file that did not parse.
func withInputErrors(s *streams, in readInput, err error) error {
	_ = reportInputErrors(s, in)
	return err
}

func parseProtocol(p string) (corev1.Protocol, error) {
	switch strings.ToUpper(p) {
	case "TCP", "":
		return corev1.ProtocolTCP, nil
	case "UDP":
		return corev1.ProtocolUDP, nil
	case "SCTP":
		return corev1.ProtocolSCTP, nil
	}
	return "", &exitError{ExitInput, fmt.Errorf("--protocol %q: want TCP, UDP or SCTP", p)}
}

// endpoint is a resolved SOURCE or DESTINATION, with what the resolution
// assumed and, for a Service, its ports.
type endpoint struct {
	netpol.Endpoint
	notes   []string
	service *corev1.Service
	// cidr is set for a range of addresses.
	cidr *netip.Prefix
}

// controllerKinds make pods whose names derive from theirs.
var controllerKinds = []string{"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "ReplicationController"}

// resolveEndpoint turns a SOURCE or DESTINATION argument into an endpoint.
func resolveEndpoint(eng *netpol.Engine, snap *cluster.Snapshot, arg, defaultNS string) (endpoint, error) {
	if p, err := netip.ParsePrefix(arg); err == nil {
		if p.Bits() < p.Addr().BitLen() {
			p = p.Masked()
			return endpoint{cidr: &p}, nil
		}
		arg = p.Addr().String()
	}
	if a, err := netip.ParseAddr(arg); err == nil {
		if p := eng.PodByIP(a); p != nil {
			return endpoint{Endpoint: netpol.PodEndpoint(p), notes: []string{fmt.Sprintf("%s is the address of %s", a, p)}}, nil
		}
		ep := netpol.Endpoint{Addr: a, Node: eng.NodeOf(a)}
		return endpoint{Endpoint: ep}, nil
	}
	parts := strings.Split(arg, "/")
	var ns, kind, name string
	switch {
	case len(parts) == 1 && defaultNS != "":
		ns, name = defaultNS, parts[0]
	case len(parts) == 1:
		return endpoint{}, fmt.Errorf("%q: name the namespace (NAMESPACE/%s), or give -n", arg, arg)
	case len(parts) == 2:
		ns, name = parts[0], parts[1]
	case len(parts) == 3:
		ns, kind, name = parts[0], parts[1], parts[2]
	default:
		return endpoint{}, fmt.Errorf("%q: want NAMESPACE/NAME, NAMESPACE/KIND/NAME or an IP address", arg)
	}
	if ns == "" || name == "" {
		return endpoint{}, fmt.Errorf("%q: want NAMESPACE/NAME, NAMESPACE/KIND/NAME or an IP address", arg)
	}
	var pods []*netpol.Pod
	for _, p := range eng.Lookup(ns + "/" + name) {
		if kind == "" || strings.EqualFold(p.Kind(), kind) {
			pods = append(pods, p)
		}
	}
	switch len(pods) {
	case 1:
		return endpoint{Endpoint: netpol.PodEndpoint(pods[0])}, nil
	case 0:
	default:
		var alts []string
		for _, p := range pods {
			alts = append(alts, ns+"/"+strings.ToLower(p.Kind())+"/"+name)
		}
		return endpoint{}, fmt.Errorf("%q names %d workloads: say which, with %s", arg, len(pods), strings.Join(alts, " or "))
	}
	if kind == "" {
		if ep, ok, err := serviceEndpoint(eng, snap, ns, name); ok || err != nil {
			return ep, err
		}
		if p := podOfController(eng, ns, name); p != nil {
			return endpoint{Endpoint: netpol.PodEndpoint(p), notes: []string{fmt.Sprintf("pod %s/%s is judged through %s, whose pod template made it", ns, name, p)}}, nil
		}
	}
	var known []string
	for _, p := range eng.PodsIn(ns) {
		known = append(known, p.Template.Object.ID.Name)
	}
	slices.Sort(known)
	known = slices.Compact(known)
	if len(known) == 0 {
		return endpoint{}, fmt.Errorf("%q: no workload in namespace %q was read (namespaces with workloads: %s)", arg, ns, namespacesWithPods(eng))
	}
	if len(known) > 12 {
		known = append(known[:12], "...")
	}
	return endpoint{}, fmt.Errorf("%q: no workload, pod or Service of that name in namespace %q (its workloads: %s)", arg, ns, strings.Join(known, ", "))
}

func namespacesWithPods(eng *netpol.Engine) string {
	var out []string
	for _, ns := range eng.Namespaces() {
		if len(eng.PodsIn(ns)) > 0 {
			out = append(out, ns)
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

// serviceEndpoint resolves a Service name to the one workload it selects.
func serviceEndpoint(eng *netpol.Engine, snap *cluster.Snapshot, ns, name string) (endpoint, bool, error) {
	for _, o := range snap.OfKind("Service") {
		svc, ok := o.Typed.(*corev1.Service)
		if !ok || svc.Name != name || nsOrDefault(o.ID.Namespace) != ns {
			continue
		}
		if len(svc.Spec.Selector) == 0 {
			return endpoint{}, true, fmt.Errorf("%s/%s is a Service without a selector: name the workload behind it", ns, name)
		}
		var backends []*netpol.Pod
		for _, p := range eng.PodsIn(ns) {
			if selectsAll(svc.Spec.Selector, p.Labels) {
				backends = append(backends, p)
			}
		}
		switch len(backends) {
		case 0:
			return endpoint{}, true, fmt.Errorf("%s/%s is a Service whose selector matches no workload that was read", ns, name)
		case 1:
			return endpoint{Endpoint: netpol.PodEndpoint(backends[0]), service: svc,
				notes: []string{fmt.Sprintf("Service %s/%s selects %s, which stands for it", ns, name, backends[0])}}, true, nil
		}
		var refs []string
		for _, p := range backends {
			refs = append(refs, p.Ref())
		}
		return endpoint{}, true, fmt.Errorf("%s/%s is a Service selecting %d workloads: name one of %s", ns, name, len(backends), strings.Join(refs, ", "))
	}
	return endpoint{}, false, nil
}

func selectsAll(sel, labels map[string]string) bool {
	for k, v := range sel {
		if lv, ok := labels[k]; !ok || lv != v {
			return false
		}
	}
	return true
}

// podOfController finds the workload that made a pod by its generated
// name: a Deployment's web-7d9f8b6c5d-x2k4p, a StatefulSet's db-0, a
// DaemonSet's or Job's agent-x2k4p, a CronJob's job.
func podOfController(eng *netpol.Engine, ns, pod string) *netpol.Pod {
	name := pod
	for i := 0; i < 3; i++ {
		cut := strings.LastIndex(name, "-")
		if cut <= 0 {
			return nil
		}
		name = name[:cut]
		for _, p := range eng.Lookup(ns + "/" + name) {
			if slices.Contains(controllerKinds, p.Kind()) {
				return p
			}
		}
	}
	return nil
}

// resolvePort turns --port into a number on the destination: a number, a
// container port name of the destination, or for a Service its port mapped
// to the targetPort.
func resolvePort(dst endpoint, port string, proto corev1.Protocol) (int32, string, error) {
	if svc := dst.service; svc != nil {
		for _, sp := range svc.Spec.Ports {
			spProto := sp.Protocol
			if spProto == "" {
				spProto = corev1.ProtocolTCP
			}
			if spProto != proto || (strconv.Itoa(int(sp.Port)) != port && sp.Name != port) {
				continue
			}
			target := intstr.FromInt32(sp.Port)
			if sp.TargetPort.Type == intstr.String && sp.TargetPort.StrVal != "" || sp.TargetPort.IntVal != 0 {
				target = sp.TargetPort
			}
			num, _, err := resolvePort(endpoint{Endpoint: dst.Endpoint}, target.String(), proto)
			if err != nil {
				return 0, "", err
			}
			return num, fmt.Sprintf("Service %s port %s is the pod's port %d", svc.Name, port, num), nil
		}
	}
	if n, err := strconv.Atoi(port); err == nil {
		if n < 1 || n > 65535 {
			return 0, "", errors.New("--port: want 1-65535 or a port name")
		}
		return int32(n), "", nil
	}
	if dst.Pod == nil {
		return 0, "", fmt.Errorf("--port %q is a name, and names are resolved against the destination's containers; %s is an address: give a number", port, dst.Endpoint)
	}
	nums := dst.Pod.ResolvePort(port, proto)
	if len(nums) == 0 {
		var names []string
		for _, np := range dst.Pod.NamedPorts {
			names = append(names, fmt.Sprintf("%s (%s/%d)", np.Name, np.Protocol, np.Port))
		}
		have := "it names no port"
		if len(names) > 0 {
			have = "its named ports: " + strings.Join(names, ", ")
		}
		return 0, "", fmt.Errorf("--port %q: no container of %s has a %s port of that name (%s)", port, dst.Pod, proto, have)
	}
	return nums[0], fmt.Sprintf("port %q of %s is %s/%d", port, dst.Pod, proto, nums[0]), nil
}

func nsOrDefault(ns string) string {
	if ns == "" {
		return "default"
	}
	return ns
}
