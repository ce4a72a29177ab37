package policy

import (
	"context"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	plugincel "k8s.io/apiserver/pkg/admission/plugin/cel"
	"k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	"k8s.io/apiserver/pkg/admission/plugin/webhook/matchconditions"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/cel/environment"

	pal "github.com/palisade-sec/palisade/internal/admission"
)

// compiled is a policy compiled the way the API server's
// ValidatingAdmissionPolicy plugin compiles one (compilePolicy in
// k8s.io/apiserver/pkg/admission/plugin/policy/validating), so its
// expressions run here exactly as they run there.
type compiled struct {
	policy    *admissionregistrationv1.ValidatingAdmissionPolicy
	validator validating.Validator
}

func compile(t testing.TB, p *admissionregistrationv1.ValidatingAdmissionPolicy) *compiled {
	t.Helper()
	hasParams := p.Spec.ParamKind != nil
	vars := plugincel.OptionalVariableDeclarations{HasParams: hasParams, HasAuthorizer: true}
	exprVars := plugincel.OptionalVariableDeclarations{HasParams: hasParams}
	c, err := plugincel.NewCompositedCompiler(environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion()))
	if err != nil {
		t.Fatal(err)
	}
	named := make([]plugincel.NamedExpressionAccessor, len(p.Spec.Variables))
	for i, v := range p.Spec.Variables {
		named[i] = &validating.Variable{Name: v.Name, Expression: v.Expression}
	}
	c.CompileAndStoreVariables(named, vars, environment.StoredExpressions)
	conds := make([]plugincel.ExpressionAccessor, len(p.Spec.MatchConditions))
	for i := range p.Spec.MatchConditions {
		conds[i] = (*matchconditions.MatchCondition)(&p.Spec.MatchConditions[i])
	}
	matcher := matchconditions.NewMatcher(c.CompileCondition(conds, vars, environment.StoredExpressions), p.Spec.FailurePolicy, "policy", "validate", p.Name)
	validations := make([]plugincel.ExpressionAccessor, len(p.Spec.Validations))
	messages := make([]plugincel.ExpressionAccessor, len(p.Spec.Validations))
	for i, v := range p.Spec.Validations {
		validations[i] = &validating.ValidationCondition{Expression: v.Expression, Message: v.Message, Reason: v.Reason}
		if v.MessageExpression != "" {
			messages[i] = &validating.MessageExpressionCondition{MessageExpression: v.MessageExpression}
		}
	}
	v := validating.NewValidator(
		c.CompileCondition(validations, vars, environment.StoredExpressions), matcher,
		c.CompileCondition(nil, vars, environment.StoredExpressions),
		c.CompileCondition(messages, exprVars, environment.StoredExpressions),
		p.Spec.FailurePolicy, nil)
	if err := v.CompileError(); err != nil {
		t.Fatalf("%s does not compile: %v", p.Name, err)
	}
	return &compiled{policy: p, validator: v}
}

// verdict is what the policy decides about a request.
type verdict struct {
	denied bool
	// err is set when an expression failed to evaluate (the API server
	// would deny: failurePolicy Fail).
	err string
}

// evaluate runs the policy on a request for obj (and old, for an update)
// in namespace ns, with params (the default ServiceAccount) when the
// policy reads them.
func (c *compiled) evaluate(t testing.TB, obj, old runtime.Object, ns string, params runtime.Object) verdict {
	t.Helper()
	gvk := obj.GetObjectKind().GroupVersionKind()
	res, ok := pal.ResourceOf(gvk.Kind)
	if !ok {
		t.Fatalf("no resource for %s", gvk.Kind)
	}
	gvr := schema.GroupVersionResource{Group: res.Group, Version: res.Version, Resource: res.Resource}
	op := admission.Create
	if old != nil {
		op = admission.Update
	}
	name := ""
	if m, ok := obj.(metav1.Object); ok {
		name = m.GetName()
	}
	attr := admission.NewAttributesRecord(obj, old, gvk, ns, name, gvr, "", op, nil, false, &user.DefaultInfo{Name: "alice"})
	va := &admission.VersionedAttributes{Attributes: attr, VersionedKind: gvk, VersionedObject: admission.NewLazyObject(obj), VersionedOldObject: admission.NewLazyObject(old)}
	var nsObj *corev1.Namespace
	if ns != "" {
		nsObj = &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{corev1.LabelMetadataName: ns}}}
	}
	if params == nil {
		params = nilParams
	}
	r := c.validator.Validate(context.Background(), gvr, va, params, nsObj, celconfig.RuntimeCELCostBudget, nil)
	var v verdict
	for _, d := range r.Decisions {
		if d.Evaluation == validating.EvalError {
			v.err = d.Message
		}
		if d.Action == validating.ActionDeny {
			v.denied = true
		}
	}
	return v
}

// nilParams stands for "no params object" (the binding's
// parameterNotFoundAction Allow never evaluates the policy then; with a
// policy that has no paramKind, params is null).
var nilParams runtime.Object
