package workload

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestSecretInConfigMap(t *testing.T) {
	const id = "workload/secret-in-configmap"
	const keyBody = "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun"
	privateKey := "-----BEGIN RSA PRIVATE KEY-----\n" + keyBody + "\n-----END RSA PRIVATE KEY-----\n"
	const cert = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUSampleCertificateBodyOnly\n-----END CERTIFICATE-----\n"
	const awsID = "AKIAIOSFODNN7EXAMPLE"
	cm := func(ns, body string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: " + ns + "\n" + body
	}
	block := func(s string) string {
		return "|\n    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ") + "\n"
	}
	runCases(t, id, []testCase{
		{
			name:    "password key",
			yaml:    cm("shop", "data:\n  log.level: info\n  db.password: hunter2-Sup3rSecret\n"),
			want:    []want{{field: `data["db.password"]`, msg: []string{`"db.password"`, "PASSWORD"}}},
			secrets: []string{"hunter2-Sup3rSecret"},
		},
		{
			name: "private key under a key-file name",
			yaml: cm("shop", "data:\n  tls.key: "+block(privateKey)),
			want: []want{{field: `data["tls.key"]`, msg: []string{`"tls.key"`, "*.key", "RSA PRIVATE KEY block"}}},
			// The key's body never appears.
			secrets: []string{keyBody},
		},
		{
			name:    "private key inside an innocent name",
			yaml:    cm("shop", "data:\n  app.conf: "+block("listen 443\nssl_key_inline "+privateKey)),
			want:    []want{{field: `data["app.conf"]`, msg: []string{`"app.conf"`, "PRIVATE KEY block"}}},
			secrets: []string{keyBody},
		},
		{
			name:    "AWS access key id in a config file",
			yaml:    cm("shop", "data:\n  settings.ini: "+block("[default]\nregion = eu-west-1\naws_key = "+awsID)),
			want:    []want{{field: `data["settings.ini"]`, msg: []string{`"settings.ini"`, "AWS access key id"}}},
			secrets: []string{awsID},
		},
		{
			name: "ssh key and docker config in binaryData",
			yaml: cm("ci", "binaryData:\n  id_rsa: "+base64.StdEncoding.EncodeToString([]byte("opaque-ssh-key-material"))+"\n  .dockerconfigjson: "+base64.StdEncoding.EncodeToString([]byte(`{"auths":{"r":{"auth":"dXNlcjpwYXNz"}}}`))+"\n"),
			want: []want{
				{field: `binaryData["id_rsa"]`, msg: []string{`"id_rsa"`, "key or credential file"}},
				{field: `binaryData[".dockerconfigjson"]`, msg: []string{`".dockerconfigjson"`}},
			},
			secrets: []string{"opaque-ssh-key-material", "dXNlcjpwYXNz"},
		},
		{
			name: "pem without a certificate is a key",
			yaml: cm("shop", "data:\n  client.pem: "+block(privateKey)+"  ca.pem: "+block(cert)),
			want: []want{{field: `data["client.pem"]`, msg: []string{"*.pem", "PRIVATE KEY block"}}},
		},
		{
			name: "certificates, public keys and references",
			yaml: cm("shop", "data:\n  ca.pem: "+block(cert)+"  ca.crt: "+block(cert)+
				"  jwt-public.key: "+block("-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----")+
				"  secret-name: db-credentials\n  password-file: /run/secrets/db\n  nginx.conf: \"server { listen 80; }\"\n"),
		},
		{
			name: "a Secret is where secrets belong",
			yaml: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: shop\nstringData:\n  password: hunter2\n",
		},
	})
}
