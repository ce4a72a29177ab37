package supplychain

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/imageref"
)

// imagePullPolicy reads imagePullPolicy and image of every init, regular
// and ephemeral container. Allowed: Always, or any policy on an image
// pinned by digest. Forbidden: IfNotPresent or Never on an image without a
// digest, including an unset policy that the API server defaults to
// IfNotPresent (it does so for every reference except one with no tag or
// the tag "latest", which default to Always). References that do not
// parse are skipped.
func imagePullPolicy(_ *check.Context, pod *cluster.PodTemplate) []check.Violation {
	var out []check.Violation
	for _, c := range pod.Containers() {
		ref, err := imageref.Parse(c.Container.Image)
		if err != nil || ref.Pinned() {
			continue
		}
		policy, effective := c.Container.ImagePullPolicy, defaultPullPolicy(ref, c.Container.ImagePullPolicy)
		if effective == corev1.PullAlways {
			continue
		}
		field := c.Field("imagePullPolicy")
		stated := fmt.Sprintf("imagePullPolicy %s", policy)
		if policy == "" {
			stated = "imagePullPolicy is unset and defaults to IfNotPresent"
		}
		out = append(out, check.Violation{
			Field: field,
			Message: fmt.Sprintf("%s %q %s on image %q, which is not pinned by digest: a node runs whatever it cached under %s, which may be an old or poisoned image",
				kind(c), c.Container.Name, stated, c.Container.Image, tagOf(ref)),
			Fix: []check.PatchOp{{Op: "add", Path: cluster.JSONPointer(field), Value: string(corev1.PullAlways)}},
		})
	}
	return out
}

// defaultPullPolicy is the pull policy the API server stores: the given
// one, or, when unset, Always for a reference whose tag is (or implies)
// latest and IfNotPresent otherwise.
func defaultPullPolicy(ref imageref.Reference, p corev1.PullPolicy) corev1.PullPolicy {
	if p != "" {
		return p
	}
	if ref.Tag == "latest" || ref.Tag == "" && ref.Digest == "" {
		return corev1.PullAlways
	}
	return corev1.PullIfNotPresent
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "supplychain/image-pull-policy",
			Title: "Pull policy lets a node run a stale cached image",
			Description: "Reads imagePullPolicy and image of every container, init container and ephemeral container. " +
				"Allowed: Always, or any policy when the image is pinned by digest. " +
				"Flagged: IfNotPresent or Never on an image without a digest, and an unset policy on a tagged image " +
				"without a digest, which the API server defaults to IfNotPresent (only no tag or :latest defaults to Always). " +
				"With a mutable tag the node runs whatever it cached under that tag: an image an attacker planted " +
				"on the node, or a version the registry has since replaced, and pods on different nodes run different code. ",
			Severity: check.SeverityLow,
			Vector:   check.VectorSupplyChain,
			Strategy: check.StrategyImageSecurity,
			References: check.References{
				NSA:   []string{"Kubernetes Pod security: Building secure container images"},
				MITRE: []string{"T1525", "T1195.002"},
			},
			Remediation: "Pin the image by digest (then IfNotPresent is safe), or set imagePullPolicy: Always.",
		},
		Pod: imagePullPolicy,
	})
}
