package admission

import (
	"path"
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
)

// Scope says whether a check runs at admission, on which kinds, and, when
// it does not, why.
type Scope struct {
	Applies bool
	// Kinds are the API kinds whose requests the check judges.
	Kinds []string
	// How is a short account of what the check sees at admission.
	How string
	// Reason says why a check does not run at admission, and what judges
	// it instead.
	Reason string
}

// bindingChecks are the Cluster checks that run at admission. They judge
// who holds what through a RoleBinding or ClusterRoleBinding; the RBAC
// engine knows the built-in ClusterRoles (cluster-admin, admin, edit, the
// system roles), so a binding judged alone, in a one-object snapshot, is
// judged against them exactly as scan judges it. Such a check can only
// find more when it sees more objects, never less, so what it reports at
// admission scan reports too. A binding to a role of your own is not
// judged at admission: the role is not in the request.
var bindingChecks = []string{"rbac/*"}

// bindingKinds are the kinds bindingChecks judge at admission.
var bindingKinds = []string{"RoleBinding", "ClusterRoleBinding"}

// clusterCheckReasons say why particular Cluster checks do not run at
// admission; others get the generic reason.
var clusterCheckReasons = map[string]string{
	"network/namespace-without-default-deny-ingress": "judges what a namespace lacks: a new namespace never has its NetworkPolicy yet, so it would reject every namespace; `palisade scan --cluster` judges it",
	"network/namespace-without-default-deny-egress":  "judges what a namespace lacks: a new namespace never has its NetworkPolicy yet, so it would reject every namespace; `palisade scan --cluster` judges it",
	"exposure/dashboard-exposed":                     "needs the dashboard's Deployment and the Service or Ingress that reaches it together; `palisade scan` judges it",
	"exposure/dashboard-cluster-admin":               "needs the dashboard's Deployment and its service account's bindings together; `palisade scan` judges it",
}

// ScopeOf says whether and how a check runs at admission:
//
//   - a Pod check runs on every workload kind (Pod and the controllers),
//     except the network/ ones, which judge the pod through the
//     NetworkPolicies of its namespace;
//   - an Object check runs on its Kinds that are API objects;
//   - a Cluster check runs only when it judges RBAC bindings (rbac/*), on
//     the binding alone; the others judge several objects together (what
//     a namespace lacks, which Service reaches which Deployment) and are
//     left to `palisade scan --cluster`.
//
// ScopeOf is the scope of a webhook that does not verify signatures;
// ScopeWith says what one that does runs.
func ScopeOf(c *check.Check) Scope { return ScopeWith(c, ScopeOptions{}) }

// ScopeOptions say what a webhook does beyond judging the object alone.
type ScopeOptions struct {
	// VerifiesSignatures is a webhook that verifies the cosign signature of
	// each container image in its registry (webhook serve --key or
	// --trusted-root): the checks in signatureChecks then run.
	VerifiesSignatures bool
}

// signatureChecks are the image-scan checks that read only an image's
// signature, which the webhook can verify within a review (see Images);
// the other image-scan checks need the image's layers.
var signatureChecks = map[string]bool{"supplychain/unsigned-image": true}

// ScopeWith is ScopeOf for a webhook configured as o says.
func ScopeWith(c *check.Check, o ScopeOptions) Scope {
	switch {
	case c.ReadsImageScan && signatureChecks[c.ID] && o.VerifiesSignatures:
		return Scope{Applies: true, Kinds: WorkloadKinds, How: "the cosign signature of each container's image, verified in its registry, cached per image"}
	case c.ReadsImageScan && signatureChecks[c.ID]:
		return Scope{Reason: "runs only when `palisade webhook serve` verifies signatures (--key or --trusted-root); `palisade scan --images --key` judges it"}
	case c.ReadsImageScan:
		return Scope{Reason: "judges what an image scan found in the image's layers (vulnerabilities, base OS, where the tag points), which pulls each image and takes seconds, too slow for admission; `palisade scan --images` judges it"}
	case c.Pod != nil && strings.HasPrefix(c.ID, "network/"):
		return Scope{Reason: "judges which NetworkPolicies apply to the pod, which the request does not hold: alone, every pod would look unprotected; `palisade scan --cluster` and `palisade netpol` judge it"}
	case c.Pod != nil:
		return Scope{Applies: true, Kinds: WorkloadKinds, How: "the pod template of the object"}
	case c.Object != nil:
		var kinds []string
		for _, k := range c.Kinds {
			if _, ok := apiResources[k]; ok {
				kinds = append(kinds, k)
			}
		}
		if len(kinds) == 0 {
			return Scope{Reason: "reads " + strings.Join(c.Kinds, ", ") + ", which are node files, not API objects; `palisade node` judges it"}
		}
		return Scope{Applies: true, Kinds: kinds, How: "the object"}
	}
	for _, p := range bindingChecks {
		if ok, _ := path.Match(p, c.ID); ok {
			return Scope{Applies: true, Kinds: bindingKinds, How: "the binding alone, against the built-in ClusterRoles"}
		}
	}
	if r, ok := clusterCheckReasons[c.ID]; ok {
		return Scope{Reason: r}
	}
	if strings.HasPrefix(c.ID, "network/") {
		return Scope{Reason: "judges pods through the NetworkPolicies of their namespace, several objects the request does not hold; `palisade scan --cluster` and `palisade netpol` judge it"}
	}
	if strings.HasPrefix(c.ID, "node/") {
		return Scope{Reason: "reads the kubelet's configuration, which is not admitted through the API; `palisade node` and `palisade scan --cluster` judge it"}
	}
	return Scope{Reason: "judges several objects of the cluster together, which one request does not hold; `palisade scan --cluster` judges it"}
}
