package vulndb

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/google/osv-scalibr/semantic"
	bolt "go.etcd.io/bbolt"

	"github.com/palisade-sec/palisade/internal/imagefacts"
)

// osPackageTypes are the inventories of distribution packages: only
// advisories of a distribution ecosystem match them.
var osPackageTypes = map[string]bool{"dpkg": true, "apk": true, "rpm": true}

// distroEcosystems are the OSV ecosystems of distributions.
var distroEcosystems = map[string]bool{
	"AlmaLinux": true, "Alpaquita": true, "Alpine": true, "Azure Linux": true,
	"BellSoft Hardened Containers": true, "Chainguard": true, "Debian": true,
	"Mageia": true, "MinimOS": true, "openEuler": true, "openSUSE": true,
	"Photon OS": true, "Red Hat": true, "Rocky Linux": true, "SUSE": true,
	"Ubuntu": true, "Wolfi": true,
}

// sourceKeyed are the distribution ecosystems whose advisories name the
// source package (dpkg Source:, apk origin) rather than the binary one.
var sourceKeyed = map[string]bool{
	"Alpaquita": true, "Alpine": true, "BellSoft Hardened Containers": true,
	"Chainguard": true, "Debian": true, "MinimOS": true, "Ubuntu": true, "Wolfi": true,
}

// releaseMatches reports whether an advisory filed under advEco applies to
// a package of ecosystem pkgEco. The names must be equal, or the advisory's
// must extend the package's by more qualifiers ("Ubuntu:22.04:LTS" applies
// to "Ubuntu:22.04"). A release never matches another release
// ("Debian:11" does not apply to "Debian:12").
func releaseMatches(advEco, pkgEco string) bool {
	if advEco == pkgEco {
		return true
	}
	return strings.Contains(pkgEco, ":") && strings.HasPrefix(advEco, pkgEco+":")
}

// candidate is one advisory's affected entries for one package name.
type candidate struct {
	id  string
	aff []affected
}

// hit is one advisory that affects one package, before deduplication.
type hit struct {
	id     string
	adv    *advisory
	eco    string
	fixed  string
	rating imagefacts.Severity
}

// Match returns the advisories that affect pkgs, one Vuln per package and
// vulnerability, sorted by package index, then severity (highest first),
// then id.
//
// A package is looked up in its Ecosystem (packages without one are
// skipped). Distribution advisories apply only to the same release, and
// Debian, Ubuntu and Alpine advisories are looked up by source package
// (SourceName, else Name) and compared with SourceVersion when the package
// has one; Installed reports Version. Packages of dpkg, apk and rpm
// inventories only take advisories of distribution ecosystems. Versions
// are ordered with each ecosystem's comparator (osv-scalibr/semantic);
// when a package's version cannot be parsed, only advisories that list it
// explicitly match.
//
// Advisories of one package that share an id or alias are one Vuln: the
// distribution's advisory is kept over an upstream one, a named advisory
// (DSA-..., GHSA-...) over a per-CVE record, and the aliases are merged.
func (s *Store) Match(pkgs []imagefacts.Package) ([]imagefacts.Vuln, error) {
	var out []imagefacts.Vuln
	err := s.db.View(func(tx *bolt.Tx) error {
		affB, advB := tx.Bucket(bucketAff), tx.Bucket(bucketAdv)
		if affB == nil || advB == nil {
			return fmt.Errorf("%s: no advisories bucket; import the OSV exports again", s.path)
		}
		m := &matcher{affB: affB, advB: advB, cands: map[string][]candidate{}, advs: map[string]*advisory{}}
		for i := range pkgs {
			hits, err := m.matchPackage(&pkgs[i])
			if err != nil {
				return err
			}
			out = appendVulns(out, i, &pkgs[i], hits)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := &out[i], &out[j]
		if a.Package != b.Package {
			return a.Package < b.Package
		}
		if ra, rb := a.Severity.Rank(), b.Severity.Rank(); ra != rb {
			return ra > rb // most severe first
		}
		return a.ID < b.ID
	})
	return out, nil
}

// matcher holds one Match call's read transaction and caches: many binary
// packages share a source package, and many packages share advisories.
type matcher struct {
	affB, advB *bolt.Bucket
	cands      map[string][]candidate
	advs       map[string]*advisory
}

func (m *matcher) candidates(prefix string) ([]candidate, error) {
	if c, ok := m.cands[prefix]; ok {
		return c, nil
	}
	var out []candidate
	p := []byte(prefix)
	cur := m.affB.Cursor()
	for k, v := cur.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = cur.Next() {
		c := candidate{id: string(k[len(p):])}
		if err := json.Unmarshal(v, &c.aff); err != nil {
			return nil, fmt.Errorf("vulnerability database entry %q: %w; import the OSV exports again", k, err)
		}
		out = append(out, c)
	}
	m.cands[prefix] = out
	return out, nil
}

func (m *matcher) advisory(id string) (*advisory, error) {
	if a, ok := m.advs[id]; ok {
		return a, nil
	}
	raw := m.advB.Get([]byte(id))
	a := &advisory{}
	if raw != nil {
		if err := json.Unmarshal(raw, a); err != nil {
			return nil, fmt.Errorf("vulnerability database advisory %s: %w; import the OSV exports again", id, err)
		}
	}
	m.advs[id] = a
	return a, nil
}

// installed is a package's version parsed lazily for ECOSYSTEM and SEMVER
// ranges.
type installed struct {
	raw, eco   string
	eco1, sem1 bool
	ecoV, semV semantic.Version
	ecoErr     error
}

func (in *installed) version(semver bool) semantic.Version {
	if semver {
		if !in.sem1 {
			in.sem1, in.semV = true, semantic.ParseSemverVersion(in.raw)
		}
		return in.semV
	}
	if !in.eco1 {
		in.eco1 = true
		in.ecoV, in.ecoErr = semantic.Parse(in.raw, in.eco)
	}
	if in.ecoErr != nil {
		return nil
	}
	return in.ecoV
}

func (m *matcher) matchPackage(p *imagefacts.Package) ([]hit, error) {
	if p.Ecosystem == "" || p.Version == "" {
		return nil, nil
	}
	base := baseEcosystem(p.Ecosystem)
	if osPackageTypes[p.Type] && !distroEcosystems[base] {
		return nil, nil
	}
	name, ver := p.Name, p.Version
	if sourceKeyed[base] {
		if p.SourceName != "" {
			name = p.SourceName
		}
		if p.SourceVersion != "" {
			ver = p.SourceVersion
		}
	}
	cands, err := m.candidates(indexPrefix(base, lookupName(base, name)))
	if err != nil || len(cands) == 0 {
		return nil, err
	}
	in := &installed{raw: ver, eco: p.Ecosystem}
	var hits []hit
	for _, c := range cands {
		for _, a := range c.aff {
			if !releaseMatches(a.Ecosystem, p.Ecosystem) {
				continue
			}
			ok, fixed := a.affects(in, base)
			if !ok {
				continue
			}
			adv, err := m.advisory(c.id)
			if err != nil {
				return nil, err
			}
			hits = append(hits, hit{id: c.id, adv: adv, eco: a.Ecosystem, fixed: fixed, rating: a.Severity})
			break
		}
	}
	return hits, nil
}

// affects reports whether the installed version is affected by the entry
// and, when a range says so, the version that fixes it.
func (a *affected) affects(in *installed, base string) (bool, string) {
	for _, r := range a.Ranges {
		v := in.version(r.Semver)
		if v == nil {
			continue
		}
		if ok, fixed := r.affects(v); ok {
			return true, fixed
		}
	}
	for _, lv := range a.Versions {
		if lv == in.raw || (base == "Go" && strings.TrimPrefix(lv, "v") == strings.TrimPrefix(in.raw, "v")) {
			return true, a.fixedAfter(in)
		}
	}
	return false, ""
}

// fixedAfter is the first fixed version above the installed one, for a
// package matched by an explicit versions list.
func (a *affected) fixedAfter(in *installed) string {
	for _, r := range a.Ranges {
		v := in.version(r.Semver)
		if v == nil {
			continue
		}
		for _, e := range r.Events {
			if e.Kind != evFixed {
				continue
			}
			if d, err := v.CompareStr(e.Version); err == nil && d < 0 {
				return e.Version
			}
		}
	}
	return ""
}

// affects evaluates a range whose events are sorted by version, as OSV
// specifies: introduced opens it, fixed and (above) last_affected close
// it, and no version at or above a limit is affected.
func (r *vrange) affects(v semantic.Version) (bool, string) {
	in, fixed := false, ""
	for i, e := range r.Events {
		switch e.Kind {
		case evIntroduced:
			if e.Version == "0" || cmp(v, e.Version) >= 0 {
				if !in {
					in, fixed = true, nextFixed(r.Events[i+1:])
				}
			}
		case evFixed:
			if cmp(v, e.Version) >= 0 {
				in = false
			}
		case evLastAffected:
			if cmp(v, e.Version) > 0 {
				in = false
			}
		case evLimit:
			if e.Version != "*" && cmp(v, e.Version) >= 0 {
				return false, ""
			}
		}
	}
	if !in {
		return false, ""
	}
	return true, fixed
}

// cmp compares v with a version string; a string the comparator cannot
// parse compares above every version, so it neither opens nor closes a
// range for it.
func cmp(v semantic.Version, s string) int {
	d, err := v.CompareStr(s)
	if err != nil {
		return -1
	}
	return d
}

func nextFixed(events []event) string {
	for _, e := range events {
		switch e.Kind {
		case evFixed:
			return e.Version
		case evLastAffected:
			return ""
		}
	}
	return ""
}

// severity of a hit: from the CVSS score, else the affected entry's own
// rating, else the record's rating.
func (h *hit) severity() imagefacts.Severity {
	switch {
	case h.adv.Score > 0:
		return severityFromScore(h.adv.Score)
	case h.rating != "":
		return h.rating
	case h.adv.Severity != "":
		return h.adv.Severity
	}
	return imagefacts.SeverityUnknown
}

// preference orders hits of one vulnerability: lower is kept.
func (h *hit) preference() [3]int {
	var p [3]int
	if !distroEcosystems[baseEcosystem(h.eco)] {
		p[0] = 1
	}
	if isPerCVE(h.id) {
		p[1] = 1
	}
	if h.fixed == "" {
		p[2] = 1
	}
	return p
}

// isPerCVE reports whether id names a record kept per CVE
// ("CVE-2024-1234", "DEBIAN-CVE-2024-1234", "ALPINE-CVE-...") rather than a
// named advisory.
func isPerCVE(id string) bool {
	return strings.HasPrefix(id, "CVE-") || strings.Contains(id, "-CVE-")
}

// appendVulns deduplicates one package's hits by id and alias and appends
// them as Vulns.
func appendVulns(out []imagefacts.Vuln, idx int, p *imagefacts.Package, hits []hit) []imagefacts.Vuln {
	if len(hits) == 0 {
		return out
	}
	// Group hits that share an id or alias (union-find over names).
	parent := make([]int, len(hits))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	owner := map[string]int{}
	for i := range hits {
		for _, n := range append([]string{hits[i].id}, hits[i].adv.Aliases...) {
			if j, ok := owner[n]; ok {
				parent[find(i)] = find(j)
			} else {
				owner[n] = i
			}
		}
	}
	groups := map[int][]int{}
	var roots []int
	for i := range hits {
		r := find(i)
		if _, ok := groups[r]; !ok {
			roots = append(roots, r)
		}
		groups[r] = append(groups[r], i)
	}
	for _, r := range roots {
		g := groups[r]
		sort.Slice(g, func(a, b int) bool {
			pa, pb := hits[g[a]].preference(), hits[g[b]].preference()
			if pa != pb {
				return slices.Compare(pa[:], pb[:]) < 0
			}
			return hits[g[a]].id < hits[g[b]].id
		})
		best := &hits[g[0]]
		v := imagefacts.Vuln{
			ID:         best.id,
			Summary:    best.adv.Summary,
			Severity:   best.severity(),
			CVSS:       best.adv.Score,
			CVSSVector: best.adv.Vector,
			Package:    idx,
			Installed:  p.Version,
			Fixed:      best.fixed,
			Source:     best.eco,
		}
		var aliases []string
		for _, i := range g {
			h := &hits[i]
			aliases = append(aliases, h.id)
			aliases = append(aliases, h.adv.Aliases...)
			if v.Severity == imagefacts.SeverityUnknown {
				v.Severity = h.severity()
			}
			if v.CVSSVector == "" && h.adv.Vector != "" {
				v.CVSS, v.CVSSVector = h.adv.Score, h.adv.Vector
			}
			if v.Summary == "" {
				v.Summary = h.adv.Summary
			}
			if v.Fixed == "" && h.fixed != "" && h.eco == best.eco {
				v.Fixed = h.fixed
			}
		}
		v.Aliases = sortAliases(aliases, v.ID)
		out = append(out, v)
	}
	return out
}
