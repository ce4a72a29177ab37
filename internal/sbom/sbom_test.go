package sbom

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	spdxjson "github.com/spdx/tools-golang/json"

	"github.com/palisade-sec/palisade/internal/imagefacts"
)

var fixed = func() time.Time { return time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC) }

const digest = "sha256:724b2b4fb41067490c31c5209c108d1252f25b93495c5d3e41640495602bff69"

func testInventory() *imagefacts.Inventory {
	return &imagefacts.Inventory{
		Image:    "registry.example/team/app:1.2",
		Digest:   digest,
		Platform: "linux/amd64",
		OS:       imagefacts.OSRelease{ID: "debian", VersionID: "12", PrettyName: "Debian GNU/Linux 12 (bookworm)"},
		Layers: []imagefacts.Layer{
			{Digest: "sha256:aaaa", CreatedBy: "ADD rootfs /"},
			{Digest: "sha256:bbbb", CreatedBy: "RUN apt-get install curl"},
		},
		Packages: []imagefacts.Package{
			{Name: "curl", Version: "7.88.1-10+deb12u5", Type: "dpkg", Ecosystem: "Debian:12", Layer: 1,
				Location: "var/lib/dpkg/status", PURL: "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=bookworm"},
			{Name: "libssl3", Version: "3.0.11-1~deb12u2", Type: "dpkg", Ecosystem: "Debian:12", Layer: 0,
				SourceName: "openssl", SourceVersion: "3.0.11-1~deb12u2", Location: "var/lib/dpkg/status",
				PURL: "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=bookworm&source=openssl"},
			{Name: "lodash", Version: "4.17.20", Type: "npm", Ecosystem: "npm", Layer: 1, Licenses: []string{"MIT"},
				Location: "app/package-lock.json", PURL: "pkg:npm/lodash@4.17.20"},
			// The same package found twice gets distinct refs.
			{Name: "lodash", Version: "4.17.20", Type: "npm", Ecosystem: "npm", Layer: -1, Licenses: []string{"MIT or Apache, see file"},
				Location: "srv/package-lock.json", PURL: "pkg:npm/lodash@4.17.20"},
		},
	}
}

func testVulns() []imagefacts.Vuln {
	return []imagefacts.Vuln{
		{ID: "GHSA-35jh-r3h4-6jhm", Aliases: []string{"CVE-2021-23337"}, Summary: "Command injection in lodash",
			Severity: imagefacts.SeverityHigh, CVSS: 7.2, CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H",
			Package: 2, Installed: "4.17.20", Fixed: "4.17.21", Source: "npm"},
		{ID: "GHSA-35jh-r3h4-6jhm", Severity: imagefacts.SeverityHigh, Package: 3, Installed: "4.17.20", Fixed: "4.17.21", Source: "npm"},
		{ID: "DSA-5532-1", Aliases: []string{"CVE-2023-5363"}, Severity: imagefacts.SeverityMedium,
			Package: 1, Installed: "3.0.11-1~deb12u2", Fixed: "3.0.11-1~deb12u3", Source: "Debian:12"},
	}
}

func TestCycloneDX(t *testing.T) {
	inv := testInventory()
	var buf bytes.Buffer
	enc := Encoder{Now: fixed, ToolVersion: "1.0.0"}
	if err := enc.WriteCycloneDX(&buf, inv, testVulns()); err != nil {
		t.Fatal(err)
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(buf.Bytes()), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatal(err)
	}
	if bom.SpecVersion != cdx.SpecVersion1_6 || bom.Metadata.Timestamp != "2025-03-04T05:06:07Z" {
		t.Errorf("spec %v, timestamp %q", bom.SpecVersion, bom.Metadata.Timestamp)
	}
	if c := bom.Metadata.Component; c == nil || c.Type != cdx.ComponentTypeContainer || c.Version != digest ||
		c.PackageURL != "pkg:oci/app@"+digest+"?repository_url=registry.example%2Fteam%2Fapp&tag=1.2" {
		t.Errorf("metadata component = %+v", c)
	}
	comps := *bom.Components
	// The operating system and four packages.
	if len(comps) != 5 {
		t.Fatalf("got %d components, want 5", len(comps))
	}
	byRef := map[string]cdx.Component{}
	for _, c := range comps {
		if _, dup := byRef[c.BOMRef]; dup {
			t.Errorf("duplicate bom-ref %s", c.BOMRef)
		}
		byRef[c.BOMRef] = c
	}
	refs := ComponentRefs(inv)
	if refs[3] != "pkg:npm/lodash@4.17.20#3" {
		t.Errorf("duplicate purl ref = %s", refs[3])
	}
	for i, p := range inv.Packages {
		c, ok := byRef[refs[i]]
		if !ok || c.PackageURL != p.PURL || c.Name != p.Name || c.Version != p.Version {
			t.Errorf("component for %s = %+v", p.Name, c)
		}
	}
	props := map[string]string{}
	for _, p := range *byRef[refs[1]].Properties {
		props[p.Name] = p.Value
	}
	if props[PropLayerDigest] != "sha256:aaaa" || props[PropLayerIndex] != "0" || props[PropLocation] != "var/lib/dpkg/status" ||
		props[PropSourceName] != "openssl" {
		t.Errorf("libssl3 properties = %v", props)
	}
	if ls := byRef[refs[2]].Licenses; ls == nil || (*ls)[0].License.Name != "MIT" {
		t.Errorf("lodash licenses = %v", ls)
	}

	vulns := *bom.Vulnerabilities
	if len(vulns) != 2 {
		t.Fatalf("got %d vulnerabilities, want 2 (grouped by id)", len(vulns))
	}
	var ghsa *cdx.Vulnerability
	for i := range vulns {
		if vulns[i].ID == "GHSA-35jh-r3h4-6jhm" {
			ghsa = &vulns[i]
		}
	}
	if ghsa == nil {
		t.Fatal("GHSA vulnerability missing")
	}
	var affected []string
	for _, a := range *ghsa.Affects {
		affected = append(affected, a.Ref)
		if _, ok := byRef[a.Ref]; !ok {
			t.Errorf("affects unknown ref %s", a.Ref)
		}
	}
	if !slices.Equal(affected, []string{refs[2], refs[3]}) {
		t.Errorf("GHSA affects %v, want %v", affected, []string{refs[2], refs[3]})
	}
	r := (*ghsa.Ratings)[0]
	if r.Severity != cdx.SeverityHigh || r.Score == nil || *r.Score != 7.2 || r.Method != cdx.ScoringMethodCVSSv31 {
		t.Errorf("rating = %+v", r)
	}
	if !strings.Contains(ghsa.Recommendation, "Upgrade lodash to 4.17.21") {
		t.Errorf("recommendation = %q", ghsa.Recommendation)
	}

	// Deterministic: the same input gives the same bytes.
	var again bytes.Buffer
	if err := enc.WriteCycloneDX(&again, inv, testVulns()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("two writes of the same inventory differ")
	}
}

func TestCycloneDXNoVulns(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCycloneDX(&buf, testInventory(), nil); err != nil {
		t.Fatal(err)
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(&buf, cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		t.Fatal(err)
	}
	if bom.Vulnerabilities != nil {
		t.Errorf("vulnerabilities section written without vulns")
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name  string
		inv   *imagefacts.Inventory
		vulns []imagefacts.Vuln
		want  string
	}{
		{"nil inventory", nil, nil, "no inventory"},
		{"package out of range", testInventory(), []imagefacts.Vuln{{ID: "X-1", Package: 9}}, "names package 9"},
		{"negative package", testInventory(), []imagefacts.Vuln{{ID: "X-1", Package: -1}}, "names package -1"},
		{"no id", testInventory(), []imagefacts.Vuln{{Package: 0}}, "has no id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := WriteCycloneDX(&buf, tt.inv, tt.vulns)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes despite the error", buf.Len())
			}
		})
	}
	if err := WriteSPDX(&bytes.Buffer{}, nil); err == nil {
		t.Error("WriteSPDX(nil) succeeded")
	}
}

func TestSPDX(t *testing.T) {
	inv := testInventory()
	var buf bytes.Buffer
	enc := Encoder{Now: fixed}
	if err := enc.WriteSPDX(&buf, inv); err != nil {
		t.Fatal(err)
	}
	doc, err := spdxjson.Read(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if doc.SPDXVersion != "SPDX-2.3" || doc.CreationInfo.Created != "2025-03-04T05:06:07Z" {
		t.Errorf("version %q created %q", doc.SPDXVersion, doc.CreationInfo.Created)
	}
	if want := "https://palisade-sec.github.io/spdx/image/sha256/" + strings.TrimPrefix(digest, "sha256:"); doc.DocumentNamespace != want {
		t.Errorf("namespace = %q, want %q", doc.DocumentNamespace, want)
	}
	// Image, operating system and four packages.
	if len(doc.Packages) != 6 {
		t.Fatalf("got %d packages, want 6", len(doc.Packages))
	}
	purls := map[string]string{} // SPDX id -> purl
	for _, p := range doc.Packages {
		for _, r := range p.PackageExternalReferences {
			if r.RefType == "purl" && r.Category == "PACKAGE-MANAGER" {
				purls[string(p.PackageSPDXIdentifier)] = r.Locator
			}
		}
	}
	ids := PackageIDs(inv)
	for i, p := range inv.Packages {
		if got := purls[strings.TrimPrefix(ids[i], "SPDXRef-")]; got != p.PURL {
			t.Errorf("purl of %s = %q, want %q", ids[i], got, p.PURL)
		}
	}
	var describes, contains int
	for _, r := range doc.Relationships {
		switch r.Relationship {
		case "DESCRIBES":
			describes++
			if string(r.RefA.ElementRefID) != "DOCUMENT" || "SPDXRef-"+string(r.RefB.ElementRefID) != SPDXImageID {
				t.Errorf("DESCRIBES %v -> %v", r.RefA, r.RefB)
			}
		case "CONTAINS":
			contains++
			if "SPDXRef-"+string(r.RefA.ElementRefID) != SPDXImageID {
				t.Errorf("CONTAINS from %v", r.RefA)
			}
		}
	}
	if describes != 1 || contains != 5 {
		t.Errorf("DESCRIBES %d, CONTAINS %d; want 1 and 5", describes, contains)
	}
	for _, p := range doc.Packages {
		switch p.PackageName {
		case "libssl3":
			if p.PackageSourceInfo != "built from source package openssl 3.0.11-1~deb12u2" {
				t.Errorf("libssl3 source info = %q", p.PackageSourceInfo)
			}
		case "lodash":
			if want := map[bool]string{true: "MIT", false: "NOASSERTION"}; p.PackageLicenseDeclared != "MIT" && p.PackageLicenseDeclared != "NOASSERTION" {
				t.Errorf("lodash license = %q, want one of %v", p.PackageLicenseDeclared, want)
			}
		}
	}

	var again bytes.Buffer
	if err := enc.WriteSPDX(&again, inv); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("two writes of the same inventory differ")
	}
}
