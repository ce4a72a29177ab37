package policy

import (
	"regexp"
	"strings"

	"github.com/distribution/reference"
)

// root is what an expression reads: the object of the request, or, for an
// update, the object as it was. Each has its own set of variables.
type root struct {
	obj string // "object" or "oldObject"
	pre string // variable name prefix: "" or "old_"
}

var (
	newRoot = root{obj: "object"}
	oldRoot = root{obj: "oldObject", pre: "old_"}
)

// v names a variable of this root: "variables.spec", "variables.old_spec".
func (r root) v(name string) string { return "variables." + r.pre + name }

// lit quotes s as a CEL string literal.
func lit(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// list writes a CEL list of string literals.
func list(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = lit(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// field is a presence-checked path: field("c", "securityContext",
// "privileged") is `has(c.securityContext) && has(c.securityContext.privileged)`.
func field(base string, path ...string) string {
	var parts []string
	cur := base
	for _, p := range path {
		cur += "." + p
		parts = append(parts, "has("+cur+")")
	}
	return strings.Join(parts, " && ")
}

// isTrue is `has(x.a) && ... && x.a.b == true`.
func isTrue(base string, path ...string) string {
	return "(" + field(base, path...) + " && " + base + "." + strings.Join(path, ".") + " == true)"
}

// variable is one variable a policy may declare, for either root.
type variable struct {
	name string
	expr func(r root) string
}

// The regular expression of an image reference, from distribution/reference
// itself, and of a digest go-digest accepts (the algorithms it has, and the
// length and lower-case hex each needs).
var (
	referencePattern = reference.ReferenceRegexp.String()
	digestPattern    = `^(sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$`
)

// variables are declared in this order, so each only reads earlier ones.
var variables = []variable{
	{"spec", func(r root) string {
		R := r.obj
		return R + ".kind == 'Pod' ? " + R + ".spec : (" + R + ".kind == 'CronJob' ? " + R + ".spec.jobTemplate.spec.template.spec : " + R + ".spec.template.spec)"
	}},
	{"podAnnotations", func(r root) string {
		R := r.obj
		tmpl := func(t string) string {
			return "(" + field(t, "metadata", "annotations") + " ? " + t + ".metadata.annotations : {})"
		}
		return R + ".kind == 'Pod' ? (" + field(R, "metadata", "annotations") + " ? " + R + ".metadata.annotations : {}) : (" +
			R + ".kind == 'CronJob' ? " + tmpl(R+".spec.jobTemplate.spec.template") + " : " + tmpl(R+".spec.template") + ")"
	}},
	{"podContainers", func(r root) string {
		S := r.v("spec")
		return "(has(" + S + ".initContainers) ? " + S + ".initContainers : []) + " + S + ".containers"
	}},
	{"containers", func(r root) string {
		S := r.v("spec")
		return r.v("podContainers") + " + (has(" + S + ".ephemeralContainers) ? " + S + ".ephemeralContainers : [])"
	}},
	{"windows", func(r root) string {
		S := r.v("spec")
		return field(S, "os", "name") + " && " + S + ".os.name == 'windows'"
	}},
	{"userNamespace", func(r root) string {
		S := r.v("spec")
		return "has(" + S + ".hostUsers) && " + S + ".hostUsers == false"
	}},
	// Image references, normalized as distribution/reference's
	// ParseNormalizedNamed does; each a list parallel to containers.
	{"images", func(r root) string {
		return r.v("containers") + ".map(c, has(c.image) ? c.image : '')"
	}},
	{"imgFirst", func(r root) string {
		return r.v("images") + ".map(s, s.contains('/') ? s.substring(0, s.indexOf('/')) : '')"
	}},
	{"imgHasDomain", func(r root) string {
		return r.v("imgFirst") + ".map(f, f != '' && (f == 'localhost' || f.contains('.') || f.contains(':') || f.lowerAscii() != f))"
	}},
	{"imgDomain", func(r root) string {
		return r.v("imgFirst") + ".transformList(i, f, " + r.v("imgHasDomain") + "[i] ? (f == 'index.docker.io' ? 'docker.io' : f) : 'docker.io')"
	}},
	{"imgRest", func(r root) string {
		return r.v("images") + ".transformList(i, s, " + r.v("imgHasDomain") + "[i] ? s.substring(s.indexOf('/') + 1) : s)"
	}},
	{"imgRemote", func(r root) string {
		return r.v("imgRest") + ".transformList(i, s, " + r.v("imgDomain") + "[i] == 'docker.io' && !s.contains('/') ? 'library/' + s : s)"
	}},
	{"imgPath", func(r root) string {
		return r.v("imgRemote") + ".map(s, s.split('@')[0].split(':')[0])"
	}},
	{"imgDigest", func(r root) string {
		return r.v("imgRemote") + ".map(s, s.contains('@') ? s.substring(s.indexOf('@') + 1) : '')"
	}},
	{"imgTag", func(r root) string {
		return r.v("imgRemote") + ".map(s, s.split('@')[0].substring(s.split('@')[0].lastIndexOf('/') + 1).contains(':') ? " +
			"s.split('@')[0].substring(s.split('@')[0].lastIndexOf('/') + 1).split(':')[1] : '')"
	}},
	{"imgValid", func(r root) string {
		return r.v("images") + ".transformList(i, s, !s.matches('^[a-f0-9]{64}$') && " +
			r.v("imgRemote") + "[i].split(':')[0].lowerAscii() == " + r.v("imgRemote") + "[i].split(':')[0] && " +
			"(" + r.v("imgDomain") + "[i] + '/' + " + r.v("imgRemote") + "[i]).matches(" + lit(referencePattern) + ") && " +
			"size(" + r.v("imgPath") + "[i]) <= 255 && " +
			"(" + r.v("imgDigest") + "[i] == '' || " + r.v("imgDigest") + "[i].matches(" + lit(digestPattern) + ")))"
	}},
	{"imgRepo", func(r root) string {
		return r.v("imgPath") + ".transformList(i, p, " + r.v("imgDomain") + "[i].lowerAscii() + '/' + p)"
	}},
}

var variableRef = regexp.MustCompile(`variables\.([A-Za-z_][A-Za-z0-9_]*)`)

// variablesFor returns the variables some expressions use, with the ones
// they use in turn, in declaration order, for both roots.
func variablesFor(exprs ...string) []struct{ Name, Expression string } {
	used := map[string]bool{}
	pending := append([]string(nil), exprs...)
	for len(pending) > 0 {
		e := pending[0]
		pending = pending[1:]
		for _, m := range variableRef.FindAllStringSubmatch(e, -1) {
			if used[m[1]] {
				continue
			}
			used[m[1]] = true
			for _, r := range []root{newRoot, oldRoot} {
				for _, v := range variables {
					if r.pre+v.name == m[1] {
						pending = append(pending, v.expr(r))
					}
				}
			}
		}
	}
	var out []struct{ Name, Expression string }
	for _, r := range []root{newRoot, oldRoot} {
		for _, v := range variables {
			if used[r.pre+v.name] {
				out = append(out, struct{ Name, Expression string }{r.pre + v.name, v.expr(r)})
			}
		}
	}
	return out
}
