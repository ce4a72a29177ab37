package supplychain

import (
	"fmt"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

// eolBaseImage reads, for the image of every init, regular and ephemeral
// container, the operating system release its /etc/os-release names and
// that release's end of security support. Forbidden: a release whose end
// of life has passed, since its packages no longer get fixes and the
// vulnerability database stops listing what affects them. Allowed: a
// supported release, and a release Palisade has no date for.
func eolBaseImage(ctx *check.Context, pod *cluster.PodTemplate) []check.Violation {
	now := ctx.Time()
	var out []check.Violation
	for _, c := range scannedImages(ctx, pod) {
		if c.facts.Inventory == nil {
			continue
		}
		osr := c.facts.Inventory.OS
		if osr.EndOfLife.IsZero() || now.Before(osr.EndOfLife) {
			continue
		}
		name := osr.PrettyName
		if name == "" {
			name = osr.ID + " " + osr.VersionID
		}
		out = append(out, check.Violation{
			Field: c.Field("image"),
			Message: fmt.Sprintf("%s %q image %q is built on %s, which stopped receiving security updates on %s",
				kind(c.ContainerRef), c.Container.Name, c.Container.Image, name, osr.EndOfLife.Format("2006-01-02")),
		})
	}
	return out
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "supplychain/eol-base-image",
			Title: "Image built on an end-of-life operating system",
			Description: "Reads the operating system release (/etc/os-release) of the image of every container, " +
				"init container and ephemeral container, found by an image scan (palisade scan --images), and " +
				"the release's end of security support. Flagged: a release past its end of life (Debian, " +
				"Ubuntu, Alpine, RHEL/UBI, Amazon Linux). Not flagged: supported releases and releases without " +
				"a known date. Silent when images were not scanned.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorContainerVuln,
			Strategy: check.StrategyImageSecurity,
			References: check.References{
				NSA:   []string{"Kubernetes Pod security: Building secure container images"},
				MITRE: []string{"T1190"},
			},
			Remediation: "Rebuild the image on a supported release of its base (for example debian:12 or " +
				"alpine:3.22) and roll the workload.",
		},
		Pod:            eolBaseImage,
		ReadsImageScan: true,
	})
}
