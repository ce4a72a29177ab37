package workload

import (
	"regexp"
	"strings"
	"unicode"
)

// The secret-name heuristic shared by secret-in-env and secret-in-configmap.
//
// A name is split into upper-cased words at every character that is not a
// letter or digit and at camelCase boundaries ("dbPassword" is DB PASSWORD,
// "APIKey" is API KEY). It looks like a secret when
//
//   - a word contains PASSWORD, PASSWD, SECRET, CREDENTIAL, APIKEY,
//     PRIVATEKEY or ACCESSKEY ("DBPASSWORD", "CLIENTSECRETS");
//   - a word is or ends in TOKEN or TOKENS ("GITHUB_TOKEN", "AUTHTOKEN"),
//     or is exactly AUTH;
//   - two words in a row are API KEY, PRIVATE KEY or ACCESS KEY;
//
// unless its last word names something about the secret rather than the
// secret itself: SECRET_NAME, PASSWORD_FILE, TOKEN_URL, AUTH_ENABLED and
// the like hold a reference or a setting, not a credential.

// secretStems match inside a word.
var secretStems = []string{"PASSWORD", "PASSWD", "SECRET", "CREDENTIAL", "APIKEY", "PRIVATEKEY", "ACCESSKEY"}

// secretPairs match two consecutive words.
var secretPairs = [][2]string{{"API", "KEY"}, {"PRIVATE", "KEY"}, {"ACCESS", "KEY"}}

// qualifiers, as the last word of a name, say it is not the secret itself.
var qualifiers = map[string]bool{
	"FILE": true, "FILES": true, "PATH": true, "DIR": true, "URL": true, "URI": true, "ENDPOINT": true,
	"HOST": true, "PORT": true, "NAME": true, "REF": true, "TYPE": true, "MODE": true,
	"ENABLE": true, "ENABLED": true, "DISABLE": true, "DISABLED": true, "REQUIRED": true,
	"TTL": true, "TIMEOUT": true, "EXPIRY": true, "EXPIRATION": true, "LIFETIME": true, "LENGTH": true,
	"POLICY": true, "METHOD": true, "PROVIDER": true, "HEADER": true, "SCOPE": true, "SCOPES": true,
	"ISSUER": true, "AUDIENCE": true, "VERSION": true, "FORMAT": true, "ALGORITHM": true,
	"USER": true, "USERNAME": true,
}

// secretName reports whether a name looks like it holds a secret, and the
// part of the heuristic it matched ("PASSWORD", "API_KEY", ...) for the
// message.
func secretName(name string) (string, bool) {
	words := splitWords(name)
	if len(words) == 0 {
		return "", false
	}
	match, at := "", -1
	for i, w := range words {
		if m := secretWord(w); m != "" {
			match, at = m, i
			break
		}
		if i+1 < len(words) {
			next := strings.TrimSuffix(words[i+1], "S")
			for _, p := range secretPairs {
				if w == p[0] && next == p[1] {
					match, at = p[0]+"_"+p[1], i+1
					break
				}
			}
			if match != "" {
				break
			}
		}
	}
	if match == "" {
		return "", false
	}
	if last := len(words) - 1; last > at && qualifiers[words[last]] {
		return "", false
	}
	return match, true
}

func secretWord(w string) string {
	for _, s := range secretStems {
		if strings.Contains(w, s) {
			return s
		}
	}
	if strings.HasSuffix(w, "TOKEN") || strings.HasSuffix(w, "TOKENS") {
		return "TOKEN"
	}
	if w == "AUTH" {
		return "AUTH"
	}
	return ""
}

// splitWords splits a name into upper-cased words at non-alphanumerics and
// at camelCase boundaries.
func splitWords(name string) []string {
	var words []string
	rs := []rune(name)
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			words = append(words, strings.ToUpper(string(rs[start:end])))
		}
		start = -1
	}
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush(i)
			continue
		}
		if start < 0 {
			start = i
			continue
		}
		prev := rs[i-1]
		switch {
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			// dbPassword: a new word starts at P.
			flush(i)
			start = i
		case unicode.IsUpper(prev) && unicode.IsUpper(r) && i+1 < len(rs) && unicode.IsLower(rs[i+1]):
			// APIKey: a new word starts at K.
			flush(i)
			start = i
		}
	}
	flush(len(rs))
	return words
}

// privateKeyHeader matches the first line of a PEM or OpenSSH private key
// ("-----BEGIN RSA PRIVATE KEY-----", "-----BEGIN OPENSSH PRIVATE KEY-----",
// "-----BEGIN PGP PRIVATE KEY BLOCK-----"); the submatch is the block type.
var privateKeyHeader = regexp.MustCompile(`-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----`)

// awsAccessKeyID matches an AWS access key id: AKIA (long-term) or ASIA
// (temporary) and 16 upper-case letters or digits.
var awsAccessKeyID = regexp.MustCompile(`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`)

// pemHeader matches the first line of any PEM block; the submatch is its type.
var pemHeader = regexp.MustCompile(`-----BEGIN ([A-Z0-9 ]+)-----`)

// publicPEM are PEM block types that hold nothing secret.
var publicPEM = map[string]bool{
	"CERTIFICATE": true, "TRUSTED CERTIFICATE": true, "X509 CRL": true, "CERTIFICATE REQUEST": true,
	"PUBLIC KEY": true, "RSA PUBLIC KEY": true,
}

// onlyPublicPEM reports whether data holds at least one PEM block and every
// block is a certificate or a public key.
func onlyPublicPEM(data []byte) bool {
	blocks := pemHeader.FindAllSubmatch(data, -1)
	for _, b := range blocks {
		if !publicPEM[string(b[1])] {
			return false
		}
	}
	return len(blocks) > 0
}
