package checks

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
)

// CatalogMarkdown renders docs/checks.md from the registry: every check with
// its severity, attack vector, defence, framework references, description
// and remediation. `go run ./hack/gendocs` writes it; a test fails when the
// file is stale.
func CatalogMarkdown(reg *check.Registry) []byte {
	all := reg.All()
	var b bytes.Buffer
	b.WriteString("# Palisade checks\n\n")
	b.WriteString("<!-- Generated from the check registry by `go run ./hack/gendocs`. Do not edit by hand. -->\n\n")
	fmt.Fprintf(&b, "%d checks. Each names the attack vector it defends against and the defensive strategy it enforces (see DESIGN.md).\n\n", len(all))
	b.WriteString("| id | severity | vector | strategy | title |\n|---|---|---|---|---|\n")
	for _, c := range all {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s | %s | %s |\n", c.ID, anchor(c.ID), c.Severity, c.Vector, c.Strategy, cell(c.Title))
	}
	for _, c := range all {
		fmt.Fprintf(&b, "\n## %s\n\n**%s** — severity %s, vector `%s`, strategy `%s`\n\n", c.ID, c.Title, c.Severity, c.Vector, c.Strategy)
		r := c.References
		var refs []string
		if r.PSS != "" {
			refs = append(refs, "Pod Security Standards: "+r.PSS)
		}
		if len(r.CIS) > 0 {
			refs = append(refs, "CIS Kubernetes Benchmark: "+strings.Join(r.CIS, ", "))
		}
		if len(r.NSA) > 0 {
			refs = append(refs, "NSA/CISA Kubernetes Hardening Guide: "+strings.Join(r.NSA, "; "))
		}
		if len(r.MITRE) > 0 {
			refs = append(refs, "MITRE ATT&CK: "+strings.Join(r.MITRE, ", "))
		}
		for _, ref := range refs {
			fmt.Fprintf(&b, "- %s\n", ref)
		}
		if len(refs) > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s\n\n**Remediation.** %s\n", c.Description, c.Remediation)
	}
	return b.Bytes()
}

// anchor is the GitHub heading anchor of a check id.
func anchor(id string) string {
	return strings.ReplaceAll(strings.ToLower(id), "/", "")
}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
