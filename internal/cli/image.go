package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/palisade-sec/palisade/internal/image"
	"github.com/palisade-sec/palisade/internal/imagefacts"
	"github.com/palisade-sec/palisade/internal/imagescan"
	"github.com/palisade-sec/palisade/internal/sbom"
)

// imageFormats are the image command's output formats.
var imageFormats = []string{"table", "json", "cyclonedx", "spdx"}

type imageOptions struct {
	imageScanOptions
	input     string
	ociLayout string
	output    string
	file      string
	failOn    string
	packages  bool

	failOnSeverity imagefacts.Severity
}

func newImageCommand(s *streams) *cobra.Command {
	o := &imageOptions{}
	cmd := &cobra.Command{
		Use:   "image (REFERENCE | --input ARCHIVE | --oci-layout DIR)",
		Short: "List an image's packages and the known vulnerabilities in them; write its SBOM",
		Long: `image reads a container image — from its registry, a docker save or OCI
archive (--input) or an OCI layout folder (--oci-layout) — squashes its
layers, lists the packages installed in it (dpkg, apk, rpm, Go binaries,
npm, Python, Java) with the layer that added each, and matches them against
the offline vulnerability database (palisade db), each ecosystem with its own
version ordering; a distribution's advisory decides over the upstream one for
the packages it ships.

Nothing is fetched from the network except the image from the registry a
REFERENCE names (anonymously, or with the credentials of the docker config).
With --key or --trusted-root the image's cosign signatures are verified too.

-o cyclonedx and -o spdx write the SBOM (CycloneDX or SPDX JSON) instead of
the report; CycloneDX carries the vulnerabilities found.

Exit status: 0; 1 when a vulnerability at or above --fail-on was found or,
with --key or --trusted-root, no signature verifies; 2 on a usage error or
an image that could not be read.`,
		Example: `  palisade db import Debian.zip Go.zip
  palisade image nginx:1.27
  palisade image registry.example/shop/web@sha256:4f1c... --fail-on critical
  palisade image --input web.tar -o cyclonedx --output-file web.cdx.json
  palisade image ghcr.io/acme/api:2.1 --key cosign.pub
  palisade image ghcr.io/acme/api:2.1 --trusted-root trusted_root.json \
      --certificate-identity release@acme.example --certificate-oidc-issuer https://accounts.google.com`,
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, s, args) },
	}
	f := cmd.Flags()
	o.imageScanOptions.addFlags(f)
	f.StringVar(&o.input, "input", "", "read the image from a docker save or OCI archive")
	f.StringVar(&o.ociLayout, "oci-layout", "", "read the image from an OCI image-layout folder")
	f.StringVarP(&o.output, "output", "o", "table", "output format: "+strings.Join(imageFormats, ", "))
	f.StringVar(&o.file, "output-file", "", "write the output to this file instead of standard output")
	f.StringVar(&o.failOn, "fail-on", "", "exit 1 when a vulnerability at or above this severity is found: low, medium, high, critical")
	f.BoolVar(&o.packages, "packages", false, "table: list every package, not only the vulnerable ones")
	return cmd
}

func (o *imageOptions) run(cmd *cobra.Command, s *streams, args []string) error {
	sources := len(args)
	if o.input != "" {
		sources++
	}
	if o.ociLayout != "" {
		sources++
	}
	if sources != 1 {
		return &exitError{ExitInput, fmt.Errorf("name one image: a REFERENCE, --input ARCHIVE or --oci-layout DIR (see 'palisade image --help')")}
	}
	if !slices.Contains(imageFormats, o.output) {
		return &exitError{ExitInput, fmt.Errorf("-o %q: want one of %s", o.output, strings.Join(imageFormats, ", "))}
	}
	if o.failOn != "" {
		sev := imagefacts.Severity(strings.ToUpper(o.failOn))
		if sev.Rank() <= imagefacts.SeverityUnknown.Rank() {
			return &exitError{ExitInput, fmt.Errorf("--fail-on %q: want low, medium, high or critical", o.failOn)}
		}
		o.failOnSeverity = sev
	}

	name := ""
	var src image.Source
	switch {
	case o.input != "":
		src, name = image.Source{Tarball: o.input}, o.input
	case o.ociLayout != "":
		src, name = image.Source{OCILayout: o.ociLayout}, o.ociLayout
	default:
		name = args[0]
	}
	loader := imagescan.RegistryLoader(o.imageOptions())
	if src != (image.Source{}) {
		if o.verifying() {
			return &exitError{ExitInput, fmt.Errorf("signatures are read from the image's registry: verify them with a REFERENCE, not --input or --oci-layout")}
		}
		loader = imagescan.FileLoader(src, o.imageOptions())
	}
	scanner, notices, closeDB, err := o.build(s.err, nil, loader)
	if err != nil {
		return err
	}
	defer closeDB()
	facts := scanner.Scan(cmd.Context(), name)
	for _, n := range notices {
		fmt.Fprintf(s.err, "palisade: %s\n", n)
	}
	if facts.Inventory == nil {
		return &exitError{ExitInput, fmt.Errorf("%s: %s", name, facts.Err)}
	}
	if facts.Err != "" {
		fmt.Fprintf(s.err, "palisade: %s: %s\n", name, facts.Err)
	}

	out := s.out
	if o.file != "" {
		f, err := os.Create(o.file)
		if err != nil {
			return &exitError{ExitInput, err}
		}
		defer f.Close()
		out = f
	}
	switch o.output {
	case "json":
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		err = enc.Encode(facts)
	case "cyclonedx":
		err = sbom.WriteCycloneDX(out, facts.Inventory, facts.Vulns)
	case "spdx":
		err = sbom.WriteSPDX(out, facts.Inventory)
	default:
		err = writeImageTable(out, facts, o.packages)
	}
	if err != nil {
		return &exitError{ExitInput, err}
	}
	var failures []string
	if o.failOnSeverity != "" {
		n := 0
		for _, v := range facts.Vulns {
			if v.Severity.Rank() >= o.failOnSeverity.Rank() {
				n++
			}
		}
		if n > 0 {
			failures = append(failures, fmt.Sprintf("%d %s at or above %s", n, pluralWord(n, "vulnerability", "vulnerabilities"), o.failOnSeverity))
		}
	}
	if sig := facts.Signature; sig != nil && !sig.Verified {
		failures = append(failures, "no signature verifies: "+sig.Reason)
	}
	if len(failures) > 0 {
		return &exitError{ExitFindings, errors.New(strings.Join(failures, "; "))}
	}
	return nil
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// writeImageTable writes the image's summary, then its vulnerabilities
// (most severe first), then, with all, every package.
func writeImageTable(w io.Writer, f *imagefacts.Facts, all bool) error {
	inv := f.Inventory
	fmt.Fprintf(w, "Image     %s\n", f.Image)
	fmt.Fprintf(w, "Digest    %s (%s)\n", inv.Digest, inv.Platform)
	if osr := inv.OS; osr.ID != "" {
		name := osr.PrettyName
		if name == "" {
			name = osr.ID + " " + osr.VersionID
		}
		switch {
		case osr.EndOfLife.IsZero():
		case time.Now().After(osr.EndOfLife):
			name += fmt.Sprintf(" — end of life since %s", osr.EndOfLife.Format("2006-01-02"))
		default:
			name += fmt.Sprintf(" — supported until %s", osr.EndOfLife.Format("2006-01-02"))
		}
		fmt.Fprintf(w, "OS        %s\n", name)
	}
	fmt.Fprintf(w, "Layers    %d\n", len(inv.Layers))
	fmt.Fprintf(w, "Packages  %d\n", len(inv.Packages))
	if sig := f.Signature; sig != nil {
		if sig.Verified {
			fmt.Fprintf(w, "Signature verified (%s)\n", sig.Signer)
		} else {
			fmt.Fprintf(w, "Signature NOT verified: %s\n", sig.Reason)
		}
	}
	counts := map[imagefacts.Severity]int{}
	for _, v := range f.Vulns {
		counts[v.Severity]++
	}
	fmt.Fprintf(w, "Vulns     %d (critical %d, high %d, medium %d, low %d, unknown %d)\n\n", len(f.Vulns),
		counts[imagefacts.SeverityCritical], counts[imagefacts.SeverityHigh], counts[imagefacts.SeverityMedium],
		counts[imagefacts.SeverityLow], counts[imagefacts.SeverityUnknown])

	vulns := slices.Clone(f.Vulns)
	slices.SortStableFunc(vulns, func(a, b imagefacts.Vuln) int { return b.Severity.Rank() - a.Severity.Rank() })
	if len(vulns) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "SEVERITY\tID\tPACKAGE\tINSTALLED\tFIXED\tLAYER\tSOURCE")
		for _, v := range vulns {
			p := inv.Packages[v.Package]
			fixed := v.Fixed
			if fixed == "" {
				fixed = "(no fix)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.Severity, vulnLabel(v), p.Name, v.Installed, fixed, layerLabel(inv, p.Layer), v.Source)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if all {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "TYPE\tPACKAGE\tVERSION\tLAYER\tPURL")
		for _, p := range inv.Packages {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Type, p.Name, p.Version, layerLabel(inv, p.Layer), p.PURL)
		}
		return tw.Flush()
	}
	return nil
}

// vulnLabel is the advisory id with its CVE id after it when that differs.
func vulnLabel(v imagefacts.Vuln) string {
	if cve := v.CVE(); cve != "" && cve != v.ID {
		return v.ID + " (" + cve + ")"
	}
	return v.ID
}

// layerLabel names a layer by its position and the build step that made it.
func layerLabel(inv *imagefacts.Inventory, i int) string {
	if i < 0 || i >= len(inv.Layers) {
		return "?"
	}
	label := fmt.Sprintf("#%d", i+1)
	if c := inv.Layers[i].CreatedBy; c != "" {
		if len(c) > 40 {
			c = c[:37] + "..."
		}
		label += " " + c
	}
	return label
}
