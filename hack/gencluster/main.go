// Command gencluster writes a synthetic cluster of N objects as one
// multi-document YAML file (see internal/synth).
//
//	go run ./hack/gencluster -n 100000 -o /tmp/cluster.yaml
//	go run ./hack/gencluster -n 50 -insecure 1 | palisade scan -
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/palisade-sec/palisade/internal/synth"
)

func main() {
	n := flag.Int("n", 1000, "number of objects (documents) to write")
	out := flag.String("o", "-", "output file; - is standard output")
	seed := flag.Uint64("seed", 1, "seed: the same flags always give the same file")
	insecure := flag.Float64("insecure", synth.DefaultInsecureRatio, "share of objects written with a weakness, 0 to 1")
	quiet := flag.Bool("q", false, "do not print what was written")
	flag.Parse()
	if flag.NArg() > 0 || *n < 0 {
		fmt.Fprintln(os.Stderr, "usage: gencluster [-n N] [-o FILE] [-seed S] [-insecure R]")
		os.Exit(2)
	}
	if err := run(*n, *out, *seed, *insecure, *quiet); err != nil {
		fmt.Fprintln(os.Stderr, "gencluster:", err)
		os.Exit(1)
	}
}

func run(n int, out string, seed uint64, insecure float64, quiet bool) error {
	var w io.Writer = os.Stdout
	if out != "-" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	start := time.Now()
	st, err := synth.Write(w, synth.Options{Objects: n, Seed: seed, InsecureRatio: insecure})
	if err != nil {
		return err
	}
	if f, ok := w.(*os.File); ok && f != os.Stdout {
		if err := f.Close(); err != nil {
			return err
		}
	}
	if !quiet {
		fmt.Fprintf(os.Stderr, "gencluster: %d objects (%d insecure), %.1f MiB in %.2fs\n",
			st.Documents, st.Insecure, float64(st.Bytes)/(1<<20), time.Since(start).Seconds())
	}
	return nil
}
