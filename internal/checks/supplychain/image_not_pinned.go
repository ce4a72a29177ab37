package supplychain

import (
	"fmt"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/imageref"
)

// imageNotPinned reads the image of every init, regular and ephemeral
// container. Allowed: a reference with a digest ("app@sha256:..." or
// "app:1.2@sha256:..."). Forbidden: any reference without one, since a tag
// can be moved to other bytes. References that do not parse are skipped.
func imageNotPinned(_ *check.Context, pod *cluster.PodTemplate) []check.Violation {
	var out []check.Violation
	for _, c := range pod.Containers() {
		ref, err := imageref.Parse(c.Container.Image)
		if err != nil || ref.Pinned() {
			continue
		}
		out = append(out, check.Violation{
			Field: c.Field("image"),
			Message: fmt.Sprintf("%s %q image %q is not pinned by digest: %s can be re-pointed to other content",
				kind(c), c.Container.Name, c.Container.Image, tagOf(ref)),
		})
	}
	return out
}

// tagOf names what a reference without a digest follows.
func tagOf(ref imageref.Reference) string {
	if ref.Tag == "" {
		return "the implied tag \"latest\""
	}
	return fmt.Sprintf("the tag %q", ref.Tag)
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "supplychain/image-not-pinned",
			Title: "Image not pinned by digest",
			Description: "Reads the image of every container, init container and ephemeral container. " +
				"Allowed: a reference with a digest (@sha256:...), with or without a tag. " +
				"Flagged: every reference without a digest. A tag, even a version tag, is a pointer the " +
				"repository's owner (or anyone holding its push credentials) can move, so the image that runs " +
				"is not the one that was reviewed, scanned or signed.",
			Severity: check.SeverityLow,
			Vector:   check.VectorSupplyChain,
			Strategy: check.StrategyImageSecurity,
			References: check.References{
				NSA:   []string{"Kubernetes Pod security: Building secure container images"},
				MITRE: []string{"T1195.002", "T1525"},
			},
			Remediation: "Append the digest of the reviewed image to its reference " +
				"(registry/app:1.4.2@sha256:...); `crane digest` or `docker buildx imagetools inspect` prints it.",
		},
		Pod: imageNotPinned,
	})
}
