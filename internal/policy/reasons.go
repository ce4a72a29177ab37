package policy

import (
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
)

// notExpressible says, for the checks without a CEL form, why. A
// ValidatingAdmissionPolicy sees one object (and its old version, its
// namespace and at most one params object fixed by the binding); it cannot
// read other objects, node files or the cluster's RBAC graph.
var notExpressible = map[string]string{
	"workload/secret-in-env": "splits variable names into words at Unicode letter-case boundaries and weighs them against stems and qualifiers; CEL " +
		"has neither Unicode case classes nor a tokenizer, so a CEL version would disagree with scan on real names",
	"workload/secret-in-configmap": "the same word-splitting heuristic as secret-in-env, over keys, plus judging values (private keys, tokens); " +
		"a CEL version would disagree with scan",
	"exposure/dashboard-settings-authorizer-disabled": "recognizes the dashboard by image, labels, name or flags and reads its flags with Go's " +
		"boolean parsing, last one winning; not translated to CEL (webhook only)",
	"exposure/dashboard-skip-login": "recognizes the dashboard by image, labels, name or flags and reads its flags with Go's boolean parsing, " +
		"last one winning; not translated to CEL (webhook only)",
}

// areaReasons cover whole areas of checks.
var areaReasons = []struct{ prefix, reason string }{
	{"controlplane/", "judges a control-plane component's flags and the files they name on its node (certificates, audit policy, " +
		"encryption config), which admission never sees; static pods run whatever admission says of their mirror pods (`palisade node`)"},
	{"node/", "reads node files and the kubelet's configuration, which are not admitted through the API (`palisade node`)"},
	{"rbac/", "judges who can do what through bindings and the roles they reference, and chains of them: several objects, " +
		"which a policy cannot read (the webhook judges a binding against the built-in roles; `palisade rbac`)"},
	{"network/", "answered by the NetworkPolicy engine (internal/netpol), mostly over the policies and pods of a namespace " +
		"together; a CEL copy of its peer, port and selector semantics is not written (the webhook judges the one-policy checks; `palisade netpol`)"},
}

// Reason says why a check has no ValidatingAdmissionPolicy, or "" when it
// has one.
func Reason(c *check.Check) string {
	if _, ok := rules[c.ID]; ok {
		return ""
	}
	if r, ok := notExpressible[c.ID]; ok {
		return r
	}
	if c.ReadsImageScan {
		return "judges what an image scan found (vulnerabilities, signatures, base OS, where the tag points), which a policy " +
			"cannot read; `palisade scan --images` judges it"
	}
	for _, a := range areaReasons {
		if strings.HasPrefix(c.ID, a.prefix) {
			return a.reason
		}
	}
	if c.Cluster != nil {
		return "judges several objects of the cluster together, which a policy cannot read"
	}
	return "not translated to CEL yet (the webhook judges it)"
}
