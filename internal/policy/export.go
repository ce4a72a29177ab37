// Package policy exports Palisade's checks as Kubernetes
// ValidatingAdmissionPolicies: one policy per check whose logic CEL can
// express, with the same meaning as the check's Go function, and bindings
// that apply it per namespace in the mode its palisade.dev/enforce label
// names, as the webhook does. Reason says, for every other check, why it
// has no policy.
//
// Each policy:
//
//   - matches CREATE and UPDATE of the kinds the check reads (every kind
//     that runs pods for a Pod check, and pods/ephemeralcontainers);
//   - skips objects being deleted, objects whose palisade.dev/waive
//     annotation names the check (ids and "*"/"?" patterns), and objects a
//     waiver of the config selects, if it has not expired when exported
//     (CEL has no clock: the policy is annotated with the first expiry,
//     re-export by then);
//   - rejects (or warns, or audits) an object that fails the check, unless
//     it is an update of an object that already failed it: an update may
//     not add a failure, as with the webhook;
//   - reads, for workload/service-account-token-automount, the default
//     ServiceAccount of the object's namespace as its params.
package policy

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/palisade-sec/palisade/internal/admission"
	"github.com/palisade-sec/palisade/internal/check"
)

// Options configure Export.
type Options struct {
	// Registry holds the checks; nil means check.Default().
	Registry *check.Registry
	// Config gives allowedRegistries and the waivers; nil means none.
	Config *check.Config
	// MinSeverity: checks below it are not exported.
	MinSeverity check.Severity
	// DefaultMode is the mode of namespaces without a valid
	// palisade.dev/enforce label, and of cluster-scoped objects.
	DefaultMode admission.Mode
	// ExcludeNamespaces are never judged, besides kube-system, kube-public
	// and kube-node-lease.
	ExcludeNamespaces []string
	// Now decides which waivers have expired; zero means time.Now().
	Now time.Time
}

// Skipped is a check that has no policy, and why.
type Skipped struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// Result is an export: the objects, and what was and was not exported.
type Result struct {
	// Policies and Bindings, one policy and one binding per mode for each
	// exported check.
	Policies []*admissionregistrationv1.ValidatingAdmissionPolicy
	Bindings []*admissionregistrationv1.ValidatingAdmissionPolicyBinding
	// Exported are the ids of the checks with a policy, sorted.
	Exported []string
	// Skipped are the checks without one (below MinSeverity, not assessed
	// with this config, or not expressible in CEL), sorted by id.
	Skipped []Skipped
	// Notes say what the user must know: waivers that expire, waivers that
	// have.
	Notes []string
}

// LabelCheck is the annotation naming the check a policy enforces.
const LabelCheck = "palisade.dev/check"

// AnnotationWaiversUntil is the last day the config waivers compiled into a
// policy hold; re-export by then.
const AnnotationWaiversUntil = "palisade.dev/waivers-valid-until"

// Name is the policy name of a check: "palisade-pss-runasnonroot".
func Name(id string) string {
	return "palisade-" + strings.NewReplacer("/", "-", "_", "-").Replace(strings.ToLower(id))
}

// Export builds the policies and bindings.
func Export(opts Options) (*Result, error) {
	reg := opts.Registry
	if reg == nil {
		reg = check.Default()
	}
	cfg := opts.Config
	if cfg == nil {
		cfg = &check.Config{}
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	mode := opts.DefaultMode
	if mode == "" {
		mode = admission.ModeDeny
	}
	res := &Result{}
	for _, w := range cfg.Waivers {
		if w.Expired(now) {
			res.Notes = append(res.Notes, fmt.Sprintf("the waiver for %s expired on %s and is not exported: it no longer waives anything", strings.Join(w.Checks, ","), w.Expires))
		}
	}
	for _, c := range reg.All() {
		if reason := Reason(c); reason != "" {
			res.Skipped = append(res.Skipped, Skipped{c.ID, reason})
			continue
		}
		if c.Severity < opts.MinSeverity {
			res.Skipped = append(res.Skipped, Skipped{c.ID, fmt.Sprintf("severity %s is below --min-severity %s", c.Severity, opts.MinSeverity)})
			continue
		}
		rl := rules[c.ID]
		if rl.needs != nil {
			if why := rl.needs(cfg); why != "" {
				res.Skipped = append(res.Skipped, Skipped{c.ID, why})
				continue
			}
		}
		p, until, err := buildPolicy(c, rl, cfg, now)
		if err != nil {
			return nil, err
		}
		if until != "" {
			res.Notes = append(res.Notes, fmt.Sprintf("policy %s waives objects until %s (a waiver's expiry): export again by then", p.Name, until))
		}
		res.Policies = append(res.Policies, p)
		res.Bindings = append(res.Bindings, bindings(p, rl, mode, opts.ExcludeNamespaces)...)
		res.Exported = append(res.Exported, c.ID)
	}
	return res, nil
}

// SkippedGroup is the checks skipped for one reason.
type SkippedGroup struct {
	IDs    []string
	Reason string
}

// SkippedByReason groups Skipped by reason, in the order reasons first
// appear.
func (r *Result) SkippedByReason() []SkippedGroup {
	var out []SkippedGroup
	at := map[string]int{}
	for _, s := range r.Skipped {
		i, ok := at[s.Reason]
		if !ok {
			i = len(out)
			at[s.Reason] = i
			out = append(out, SkippedGroup{Reason: s.Reason})
		}
		out[i].IDs = append(out[i].IDs, s.ID)
	}
	return out
}

// Objects returns the policies, then the bindings.
func (r *Result) Objects() []runtime.Object {
	var out []runtime.Object
	for _, p := range r.Policies {
		out = append(out, p)
	}
	for _, b := range r.Bindings {
		out = append(out, b)
	}
	return out
}

// YAML writes the objects as one stream after header, a comment that lists
// what was not exported and why.
func (r *Result) YAML(header string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(header)
	fmt.Fprintf(&b, "# %d checks exported as ValidatingAdmissionPolicies: %s\n", len(r.Exported), strings.Join(r.Exported, ", "))
	if len(r.Skipped) > 0 {
		fmt.Fprintf(&b, "# %d not exported:\n", len(r.Skipped))
		for _, g := range r.SkippedByReason() {
			fmt.Fprintf(&b, "#   %s: %s\n", strings.Join(g.IDs, ", "), g.Reason)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "# note: %s\n", n)
	}
	for i, o := range r.Objects() {
		if i > 0 {
			b.WriteString("---\n")
		}
		data, err := admission.ObjectYAML(o)
		if err != nil {
			return nil, err
		}
		b.Write(data)
	}
	return b.Bytes(), nil
}

func buildPolicy(c *check.Check, rl rule, cfg *check.Config, now time.Time) (*admissionregistrationv1.ValidatingAdmissionPolicy, string, error) {
	violates := rl.violates(newRoot, cfg)
	validation := "!(" + violates + ") || (oldObject != null && (" + rl.violates(oldRoot, cfg) + "))"
	conditions := []admissionregistrationv1.MatchCondition{
		{Name: "not-being-deleted", Expression: "!has(object.metadata.deletionTimestamp)"},
		{Name: "not-waived-by-annotation", Expression: annotationWaiver(c.ID)},
	}
	waivers, until, err := configWaivers(c.ID, cfg, now)
	if err != nil {
		return nil, "", err
	}
	if waivers != "" {
		conditions = append(conditions, admissionregistrationv1.MatchCondition{Name: "not-waived-by-config", Expression: waivers})
	}
	var vars []admissionregistrationv1.Variable
	for _, v := range variablesFor(validation) {
		vars = append(vars, admissionregistrationv1.Variable{Name: v.Name, Expression: v.Expression})
	}
	annotations := map[string]string{LabelCheck: c.ID, "palisade.dev/severity": c.Severity.String()}
	if until != "" {
		annotations[AnnotationWaiversUntil] = until
	}
	p := &admissionregistrationv1.ValidatingAdmissionPolicy{
		TypeMeta: metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingAdmissionPolicy"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        Name(c.ID),
			Labels:      map[string]string{"app.kubernetes.io/managed-by": "palisade"},
			Annotations: annotations,
		},
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy:    ptr(admissionregistrationv1.Fail),
			MatchConstraints: &admissionregistrationv1.MatchResources{ResourceRules: resourceRules(rl.kinds)},
			MatchConditions:  conditions,
			Variables:        vars,
			Validations: []admissionregistrationv1.Validation{{
				Expression: validation,
				Message:    fmt.Sprintf("palisade: %s (%s): %s. Fix: %s", c.ID, c.Severity, c.Title, oneLine(c.Remediation)),
				Reason:     ptr(metav1.StatusReasonForbidden),
			}},
		},
	}
	if rl.params {
		p.Spec.ParamKind = &admissionregistrationv1.ParamKind{APIVersion: "v1", Kind: "ServiceAccount"}
	}
	return p, until, nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// resourceRules match CREATE and UPDATE of the kinds, grouped by API group.
func resourceRules(kinds []string) []admissionregistrationv1.NamedRuleWithOperations {
	byGroup := map[string][]string{}
	var groups []string
	for _, k := range kinds {
		r, ok := admission.ResourceOf(k)
		if !ok {
			continue
		}
		if _, seen := byGroup[r.Group]; !seen {
			groups = append(groups, r.Group)
		}
		byGroup[r.Group] = append(byGroup[r.Group], r.Resource)
		for _, s := range r.Subresources {
			byGroup[r.Group] = append(byGroup[r.Group], r.Resource+"/"+s)
		}
	}
	sort.Strings(groups)
	var out []admissionregistrationv1.NamedRuleWithOperations
	for _, g := range groups {
		res := byGroup[g]
		sort.Strings(res)
		out = append(out, admissionregistrationv1.NamedRuleWithOperations{RuleWithOperations: admissionregistrationv1.RuleWithOperations{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
			Rule:       admissionregistrationv1.Rule{APIGroups: []string{g}, APIVersions: []string{"v1"}, Resources: res},
		}})
	}
	return out
}

// annotationWaiver is true unless the object's palisade.dev/waive
// annotation names the check, as check.ParseWaiveAnnotation reads it: the
// comma-separated ids before " -- ", each an id or a path.Match pattern.
// Patterns with "*" and "?" are matched; others only as the exact id. CEL
// has no clock, so an annotation with palisade.dev/waive-expires is not
// honoured at all: the policy is then stricter than scan until the expiry,
// never looser after it.
func annotationWaiver(id string) string {
	a := "object.metadata.annotations[" + lit(check.WaiveAnnotation) + "]"
	match := "p.trim() == " + lit(id) + " || (p.trim().matches('^[A-Za-z0-9/_.*?-]+$') && " + lit(id) +
		".matches('^' + p.trim().replace('.', '\\\\.').replace('*', '[^/]*').replace('?', '[^/]') + '$'))"
	return "!(" + field("object", "metadata", "annotations") + " && " + lit(check.WaiveAnnotation) + " in object.metadata.annotations && " +
		"!(" + lit(check.WaiveExpiresAnnotation) + " in object.metadata.annotations) && " +
		a + ".split('--')[0].split(',').exists(p, " + match + "))"
}

// configWaivers is the condition that no unexpired config waiver of the
// check selects the object, or "" when none applies; until is the first
// expiry among them.
func configWaivers(id string, cfg *check.Config, now time.Time) (cond, until string, err error) {
	var selects []string
	for _, w := range cfg.Waivers {
		if w.Expired(now) || !w.Names(id) {
			continue
		}
		s, err := selectorExpr(w.Selector)
		if err != nil {
			return "", "", fmt.Errorf("waiver for %s: %w", strings.Join(w.Checks, ","), err)
		}
		selects = append(selects, s)
		if w.Expires != "" && (until == "" || w.Expires < until) {
			until = w.Expires
		}
	}
	if len(selects) == 0 {
		return "", "", nil
	}
	return "!(" + strings.Join(selects, " || ") + ")", until, nil
}

// selectorExpr is a waiver selector in CEL over the object.
func selectorExpr(s check.Selector) (string, error) {
	parts := []string{"true"}
	for _, f := range []struct{ pattern, value string }{
		{s.Namespace, "(has(object.metadata.namespace) ? object.metadata.namespace : '')"},
		{s.Kind, "object.kind"},
		{s.Name, "(has(object.metadata.name) ? object.metadata.name : '')"},
	} {
		if f.pattern == "" {
			continue
		}
		re, err := globRegexp(f.pattern)
		if err != nil {
			return "", err
		}
		parts = append(parts, f.value+".matches("+lit(re)+")")
	}
	keys := make([]string, 0, len(s.Labels))
	for k := range s.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, "("+field("object", "metadata", "labels")+" && "+lit(k)+" in object.metadata.labels && object.metadata.labels["+lit(k)+"] == "+lit(s.Labels[k])+")")
	}
	return "(" + strings.Join(parts, " && ") + ")", nil
}

// globRegexp turns a path.Match pattern of "*" and "?" into an anchored
// regular expression.
func globRegexp(pattern string) (string, error) {
	var b strings.Builder
	b.WriteString("^")
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString("[^/]*")
		case '?':
			b.WriteString("[^/]")
		case '[', '\\':
			return "", fmt.Errorf("pattern %q uses %q, which the policy export does not translate: use * and ? only", pattern, r)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return b.String(), nil
}

// bindings apply a policy per namespace in the mode of its
// palisade.dev/enforce label: one binding per mode; the default mode's also
// takes the namespaces without a valid label.
func bindings(p *admissionregistrationv1.ValidatingAdmissionPolicy, rl rule, def admission.Mode, exclude []string) []*admissionregistrationv1.ValidatingAdmissionPolicyBinding {
	excluded := []string{"kube-system", "kube-public", "kube-node-lease"}
	for _, ns := range exclude {
		if ns != "" && !contains(excluded, ns) {
			excluded = append(excluded, ns)
		}
	}
	actions := map[admission.Mode]admissionregistrationv1.ValidationAction{
		admission.ModeDeny: admissionregistrationv1.Deny, admission.ModeWarn: admissionregistrationv1.Warn, admission.ModeAudit: admissionregistrationv1.Audit,
	}
	var out []*admissionregistrationv1.ValidatingAdmissionPolicyBinding
	for _, m := range admission.Modes() {
		sel := metav1.LabelSelectorRequirement{Key: admission.EnforceLabel, Operator: metav1.LabelSelectorOpIn, Values: []string{string(m)}}
		if m == def {
			var others []string
			for _, o := range admission.Modes() {
				if o != def {
					others = append(others, string(o))
				}
			}
			sel = metav1.LabelSelectorRequirement{Key: admission.EnforceLabel, Operator: metav1.LabelSelectorOpNotIn, Values: others}
		}
		b := &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
			TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingAdmissionPolicyBinding"},
			ObjectMeta: metav1.ObjectMeta{Name: p.Name + "-" + string(m), Labels: map[string]string{"app.kubernetes.io/managed-by": "palisade"}},
			Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
				PolicyName:        p.Name,
				ValidationActions: []admissionregistrationv1.ValidationAction{actions[m]},
				MatchResources: &admissionregistrationv1.MatchResources{NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
					sel, {Key: corev1.LabelMetadataName, Operator: metav1.LabelSelectorOpNotIn, Values: excluded},
				}}},
			},
		}
		if rl.params {
			// The default ServiceAccount of the object's namespace. Every
			// namespace has one (the API server's controllers make it); where
			// it does not exist yet, the policy admits.
			b.Spec.ParamRef = &admissionregistrationv1.ParamRef{Name: "default", ParameterNotFoundAction: ptr(admissionregistrationv1.AllowAction)}
		}
		out = append(out, b)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }
