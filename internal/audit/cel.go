package audit

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/ext"
	"github.com/google/cel-go/interpreter"
	authnv1 "k8s.io/api/authentication/v1"
	kjson "sigs.k8s.io/json"

	"github.com/palisade-sec/palisade/internal/check"
)

// Custom rules are CEL expressions (github.com/google/cel-go) over the
// event, compiled once when the config is read. The variables are the
// event's own fields, named as in audit.k8s.io/v1, always present (an
// absent field is its zero value) so an expression needs no has() for
// them:
//
//	auditID, level, stage, requestURI, verb, userAgent   string
//	user, impersonatedUser   map: username, uid (string), groups (list of
//	                         string), extra (map of lists of string)
//	sourceIPs                list of string
//	objectRef                map of string: resource, namespace, name, uid,
//	                         apiGroup, apiVersion, resourceVersion, subresource
//	responseStatus           map: code (int), status, reason, message (string)
//	requestObject, responseObject   the JSON objects, or null when not logged
//	annotations              map of string
//	requestReceivedTimestamp, stageTimestamp   timestamp
//
// The strings extension (lowerAscii, split, ...) is available. A rule sees
// the events that say how a request ended, and fires at most once per
// request. An expression that fails on an event (a missing key of
// requestObject, say) does not match it; such failures are counted and
// reported.

// celEnv is the environment every custom rule is compiled in.
var celEnv = sync.OnceValues(func() (*cel.Env, error) {
	str, dyn := cel.StringType, cel.DynType
	return cel.NewEnv(
		cel.Variable("auditID", str),
		cel.Variable("level", str),
		cel.Variable("stage", str),
		cel.Variable("requestURI", str),
		cel.Variable("verb", str),
		cel.Variable("userAgent", str),
		cel.Variable("user", cel.MapType(str, dyn)),
		cel.Variable("impersonatedUser", cel.MapType(str, dyn)),
		cel.Variable("sourceIPs", cel.ListType(str)),
		cel.Variable("objectRef", cel.MapType(str, str)),
		cel.Variable("responseStatus", cel.MapType(str, dyn)),
		cel.Variable("requestObject", dyn),
		cel.Variable("responseObject", dyn),
		cel.Variable("annotations", cel.MapType(str, str)),
		cel.Variable("requestReceivedTimestamp", cel.TimestampType),
		cel.Variable("stageTimestamp", cel.TimestampType),
		ext.Strings(),
	)
})

// celCostLimit bounds the work of one evaluation, so an expression that
// iterates over a huge requestObject cannot stall the analysis.
const celCostLimit = 1_000_000

func compileCEL(env *cel.Env, expr string, want *cel.Type) (cel.Program, error) {
	ast, iss := env.Compile(expr)
	if iss != nil && iss.Err() != nil {
		return nil, iss.Err()
	}
	if !ast.OutputType().IsExactType(want) && !ast.OutputType().IsExactType(cel.DynType) {
		return nil, fmt.Errorf("the expression gives a %s, not a %s", ast.OutputType(), want)
	}
	return env.Program(ast, cel.CostLimit(celCostLimit), cel.EvalOptions(cel.OptOptimize))
}

// compileRule turns a rule of the config into a Rule.
func compileRule(rc RuleConfig) (*Rule, error) {
	if strings.TrimSpace(rc.Match) == "" {
		return nil, errors.New("match: a CEL expression over the event is required")
	}
	sev, err := check.ParseSeverity(rc.Severity)
	if err != nil {
		return nil, fmt.Errorf("severity: %w", err)
	}
	m := check.Metadata{
		ID:          rc.ID,
		Title:       rc.Title,
		Description: rc.Description,
		Severity:    sev,
		Vector:      check.Vector(rc.Vector),
		Strategy:    check.StrategyAuditLogging,
		References:  check.References{MITRE: rc.MITRE},
		Remediation: rc.Remediation,
	}
	if m.Vector == "" {
		m.Vector = check.VectorAPIExposure
	}
	if m.Description == "" {
		m.Description = "Custom rule from .palisade.yaml. Reports the events for which this CEL expression is true: " + rc.Match
	}
	if m.Remediation == "" {
		m.Remediation = "Follow the runbook of the team that wrote this rule in .palisade.yaml."
	}
	if err := validateMetadata(m); err != nil {
		return nil, err
	}
	env, err := celEnv()
	if err != nil {
		return nil, err
	}
	match, err := compileCEL(env, rc.Match, cel.BoolType)
	if err != nil {
		return nil, fmt.Errorf("match: %w", err)
	}
	var message cel.Program
	if rc.Message != "" {
		if message, err = compileCEL(env, rc.Message, cel.StringType); err != nil {
			return nil, fmt.Errorf("message: %w", err)
		}
	}
	field := rc.Field
	if field == "" {
		field = "requestURI"
	}
	id := rc.ID
	return &Rule{
		Metadata: m,
		Fields:   []string{field},
		custom:   true,
		judge: func(x *Context, e *Event) []Hit {
			if !e.decisive() {
				return nil
			}
			act := x.activation(e)
			out, _, err := match.Eval(act)
			if err != nil {
				x.evalFailed(id, "match", err)
				return nil
			}
			if out != types.True {
				return nil
			}
			msg := sentence(e)
			if message != nil {
				out, _, err := message.Eval(act)
				if s, ok := out.Value().(string); err == nil && ok {
					msg = s
				} else if err != nil {
					x.evalFailed(id, "message", err)
				}
			}
			return []Hit{{Message: msg}}
		},
	}, nil
}

func (x *Context) evalFailed(rule, what string, err error) {
	ee := x.evalErrors[rule]
	if ee == nil {
		ee = &evalError{first: what + ": " + err.Error()}
		x.evalErrors[rule] = ee
	}
	ee.count++
}

// activation resolves the CEL variables of one event, making each value
// when an expression first reads it; every custom rule shares it.
type activation struct {
	e                  *Event
	seq                uint64
	reqDone, respDone  bool
	reqObject, respObj any
}

func (x *Context) activation(e *Event) *activation {
	a := x.act
	if a == nil || a.seq != x.seq {
		a = &activation{e: e, seq: x.seq}
		x.act = a
	}
	return a
}

var _ interpreter.Activation = (*activation)(nil)

func (a *activation) Parent() interpreter.Activation { return nil }

func (a *activation) ResolveName(name string) (any, bool) {
	e := a.e
	switch name {
	case "auditID":
		return string(e.AuditID), true
	case "level":
		return string(e.Level), true
	case "stage":
		return string(e.Stage), true
	case "requestURI":
		return e.RequestURI, true
	case "verb":
		return e.Verb, true
	case "userAgent":
		return e.UserAgent, true
	case "user":
		return userMap(e.User.Username, e.User.UID, e.User.Groups, e.User.Extra), true
	case "impersonatedUser":
		if u := e.ImpersonatedUser; u != nil {
			return userMap(u.Username, u.UID, u.Groups, u.Extra), true
		}
		return userMap("", "", nil, nil), true
	case "sourceIPs":
		if e.SourceIPs == nil {
			return []string{}, true
		}
		return e.SourceIPs, true
	case "objectRef":
		m := map[string]string{"resource": "", "namespace": "", "name": "", "uid": "", "apiGroup": "", "apiVersion": "", "resourceVersion": "", "subresource": ""}
		if r := e.ObjectRef; r != nil {
			m["resource"], m["namespace"], m["name"], m["uid"] = r.Resource, r.Namespace, r.Name, string(r.UID)
			m["apiGroup"], m["apiVersion"], m["resourceVersion"], m["subresource"] = r.APIGroup, r.APIVersion, r.ResourceVersion, r.Subresource
		}
		return m, true
	case "responseStatus":
		m := map[string]any{"code": int64(0), "status": "", "reason": "", "message": ""}
		if s := e.ResponseStatus; s != nil {
			m["code"], m["status"], m["reason"], m["message"] = int64(s.Code), s.Status, string(s.Reason), s.Message
		}
		return m, true
	case "requestObject":
		if !a.reqDone {
			a.reqDone = true
			if e.RequestObject != nil {
				_ = kjson.UnmarshalCaseSensitivePreserveInts(e.RequestObject.Raw, &a.reqObject)
			}
		}
		return nullIfNil(a.reqObject), true
	case "responseObject":
		if !a.respDone {
			a.respDone = true
			if e.ResponseObject != nil {
				_ = kjson.UnmarshalCaseSensitivePreserveInts(e.ResponseObject.Raw, &a.respObj)
			}
		}
		return nullIfNil(a.respObj), true
	case "annotations":
		if e.Annotations == nil {
			return map[string]string{}, true
		}
		return e.Annotations, true
	case "requestReceivedTimestamp":
		return timeOrEpoch(e.RequestReceivedTimestamp.Time), true
	case "stageTimestamp":
		return timeOrEpoch(e.StageTimestamp.Time), true
	}
	return nil, false
}

func userMap(username, uid string, groups []string, extra map[string]authnv1.ExtraValue) map[string]any {
	if groups == nil {
		groups = []string{}
	}
	ex := make(map[string][]string, len(extra))
	for k, v := range extra {
		ex[k] = v
	}
	return map[string]any{"username": username, "uid": uid, "groups": groups, "extra": ex}
}

func nullIfNil(v any) any {
	if v == nil {
		return types.NullValue
	}
	return v
}

func timeOrEpoch(t time.Time) time.Time {
	if t.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return t
}
