package supplychain

import (
	"fmt"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/imageref"
)

// imageTagMutable reads the image of every init, regular and ephemeral
// container. Allowed: a reference with a digest, or with a tag other than
// "latest". Forbidden: no tag and no digest (the runtime pulls "latest"),
// or the tag "latest" without a digest. References that do not parse are
// left to the kubelet, which refuses to pull them.
func imageTagMutable(_ *check.Context, pod *cluster.PodTemplate) []check.Violation {
	var out []check.Violation
	for _, c := range pod.Containers() {
		ref, err := imageref.Parse(c.Container.Image)
		if err != nil || !ref.MutableTag() {
			continue
		}
		why := "has no tag and no digest, so it pulls whatever \"latest\" points to"
		if ref.Tag == "latest" {
			why = "uses the tag \"latest\" without a digest"
		}
		out = append(out, check.Violation{
			Field:   c.Field("image"),
			Message: fmt.Sprintf("%s %q image %q %s", kind(c), c.Container.Name, c.Container.Image, why),
		})
	}
	return out
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "supplychain/image-tag-mutable",
			Title: "Image uses latest or no tag",
			Description: "Reads the image of every container, init container and ephemeral container. " +
				"Allowed: a reference with a digest (@sha256:...), or with a tag other than latest. " +
				"Flagged: no tag and no digest (the runtime pulls latest) or the tag latest without a digest. " +
				"Whoever can push to the repository decides what runs next time a pod starts, " +
				"and two replicas of one workload may run different code, so a poisoned push spreads silently " +
				"and no one can say which version ran.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorSupplyChain,
			Strategy: check.StrategyImageSecurity,
			References: check.References{
				NSA:   []string{"Kubernetes Pod security: Building secure container images"},
				MITRE: []string{"T1195.002", "T1525"},
			},
			Remediation: "Reference an immutable release: a versioned tag plus its digest " +
				"(registry/app:1.4.2@sha256:...), resolved and updated by CI or a tool like Renovate.",
		},
		Pod: imageTagMutable,
	})
}
