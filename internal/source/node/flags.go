package node

import (
	"strconv"
	"strings"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// Flag is one flag of a component's command line.
type Flag struct {
	// Name is the flag's name without its dashes: "anonymous-auth".
	Name string
	// Value is what was written after "=" or in the next word; "" for a
	// bare flag ("--profiling"), which Bare marks.
	Value string
	Bare  bool
	// Arg is the word that holds the flag's name, with where it was written.
	Arg cluster.Arg
}

// String writes the flag back as it was meant: "--anonymous-auth=true".
func (f Flag) String() string {
	if f.Bare {
		return "--" + f.Name
	}
	return "--" + f.Name + "=" + f.Value
}

// Flags are a command line's flags in the order written.
type Flags []Flag

// boolFlags are the boolean flags of the components Palisade judges. A
// boolean flag never takes its value from the next word, in pflag as in
// Go's flag package ("--profiling false" is --profiling=true and a stray
// argument), so "--name value" is read as a value only for other flags.
var boolFlags = map[string]bool{
	"anonymous-auth": true, "profiling": true, "contention-profiling": true, "service-account-lookup": true,
	"allow-privileged": true, "use-service-account-credentials": true, "leader-elect": true,
	"client-cert-auth": true, "auto-tls": true, "peer-client-cert-auth": true, "peer-auto-tls": true,
	"protect-kernel-defaults": true, "make-iptables-util-chains": true, "rotate-certificates": true,
	"rotate-server-certificates": true, "enable-debugging-handlers": true,
}

// ParseFlags reads a command line the way pflag and Go's flag package do:
// "--name=value", "-name=value", "--name value" (the next word is the
// value unless it starts with "-" or the flag is boolean), a bare "--name";
// "--" ends the flags. Words that are not flags are skipped. Repeated flags
// are all kept: Last, List and Map apply each kind of flag's rule.
func ParseFlags(args []cluster.Arg) Flags {
	var out Flags
	for i := 0; i < len(args); i++ {
		w := args[i].Value
		if w == "--" {
			break
		}
		if len(w) < 2 || w[0] != '-' {
			continue // a positional argument
		}
		name := strings.TrimPrefix(strings.TrimPrefix(w, "-"), "-")
		if name == "" || name[0] == '-' {
			continue
		}
		f := Flag{Name: name, Arg: args[i]}
		if eq := strings.IndexByte(name, '='); eq >= 0 {
			f.Name, f.Value = name[:eq], name[eq+1:]
		} else if next := i + 1; next < len(args) && !boolFlags[name] && !strings.HasPrefix(args[next].Value, "-") {
			f.Value = args[next].Value
			i++
		} else {
			f.Bare = true
		}
		out = append(out, f)
	}
	return out
}

// Last returns the flag's last occurrence, which is the one that counts
// for a flag holding one value.
func (fs Flags) Last(name string) (Flag, bool) {
	for i := len(fs) - 1; i >= 0; i-- {
		if fs[i].Name == name {
			return fs[i], true
		}
	}
	return Flag{}, false
}

// Has reports whether the flag was given at all.
func (fs Flags) Has(name string) bool {
	_, ok := fs.Last(name)
	return ok
}

// List returns the comma-separated values of every occurrence of a list
// flag, in order, trimmed, empty items dropped: "--authorization-mode=Node
// --authorization-mode=RBAC" and "--authorization-mode=Node,RBAC" both give
// [Node RBAC], as pflag's string slices do.
func (fs Flags) List(name string) []string {
	var out []string
	for _, f := range fs {
		if f.Name != name {
			continue
		}
		for _, item := range strings.Split(f.Value, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

// Map returns the key=value pairs of every occurrence of a map flag
// ("--feature-gates=A=true,B=false"), later pairs winning, with the flag
// each final pair came from.
func (fs Flags) Map(name string) map[string]MapEntry {
	out := map[string]MapEntry{}
	for _, f := range fs {
		if f.Name != name {
			continue
		}
		for _, item := range strings.Split(f.Value, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(item), "=")
			if k = strings.TrimSpace(k); k != "" {
				out[k] = MapEntry{Value: strings.TrimSpace(v), Flag: f}
			}
		}
	}
	return out
}

// MapEntry is one key=value pair of a map flag.
type MapEntry struct {
	Value string
	Flag  Flag
}

// Bool reads a boolean flag's last occurrence: set is false when the flag
// was not given; err is set when its value is not a boolean (the component
// would refuse to start).
func (fs Flags) Bool(name string) (value, set bool, f Flag, err error) {
	f, set = fs.Last(name)
	if !set {
		return false, false, f, nil
	}
	if f.Bare {
		return true, true, f, nil
	}
	value, err = strconv.ParseBool(f.Value)
	return value, true, f, err
}
