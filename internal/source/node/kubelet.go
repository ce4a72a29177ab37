package node

import (
	"bufio"
	"bytes"
	"path"
	"sort"
	"strings"

	"github.com/palisade-sec/palisade/internal/cluster"
)

// systemdDirs hold unit files, most important first: a unit or drop-in in
// /etc overrides one of the same name in /run, /usr/lib or /lib.
var systemdDirs = []string{"/etc/systemd/system", "/run/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"}

// kubeadmFlagsEnv is where kubeadm writes the kubelet flags it computes.
const kubeadmFlagsEnv = "/var/lib/kubelet/kubeadm-flags.env"

// envValue is an environment variable of the kubelet's unit and where it
// was set.
type envValue struct {
	value string
	file  string
	line  int
}

// kubeletUnit is what the kubelet's systemd unit files say.
type kubeletUnit struct {
	unit     string   // the unit file, "" when only drop-ins exist
	files    []string // the unit then its drop-ins, in the order systemd reads them
	envFiles []string // EnvironmentFile= files that exist
	args     []cluster.Arg
	found    bool // a unit file, a drop-in or kubeadm-flags.env was found
}

// readKubeletUnit reads kubelet.service and its drop-ins
// (kubelet.service.d/*.conf) the way systemd merges them, and returns the
// kubelet's command line: the words of the last ExecStart= after the
// binary, with $VAR and ${VAR} expanded from Environment= and
// EnvironmentFile= (the files override Environment=, as in systemd), each
// word carrying the file and line it was written on. Without any unit, a
// kubeadm-flags.env alone gives its KUBELET_KUBEADM_ARGS.
func (l *loader) readKubeletUnit() *kubeletUnit {
	u := &kubeletUnit{}
	for _, dir := range systemdDirs {
		if p := dir + "/kubelet.service"; l.isFile(p) {
			u.unit = p
			break
		}
	}
	dropIns := map[string]string{}
	for i := len(systemdDirs) - 1; i >= 0; i-- {
		dir := systemdDirs[i] + "/kubelet.service.d"
		entries, err := l.readDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".conf") {
				dropIns[e.Name()] = dir + "/" + e.Name()
			}
		}
	}
	names := make([]string, 0, len(dropIns))
	for n := range dropIns {
		names = append(names, n)
	}
	sort.Strings(names)
	if u.unit != "" {
		u.files = append(u.files, u.unit)
	}
	for _, n := range names {
		u.files = append(u.files, dropIns[n])
	}

	env := map[string]envValue{}
	fileEnv := map[string]envValue{}
	var exec *envValue
	for _, f := range u.files {
		data, err := l.readFile(f)
		if err != nil {
			continue
		}
		for _, kv := range unitLines(data) {
			switch kv.key {
			case "Environment":
				for _, w := range splitWords(kv.value) {
					if k, v, ok := strings.Cut(w, "="); ok {
						env[k] = envValue{v, f, kv.line}
					}
				}
			case "EnvironmentFile":
				p := strings.TrimPrefix(kv.value, "-")
				if l.isFile(p) {
					u.envFiles = append(u.envFiles, p)
					l.readEnvFile(p, fileEnv)
				}
			case "ExecStart":
				if kv.value == "" {
					exec = nil // an empty ExecStart= clears the ones before it
					continue
				}
				exec = &envValue{strings.TrimLeft(kv.value, "-@+!:"), f, kv.line}
			}
		}
	}
	for k, v := range fileEnv {
		env[k] = v
	}
	switch {
	case exec != nil:
		words := splitWords(exec.value)
		for _, w := range words[min(1, len(words)):] {
			u.args = append(u.args, expand(w, env, exec.file, exec.line)...)
		}
	case len(u.files) == 0 && l.isFile(kubeadmFlagsEnv):
		u.envFiles = append(u.envFiles, kubeadmFlagsEnv)
		l.readEnvFile(kubeadmFlagsEnv, env)
		u.args = expand("$KUBELET_KUBEADM_ARGS", env, "", 0)
	}
	u.found = len(u.files) > 0 || len(u.envFiles) > 0
	return u
}

// expand turns one ExecStart word into the words it stands for: "$VAR"
// alone splits the variable's value at white space, "${VAR}" alone is one
// word, and variables inside a word are replaced in place. Words from a
// variable carry the place the variable was set.
func expand(w string, env map[string]envValue, file string, line int) []cluster.Arg {
	if name, ok := strings.CutPrefix(w, "$"); ok && isVarName(name) {
		v, set := env[name]
		if !set {
			return nil
		}
		var out []cluster.Arg
		for _, x := range strings.Fields(v.value) {
			out = append(out, cluster.Arg{Value: x, File: v.file, Line: v.line})
		}
		return out
	}
	if strings.HasPrefix(w, "${") && strings.HasSuffix(w, "}") && isVarName(w[2:len(w)-1]) {
		v, set := env[w[2:len(w)-1]]
		if !set {
			return nil
		}
		return []cluster.Arg{{Value: v.value, File: v.file, Line: v.line}}
	}
	out := w
	for k, v := range env {
		out = strings.ReplaceAll(out, "${"+k+"}", v.value)
	}
	return []cluster.Arg{{Value: out, File: file, Line: line}}
}

func isVarName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// readEnvFile adds the KEY=VALUE lines of an environment file.
func (l *loader) readEnvFile(p string, env map[string]envValue) {
	data, err := l.readFile(p)
	if err != nil {
		return
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, maxFileBytes)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok {
			continue
		}
		env[strings.TrimSpace(k)] = envValue{unquote(strings.TrimSpace(v)), p, n}
	}
}

// unitLine is one Key=Value setting of a unit file.
type unitLine struct {
	key, value string
	line       int
}

// unitLines reads the settings of a unit file's [Service] section,
// joining continuation lines (ending in "\").
func unitLines(data []byte) []unitLine {
	var out []unitLine
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, maxFileBytes)
	var pending strings.Builder
	start := 0
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSpace(sc.Text())
		if pending.Len() == 0 {
			start = n
			if text == "" || text[0] == '#' || text[0] == ';' {
				continue
			}
			if text[0] == '[' {
				section = strings.Trim(text, "[]")
				continue
			}
		}
		if cont, ok := strings.CutSuffix(text, "\\"); ok {
			pending.WriteString(cont + " ")
			continue
		}
		pending.WriteString(text)
		full := pending.String()
		pending.Reset()
		if section != "Service" {
			continue
		}
		if k, v, ok := strings.Cut(full, "="); ok {
			out = append(out, unitLine{strings.TrimSpace(k), strings.TrimSpace(v), start})
		}
	}
	return out
}

// splitWords splits a systemd value at white space, keeping quoted words
// whole and dropping their quotes.
func splitWords(s string) []string {
	var out []string
	var b strings.Builder
	var quote rune
	inWord := false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			b.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				out = append(out, b.String())
				b.Reset()
				inWord = false
			}
		default:
			b.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		out = append(out, b.String())
	}
	return out
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// isFile reports whether the node has a regular file at that path.
func (l *loader) isFile(p string) bool {
	fi, err := l.root.Stat(l.rel(path.Clean(p)))
	return err == nil && !fi.IsDir()
}
