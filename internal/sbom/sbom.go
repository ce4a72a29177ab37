// Package sbom writes an image inventory as a software bill of materials:
// CycloneDX 1.6 JSON (with the matched vulnerabilities) and SPDX 2.3 JSON.
//
// Output is deterministic: identifiers derive from the image digest and
// package data, and the creation time comes from Encoder.Now.
package sbom

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/package-url/packageurl-go"

	"github.com/palisade-sec/palisade/internal/imagefacts"
)

// Encoder writes SBOMs. The zero Encoder is ready to use.
type Encoder struct {
	// Now gives the document creation time; time.Now when nil.
	Now func() time.Time
	// ToolVersion is recorded with the tool name "palisade"; "dev" when
	// empty.
	ToolVersion string
}

// WriteCycloneDX writes inv and vulns as CycloneDX 1.6 JSON with the zero
// Encoder.
func WriteCycloneDX(w io.Writer, inv *imagefacts.Inventory, vulns []imagefacts.Vuln) error {
	return Encoder{}.WriteCycloneDX(w, inv, vulns)
}

// WriteSPDX writes inv as SPDX 2.3 JSON with the zero Encoder.
func WriteSPDX(w io.Writer, inv *imagefacts.Inventory) error {
	return Encoder{}.WriteSPDX(w, inv)
}

const toolName = "palisade"

func (e Encoder) now() time.Time {
	if e.Now == nil {
		return time.Now().UTC().Truncate(time.Second)
	}
	return e.Now().UTC().Truncate(time.Second)
}

func (e Encoder) version() string {
	if e.ToolVersion == "" {
		return "dev"
	}
	return e.ToolVersion
}

func check(inv *imagefacts.Inventory, vulns []imagefacts.Vuln) error {
	if inv == nil {
		return fmt.Errorf("sbom: no inventory")
	}
	for i, v := range vulns {
		if v.Package < 0 || v.Package >= len(inv.Packages) {
			return fmt.Errorf("sbom: vulnerability %d (%s) names package %d; the inventory has %d packages", i, v.ID, v.Package, len(inv.Packages))
		}
		if v.ID == "" {
			return fmt.Errorf("sbom: vulnerability %d has no id", i)
		}
	}
	return nil
}

// docKey is the stable key documents are named by: the image digest, or a
// hash of the image reference when there is no digest.
func docKey(inv *imagefacts.Inventory) string {
	if _, hexPart, ok := strings.Cut(inv.Digest, ":"); ok && hexPart != "" {
		return hexPart
	}
	sum := sha256.Sum256([]byte(inv.Image))
	return hex.EncodeToString(sum[:])
}

// imagePURL returns the pkg:oci purl of the image, or "" when the image is
// not a registry reference or has no digest.
func imagePURL(inv *imagefacts.Inventory) string {
	if inv.Digest == "" || inv.Image == "" || strings.HasPrefix(inv.Image, "/") || strings.HasPrefix(inv.Image, ".") {
		return ""
	}
	ref, err := name.ParseReference(inv.Image, name.WeakValidation)
	if err != nil {
		return ""
	}
	repo := ref.Context()
	last := repo.RepositoryStr()
	if i := strings.LastIndexByte(last, '/'); i >= 0 {
		last = last[i+1:]
	}
	q := packageurl.Qualifiers{{Key: "repository_url", Value: repo.Name()}}
	if t, ok := ref.(name.Tag); ok {
		q = append(q, packageurl.Qualifier{Key: "tag", Value: t.TagStr()})
	}
	return packageurl.NewPackageURL("oci", "", strings.ToLower(last), inv.Digest, q, "").ToString()
}

var notIDChar = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// idPart makes s usable inside an SPDX identifier.
func idPart(s string) string {
	s = notIDChar.ReplaceAllString(s, "-")
	s = strings.Trim(s, "-")
	if len(s) > 60 {
		s = s[:60]
	}
	return s
}

func layerDigest(inv *imagefacts.Inventory, i int) string {
	if i >= 0 && i < len(inv.Layers) {
		return inv.Layers[i].Digest
	}
	return ""
}
