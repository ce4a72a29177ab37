package report

import (
	"bytes"
	"testing"
	"time"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
)

// Fixture objects and checks shared by the writer tests.
var (
	webDeploy = cluster.ObjectID{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "shop", Name: "web"}
	apiPod    = cluster.ObjectID{APIVersion: "v1", Kind: "Pod", Namespace: "shop", Name: "api"}
	adminCRB  = cluster.ObjectID{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding", Name: "admin-all"}
	exporter  = cluster.ObjectID{APIVersion: "apps/v1", Kind: "DaemonSet", Namespace: "monitoring", Name: "node-exporter"}

	metaPrivileged = check.Metadata{
		ID: "pss/privileged", Title: "Privileged container", Description: "Privileged containers can do anything the host kernel can.",
		Severity: check.SeverityCritical, Vector: check.VectorInsecureConfig, Strategy: check.StrategyPodSecurity,
		References:  check.References{CIS: []string{"5.2.1"}, NSA: []string{"Kubernetes Pod security"}, MITRE: []string{"T1611"}, PSS: "baseline"},
		Remediation: "Set securityContext.privileged: false.",
	}
	metaHostPID = check.Metadata{
		ID: "pss/hostNamespaces", Title: "Pod shares the host's namespaces", Description: "hostPID exposes every process on the node.",
		Severity: check.SeverityHigh, Vector: check.VectorInsecureConfig, Strategy: check.StrategyPodSecurity,
		References: check.References{PSS: "baseline"}, Remediation: "Remove hostPID, hostIPC and hostNetwork.",
	}
	metaWildcard = check.Metadata{
		ID: "rbac/wildcard-verbs", Title: "Wildcard verbs", Description: "A role grants * verbs.",
		Severity: check.SeverityMedium, Vector: check.VectorAPIExposure, Strategy: check.StrategyAuthnAuthz,
		References: check.References{MITRE: []string{"T1078"}}, Remediation: "List the verbs the subject needs.",
	}
	metaLatest = check.Metadata{
		ID: "supplychain/latest-tag", Title: "Mutable image tag", Description: "The image uses :latest.",
		Severity: check.SeverityLow, Vector: check.VectorSupplyChain, Strategy: check.StrategyImageSecurity,
		Remediation: "Pin the image by digest.",
	}
	metaQuiet = check.Metadata{
		ID: "workload/no-limits", Title: "No resource limits", Description: "Containers without limits.",
		Severity: check.SeverityInfo, Vector: check.VectorInsecureConfig, Strategy: check.StrategyPodSecurity,
		Remediation: "Set resources.limits.",
	}
)

func findingOf(m check.Metadata, obj cluster.ObjectID, field string, pos cluster.Position, msg string) check.Finding {
	return check.Finding{
		CheckID: m.ID, Title: m.Title, Severity: m.Severity, Vector: m.Vector, Strategy: m.Strategy,
		Object: obj, Field: field, Position: pos, Message: msg, Remediation: m.Remediation,
	}
}

// sampleReport has findings of four severities (one without a position),
// one finding waived by annotation and one by config, a check without
// findings, two input errors and an expired waiver.
func sampleReport() *Report {
	privileged := findingOf(metaPrivileged, webDeploy, "spec.template.spec.containers[0].securityContext.privileged",
		cluster.Position{File: "k8s/web.yaml", Line: 21, Column: 13}, `container "web" runs privileged`)
	privileged.Fix = []check.PatchOp{{Op: "replace", Path: "/spec/template/spec/containers/0/securityContext/privileged", Value: false}}
	hostPID := findingOf(metaHostPID, apiPod, "spec.hostPID",
		cluster.Position{File: "k8s/api.yaml", Line: 9, Column: 3}, "hostPID: true")
	wildcard := findingOf(metaWildcard, adminCRB, "roleRef", cluster.Position{}, `binds ClusterRole "all" which grants * on *`)
	latest := findingOf(metaLatest, webDeploy, "spec.template.spec.containers[0].image",
		cluster.Position{File: "k8s/web.yaml", Line: 19, Column: 16}, `image "nginx:latest" uses a mutable tag`)
	waivedAnn := findingOf(metaHostPID, exporter, "spec.template.spec.hostPID",
		cluster.Position{File: "k8s/exporter.yaml", Line: 14, Column: 7}, "hostPID: true")
	waivedAnn.Suppression = &check.Suppression{Source: "annotation", Reason: "node exporter reads host processes"}
	waivedCfg := findingOf(metaLatest, exporter, "spec.template.spec.containers[0].image",
		cluster.Position{File: "k8s/exporter.yaml", Line: 20, Column: 16}, `image "prom/node-exporter:latest" uses a mutable tag`)
	waivedCfg.Suppression = &check.Suppression{Source: "config", Reason: "vendor image, pinned in Q3", Owner: "sre@example.com", Expires: "2031-12-31"}

	return &Report{
		Tool:        ToolInfo{Name: "palisade", Version: "1.2.3", URI: "https://github.com/palisade-sec/palisade"},
		GeneratedAt: time.Date(2030, 5, 6, 7, 8, 9, 0, time.FixedZone("CEST", 2*3600)),
		Inputs:      []string{"k8s/", "charts/app"},
		Objects:     42,
		Checks:      []check.Metadata{metaHostPID, metaPrivileged, metaWildcard, metaLatest, metaQuiet},
		Findings:    []check.Finding{privileged, hostPID, waivedAnn, wildcard, latest, waivedCfg},
		InputErrors: []source.InputError{
			{File: "k8s/broken.yaml", Line: 7, Message: "yaml: line 7: mapping values are not allowed in this context"},
			{File: "charts/bad", Message: "chart does not render"},
		},
		ExpiredWaivers: []check.ExpiredWaiver{{
			Waiver:  check.Waiver{Checks: []string{"rbac/*"}, Selector: check.Selector{Namespace: "kube-system", Labels: map[string]string{"team": "platform"}}, Reason: "migration", Owner: "platform@example.com", Expires: "2029-01-31"},
			Matches: 3,
		}},
	}
}

// emptyReport has checks but nothing else: every list empty (nil).
func emptyReport() *Report {
	return &Report{
		Tool:        ToolInfo{Name: "palisade", Version: "1.2.3"},
		GeneratedAt: time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC),
		Checks:      []check.Metadata{metaPrivileged},
	}
}

// render writes r in a format through the registry, as the CLI does.
func render(t *testing.T, format string, opts Options, r *Report) []byte {
	t.Helper()
	w, err := New(format, opts)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf, r); err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return buf.Bytes()
}
