package synth_test

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
	"github.com/palisade-sec/palisade/internal/synth"
)

func decode(t *testing.T, data []byte) []*cluster.Object {
	t.Helper()
	dec := &source.Decoder{Limits: source.DefaultLimits}
	objs, errs := dec.Decode("synth.yaml", data)
	for i, e := range errs {
		if i == 5 {
			t.Fatalf("... %d input errors in all", len(errs))
		}
		t.Errorf("input error: %s", e.Error())
	}
	if len(errs) > 0 {
		t.FailNow()
	}
	return objs
}

func TestGenerateDecodes(t *testing.T) {
	const n = 2000
	data, st := synth.Generate(synth.Options{Objects: n, Seed: 1, InsecureRatio: synth.DefaultInsecureRatio})
	if st.Documents != n {
		t.Fatalf("Stats.Documents = %d, want %d", st.Documents, n)
	}
	if st.Bytes != int64(len(data)) {
		t.Errorf("Stats.Bytes = %d, stream is %d bytes", st.Bytes, len(data))
	}
	if docs := source.SplitDocuments("synth.yaml", data); len(docs) != n {
		t.Fatalf("stream has %d documents, want %d", len(docs), n)
	}
	objs := decode(t, data)
	if len(objs) != n {
		t.Fatalf("decoded %d objects, want %d", len(objs), n)
	}

	kinds := map[string]int{}
	for _, o := range objs {
		kinds[o.ID.Kind]++
		if _, untyped := o.Typed.(interface{ UnstructuredContent() map[string]any }); untyped {
			t.Errorf("%s decoded untyped", o.ID)
		}
	}
	for _, k := range []string{"Namespace", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicaSet",
		"ReplicationController", "Pod", "Service", "Ingress", "Role", "ClusterRole", "RoleBinding",
		"ClusterRoleBinding", "ServiceAccount", "NetworkPolicy", "Secret", "ConfigMap"} {
		if kinds[k] == 0 {
			t.Errorf("no %s generated", k)
		}
		if kinds[k] != st.Kinds[k] {
			t.Errorf("%d %s decoded, Stats.Kinds says %d", kinds[k], k, st.Kinds[k])
		}
	}

	// The generator's counters agree with what was actually written.
	snap := cluster.NewSnapshot(objs)
	var privileged, hostPID, runAsRoot, containers int
	for _, pt := range snap.PodTemplates() {
		if pt.Spec.HostPID {
			hostPID++
		}
		for _, c := range pt.Containers() {
			containers++
			sc := c.Container.SecurityContext
			if sc == nil {
				continue
			}
			if sc.Privileged != nil && *sc.Privileged {
				privileged++
			}
			if sc.RunAsUser != nil && *sc.RunAsUser == 0 {
				runAsRoot++
			}
		}
	}
	for _, c := range []struct {
		issue synth.Issue
		got   int
	}{{synth.IssuePrivileged, privileged}, {synth.IssueHostPID, hostPID}, {synth.IssueRunAsRoot, runAsRoot}} {
		if c.got != st.Issues[c.issue] || c.got == 0 {
			t.Errorf("%s: %d found in the decoded objects, Stats.Issues says %d", c.issue, c.got, st.Issues[c.issue])
		}
	}
	if containers != st.Containers {
		t.Errorf("%d containers decoded, Stats.Containers says %d", containers, st.Containers)
	}

	if share := float64(st.Insecure) / n; math.Abs(share-synth.DefaultInsecureRatio) > 0.05 {
		t.Errorf("insecure share %.3f, want about %.3f", share, synth.DefaultInsecureRatio)
	}
}

func TestDocumentSizes(t *testing.T) {
	data, _ := synth.Generate(synth.Options{Objects: 3000, Seed: 7, InsecureRatio: synth.DefaultInsecureRatio})
	docs := source.SplitDocuments("synth.yaml", data)
	objs := decode(t, data)
	size, count := map[string]int{}, map[string]int{}
	for i, o := range objs {
		size[o.ID.Kind] += len(docs[i].Bytes)
		count[o.ID.Kind]++
	}
	mean := func(k string) int { return size[k] / max(count[k], 1) }
	if m := mean("Deployment"); m < 1000 || m > 3000 {
		t.Errorf("a Deployment is %d bytes on average, want about 2 KB", m)
	}
	if avg := len(data) / len(docs); avg < 500 || avg > 2000 {
		t.Errorf("a document is %d bytes on average", avg)
	}
}

func TestDeterministic(t *testing.T) {
	opts := synth.Options{Objects: 500, Seed: 42, InsecureRatio: 0.5}
	a, sa := synth.Generate(opts)
	b, sb := synth.Generate(opts)
	if !bytes.Equal(a, b) || sa.Insecure != sb.Insecure {
		t.Fatal("the same options gave different streams")
	}
	var buf bytes.Buffer
	if _, err := synth.Write(&buf, opts); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, buf.Bytes()) {
		t.Fatal("Write and Generate differ")
	}
	opts.Seed = 43
	if c, _ := synth.Generate(opts); bytes.Equal(a, c) {
		t.Fatal("different seeds gave the same stream")
	}
}

func TestExactCount(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 59, 61, 250} {
		data, st := synth.Generate(synth.Options{Objects: n, Seed: uint64(n), InsecureRatio: 0.3})
		if docs := source.SplitDocuments("synth.yaml", data); len(docs) != n || st.Documents != n {
			t.Errorf("Objects %d: %d documents (Stats %d)", n, len(docs), st.Documents)
		}
	}
}

func TestInsecureRatioBounds(t *testing.T) {
	data, st := synth.Generate(synth.Options{Objects: 1000, Seed: 3})
	if st.Insecure != 0 || len(st.Issues) != 0 {
		t.Errorf("InsecureRatio 0: %d insecure objects, issues %v", st.Insecure, st.Issues)
	}
	for _, pt := range cluster.NewSnapshot(decode(t, data)).PodTemplates() {
		if pt.Spec.HostPID || pt.Spec.HostNetwork {
			t.Errorf("%s shares host namespaces in a hardened cluster", pt.Object.ID)
		}
		for _, c := range pt.Containers() {
			sc := c.Container.SecurityContext
			if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || c.Container.Resources.Limits == nil {
				t.Errorf("%s %s: not hardened", pt.Object.ID, c.Path)
			}
		}
	}
	_, st = synth.Generate(synth.Options{Objects: 1000, Seed: 3, InsecureRatio: 1})
	if st.Insecure != 1000 {
		t.Errorf("InsecureRatio 1: %d of 1000 objects insecure", st.Insecure)
	}
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after -= len(p); w.after < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestWriteError(t *testing.T) {
	st, err := synth.Write(&failingWriter{after: 1 << 20}, synth.Options{Objects: 100000, Seed: 1})
	if err == nil {
		t.Fatal("no error from a failing writer")
	}
	if st.Documents >= 100000 {
		t.Errorf("kept generating after the writer failed: %d documents", st.Documents)
	}
}
