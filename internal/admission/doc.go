// Package admission is Palisade's validating admission webhook: it judges
// the object of each admission.k8s.io/v1 AdmissionReview with the check
// registry, config and waivers of `palisade scan`, and denies it, warns
// about it or records it in the audit log.
//
// # From a request to a verdict
//
// The Handler reads the AdmissionReview (HTTP 400 with a message for a body
// that is not one, or is over the size limit) and hands request.object to
// the Evaluator, which decodes it into the same typed object, under the
// same limits, as scan's decoder (see decodeJSON), and wraps it in a
// one-object cluster.Snapshot. For a pod or workload that runs as its
// namespace's default ServiceAccount, that ServiceAccount joins the
// snapshot when a ServiceAccountCache knows it, so
// workload/service-account-token-automount sees what a scan of the cluster
// sees. check.Run then runs the checks that apply at admission (ScopeOf)
// with the loaded config: waivers from the config and from the
// palisade.dev/waive annotation suppress findings exactly as in a scan, and
// expired ones do not.
//
// Checks that apply: every Pod check on every kind that runs pods, every
// Object check on its kinds, and the rbac/ Cluster checks on a
// RoleBinding or ClusterRoleBinding judged alone against the built-in
// ClusterRoles. Cluster checks that judge several objects together (what a
// namespace lacks, which Service reaches which dashboard, NetworkPolicy
// reachability) and node checks do not: ScopeOf says why for each.
//
// # Image signatures
//
// With EvaluatorOptions.Images (webhook serve --key or --trusted-root),
// the cosign signatures of the images a workload's containers name are
// verified in their registries before the checks run, and passed to them
// as check.Options.Images, so supplychain/unsigned-image judges them as
// scan --images does (ScopeWith). Images caches each reference's outcome
// for a TTL, verifies the images of one review concurrently, and bounds
// each verification by a timeout; an image that could not be verified is
// reported, never admitted unjudged in deny mode. The other image-scan
// checks need the image's layers and do not run at admission. Without
// Images no registry is asked.
//
// # Modes
//
// The generated ValidatingWebhookConfiguration sends each namespace's
// requests to the path of the mode its palisade.dev/enforce label names
// (Mode.Path), and the rest to ValidatePath, which uses the server's
// default mode; the API server evaluates the label, so the webhook needs no
// read access to Namespaces. Findings below the severity threshold and
// waived findings never count. In deny mode the request is rejected with a
// message naming each check, field and remediation; in warn mode it is
// admitted with one warning per finding; in audit mode it is admitted and
// only the audit annotations record the findings, which every mode adds.
// An update is rejected only for findings it adds: those the old object
// already had are warnings, so existing objects can be changed (and their
// finalizers removed). Pods, replica sets and jobs that the built-in
// controllers create for an owner are judged through the owner, which was
// judged with its waivers: in deny mode they are only audited.
//
// # Serving
//
// Server serves TLS with the certificate and key read again every reload
// interval (rotation without dropping requests), /healthz, /readyz (fails
// while shutting down, or until the ServiceAccount cache has synced), and
// /metrics (requests by mode and decision, latency, decisions by check, and
// the Go and process collectors).
package admission
