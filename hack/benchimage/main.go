// Command benchimage measures `palisade image` end to end, as a user runs
// it: it generates a Debian 12 image of about 300 MiB with 2,000 dpkg
// packages (written as an OCI layout) and 100k OSV advisories, imports them
// with `palisade db import`, then runs
// `palisade image --oci-layout DIR -o cyclonedx` and prints its wall time,
// the packages and vulnerabilities found and its peak RSS — the process's
// own, not the generator's.
//
//	go run ./hack/benchimage [-packages 2000] [-bytes 314572800] [-advisories 100000] [-runs 3]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/palisade-sec/palisade/internal/image/imagetest"
	"github.com/palisade-sec/palisade/internal/vulndb/vulndbtest"

	"github.com/palisade-sec/palisade/internal/benchmem"
)

func main() {
	packages := flag.Int("packages", 2000, "dpkg packages in the image")
	size := flag.Int64("bytes", 300<<20, "approximate uncompressed size of the image")
	advisories := flag.Int("advisories", 100_000, "advisories in the vulnerability database")
	runs := flag.Int("runs", 3, "runs of palisade image")
	flag.Parse()
	if err := run(*packages, *size, *advisories, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "benchimage:", err)
		os.Exit(1)
	}
}

func run(packages int, size int64, advisories, runs int) error {
	tmp, err := os.MkdirTemp("", "palisade-benchimage-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	bin := filepath.Join(tmp, "palisade")
	if out, err := exec.Command("go", "build", "-o", bin, "./cmd/palisade").CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/palisade: %v\n%s", err, out)
	}
	layers := filepath.Join(tmp, "layers")
	if err := os.Mkdir(layers, 0o755); err != nil {
		return err
	}
	img, err := imagetest.Large(imagetest.LargeOptions{Dir: layers, Packages: packages, TotalBytes: size})
	if err != nil {
		return err
	}
	lay := filepath.Join(tmp, "layout")
	p, err := layout.Write(lay, empty.Index)
	if err != nil {
		return err
	}
	if err := p.AppendImage(img); err != nil {
		return err
	}
	zip := filepath.Join(tmp, "osv.zip")
	if err := vulndbtest.WriteZip(zip, advisories, vulndbtest.GenOptions{DebianPackages: max(packages, 2000)}); err != nil {
		return err
	}
	db := filepath.Join(tmp, "db")
	start := time.Now()
	if out, err := exec.Command(bin, "db", "import", "--db", db, zip).CombinedOutput(); err != nil {
		return fmt.Errorf("palisade db import: %v\n%s", err, out)
	}
	fmt.Printf("db import of %d advisories: %.2f s\n", advisories, time.Since(start).Seconds())

	for i := 1; i <= runs; i++ {
		sbom := filepath.Join(tmp, "sbom.json")
		cmd := exec.Command(bin, "image", "--oci-layout", lay, "--db", db, "-o", "cyclonedx", "--output-file", sbom)
		cmd.Stderr = os.Stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("palisade image: %w", err)
		}
		wall := time.Since(start)
		var bom struct {
			Components      []json.RawMessage `json:"components"`
			Vulnerabilities []json.RawMessage `json:"vulnerabilities"`
		}
		data, err := os.ReadFile(sbom)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, &bom); err != nil {
			return fmt.Errorf("the SBOM does not decode: %w", err)
		}
		fmt.Printf("run %d: palisade image (%d MiB, %d packages, %d advisories): %.2f s, %d components, %d vulnerabilities, peak RSS %d MiB\n",
			i, size>>20, packages, advisories, wall.Seconds(), len(bom.Components), len(bom.Vulnerabilities), benchmem.MaxRSS(cmd.ProcessState)>>20)
	}
	return nil
}
