package vulndb

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/palisade-sec/palisade/internal/imagefacts"
)

func deb(rel, name, src, ver string) imagefacts.Package {
	return imagefacts.Package{Name: name, SourceName: src, Version: ver, Ecosystem: "Debian:" + rel, Type: "dpkg"}
}

func apk(rel, name, origin, ver string) imagefacts.Package {
	return imagefacts.Package{Name: name, SourceName: origin, Version: ver, Ecosystem: "Alpine:" + rel, Type: "apk"}
}

func lang(eco, typ, name, ver string) imagefacts.Package {
	return imagefacts.Package{Name: name, Version: ver, Ecosystem: eco, Type: typ}
}

// brief renders a Vuln as "ID fixed=F sev=S src=E".
func brief(v imagefacts.Vuln) string {
	return fmt.Sprintf("%s fixed=%s sev=%s src=%s", v.ID, v.Fixed, v.Severity, v.Source)
}

func TestMatch(t *testing.T) {
	s := fixtureStore(t)
	bsdutils := deb("12", "bsdutils", "util-linux", "1:2.38-1")
	bsdutils.SourceVersion = "2.5-1"
	tests := []struct {
		name string
		pkg  imagefacts.Package
		want []string
	}{
		// Debian: source package, ~ and +deb12uN, epochs, releases.
		{"deb binary via source, ~deb12u1 < ~deb12u2", deb("12", "libssl3", "openssl", "3.0.11-1~deb12u1"), []string{"DSA-9001-1 fixed=3.0.11-1~deb12u2 sev=UNKNOWN src=Debian:12"}},
		{"deb at fixed version", deb("12", "openssl", "", "3.0.11-1~deb12u2"), nil},
		{"deb 3.0.11-1 is above 3.0.11-1~deb12u2", deb("12", "openssl", "", "3.0.11-1"), nil},
		{"deb older upstream version", deb("12", "openssl", "", "3.0.10-2"), []string{"DSA-9001-1 fixed=3.0.11-1~deb12u2 sev=UNKNOWN src=Debian:12"}},
		{"deb other release entry of the same advisory", deb("11", "openssl", "", "1.1.1n-0+deb11u5"), []string{"DSA-9001-1 fixed=1.1.1w-0+deb11u1 sev=UNKNOWN src=Debian:11"}},
		{"Debian:11 advisory does not match Debian:12", deb("12", "curl", "", "7.74.0-1.3+deb11u1"), nil},
		{"Debian:11 advisory matches Debian:11", deb("11", "curl", "", "7.74.0-1.3+deb11u1"), []string{"DSA-9002-1 fixed=7.74.0-1.3+deb11u9 sev=UNKNOWN src=Debian:11"}},
		{"epoch: 2.5-1 < 1:2.0-1", deb("12", "util-linux", "", "2.5-1"), []string{"DSA-9003-1 fixed=1:2.0-1 sev=UNKNOWN src=Debian:12"}},
		{"epoch: at fix", deb("12", "util-linux", "", "1:2.0-1"), nil},
		{"epoch: above fix", deb("12", "util-linux", "", "1:2.0-2"), nil},
		{"source version compared, binary version reported", bsdutils, []string{"DSA-9003-1 fixed=1:2.0-1 sev=UNKNOWN src=Debian:12"}},
		{"tilde: 1.0~rc1-1 < 1.0-1", deb("12", "libfoo", "", "1.0~rc1-1"), []string{"DSA-9004-1 fixed=1.0-1 sev=UNKNOWN src=Debian:12"}},
		{"tilde: at fix", deb("12", "libfoo", "", "1.0-1"), nil},
		{"two advisories sorted by severity then id", deb("12", "libc6", "glibc", "2.36-9"), []string{"DSA-9005-1 fixed=2.36-9+deb12u1 sev=HIGH src=Debian:12", "DSA-9000-1 fixed=2.36-9+deb12u3 sev=LOW src=Debian:12"}},
		{"+deb12u1 fixes the first only", deb("12", "libc6", "glibc", "2.36-9+deb12u1"), []string{"DSA-9000-1 fixed=2.36-9+deb12u3 sev=LOW src=Debian:12"}},
		{"+deb12u4 fixes both", deb("12", "libc6", "glibc", "2.36-9+deb12u4"), nil},
		// Ubuntu: "Ubuntu:22.04:LTS" applies to Ubuntu:22.04, Pro does not.
		{"ubuntu LTS, not Pro", imagefacts.Package{Name: "zlib1g", SourceName: "zlib", Version: "1:1.2.11.dfsg-2ubuntu9.1", Ecosystem: "Ubuntu:22.04", Type: "dpkg"}, []string{"UBUNTU-CVE-2099-1500 fixed=1:1.2.11.dfsg-2ubuntu9.2 sev=MEDIUM src=Ubuntu:22.04:LTS"}},
		// Alpine: origin, _rc, _p, -r, releases.
		{"apk binary via origin", apk("v3.20", "libcrypto3", "openssl", "3.3.1-r3"), []string{"ALPINE-CVE-2099-2001 fixed=3.3.2-r0 sev=UNKNOWN src=Alpine:v3.20"}},
		{"apk at fix", apk("v3.20", "openssl", "", "3.3.2-r0"), nil},
		{"apk other release entry", apk("v3.19", "openssl", "", "3.1.6-r0"), []string{"ALPINE-CVE-2099-2001 fixed=3.1.7-r0 sev=UNKNOWN src=Alpine:v3.19"}},
		{"apk release with no entry", apk("v3.21", "openssl", "", "3.3.1-r0"), nil},
		{"apk _rc1 < release", apk("v3.20", "c-ares", "", "1.2.0_rc1-r0"), []string{"ALPINE-CVE-2099-2002 fixed=1.2.0-r0 sev=UNKNOWN src=Alpine:v3.20"}},
		{"apk release", apk("v3.20", "c-ares", "", "1.2.0-r0"), nil},
		{"apk 9.7 < 9.7_p1", apk("v3.20", "openssh", "", "9.7-r0"), []string{"ALPINE-CVE-2099-2003 fixed=9.7_p1-r0 sev=UNKNOWN src=Alpine:v3.20"}},
		{"apk _p1 at fix", apk("v3.20", "openssh", "", "9.7_p1-r0"), nil},
		{"apk _p2 above fix", apk("v3.20", "openssh", "", "9.7_p2-r0"), nil},
		{"apk -r0 < -r1", apk("v3.20", "expat", "", "2.6.2-r0"), []string{"ALPINE-CVE-2099-2004 fixed=2.6.2-r1 sev=UNKNOWN src=Alpine:v3.20"}},
		{"apk -r1 at fix", apk("v3.20", "expat", "", "2.6.2-r1"), nil},
		// Go: v prefixes, two intervals, pseudo-versions, last_affected.
		{"go first interval, GHSA and GO merged", lang("Go", "go-binary", "example.com/fancylib", "v1.4.1"), []string{"GHSA-2c3f-9h4m-7qwx fixed=1.4.2 sev=CRITICAL src=Go"}},
		{"go at first fix", lang("Go", "go-binary", "example.com/fancylib", "v1.4.2"), nil},
		{"go second interval", lang("Go", "go-binary", "example.com/fancylib", "v2.0.5"), []string{"GHSA-2c3f-9h4m-7qwx fixed=2.1.1 sev=CRITICAL src=Go"}},
		{"go at second fix", lang("Go", "go-binary", "example.com/fancylib", "v2.1.1"), nil},
		{"go above both", lang("Go", "go-binary", "example.com/fancylib", "v3.0.0"), nil},
		{"go pseudo-version below fix", lang("Go", "go-binary", "example.com/pseudo", "v0.16.1-0.20240101000000-abcdef012345"), []string{"GO-2099-0002 fixed=0.17.0 sev=UNKNOWN src=Go"}},
		{"go pseudo-version above fix", lang("Go", "go-binary", "example.com/pseudo", "v0.17.1-0.20240101000000-abcdef012345"), nil},
		{"last_affected itself", lang("Go", "go-binary", "example.com/lastaff", "v1.2.0"), []string{"GO-2099-0003 fixed= sev=UNKNOWN src=Go"}},
		{"introduced itself", lang("Go", "go-binary", "example.com/lastaff", "v1.0.0"), []string{"GO-2099-0003 fixed= sev=UNKNOWN src=Go"}},
		{"above last_affected", lang("Go", "go-binary", "example.com/lastaff", "v1.2.1"), nil},
		{"below introduced", lang("Go", "go-binary", "example.com/lastaff", "v0.9.0"), nil},
		// npm: prereleases, explicit versions, limit, withdrawn.
		{"npm below fix", lang("npm", "npm", "left-padder", "1.3.1"), []string{"GHSA-3m5p-8q2w-9xv4 fixed=1.3.2 sev=CRITICAL src=npm"}},
		{"npm prerelease of fix", lang("npm", "npm", "left-padder", "1.3.2-beta.1"), []string{"GHSA-3m5p-8q2w-9xv4 fixed=1.3.2 sev=CRITICAL src=npm"}},
		{"npm at fix (withdrawn advisory ignored)", lang("npm", "npm", "left-padder", "1.3.2"), nil},
		{"explicit versions list", lang("npm", "npm", "tiny-evil", "0.0.2"), []string{"GHSA-4r7w-6c9j-8p3h fixed= sev=CRITICAL src=npm"}},
		{"not in versions list", lang("npm", "npm", "tiny-evil", "0.0.3"), nil},
		{"below limit", lang("npm", "npm", "limited-lib", "1.9.9"), []string{"GHSA-5h8j-2v6q-3m7x fixed= sev=LOW src=npm"}},
		{"at limit", lang("npm", "npm", "limited-lib", "2.0.0"), nil},
		{"above limit", lang("npm", "npm", "limited-lib", "3.0.0"), nil},
		// PyPI: PEP 440 pre/post releases, name normalization.
		{"pypi rc below final", lang("PyPI", "python", "requestz", "2.31.0rc1"), []string{"GHSA-6p9w-3x4q-2c8r fixed=2.31.0 sev=MEDIUM src=PyPI"}},
		{"pypi at fix", lang("PyPI", "python", "Requestz", "2.31.0"), nil},
		{"pypi post of fix", lang("PyPI", "python", "requestz", "2.31.0.post1"), nil},
		{"pypi post below fix", lang("PyPI", "python", "requestz", "2.30.0.post2"), []string{"GHSA-6p9w-3x4q-2c8r fixed=2.31.0 sev=MEDIUM src=PyPI"}},
		{"pypi normalized name, last_affected", lang("PyPI", "python", "some.package", "1.4"), []string{"PYSEC-2099-2 fixed= sev=UNKNOWN src=PyPI"}},
		{"pypi post of last_affected", lang("PyPI", "python", "some-package", "1.4.post1"), nil},
		{"pypi rc of introduced", lang("PyPI", "python", "some-package", "1.0rc1"), nil},
		{"pypi introduced", lang("PyPI", "python", "SOME_PACKAGE", "1.0"), []string{"PYSEC-2099-2 fixed= sev=UNKNOWN src=PyPI"}},
		// Maven qualifiers.
		{"maven RC below release", lang("Maven", "java", "org.example:widget-core", "2.5.0-RC1"), []string{"GHSA-7c2q-9w4m-5x3p fixed=2.5.0 sev=CRITICAL src=Maven"}},
		{"maven alpha below release", lang("Maven", "java", "org.example:widget-core", "2.5.0-alpha-1"), []string{"GHSA-7c2q-9w4m-5x3p fixed=2.5.0 sev=CRITICAL src=Maven"}},
		{"maven older", lang("Maven", "java", "org.example:widget-core", "2.4.9"), []string{"GHSA-7c2q-9w4m-5x3p fixed=2.5.0 sev=CRITICAL src=Maven"}},
		{"maven release", lang("Maven", "java", "org.example:widget-core", "2.5.0"), nil},
		{"maven sp1 above release", lang("Maven", "java", "org.example:widget-core", "2.5.0-sp1"), nil},
		// Precedence and unknowns.
		{"OS package never takes an upstream advisory", lang("npm", "dpkg", "left-padder", "1.0.0"), nil},
		{"no ecosystem", lang("", "dpkg", "openssl", "1.0"), nil},
		{"unknown ecosystem", lang("Foo", "foo", "openssl", "1.0"), nil},
	}
	var all []imagefacts.Package
	var wantAll []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Match([]imagefacts.Package{tt.pkg})
			if err != nil {
				t.Fatal(err)
			}
			var gotBrief []string
			for _, v := range got {
				gotBrief = append(gotBrief, brief(v))
				if v.Installed != tt.pkg.Version || v.Package != 0 {
					t.Errorf("%s: Installed=%q Package=%d, want %q 0", v.ID, v.Installed, v.Package, tt.pkg.Version)
				}
			}
			if !reflect.DeepEqual(gotBrief, tt.want) {
				t.Errorf("got  %q\nwant %q", gotBrief, tt.want)
			}
		})
		for _, w := range tt.want {
			wantAll = append(wantAll, fmt.Sprintf("%d %s", len(all), w))
		}
		all = append(all, tt.pkg)
	}
	// All at once: the same answers, ordered by package index.
	got, err := s.Match(all)
	if err != nil {
		t.Fatal(err)
	}
	var gotAll []string
	for _, v := range got {
		gotAll = append(gotAll, fmt.Sprintf("%d %s", v.Package, brief(v)))
	}
	if !reflect.DeepEqual(gotAll, wantAll) {
		t.Errorf("matching all at once:\ngot  %q\nwant %q", gotAll, wantAll)
	}
}

func TestMatchDetails(t *testing.T) {
	s := fixtureStore(t)
	got, err := s.Match([]imagefacts.Package{
		deb("12", "libssl3", "openssl", "3.0.10-1"),
		lang("Go", "go-binary", "example.com/fancylib", "v1.0.0"),
		lang("PyPI", "python", "requestz", "2.0.0"),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []imagefacts.Vuln{
		// The DSA is kept over the per-CVE record; the aliases merge, CVE first.
		{ID: "DSA-9001-1", Aliases: []string{"CVE-2099-1001", "DEBIAN-CVE-2099-1001"}, Summary: "openssl - security update", Severity: imagefacts.SeverityUnknown, Package: 0, Installed: "3.0.10-1", Fixed: "3.0.11-1~deb12u2", Source: "Debian:12"},
		{ID: "GHSA-2c3f-9h4m-7qwx", Aliases: []string{"CVE-2099-4001", "GO-2099-0001"}, Summary: "fancylib request smuggling", Severity: imagefacts.SeverityCritical, CVSS: 9.1, CVSSVector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N", Package: 1, Installed: "v1.0.0", Fixed: "1.4.2", Source: "Go"},
		{ID: "GHSA-6p9w-3x4q-2c8r", Aliases: []string{"CVE-2099-3001", "PYSEC-2099-1"}, Summary: "Requestz leaks credentials", Severity: imagefacts.SeverityMedium, Package: 2, Installed: "2.0.0", Fixed: "2.31.0", Source: "PyPI"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}

func TestDedupPrefersDistro(t *testing.T) {
	hits := []hit{
		{id: "GHSA-aaaa-bbbb-cccc", adv: &advisory{Aliases: []string{"CVE-2099-9"}, Severity: imagefacts.SeverityHigh}, eco: "npm", fixed: "2.0.0"},
		{id: "DEBIAN-CVE-2099-9", adv: &advisory{Aliases: []string{"CVE-2099-9"}}, eco: "Debian:12", fixed: ""},
		{id: "DSA-1-1", adv: &advisory{Aliases: []string{"CVE-2099-9"}}, eco: "Debian:12", fixed: "1.1-1"},
		{id: "DSA-2-1", adv: &advisory{Aliases: []string{"CVE-2099-10"}}, eco: "Debian:12", fixed: "1.2-1"},
	}
	got := appendVulns(nil, 3, &imagefacts.Package{Version: "1.0-1"}, hits)
	if len(got) != 2 {
		t.Fatalf("got %d vulns, want 2: %+v", len(got), got)
	}
	if got[0].ID != "DSA-1-1" || got[0].Source != "Debian:12" || got[0].Fixed != "1.1-1" {
		t.Errorf("kept %s from %s fixed %s, want DSA-1-1 from Debian:12 fixed 1.1-1", got[0].ID, got[0].Source, got[0].Fixed)
	}
	if want := []string{"CVE-2099-9", "DEBIAN-CVE-2099-9", "GHSA-aaaa-bbbb-cccc"}; !reflect.DeepEqual(got[0].Aliases, want) {
		t.Errorf("aliases %q, want %q", got[0].Aliases, want)
	}
	// The distro advisory had no rating; the merged one takes the upstream's.
	if got[0].Severity != imagefacts.SeverityHigh {
		t.Errorf("severity %s, want HIGH", got[0].Severity)
	}
	if got[1].ID != "DSA-2-1" || got[1].Package != 3 {
		t.Errorf("second vuln %+v", got[1])
	}
}

func TestReleaseMatches(t *testing.T) {
	tests := []struct {
		adv, pkg string
		want     bool
	}{
		{"Debian:12", "Debian:12", true},
		{"Debian:11", "Debian:12", false},
		{"Debian:1", "Debian:12", false},
		{"Debian:12", "Debian", false},
		{"Ubuntu:22.04:LTS", "Ubuntu:22.04", true},
		{"Ubuntu:Pro:22.04:LTS", "Ubuntu:22.04", false},
		{"Alpine:v3.20", "Alpine:v3.2", false},
		{"Red Hat:enterprise_linux:9::appstream", "Red Hat:enterprise_linux:9", true},
		{"Go", "Go", true},
	}
	for _, tt := range tests {
		if got := releaseMatches(tt.adv, tt.pkg); got != tt.want {
			t.Errorf("releaseMatches(%q, %q) = %v, want %v", tt.adv, tt.pkg, got, tt.want)
		}
	}
}

func TestSeverityFromScore(t *testing.T) {
	for score, want := range map[float64]imagefacts.Severity{9.8: "CRITICAL", 9: "CRITICAL", 7: "HIGH", 6.9: "MEDIUM", 4: "MEDIUM", 3.9: "LOW", 0.1: "LOW", 0: "UNKNOWN"} {
		if got := severityFromScore(score); got != want {
			t.Errorf("severityFromScore(%v) = %s, want %s", score, got, want)
		}
	}
}

func TestOpenMissing(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(dir)
	if err == nil || !strings.Contains(err.Error(), "no vulnerability database at "+dir) || !strings.Contains(err.Error(), "palisade db import") {
		t.Fatalf("Open(empty dir) = %v", err)
	}
}

// TestCVSSScore checks the base scores go-cvss computes for each CVSS
// version a record may carry, and that a vector that does not parse
// scores 0 (so the record's own rating decides).
func TestCVSSScore(t *testing.T) {
	for _, tc := range []struct {
		vector string
		want   float64
	}{
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N", 9.1},
		{"CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 5.5},
		{"AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5},
		{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3},
		{"CVSS:3.1/AV:X", 0},
		{"not a vector", 0},
	} {
		if got := cvssScore(tc.vector); got != tc.want {
			t.Errorf("cvssScore(%q) = %v, want %v", tc.vector, got, tc.want)
		}
	}
}
