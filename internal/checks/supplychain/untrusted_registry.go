package supplychain

import (
	"fmt"
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/imageref"
)

// untrustedRegistry reads the image of every init, regular and ephemeral
// container and Config.AllowedRegistries. Allowed: a reference whose
// normalized repository ("docker.io/library/nginx") equals an entry or
// lies under it on a "/" boundary, so "ghcr.io/acme" allows
// "ghcr.io/acme/api" but not "ghcr.io/acme-evil/api". Forbidden: any other
// reference, and a reference that does not parse (its registry cannot be
// established). With no allowed registries configured nothing is assessed.
func untrustedRegistry(ctx *check.Context, pod *cluster.PodTemplate) []check.Violation {
	if ctx.Config == nil || len(ctx.Config.AllowedRegistries) == 0 {
		return nil
	}
	allowed := make([]string, 0, len(ctx.Config.AllowedRegistries))
	for _, e := range ctx.Config.AllowedRegistries {
		if e = normalizeAllowed(e); e != "" {
			allowed = append(allowed, e)
		}
	}
	list := strings.Join(allowed, ", ")
	var out []check.Violation
	for _, c := range pod.Containers() {
		ref, err := imageref.Parse(c.Container.Image)
		if err != nil {
			out = append(out, check.Violation{
				Field: c.Field("image"),
				Message: fmt.Sprintf("%s %q image %q is not a valid image reference (%v), so its registry cannot be checked against allowedRegistries [%s]",
					kind(c), c.Container.Name, c.Container.Image, err, list),
			})
			continue
		}
		if registryAllowed(ref, allowed) {
			continue
		}
		out = append(out, check.Violation{
			Field: c.Field("image"),
			Message: fmt.Sprintf("%s %q image %q comes from %s (registry %s), which is not in allowedRegistries [%s]",
				kind(c), c.Container.Name, c.Container.Image, ref.Repository(), ref.Registry, list),
		})
	}
	return out
}

// normalizeAllowed reads an allowedRegistries entry: a registry host with
// an optional port and repository prefix. The host is lower-cased, the
// legacy index.docker.io is docker.io, and a trailing "/" is dropped.
func normalizeAllowed(e string) string {
	e = strings.TrimRight(strings.TrimSpace(e), "/")
	host, rest, hasPath := strings.Cut(e, "/")
	host = strings.ToLower(host)
	if host == imageref.LegacyDefaultRegistry {
		host = imageref.DefaultRegistry
	}
	if !hasPath {
		return host
	}
	return host + "/" + rest
}

// registryAllowed reports whether the reference's repository equals an
// allowed entry or lies beneath it.
func registryAllowed(ref imageref.Reference, allowed []string) bool {
	repo := ref.Repository()
	for _, a := range allowed {
		if repo == a || strings.HasPrefix(repo, a+"/") {
			return true
		}
	}
	return false
}

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    "supplychain/untrusted-registry",
			Title: "Image from a registry outside the allow list",
			Description: "Reads the image of every container, init container and ephemeral container, normalized as " +
				"the runtime resolves it (no host means docker.io; a one-part Docker Hub name is under library/), " +
				"and allowedRegistries from .palisade.yaml. " +
				"Allowed: a repository equal to an entry or under it on a path boundary: \"ghcr.io\" allows every " +
				"ghcr.io image, \"ghcr.io/acme\" allows ghcr.io/acme/api but not ghcr.io/acme-evil/api. " +
				"Flagged: every other image, and references that do not parse. Not assessed when allowedRegistries is empty. " +
				"An image from an unvetted registry is code from an unknown publisher running inside the cluster: " +
				"typosquatted and backdoored public images are a common way in.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorSupplyChain,
			Strategy: check.StrategyImageSecurity,
			References: check.References{
				CIS:   []string{"5.5.1"},
				NSA:   []string{"Kubernetes Pod security: Building secure container images"},
				MITRE: []string{"T1195.002", "T1204.003"},
			},
			Remediation: "Mirror the image into an approved registry (after review and scanning) and reference it there, " +
				"or, if the registry is trusted, add it to allowedRegistries. Enforce the same list at admission.",
		},
		Pod: untrustedRegistry,
	})
}
