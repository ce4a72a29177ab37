package supplychain

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/imageref"
)

// imageDigestDrift reads, for the image of every init, regular and
// ephemeral container, the digest that runs and the digest its tag
// resolves to in the registry now (palisade scan --images asks the
// registry). The digest that runs is the reference's own digest
// ("app:1.4@sha256:..."), or for a Pod read from a cluster the imageID its
// container status reports. Forbidden: the two differ — the tag was moved
// after the workload was deployed, so what runs is not what the tag names
// today (a rebuilt image with fixes not rolled out, or a tag re-pointed by
// someone holding push rights). Allowed: equal digests, and containers
// whose running digest or tag resolution is unknown.
func imageDigestDrift(ctx *check.Context, pod *cluster.PodTemplate) []check.Violation {
	var out []check.Violation
	for _, c := range scannedImages(ctx, pod) {
		resolved := c.facts.ResolvedDigest
		if resolved == "" {
			continue
		}
		ref, err := imageref.Parse(c.Container.Image)
		if err != nil {
			continue
		}
		running, from := ref.Digest, "its reference pins"
		if running == "" {
			running, from = statusDigest(pod, c.ContainerRef), "its container status reports"
		}
		if running == "" || running == resolved {
			continue
		}
		tag := ref.Tag
		if tag == "" {
			tag = "latest"
		}
		out = append(out, check.Violation{
			Field: c.Field("image"),
			Message: fmt.Sprintf("%s %q runs %s (%s), but the tag %q of %s now resolves to %s: the tag has moved since the workload was deployed",
				kind(c.ContainerRef), c.Container.Name, running, from, tag, ref.Repository(), resolved),
		})
	}
	return out
}

// statusDigest is the digest a live Pod's status reports for a container
// ("docker-pullable://repo@sha256:..." or "repo@sha256:..."), or "".
func statusDigest(pod *cluster.PodTemplate, c cluster.ContainerRef) string {
	p, ok := pod.Object.Typed.(*corev1.Pod)
	if !ok {
		return ""
	}
	statuses := p.Status.ContainerStatuses
	switch {
	case c.Init:
		statuses = p.Status.InitContainerStatuses
	case c.Ephemeral:
		statuses = p.Status.EphemeralContainerStatuses
	}
	for _, s := range statuses {
		if s.Name != c.Container.Name {
			continue
		}
		if _, digest, ok := strings.Cut(s.ImageID, "@"); ok && strings.HasPrefix(digest, "sha256:") {
			return digest
		}
	}
	return ""
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "supplychain/image-digest-drift",
			Title: "Running image differs from what its tag names now",
			Description: "Reads the digest a container runs — the digest its reference pins (app:1.4@sha256:...), " +
				"or for a Pod read from a cluster the imageID of its container status — and the digest the " +
				"reference's tag resolves to in the registry now (palisade scan --images). Flagged: the two " +
				"differ, so the tag moved after the workload was deployed. Not flagged: equal digests, and " +
				"containers whose running digest or current tag cannot be established (a registry that was " +
				"not reachable, a controller whose pods were not read).",
			Severity: check.SeverityMedium,
			Vector:   check.VectorSupplyChain,
			Strategy: check.StrategyImageSecurity,
			References: check.References{
				MITRE: []string{"T1195.002", "T1525"},
			},
			Remediation: "Find out why the tag moved. If the new image is the reviewed release, pin its digest and " +
				"roll the workload; if nobody meant to move it, treat the registry's push credentials as exposed.",
		},
		Pod:            imageDigestDrift,
		ReadsImageScan: true,
	})
}
