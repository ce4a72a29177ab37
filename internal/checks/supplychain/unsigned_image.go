package supplychain

import (
	"fmt"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

// unsignedImage reads, for the image of every init, regular and ephemeral
// container, the outcome of verifying its cosign signatures (palisade scan
// --images with --key or --trusted-root). Allowed: an image with a
// signature over its digest that verifies against the configured keys or
// trusted root and certificate identity. Forbidden: no signature, a
// signature by another key or identity, or a signature over another
// digest. Silent when signatures were not verified.
func unsignedImage(ctx *check.Context, pod *cluster.PodTemplate) []check.Violation {
	var out []check.Violation
	for _, c := range scannedImages(ctx, pod) {
		sig := c.facts.Signature
		if sig == nil || sig.Verified {
			continue
		}
		out = append(out, check.Violation{
			Field: c.Field("image"),
			Message: fmt.Sprintf("%s %q image %q has no signature that verifies: %s",
				kind(c.ContainerRef), c.Container.Name, c.Container.Image, sig.Reason),
		})
	}
	return out
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "supplychain/unsigned-image",
			Title: "Image without a valid signature",
			Description: "Reads the outcome of verifying the cosign signatures of the image of every container, " +
				"init container and ephemeral container (palisade scan --images with --key, or --trusted-root " +
				"and a certificate identity). Allowed: a signature over the image's digest that verifies against " +
				"a configured public key, or a certificate from the trusted root naming the required identity. " +
				"Flagged: no signature, a signature by another key or identity, or one over another digest. " +
				"Silent when signatures were not verified.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorSupplyChain,
			Strategy: check.StrategyImageSecurity,
			References: check.References{
				NSA:   []string{"Kubernetes Pod security: Building secure container images"},
				MITRE: []string{"T1195.002", "T1525"},
			},
			Remediation: "Sign the image in the pipeline that builds it (cosign sign --key ... or keyless), and " +
				"admit only signed images; if it is a third-party image, verify it against its publisher's key.",
		},
		Pod:            unsignedImage,
		ReadsImageScan: true,
	})
}
