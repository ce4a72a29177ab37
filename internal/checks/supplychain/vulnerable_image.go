package supplychain

import (
	"fmt"
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/imagefacts"
)

// shownVulns is how many vulnerabilities a finding names before it
// summarises the rest.
const shownVulns = 3

// vulnerableImage reads, for the image of every init, regular and
// ephemeral container, the vulnerabilities the image scan matched
// (palisade scan --images). Forbidden: an image with a critical
// vulnerability for which a fixed version has been released. Allowed:
// critical vulnerabilities without a fix yet (nothing to upgrade to), and
// every lower severity, which `palisade image` lists in full. An image
// that could not be scanned is reported as not assessed.
func vulnerableImage(ctx *check.Context, pod *cluster.PodTemplate) []check.Violation {
	var out []check.Violation
	for _, c := range scannedImages(ctx, pod) {
		if c.facts.Inventory == nil && c.facts.Err != "" {
			out = append(out, check.NotAssessed(nil, c.Field("image"),
				fmt.Sprintf("%s %q image %q could not be scanned: %s", kind(c.ContainerRef), c.Container.Name, c.Container.Image, c.facts.Err)))
			continue
		}
		var critical []imagefacts.Vuln
		for _, v := range c.facts.Vulns {
			if v.Severity == imagefacts.SeverityCritical && v.Fixable() {
				critical = append(critical, v)
			}
		}
		if len(critical) == 0 {
			continue
		}
		out = append(out, check.Violation{
			Field: c.Field("image"),
			Message: fmt.Sprintf("%s %q image %q has %d critical %s with a fix released: %s",
				kind(c.ContainerRef), c.Container.Name, c.Container.Image, len(critical),
				plural(len(critical), "vulnerability", "vulnerabilities"), describeVulns(c.facts, critical)),
		})
	}
	return out
}

// describeVulns names the first few vulnerabilities with the package, the
// installed and the fixed version, and counts the rest.
func describeVulns(f *imagefacts.Facts, vulns []imagefacts.Vuln) string {
	var parts []string
	for i, v := range vulns {
		if i == shownVulns {
			parts = append(parts, fmt.Sprintf("and %d more (palisade image %s lists them)", len(vulns)-shownVulns, f.Image))
			break
		}
		pkg, layer := "a package", ""
		if f.Inventory != nil && v.Package >= 0 && v.Package < len(f.Inventory.Packages) {
			p := f.Inventory.Packages[v.Package]
			pkg = p.Name
			if p.Layer >= 0 {
				layer = fmt.Sprintf(" from layer %d", p.Layer+1)
			}
		}
		parts = append(parts, fmt.Sprintf("%s in %s %s%s (fixed in %s)", vulnName(v), pkg, v.Installed, layer, v.Fixed))
	}
	return strings.Join(parts, ", ")
}

// vulnName is the advisory's CVE id when it has one, with its own id
// after it when that differs.
func vulnName(v imagefacts.Vuln) string {
	switch cve := v.CVE(); cve {
	case "":
		return v.ID
	case v.ID:
		return cve
	default:
		return cve + " (" + v.ID + ")"
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "supplychain/vulnerable-image",
			Title: "Image with critical vulnerabilities that have a fix",
			Description: "Reads the vulnerabilities an image scan (palisade scan --images) matched in the image of " +
				"every container, init container and ephemeral container, from the offline OSV database " +
				"(palisade db). Flagged: an image with at least one critical vulnerability for which a fixed " +
				"version has been released, naming the advisory, the package, the installed and the fixed " +
				"version. Not flagged: critical vulnerabilities without a released fix and lower severities " +
				"(palisade image lists every one). Silent when images were not scanned.",
			Severity: check.SeverityCritical,
			Vector:   check.VectorContainerVuln,
			Strategy: check.StrategyImageSecurity,
			References: check.References{
				NSA:   []string{"Kubernetes Pod security: Building secure container images"},
				MITRE: []string{"T1190", "T1203"},
			},
			Remediation: "Rebuild the image on an updated base (or upgrade the named packages to the fixed " +
				"versions) and roll the workload; `palisade image REF` lists every vulnerability and fix.",
		},
		Pod:            vulnerableImage,
		ReadsImageScan: true,
	})
}
