package netpol

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Cell marks of the text matrix.
const (
	markAll  = "*"
	markSome = "+"
	markNone = "."
)

func mark(s PortSet) string {
	switch {
	case s.IsAll():
		return markAll
	case s.IsEmpty():
		return markNone
	}
	return markSome
}

// label names a workload in the matrix: "shop/web (Deployment)".
func label(p *Pod) string {
	s := p.Ref() + " (" + p.Kind()
	if p.HostNetwork {
		s += ", hostNetwork"
	}
	return s + ")"
}

// WriteMatrixTable writes the matrix as a grid: one row per source, one
// numbered column per destination, and an internet row and column; then
// the ports of every pair that is open on some ports only.
func WriteMatrixTable(w io.Writer, m *Matrix) error {
	bw := bufio.NewWriter(w)
	n := len(m.Pods)
	if n == 0 {
		fmt.Fprintln(bw, "No workloads.")
		return bw.Flush()
	}
	labels := make([]string, n)
	width := len("internet")
	for i, p := range m.Pods {
		labels[i] = fmt.Sprintf("%*d %s", len(strconv.Itoa(n)), i+1, label(p))
		width = max(width, len(labels[i]))
	}
	colW := max(len(strconv.Itoa(n)), 1) + 1
	fmt.Fprintf(bw, "%-*s", width+2, "FROM \\ TO")
	for j := range m.Pods {
		fmt.Fprintf(bw, "%*d", colW, j+1)
	}
	fmt.Fprintf(bw, "  %s\n", "internet")
	var some []string
	for i := range m.Pods {
		fmt.Fprintf(bw, "%-*s", width+2, labels[i])
		for j := range m.Pods {
			s := m.Ports(i, j)
			fmt.Fprintf(bw, "%*s", colW, mark(s))
			if !s.IsAll() && !s.IsEmpty() {
				some = append(some, fmt.Sprintf("%s -> %s: %s", m.Pods[i].Ref(), m.Pods[j].Ref(), s))
			}
		}
		s := m.ToInternet(i)
		fmt.Fprintf(bw, "  %*s\n", len("internet")/2+1, mark(s))
		if !s.IsAll() && !s.IsEmpty() {
			some = append(some, fmt.Sprintf("%s -> internet: %s", m.Pods[i].Ref(), s))
		}
	}
	fmt.Fprintf(bw, "%-*s", width+2, "internet")
	for j := range m.Pods {
		s := m.FromInternet(j)
		fmt.Fprintf(bw, "%*s", colW, mark(s))
		if !s.IsAll() && !s.IsEmpty() {
			some = append(some, fmt.Sprintf("internet -> %s: %s", m.Pods[j].Ref(), s))
		}
	}
	fmt.Fprintf(bw, "\n\n%s every port   %s some ports (listed below)   %s none\n", markAll, markSome, markNone)
	fmt.Fprintf(bw, "%d workloads in %d classes (pods no policy can tell apart are computed once). The internet row is what\n", n, m.Classes())
	fmt.Fprintln(bw, "NetworkPolicy admits from internet addresses; which workloads a way in reaches is `palisade netpol exposure`.")
	if len(some) > 0 {
		fmt.Fprintln(bw, "\nSome ports:")
		for _, s := range some {
			fmt.Fprintln(bw, "  "+s)
		}
	}
	return bw.Flush()
}

// WriteExposureTable writes each entry point as a block: the kind and
// target, the path from outside, what NetworkPolicy says, and a note.
func WriteExposureTable(w io.Writer, eps []EntryPoint) error {
	bw := bufio.NewWriter(w)
	if len(eps) == 0 {
		fmt.Fprintln(bw, "Nothing is reachable from outside the cluster: no LoadBalancer, NodePort or externalIPs Service, Ingress or Gateway route backend, hostNetwork pod or hostPort.")
		return bw.Flush()
	}
	targets := map[*Pod]bool{}
	open := 0
	for i, ep := range eps {
		if i > 0 {
			fmt.Fprintln(bw)
		}
		targets[ep.Target] = true
		if ep.Policy.Open {
			open++
		}
		fmt.Fprintf(bw, "%s  %s\n", ep.Kind, ep.Target)
		fmt.Fprintf(bw, "  path:    %s\n", ep.Path())
		fmt.Fprintf(bw, "  policy:  %s\n", ep.Policy.Reason)
		if ep.Kind == EntryIngress || ep.Kind == EntryRoute {
			through := "blocked"
			if ep.Policy.Open {
				through = "open"
			}
			fmt.Fprintf(bw, "  through: %s: %s\n", through, ep.Policy.OpenReason)
		}
		if ep.Policy.Note != "" {
			fmt.Fprintf(bw, "  note:    %s\n", ep.Policy.Note)
		}
	}
	fmt.Fprintf(bw, "\n%d %s to %d %s; NetworkPolicy lets traffic through %d of them.\n",
		len(eps), plural(len(eps), "entry point", "entry points"), len(targets), plural(len(targets), "workload", "workloads"), open)
	return bw.Flush()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// WriteVerdictText writes a verdict's explanation.
func WriteVerdictText(w io.Writer, v Verdict) error {
	_, err := io.WriteString(w, strings.Join(v.Explain(), "\n")+"\n")
	return err
}
