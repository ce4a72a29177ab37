// Package imagefacts holds what an image scan learned about a container
// image: its package inventory, the vulnerabilities matched against it, its
// signature and the digest its tag resolves to. It is the vocabulary shared
// by the image loader (internal/image), the vulnerability store
// (internal/vulndb), signature verification (internal/imagesig), the scan
// that ties images to workloads (internal/imagescan) and the supply-chain
// checks, which read Facts through check.Context without knowing how they
// were gathered. It has no dependencies beyond the standard library.
package imagefacts

import (
	"strings"
	"time"
)

// Package is one installed package found in an image.
type Package struct {
	// Name and Version are as the package manager records them
	// ("libssl3", "3.0.11-1~deb12u2"); Go modules without the "v" prefix,
	// as OSV and purls write them ("golang.org/x/net", "0.17.0").
	Name    string `json:"name"`
	Version string `json:"version"`
	// Ecosystem is the OSV ecosystem the package's advisories are filed
	// under, with the distribution release where OSV names one:
	// "Debian:12", "Alpine:v3.20", "Ubuntu:22.04", "Go", "npm", "PyPI",
	// "Maven". Empty when no OSV ecosystem applies.
	Ecosystem string `json:"ecosystem,omitempty"`
	// PURL is the package URL (purl) of the package.
	PURL string `json:"purl,omitempty"`
	// SourceName and SourceVersion name the distribution source package a
	// binary package was built from (dpkg "Source:", apk origin). Distro
	// advisories are filed under the source package.
	SourceName    string `json:"sourceName,omitempty"`
	SourceVersion string `json:"sourceVersion,omitempty"`
	// Type names the inventory that found the package: "dpkg", "apk",
	// "rpm", "go-binary", "npm", "python", "java".
	Type string `json:"type"`
	// Location is the path inside the image the package was read from
	// ("var/lib/dpkg/status", "app/server").
	Location string `json:"location,omitempty"`
	// Layer is the index into Inventory.Layers of the layer that introduced
	// the package; -1 when unknown.
	Layer int `json:"layer"`
	// Licenses are SPDX license expressions or names, when recorded.
	Licenses []string `json:"licenses,omitempty"`
}

// Layer is one filesystem layer of an image.
type Layer struct {
	// Digest is the compressed layer digest as the manifest names it.
	Digest string `json:"digest"`
	// DiffID is the digest of the uncompressed layer.
	DiffID string `json:"diffID,omitempty"`
	// CreatedBy is the build step that made the layer, from the image
	// config history ("RUN apt-get install -y curl"), when recorded.
	CreatedBy string `json:"createdBy,omitempty"`
}

// OSRelease is what the image's /etc/os-release (or /usr/lib/os-release)
// says, plus the end of life of that release when Palisade knows it.
type OSRelease struct {
	ID              string `json:"id,omitempty"`
	VersionID       string `json:"versionID,omitempty"`
	VersionCodename string `json:"versionCodename,omitempty"`
	PrettyName      string `json:"prettyName,omitempty"`
	// EndOfLife is the day the release stopped receiving security updates;
	// zero when unknown or not yet set.
	EndOfLife time.Time `json:"endOfLife,omitzero"`
}

// Inventory is the package inventory of one image.
type Inventory struct {
	// Image is the reference the image was read from, as given.
	Image string `json:"image"`
	// Digest is the manifest digest ("sha256:...") of the image read; for
	// a multi-arch index, of the platform's image.
	Digest string `json:"digest,omitempty"`
	// Platform is os/arch[/variant] of the image read.
	Platform string    `json:"platform,omitempty"`
	OS       OSRelease `json:"os"`
	Layers   []Layer   `json:"layers"`
	Packages []Package `json:"packages"`
}

// Severity is an advisory's severity in OSV's database_specific and CVSS
// vocabulary.
type Severity string

// The severities, highest first.
const (
	SeverityCritical Severity = "CRITICAL"
	SeverityHigh     Severity = "HIGH"
	SeverityMedium   Severity = "MEDIUM"
	SeverityLow      Severity = "LOW"
	SeverityUnknown  Severity = "UNKNOWN"
)

// Rank orders severities for comparison: 4 for critical down to 1 for low,
// and 0 for unknown or anything else.
func (s Severity) Rank() int {
	switch s {
	case SeverityCritical:
		return 4
	case SeverityHigh:
		return 3
	case SeverityMedium:
		return 2
	case SeverityLow:
		return 1
	}
	return 0
}

// Vuln is one advisory that affects one package of an image.
type Vuln struct {
	// ID is the advisory id ("DSA-5532-1", "GHSA-...", "CVE-2023-4863");
	// Aliases are the other ids of the same vulnerability (CVE ids first).
	ID      string   `json:"id"`
	Aliases []string `json:"aliases,omitempty"`
	Summary string   `json:"summary,omitempty"`
	// Severity comes from the advisory's CVSS score when it has one,
	// otherwise from its ecosystem's own rating.
	Severity Severity `json:"severity"`
	// CVSS is the base score (0–10) and vector, when present.
	CVSS       float64 `json:"cvss,omitempty"`
	CVSSVector string  `json:"cvssVector,omitempty"`
	// Package is the affected package (an index into Inventory.Packages).
	Package int `json:"package"`
	// Installed is the version found; Fixed the first version that fixes
	// it in the package's ecosystem, empty when no fix is released.
	Installed string `json:"installed"`
	Fixed     string `json:"fixed,omitempty"`
	// Source is the ecosystem of the advisory that decided the match
	// ("Debian:12" for a distro advisory, "Go" for an upstream one).
	Source string `json:"source"`
}

// CVE is the vulnerability's CVE id: its own id when that is one, else its
// first CVE alias, else "".
func (v Vuln) CVE() string {
	if strings.HasPrefix(v.ID, "CVE-") {
		return v.ID
	}
	for _, a := range v.Aliases {
		if strings.HasPrefix(a, "CVE-") {
			return a
		}
	}
	return ""
}

// Fixable reports whether a fixed version has been released.
func (v Vuln) Fixable() bool { return v.Fixed != "" }

// Signature is the outcome of verifying an image's signatures.
type Signature struct {
	// Verified is true when at least one signature over the image digest
	// verified against the configured keys or trusted root and identity.
	Verified bool `json:"verified"`
	// Signer names the key (fingerprint) or certificate identity that
	// verified, when Verified.
	Signer string `json:"signer,omitempty"`
	// Reason says why verification failed or what was found
	// ("no signature", "signature does not match digest sha256:...").
	Reason string `json:"reason,omitempty"`
}

// Facts is everything an image scan learned about one image reference.
type Facts struct {
	// Image is the reference as a workload names it.
	Image string `json:"image"`
	// Digest is the digest of the image scanned.
	Digest string `json:"digest,omitempty"`
	// ResolvedDigest is the digest the reference's tag resolves to in its
	// registry now, when the registry was asked; compare with Digest of a
	// pinned reference to find drift.
	ResolvedDigest string     `json:"resolvedDigest,omitempty"`
	Inventory      *Inventory `json:"inventory,omitempty"`
	Vulns          []Vuln     `json:"vulnerabilities,omitempty"`
	// Signature is nil when signatures were not verified.
	Signature *Signature `json:"signature,omitempty"`
	// Err says why the image could not be (fully) scanned; the other fields
	// hold what was learned before that.
	Err string `json:"error,omitempty"`
}

// Lookup answers what a scan learned about the image a container names.
// It returns nil when the image was not scanned.
type Lookup interface {
	ImageFacts(image string) *Facts
}

// Set is a Lookup over facts keyed by the reference as workloads name it.
type Set map[string]*Facts

// ImageFacts returns the facts of image, or nil.
func (s Set) ImageFacts(image string) *Facts { return s[image] }
