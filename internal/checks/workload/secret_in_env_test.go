package workload

import "testing"

func TestSecretInEnv(t *testing.T) {
	const id = "workload/secret-in-env"
	const pw = "hunter2-Sup3rSecret"
	const tok = "ghp_0123456789abcdefghijklmnopqrstuvwxyz"
	runCases(t, id, []testCase{
		{
			name: "deployment with a literal database password",
			yaml: workload("Deployment", "shop", `containers:
- name: api
  image: api
  env:
  - name: LOG_LEVEL
    value: debug
  - name: DB_PASSWORD
    value: `+pw+`
`),
			want:    []want{{field: at("Deployment", "containers[0].env[1].value"), msg: []string{`container "api"`, "DB_PASSWORD", "literal value"}}},
			secrets: []string{pw},
		},
		{
			name: "cronjob init container with a token and a camelCase api key",
			yaml: workload("CronJob", "shop", `initContainers:
- name: fetch
  image: curl
  env:
  - name: GITHUB_TOKEN
    value: `+tok+`
  - name: stripeApiKey
    value: sk_live_abcdef0123456789
containers:
- name: app
  image: app
`),
			want: []want{
				{field: at("CronJob", "initContainers[0].env[0].value"), msg: []string{`init container "fetch"`, "GITHUB_TOKEN"}},
				{field: at("CronJob", "initContainers[0].env[1].value"), msg: []string{"stripeApiKey"}},
			},
			secrets: []string{tok, "sk_live_abcdef0123456789"},
		},
		{
			name: "pod with AWS keys",
			yaml: workload("Pod", "shop", `containers:
- name: app
  image: app
  env:
  - name: AWS_ACCESS_KEY_ID
    value: AKIAABCDEFGHIJKLMNOP
  - name: AWS_SECRET_ACCESS_KEY
    value: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
`),
			want: []want{
				{field: "spec.containers[0].env[0].value", msg: []string{"AWS_ACCESS_KEY_ID"}},
				{field: "spec.containers[0].env[1].value", msg: []string{"AWS_SECRET_ACCESS_KEY"}},
			},
			secrets: []string{"AKIAABCDEFGHIJKLMNOP", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"},
		},
		{
			name: "references, settings and harmless names",
			yaml: workload("StatefulSet", "shop", `containers:
- name: db
  image: postgres
  env:
  - name: POSTGRES_PASSWORD
    valueFrom:
      secretKeyRef: {name: db, key: password}
  - name: POSTGRES_PASSWORD_FILE
    value: /run/secrets/db/password
  - name: SECRET_NAME
    value: db-credentials
  - name: AUTH_ENABLED
    value: "true"
  - name: TOKEN_URL
    value: https://auth.example.com/token
  - name: PGPASSWORD
    value: $(POSTGRES_PASSWORD)
  - name: API_KEY
    value: ""
  - name: TOKENIZER_MODEL
    value: bert
  - name: PWD
    value: /srv
  - name: KEYCLOAK_URL
    value: https://kc.example.com
`),
		},
		{name: "no env at all", yaml: workload("Job", "shop", "containers:\n- name: app\n  image: app\n")},
	})
}

func TestSecretName(t *testing.T) {
	for name, want := range map[string]bool{
		"DB_PASSWORD": true, "dbPassword": true, "MYSQL_ROOT_PASSWORD": true, "DBPASSWORD": true, "passwd": true,
		"CLIENT_SECRET": true, "client-secrets": true, "GITHUB_TOKEN": true, "authToken": true, "AUTHTOKEN": true,
		"API_KEY": true, "APIKEY": true, "APIKey": true, "api.keys": true, "PRIVATE_KEY": true, "privateKey": true,
		"AWS_ACCESS_KEY_ID": true, "GOOGLE_APPLICATION_CREDENTIALS": true, "AUTH": true, "BASIC_AUTH": true,
		"db.password.txt": true, "redis-auth": true,

		"SECRET_NAME": false, "PASSWORD_FILE": false, "TOKEN_URL": false, "AUTH_ENABLED": false, "AUTH_USER": false,
		"TOKENIZER": false, "AUTHOR": false, "OAUTH_SCOPE": false, "PWD": false, "KEY": false, "PUBLIC_KEY": false,
		"ACCESS_LOG": false, "HOME": false, "": false, "SSH_KEY_PATH": false,
	} {
		if _, got := secretName(name); got != want {
			t.Errorf("secretName(%q) = %v, want %v (words %q)", name, got, want, splitWords(name))
		}
	}
}
