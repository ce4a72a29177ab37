package node

import (
	"reflect"
	"testing"

	"github.com/palisade-sec/palisade/internal/cluster"
)

func words(ws ...string) []cluster.Arg {
	out := make([]cluster.Arg, len(ws))
	for i, w := range ws {
		out[i] = cluster.Arg{Value: w, Field: "command[" + string(rune('0'+i)) + "]"}
	}
	return out
}

func TestParseFlags(t *testing.T) {
	fs := ParseFlags(words(
		"--anonymous-auth=false",             // 0: name=value
		"--audit-log-path", "/var/log/a.log", // 1, 2: name value
		"--profiling",                       // 3: bare boolean
		"false",                             // 4: a stray word, not profiling's value
		"-data-dir=/var/lib/etcd",           // 5: Go flag style, one dash
		"--authorization-mode=Node",         // 6: repeated list flag
		"--authorization-mode=RBAC,Webhook", // 7
		"--feature-gates=A=true,B=false",    // 8: map flag
		"--feature-gates=B=true",            // 9
		"--empty=",                          // 10
		"--trailing",                        // 11: a non-boolean flag with nothing after it
		"--",                                // 12: the end of the flags
		"--after=ignored",                   // 13
	))
	var names []string
	for _, f := range fs {
		names = append(names, f.Name)
	}
	want := []string{"anonymous-auth", "audit-log-path", "profiling", "data-dir", "authorization-mode", "authorization-mode", "feature-gates", "feature-gates", "empty", "trailing"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("flags %v, want %v", names, want)
	}
	if f, _ := fs.Last("audit-log-path"); f.Value != "/var/log/a.log" || f.Arg.Field != "command[1]" {
		t.Errorf("--audit-log-path: %+v", f)
	}
	if v, set, _, err := fs.Bool("profiling"); !v || !set || err != nil {
		t.Errorf("bare --profiling: %v %v %v, want true", v, set, err)
	}
	if v, set, _, err := fs.Bool("anonymous-auth"); v || !set || err != nil {
		t.Errorf("--anonymous-auth=false: %v %v %v", v, set, err)
	}
	if _, set, _, _ := fs.Bool("client-cert-auth"); set {
		t.Error("an absent flag reads as set")
	}
	if f, _ := fs.Last("data-dir"); f.Value != "/var/lib/etcd" {
		t.Errorf("-data-dir: %+v", f)
	}
	if got := fs.List("authorization-mode"); !reflect.DeepEqual(got, []string{"Node", "RBAC", "Webhook"}) {
		t.Errorf("repeated list flag: %v", got)
	}
	gates := fs.Map("feature-gates")
	if gates["A"].Value != "true" || gates["B"].Value != "true" || gates["B"].Flag.Arg.Field != "command[9]" {
		t.Errorf("feature gates: %+v", gates)
	}
	if f, ok := fs.Last("empty"); !ok || f.Value != "" || f.Bare {
		t.Errorf("--empty=: %+v", f)
	}
	if f, _ := fs.Last("trailing"); !f.Bare {
		t.Errorf("--trailing: %+v", f)
	}
	if fs.Has("after") {
		t.Error("a flag after -- was read")
	}
	if _, _, _, err := ParseFlags(words("--profiling=yes")).Bool("profiling"); err == nil {
		t.Error("--profiling=yes read as a boolean")
	}
	if got := (Flag{Name: "profiling", Bare: true}).String(); got != "--profiling" {
		t.Errorf("String of a bare flag: %q", got)
	}
}
