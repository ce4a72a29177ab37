package workload

import (
	"fmt"
	"path"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
)

/*
ConfigMaps must not hold secrets.

**Fields read:**

data (keys and values)
binaryData (keys and values)

**Allowed values:** a key whose name does not look like a secret (the
heuristic of secretname.go, plus key files: *.key, *.pem, *.p12, *.pfx,
*.jks, id_rsa, id_dsa, id_ecdsa, id_ed25519, .dockerconfigjson, .dockercfg,
.netrc, .pgpass) and whose value holds no private key block
("-----BEGIN ... PRIVATE KEY-----") and no AWS access key id
(AKIA or ASIA and 16 characters). A *.pem or *.key entry that holds only
certificates or public keys is allowed. Values are never reported.
*/

func init() {
	check.Register(&check.Check{
		Metadata: check.Metadata{
			ID:    Prefix + "secret-in-configmap",
			Title: "Secret stored in a ConfigMap",
			Description: "Reads the keys and values of data and binaryData of every ConfigMap. Allowed: keys whose names do not look like " +
				"secrets (PASSWORD, SECRET, TOKEN, API_KEY, CREDENTIAL, ..., or key files: names ending in .key, .pem, .p12, .pfx, .jks, id_rsa, .dockerconfigjson) and " +
				"values without a private key block or an AWS access key id; a .pem or .key entry holding only certificates or public keys is fine. " +
				"ConfigMaps are treated as public configuration: the built-in view role reads them, they are never covered by etcd encryption " +
				"of Secrets, and they are mounted and logged freely, so a credential in one is readable by anyone with the lowest read access " +
				"to the namespace. Strategy authn-authz: the harm is who is authorized to read it. Values are never printed.",
			Severity: check.SeverityHigh,
			Vector:   check.VectorInsecureConfig,
			Strategy: check.StrategyAuthnAuthz,
			References: check.References{
				NSA:   []string{nsaNetworkSeparation, nsaSecrets},
				MITRE: []string{"T1552", "T1552.001"},
			},
			Remediation: "Move the entry into a Secret (type kubernetes.io/tls, kubernetes.io/dockerconfigjson, Opaque, ...) or an external " +
				"secret store, mount that instead, and rotate the credential: it has been readable by everyone who could read the ConfigMap.",
		},
		Kinds:  []string{"ConfigMap"},
		Object: secretInConfigMap,
	})
}

// secretKeyFiles are ConfigMap key names that are key or credential files.
var secretKeyFiles = []string{"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".dockerconfigjson", ".dockercfg", ".netrc", ".pgpass"}

// secretKeyExts are extensions of key and keystore files.
var secretKeyExts = []string{".key", ".pem", ".p12", ".pfx", ".jks"}

func secretInConfigMap(_ *check.Context, obj *cluster.Object) []check.Violation {
	cm, ok := obj.Typed.(*corev1.ConfigMap)
	if !ok {
		return nil
	}
	var out []check.Violation
	for _, k := range sortedKeys(cm.Data) {
		if why := secretEntry(k, []byte(cm.Data[k])); len(why) > 0 {
			out = append(out, configMapViolation("data", k, why))
		}
	}
	for _, k := range sortedKeys(cm.BinaryData) {
		if why := secretEntry(k, cm.BinaryData[k]); len(why) > 0 {
			out = append(out, configMapViolation("binaryData", k, why))
		}
	}
	return out
}

func configMapViolation(field, key string, why []string) check.Violation {
	return check.Violation{
		Field:   mapField(field, key),
		Message: fmt.Sprintf("ConfigMap %s key %q looks like a secret: %s", field, key, strings.Join(why, "; ")),
	}
}

// secretEntry says why one entry looks like a secret, or nothing. It never
// quotes the value.
func secretEntry(key string, value []byte) []string {
	var why []string
	if m, ok := secretName(key); ok {
		why = append(why, "its name matches "+m)
	} else if f := secretKeyFile(key); f != "" && !onlyPublicPEM(value) {
		why = append(why, "its name is that of a key or credential file ("+f+")")
	}
	if m := privateKeyHeader.FindSubmatch(value); m != nil {
		why = append(why, "its value holds a "+string(m[1])+" block")
	}
	if awsAccessKeyID.Match(value) {
		why = append(why, "its value holds an AWS access key id")
	}
	return why
}

// secretKeyFile returns the pattern a key name matches ("*.key", "id_rsa"),
// or "". A name with the word PUBLIC or PUB ("jwt-public.key") is a public
// key file.
func secretKeyFile(key string) string {
	lower := strings.ToLower(key)
	if slices.Contains(secretKeyFiles, lower) {
		return lower
	}
	ext := path.Ext(lower)
	if !slices.Contains(secretKeyExts, ext) {
		return ""
	}
	for _, w := range splitWords(strings.TrimSuffix(key, path.Ext(key))) {
		if w == "PUBLIC" || w == "PUB" {
			return ""
		}
	}
	return "*" + ext
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
