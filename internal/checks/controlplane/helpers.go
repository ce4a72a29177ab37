package controlplane

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source/node"
)

// Prefix is the area of every check id in this package.
const Prefix = "controlplane/"

// Sections of the NSA/CISA Kubernetes Hardening Guide (v1.2).
const (
	nsaControlPlane = "Control plane hardening"
	nsaEtcd         = "Etcd"
	nsaAuthn        = "Authentication and authorization"
	nsaLogging      = "Audit Logging and Threat Detection"
	nsaEncryption   = "Encryption"
	nsaSecrets      = "Secrets"
)

// componentFunc judges one component found in a pod.
type componentFunc func(ctx *check.Context, c *node.Component) []check.Violation

// onComponent makes a Pod check that judges the named component in every
// pod template that runs it, and nothing else.
func onComponent(name string, fn componentFunc) func(*check.Context, *cluster.PodTemplate) []check.Violation {
	return func(ctx *check.Context, pod *cluster.PodTemplate) []check.Violation {
		if c := node.FindComponent(pod, name); c != nil {
			return fn(ctx, c)
		}
		return nil
	}
}

// onComponents judges each of the named components the pod runs.
func onComponents(names []string, fn componentFunc) func(*check.Context, *cluster.PodTemplate) []check.Violation {
	return func(ctx *check.Context, pod *cluster.PodTemplate) []check.Violation {
		var out []check.Violation
		for _, name := range names {
			if c := node.FindComponent(pod, name); c != nil {
				out = append(out, fn(ctx, c)...)
			}
		}
		return out
	}
}

// at is a violation on a flag: where it is written, or where the flags
// are when it is not given.
func at(c *node.Component, flag, format string, args ...any) check.Violation {
	return check.Violation{Field: c.FlagField(flag), Message: fmt.Sprintf(format, args...)}
}

// graded is a violation whose severity differs from its check's.
func graded(v check.Violation, s check.Severity) check.Violation {
	v.Severity = &s
	return v
}

// boolFlag is a boolean flag's effective value.
type boolFlag struct {
	value bool
	set   bool
	// text says how the value came about, for messages:
	// "--profiling=true" or "--profiling is not set, and defaults to true".
	text string
}

// readBool reads a boolean flag with the component's default. A value
// that is not a boolean (which the component refuses at start) is
// returned as a not-assessed violation.
func readBool(c *node.Component, name string, def bool) (boolFlag, *check.Violation) {
	v, set, f, err := c.Flags.Bool(name)
	if err != nil {
		na := check.NotAssessed(nil, f.Arg.Field, fmt.Sprintf("%s is not a boolean; %s would refuse to start", f, c.Name))
		return boolFlag{}, &na
	}
	if !set {
		return boolFlag{value: def, text: fmt.Sprintf("--%s is not set, and defaults to %t", name, def)}, nil
	}
	return boolFlag{value: v, set: true, text: f.String()}, nil
}

// stringFlag is a flag's last value and how to name it in a message.
func stringFlag(c *node.Component, name, def string) (value, text string, set bool) {
	if f, ok := c.Flags.Last(name); ok {
		return f.Value, f.String(), true
	}
	if def == "" {
		return "", fmt.Sprintf("--%s is not set", name), false
	}
	return def, fmt.Sprintf("--%s is not set, and defaults to %s", name, def), false
}

// missingFlags lists the flags of names that are not given or empty.
func missingFlags(c *node.Component, names ...string) []string {
	var out []string
	for _, n := range names {
		if f, ok := c.Flags.Last(n); !ok || strings.TrimSpace(f.Value) == "" {
			out = append(out, "--"+n)
		}
	}
	return out
}

// isLoopback reports whether a host (an IP, "localhost", or "") binds to
// the loopback interface only; "" and unspecified addresses bind to all.
func isLoopback(host string) bool {
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// hostOf is the host of a "host:port" address or URL.
func hostOf(addr string) string {
	if u, err := url.Parse(addr); err == nil && u.Host != "" {
		return u.Hostname()
	}
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// plaintextURLs returns the http:// URLs of a URL-list flag.
func plaintextURLs(c *node.Component, name string) (loopback, exposed []string) {
	for _, u := range c.Flags.List(name) {
		if !strings.HasPrefix(strings.ToLower(u), "http://") {
			continue
		}
		if isLoopback(hostOf(u)) {
			loopback = append(loopback, u)
		} else {
			exposed = append(exposed, u)
		}
	}
	return loopback, exposed
}

// etcdConfigFile is the not-assessed violation every etcd check returns
// when etcd reads a --config-file: etcd then ignores its other flags and
// environment variables, and Palisade does not read that file.
func etcdConfigFile(c *node.Component) []check.Violation {
	f, ok := c.Flags.Last("config-file")
	if !ok || f.Value == "" {
		return nil
	}
	return []check.Violation{check.NotAssessed(nil, f.Arg.Field,
		fmt.Sprintf("etcd reads its settings from %s and then ignores its flags and environment; Palisade does not read that file", f))}
}

func joinFlags(items []string) string { return strings.Join(items, ", ") }
