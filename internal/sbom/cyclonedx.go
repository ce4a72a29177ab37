package sbom

import (
	"crypto/sha256"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/palisade-sec/palisade/internal/imagefacts"
)

// Property names used on CycloneDX components.
const (
	PropLayerDigest   = "palisade:layer:digest"
	PropLayerIndex    = "palisade:layer:index"
	PropLocation      = "palisade:location"
	PropPackageType   = "palisade:package:type"
	PropEcosystem     = "palisade:ecosystem"
	PropSourceName    = "palisade:source:name"
	PropSourceVersion = "palisade:source:version"
	PropPlatform      = "palisade:image:platform"
)

// ComponentRefs returns the CycloneDX bom-ref of each package of inv, in
// order: its purl, made unique with "#N" when two packages share one, or
// "package-N" when it has none.
func ComponentRefs(inv *imagefacts.Inventory) []string {
	refs := make([]string, len(inv.Packages))
	seen := map[string]bool{}
	for i, p := range inv.Packages {
		r := p.PURL
		if r == "" {
			r = "package-" + strconv.Itoa(i)
		}
		if seen[r] {
			r += "#" + strconv.Itoa(i)
		}
		seen[r] = true
		refs[i] = r
	}
	return refs
}

// WriteCycloneDX writes inv as a CycloneDX 1.6 JSON BOM: the image as the
// metadata component, one library component per package (purl, licenses,
// and properties for layer, location, type and source package) and, when
// vulns is not empty, one vulnerability per advisory id listing the
// components it affects.
func (e Encoder) WriteCycloneDX(w io.Writer, inv *imagefacts.Inventory, vulns []imagefacts.Vuln) error {
	if err := check(inv, vulns); err != nil {
		return err
	}
	refs := ComponentRefs(inv)
	bom := cdx.NewBOM()
	bom.SerialNumber = "urn:uuid:" + uuidFrom("cyclonedx:"+docKey(inv))
	bom.Version = 1

	imageRef := "image:" + inv.Image
	if inv.Digest != "" {
		imageRef = "image:" + inv.Digest
	}
	imgComp := &cdx.Component{
		BOMRef:     imageRef,
		Type:       cdx.ComponentTypeContainer,
		Name:       inv.Image,
		Version:    inv.Digest,
		PackageURL: imagePURL(inv),
	}
	if inv.Platform != "" {
		imgComp.Properties = &[]cdx.Property{{Name: PropPlatform, Value: inv.Platform}}
	}
	bom.Metadata = &cdx.Metadata{
		Timestamp: e.now().Format(time.RFC3339),
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Name: toolName, Version: e.version(),
		}}},
		Component: imgComp,
	}

	comps := make([]cdx.Component, 0, len(inv.Packages)+1)
	var deps []string
	if inv.OS.ID != "" {
		osRef := "os:" + inv.OS.ID + ":" + inv.OS.VersionID
		comps = append(comps, cdx.Component{
			BOMRef:      osRef,
			Type:        cdx.ComponentTypeOS,
			Name:        inv.OS.ID,
			Version:     inv.OS.VersionID,
			Description: inv.OS.PrettyName,
		})
		deps = append(deps, osRef)
	}
	for i, p := range inv.Packages {
		c := cdx.Component{
			BOMRef:     refs[i],
			Type:       cdx.ComponentTypeLibrary,
			Name:       p.Name,
			Version:    p.Version,
			PackageURL: p.PURL,
		}
		if len(p.Licenses) > 0 {
			ls := make(cdx.Licenses, 0, len(p.Licenses))
			for _, l := range p.Licenses {
				ls = append(ls, cdx.LicenseChoice{License: &cdx.License{Name: l}})
			}
			c.Licenses = &ls
		}
		var props []cdx.Property
		add := func(k, v string) {
			if v != "" {
				props = append(props, cdx.Property{Name: k, Value: v})
			}
		}
		add(PropPackageType, p.Type)
		add(PropEcosystem, p.Ecosystem)
		add(PropLocation, p.Location)
		if p.Layer >= 0 {
			add(PropLayerIndex, strconv.Itoa(p.Layer))
			add(PropLayerDigest, layerDigest(inv, p.Layer))
		}
		add(PropSourceName, p.SourceName)
		add(PropSourceVersion, p.SourceVersion)
		if len(props) > 0 {
			c.Properties = &props
		}
		comps = append(comps, c)
		deps = append(deps, refs[i])
	}
	bom.Components = &comps
	bom.Dependencies = &[]cdx.Dependency{{Ref: imageRef, Dependencies: &deps}}

	if len(vulns) > 0 {
		vs := cycloneDXVulns(vulns, inv, refs)
		bom.Vulnerabilities = &vs
	}

	enc := cdx.NewBOMEncoder(w, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	if err := enc.EncodeVersion(bom, cdx.SpecVersion1_6); err != nil {
		return fmt.Errorf("sbom: writing CycloneDX: %w", err)
	}
	return nil
}

// cycloneDXVulns groups vulns by advisory id, in id order.
func cycloneDXVulns(vulns []imagefacts.Vuln, inv *imagefacts.Inventory, refs []string) []cdx.Vulnerability {
	byID := map[string]*cdx.Vulnerability{}
	var ids []string
	for _, v := range vulns {
		cv := byID[v.ID]
		if cv == nil {
			cv = &cdx.Vulnerability{
				BOMRef:      "vuln:" + v.ID,
				ID:          v.ID,
				Description: v.Summary,
			}
			if v.Source != "" {
				cv.Source = &cdx.Source{Name: v.Source}
			}
			rating := cdx.VulnerabilityRating{Severity: cdxSeverity(v.Severity)}
			if v.CVSS > 0 {
				score := v.CVSS
				rating.Score = &score
				rating.Vector = v.CVSSVector
				rating.Method = cvssMethod(v.CVSSVector)
			}
			cv.Ratings = &[]cdx.VulnerabilityRating{rating}
			if len(v.Aliases) > 0 {
				var rs []cdx.VulnerabilityReference
				for _, a := range v.Aliases {
					rs = append(rs, cdx.VulnerabilityReference{ID: a, Source: &cdx.Source{Name: aliasSource(a)}})
				}
				cv.References = &rs
			}
			cv.Affects = &[]cdx.Affects{}
			byID[v.ID] = cv
			ids = append(ids, v.ID)
		}
		status := cdx.VulnerabilityStatusAffected
		rng := []cdx.AffectedVersions{{Version: v.Installed, Status: status}}
		*cv.Affects = append(*cv.Affects, cdx.Affects{Ref: refs[v.Package], Range: &rng})
		if v.Fixed != "" {
			fix := fmt.Sprintf("Upgrade %s to %s.", inv.Packages[v.Package].Name, v.Fixed)
			if !strings.Contains(cv.Recommendation, fix) {
				cv.Recommendation = strings.TrimSpace(cv.Recommendation + " " + fix)
			}
		}
	}
	sort.Strings(ids)
	out := make([]cdx.Vulnerability, 0, len(ids))
	for _, id := range ids {
		cv := byID[id]
		sort.SliceStable(*cv.Affects, func(i, j int) bool { return (*cv.Affects)[i].Ref < (*cv.Affects)[j].Ref })
		out = append(out, *cv)
	}
	return out
}

func cdxSeverity(s imagefacts.Severity) cdx.Severity {
	switch s {
	case imagefacts.SeverityCritical:
		return cdx.SeverityCritical
	case imagefacts.SeverityHigh:
		return cdx.SeverityHigh
	case imagefacts.SeverityMedium:
		return cdx.SeverityMedium
	case imagefacts.SeverityLow:
		return cdx.SeverityLow
	default:
		return cdx.SeverityUnknown
	}
}

func cvssMethod(vector string) cdx.ScoringMethod {
	switch {
	case strings.HasPrefix(vector, "CVSS:4"):
		return cdx.ScoringMethodCVSSv4
	case strings.HasPrefix(vector, "CVSS:3.1"):
		return cdx.ScoringMethodCVSSv31
	case strings.HasPrefix(vector, "CVSS:3"):
		return cdx.ScoringMethodCVSSv3
	case strings.HasPrefix(vector, "AV:"):
		return cdx.ScoringMethodCVSSv2
	default:
		return cdx.ScoringMethodOther
	}
}

func aliasSource(id string) string {
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return "NVD"
	case strings.HasPrefix(id, "GHSA-"):
		return "GitHub"
	default:
		return "OSV"
	}
}

// uuidFrom derives a version-5-style UUID from s.
func uuidFrom(s string) string {
	h := sha256.Sum256([]byte(s))
	h[6] = (h[6] & 0x0f) | 0x50
	h[8] = (h[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
