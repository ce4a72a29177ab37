package e2e

import (
	"context"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
	"github.com/palisade-sec/palisade/internal/source/live"
	"github.com/palisade-sec/palisade/internal/synth"
)

// BenchmarkLiveScan10k loads a generated 10k-object cluster into the real
// API server, then measures a live scan (list everything, run every check).
// The API server is another process, so this process's CPU time is the
// scan's own cost: reported as scan-cpu-s per scan, beside objects/s and
// the heap the scan leaves live.
func BenchmarkLiveScan10k(b *testing.B) {
	const n = 10000
	cfg := startAPIServer(b)
	data, _ := synth.Generate(synth.Options{Objects: n, Seed: 1, InsecureRatio: 1.0 / 3})
	objs, errs := (&source.Decoder{}).Decode("synthetic.yaml", data)
	if len(errs) > 0 {
		b.Fatal(errs[0].Error())
	}
	loadParallel(b, cfg, objs)

	objs, data = nil, nil
	base := heapBytes()
	b.ResetTimer()
	var cpu time.Duration
	var findings int
	var peak uint64
	for i := 0; i < b.N; i++ {
		before := cpuTime()
		res, err := live.Load(context.Background(), live.Options{RESTConfig: cfg, QPS: 1000, Burst: 1000})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Errors) > 0 {
			b.Fatal(res.Errors[0].Error())
		}
		result := check.Run(cluster.NewSnapshot(res.Objects), check.Options{})
		findings = len(result.Findings)
		cpu += cpuTime() - before
		b.StopTimer()
		peak = max(peak, heapBytes()-base) // what the scan holds: objects, snapshot, findings
		runtime.KeepAlive(result)
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "objects/s")
	b.ReportMetric(cpu.Seconds()/float64(b.N), "scan-cpu-s")
	b.ReportMetric(float64(findings), "findings")
	b.ReportMetric(float64(peak)/(1<<20), "MiB-live-heap")
}

// heapBytes is the live heap after a collection.
func heapBytes() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// loadParallel creates objects with several clients at once: namespaces
// first, then everything else.
func loadParallel(b *testing.B, admin *rest.Config, objs []*cluster.Object) {
	c := newClient(b, admin)
	// The generator puts insecure pods in some namespaces that enforce the
	// restricted Pod Security level, which the API server (rightly) refuses;
	// the benchmark wants every object stored, so it drops enforcement.
	// Node ports are left to the API server to allocate, so that explicit
	// ones cannot collide with those it hands to LoadBalancer Services.
	for _, o := range objs {
		switch obj := o.Typed.(type) {
		case *corev1.Namespace:
			delete(obj.Labels, "pod-security.kubernetes.io/enforce")
		case *corev1.Service:
			for i := range obj.Spec.Ports {
				obj.Spec.Ports[i].NodePort = 0
			}
		}
	}
	ensureNamespaces(b, c, objs)
	work := make(chan *cluster.Object)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for o := range work {
				if err := create(b, c, o.Typed.DeepCopyObject().(client.Object)); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	for _, o := range objs {
		if _, ok := o.Typed.(*corev1.Namespace); !ok {
			work <- o
		}
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
}

// cpuTime is the CPU this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
