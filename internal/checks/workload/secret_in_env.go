package workload

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

/*
Secrets must not be written into a pod spec as literal environment
variable values.

**Fields read:**

spec.containers[*].env[*].name, .value and .valueFrom
spec.initContainers[*].env[*]
spec.ephemeralContainers[*].env[*]

**Allowed values:** for a variable whose name looks like a secret (see
secretname.go: PASSWORD, PASSWD, SECRET, TOKEN, API_KEY, PRIVATE_KEY,
ACCESS_KEY, CREDENTIAL, AUTH), an empty value, a valueFrom, a value that
only references another variable ("$(DB_PASSWORD)"), or a boolean-like
switch ("true", "off", ...). The value itself is never reported.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "secret-in-env",
			Title: "Secret as a literal environment variable",
			Description: "Reads env[*] of every container. Allowed: a variable whose name looks like a secret " +
				"(it contains PASSWORD, PASSWD, SECRET, TOKEN, API_KEY, PRIVATE_KEY, ACCESS_KEY, CREDENTIAL or is AUTH, " +
				"and is not a reference such as SECRET_NAME or PASSWORD_FILE) takes its value from valueFrom, never from a literal value. " +
				"A literal value is stored in plain text in the workload object, which far more people and tools can read than Secrets " +
				"(the built-in view role reads Deployments and Pods but not Secrets), and in every Git repository, Helm release and CI log " +
				"the manifest passes through; an attacker with read access to any of them has the credential. Strategy authn-authz: " +
				"the harm is who is authorized to read it. The value is never printed.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				CIS:   []string{"5.4.1"},
				NSA:   []string{nsaNetworkSeparation, nsaSecrets},
				MITRE: []string{"T1552", "T1552.001"},
			},
			Remediation: "Move the value into a Secret (or an external secret store) and reference it with env[].valueFrom.secretKeyRef, " +
				"or better mount the Secret as a file; then rotate the credential, since it has been exposed in the manifest and its history.",
		},
		Pod: secretInEnv,
	})
}

// varReference is a value that only expands another variable: "$(NAME)".
var varReference = regexp.MustCompile(`^\$\([A-Za-z_][A-Za-z0-9_.-]*\)$`)

// switchValues are literal values that configure, rather than are, a secret.
var switchValues = map[string]bool{
	"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true,
	"enabled": true, "disabled": true, "none": true, "null": true,
}

func secretInEnv(_ *check.Context, pod *cluster.PodTemplate) []check.Violation {
	var out []check.Violation
	for _, ref := range pod.Containers() {
		for i, e := range ref.Container.Env {
			if e.Value == "" || e.ValueFrom != nil {
				continue
			}
			v := strings.TrimSpace(e.Value)
			if varReference.MatchString(v) || switchValues[strings.ToLower(v)] {
				continue
			}
			match, ok := secretName(e.Name)
			if !ok {
				continue
			}
			out = append(out, check.Violation{
				Field: ref.Field("env[" + strconv.Itoa(i) + "].value"),
				Message: fmt.Sprintf("%s %q sets environment variable %s to a literal value in the manifest; its name (%s) says it holds a secret",
					kindOf(ref), ref.Container.Name, e.Name, match),
			})
		}
	}
	return out
}
