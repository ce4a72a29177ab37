package controlplane

import (
	"strconv"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source/node"
)

/*
The API server must write its audit log to a file and keep enough of it.

**Flags read (kube-apiserver):** --audit-log-path, --audit-log-maxage,
--audit-log-maxbackup, --audit-log-maxsize, --audit-webhook-config-file
(named in the message).

**Allowed values:** --audit-log-path set (CIS 1.2.16). When it names a
file (not "-", standard output): --audit-log-maxage at least 30 days
(CIS 1.2.17), --audit-log-maxbackup at least 10 files (CIS 1.2.18),
--audit-log-maxsize at least 100 MB (CIS 1.2.19). Unset or 0 is allowed:
it is what the API server really does by default — rotated files are
kept forever (maxage, maxbackup) and rotated at 100 MB (maxsize) —
which never loses evidence.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "apiserver-audit-log",
			Title: "API server audit log is not written or not kept",
			Description: "Reads kube-apiserver's --audit-log-path and, when it names a file, --audit-log-maxage, --audit-log-maxbackup and " +
				"--audit-log-maxsize. Flagged: no --audit-log-path (CIS 1.2.16): no audit file is written, so who did what in the " +
				"cluster is not on record; retention below 30 days (CIS 1.2.17), fewer than 10 rotated files (CIS 1.2.18) or rotation " +
				"below 100 MB (CIS 1.2.19, low), each of which deletes history before an intrusion is usually noticed. Unset or 0 " +
				"retention flags are not flagged: the API server then keeps every rotated file, which loses nothing (CIS tools that only " +
				"look for the flag report them anyway). Whether the policy records anything is the audit-policy check's business.",
			Severity: check.SeverityMedium,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuditLogging,
			References: check.References{
				CIS:   []string{"1.2.16", "1.2.17", "1.2.18", "1.2.19"},
				NSA:   []string{nsaLogging},
				MITRE: []string{"T1562", "T1070"},
			},
			Remediation: "Set --audit-log-path to a file on a persistent hostPath volume, with --audit-log-maxage=30, " +
				"--audit-log-maxbackup=10 and --audit-log-maxsize=100 or more, and ship the log off the node.",
		},
		Pod: onComponent(node.APIServer, apiserverAuditLog),
	})
}

func apiserverAuditLog(_ *check.Context, c *node.Component) []check.Violation {
	logPath, _, set := stringFlag(c, "audit-log-path", "")
	if !set || logPath == "" {
		msg := "--audit-log-path is not set (CIS 1.2.16): no audit log file is written"
		if f, ok := c.Flags.Last("audit-webhook-config-file"); ok && f.Value != "" {
			msg += "; events go only to the webhook of " + f.String() + ", and are lost when it is down"
		}
		return []check.Violation{at(c, "audit-log-path", "%s", msg)}
	}
	if logPath == "-" {
		return nil // standard output: rotation is the container runtime's
	}
	var out []check.Violation
	for _, r := range []struct {
		flag, cis, unit, why string
		min                  int
		sev                  check.Severity
	}{
		{"audit-log-maxage", "1.2.17", "days", "history older than that is deleted, often before an intrusion is noticed", 30, check.SeverityMedium},
		{"audit-log-maxbackup", "1.2.18", "rotated files", "older files are deleted as soon as that many exist", 10, check.SeverityMedium},
		{"audit-log-maxsize", "1.2.19", "MB", "files rotate that early, so maxbackup files hold little history", 100, check.SeverityLow},
	} {
		f, ok := c.Flags.Last(r.flag)
		if !ok {
			continue
		}
		n, err := strconv.Atoi(f.Value)
		if err != nil {
			out = append(out, check.NotAssessed(nil, f.Arg.Field, f.String()+" is not a number; kube-apiserver would refuse to start"))
			continue
		}
		if n > 0 && n < r.min {
			out = append(out, graded(at(c, r.flag, "%s is below %d %s (CIS %s): %s", f, r.min, r.unit, r.cis, r.why), r.sev))
		}
	}
	return out
}
