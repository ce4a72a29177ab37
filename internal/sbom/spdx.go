package sbom

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/palisade-sec/palisade/internal/imagefacts"
)

// SPDX identifiers of the fixed elements.
const (
	SPDXImageID = "SPDXRef-Image"
	SPDXOSID    = "SPDXRef-OperatingSystem"
)

const noAssertion = "NOASSERTION"

// spdxLicenseID matches a single SPDX license identifier.
var spdxLicenseID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.+-]*$`)

// PackageIDs returns the SPDX identifier of each package of inv, in order.
func PackageIDs(inv *imagefacts.Inventory) []string {
	ids := make([]string, len(inv.Packages))
	for i, p := range inv.Packages {
		ids[i] = "SPDXRef-Package-" + strconv.Itoa(i)
		if part := idPart(p.Type + "-" + p.Name); part != "" {
			ids[i] += "-" + part
		}
	}
	return ids
}

// WriteSPDX writes inv as an SPDX 2.3 JSON document that DESCRIBES the
// image as its root package, which CONTAINS the operating system and every
// package; packages carry their purl as a PACKAGE-MANAGER external
// reference. The document namespace derives from the image digest.
func (e Encoder) WriteSPDX(w io.Writer, inv *imagefacts.Inventory) error {
	if err := check(inv, nil); err != nil {
		return err
	}
	key := docKey(inv)
	doc := &spdx.Document{
		SPDXVersion:       spdx.Version,
		DataLicense:       spdx.DataLicense,
		SPDXIdentifier:    common.ElementID("DOCUMENT"),
		DocumentName:      inv.Image,
		DocumentNamespace: "https://palisade-sec.github.io/spdx/image/sha256/" + key,
		CreationInfo: &spdx.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Tool", Creator: toolName + "-" + e.version()}},
			Created:  e.now().Format(time.RFC3339),
		},
	}
	root := &spdx.Package{
		PackageName:             inv.Image,
		PackageSPDXIdentifier:   common.ElementID(strings.TrimPrefix(SPDXImageID, "SPDXRef-")),
		PackageVersion:          inv.Digest,
		PackageDownloadLocation: noAssertion,
		PrimaryPackagePurpose:   "CONTAINER",
		PackageLicenseConcluded: noAssertion,
		PackageLicenseDeclared:  noAssertion,
		PackageCopyrightText:    noAssertion,
	}
	if inv.Digest != "" {
		if algo, sum, ok := strings.Cut(inv.Digest, ":"); ok && strings.EqualFold(algo, "sha256") {
			root.PackageChecksums = []common.Checksum{{Algorithm: common.SHA256, Value: sum}}
		}
	}
	if p := imagePURL(inv); p != "" {
		root.PackageExternalReferences = []*spdx.PackageExternalReference{{
			Category: common.CategoryPackageManager, RefType: common.TypePackageManagerPURL, Locator: p,
		}}
	}
	if inv.Platform != "" {
		root.PackageComment = "platform " + inv.Platform
	}
	doc.Packages = append(doc.Packages, root)
	doc.Relationships = append(doc.Relationships, &spdx.Relationship{
		RefA:         common.MakeDocElementID("", "DOCUMENT"),
		RefB:         common.MakeDocElementID("", strings.TrimPrefix(SPDXImageID, "SPDXRef-")),
		Relationship: common.TypeRelationshipDescribe,
	})
	contains := func(id string) {
		doc.Relationships = append(doc.Relationships, &spdx.Relationship{
			RefA:         common.MakeDocElementID("", strings.TrimPrefix(SPDXImageID, "SPDXRef-")),
			RefB:         common.MakeDocElementID("", strings.TrimPrefix(id, "SPDXRef-")),
			Relationship: common.TypeRelationshipContains,
		})
	}
	if inv.OS.ID != "" {
		doc.Packages = append(doc.Packages, &spdx.Package{
			PackageName:             inv.OS.ID,
			PackageSPDXIdentifier:   common.ElementID(strings.TrimPrefix(SPDXOSID, "SPDXRef-")),
			PackageVersion:          inv.OS.VersionID,
			PackageDescription:      inv.OS.PrettyName,
			PackageDownloadLocation: noAssertion,
			PrimaryPackagePurpose:   "OPERATING-SYSTEM",
			PackageLicenseConcluded: noAssertion,
			PackageLicenseDeclared:  noAssertion,
			PackageCopyrightText:    noAssertion,
		})
		contains(SPDXOSID)
	}
	ids := PackageIDs(inv)
	for i, p := range inv.Packages {
		sp := &spdx.Package{
			PackageName:             p.Name,
			PackageSPDXIdentifier:   common.ElementID(strings.TrimPrefix(ids[i], "SPDXRef-")),
			PackageVersion:          p.Version,
			PackageDownloadLocation: noAssertion,
			PrimaryPackagePurpose:   "LIBRARY",
			PackageLicenseConcluded: noAssertion,
			PackageLicenseDeclared:  declaredLicense(p.Licenses),
			PackageCopyrightText:    noAssertion,
		}
		if sp.PackageLicenseDeclared == noAssertion && len(p.Licenses) > 0 {
			sp.PackageLicenseComments = "recorded licenses: " + strings.Join(p.Licenses, "; ")
		}
		if p.SourceName != "" {
			sp.PackageSourceInfo = fmt.Sprintf("built from source package %s %s", p.SourceName, p.SourceVersion)
		}
		var notes []string
		if p.Location != "" {
			notes = append(notes, "found in "+p.Location)
		}
		if d := layerDigest(inv, p.Layer); d != "" {
			notes = append(notes, fmt.Sprintf("layer %d %s", p.Layer, d))
		}
		if p.Ecosystem != "" {
			notes = append(notes, "ecosystem "+p.Ecosystem)
		}
		sp.PackageComment = strings.Join(notes, "; ")
		if p.PURL != "" {
			sp.PackageExternalReferences = []*spdx.PackageExternalReference{{
				Category: common.CategoryPackageManager, RefType: common.TypePackageManagerPURL, Locator: p.PURL,
			}}
		}
		doc.Packages = append(doc.Packages, sp)
		contains(ids[i])
	}
	if err := spdxjson.Write(doc, w, spdxjson.Indent("  ")); err != nil {
		return fmt.Errorf("sbom: writing SPDX: %w", err)
	}
	return nil
}

// declaredLicense joins licenses that are plain SPDX identifiers with AND;
// anything else (free text) gives NOASSERTION.
func declaredLicense(ls []string) string {
	if len(ls) == 0 {
		return noAssertion
	}
	for _, l := range ls {
		if !spdxLicenseID.MatchString(l) {
			return noAssertion
		}
	}
	return strings.Join(ls, " AND ")
}
