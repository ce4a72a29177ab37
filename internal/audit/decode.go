package audit

import (
	"fmt"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	authnv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
	kjson "sigs.k8s.io/json"
)

// The decoder reads audit.k8s.io/v1 events into the upstream
// k8s.io/apiserver/pkg/apis/audit/v1 types without reflection: it is the
// hot path of every analysis, and encoding/json spends about ten times as
// long per event. It agrees with the API machinery's own JSON decoding
// (case-sensitive keys, the last of duplicate keys wins, nested objects of
// duplicate keys merge, invalid UTF-8 becomes U+FFFD, null leaves a field
// zero); a fuzz test compares the two. The rarely present nested types it
// does not know field by field (Status details and list metadata,
// authenticationMetadata) are handed to that decoder.

// decodeError is JSON that is not an event: a syntax error, or a value of
// the wrong type for its field. Offset is the byte offset in the input.
type decodeError struct {
	Offset int
	Msg    string
	// Syntax is true when the input is not JSON at all, so the end of the
	// value that holds the error cannot be found.
	Syntax bool
}

func (e *decodeError) Error() string { return e.Msg }

// decoder decodes JSON values from data, starting at pos.
type decoder struct {
	data    []byte
	pos     int
	scratch []byte
	intern  *interner
}

func (d *decoder) reset(data []byte) {
	d.data, d.pos = data, 0
}

func (d *decoder) syntaxErr(format string, args ...any) error {
	return &decodeError{Offset: d.pos, Msg: fmt.Sprintf(format, args...), Syntax: true}
}

func (d *decoder) typeErr(at int, field, want string) error {
	return &decodeError{Offset: at, Msg: fmt.Sprintf("field %s: expected %s, found %s", field, want, d.describe(at))}
}

// describe names the JSON value that starts at offset at.
func (d *decoder) describe(at int) string {
	if at >= len(d.data) {
		return "the end of the input"
	}
	switch c := d.data[at]; {
	case c == '"':
		return "a string"
	case c == '{':
		return "an object"
	case c == '[':
		return "a list"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || c >= '0' && c <= '9':
		return "a number"
	default:
		return strconv.QuoteRune(rune(c))
	}
}

// ws skips white space.
func (d *decoder) ws() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// peek returns the next byte after white space, or 0 at the end.
func (d *decoder) peek() byte {
	d.ws()
	if d.pos >= len(d.data) {
		return 0
	}
	return d.data[d.pos]
}

func (d *decoder) unexpected(looking string) error {
	if d.pos >= len(d.data) {
		return d.syntaxErr("unexpected end of JSON %s", looking)
	}
	return d.syntaxErr("invalid character %s %s", quoteByte(d.data[d.pos]), looking)
}

func quoteByte(c byte) string {
	if c < utf8.RuneSelf {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

// null consumes a null literal if one is next.
func (d *decoder) null() (bool, error) {
	if d.peek() != 'n' {
		return false, nil
	}
	return true, d.literal("null")
}

func (d *decoder) literal(lit string) error {
	if len(d.data)-d.pos < len(lit) || string(d.data[d.pos:d.pos+len(lit)]) != lit {
		// Find the first byte that differs, for the message.
		for i := 0; i < len(lit); i++ {
			if d.pos >= len(d.data) || d.data[d.pos] != lit[i] {
				return d.unexpected("in literal " + lit)
			}
			d.pos++
		}
	}
	d.pos += len(lit)
	return nil
}

// object iterates over the members of the object that starts next,
// calling member with each key; member must consume the value.
func (d *decoder) object(member func(key []byte) error) error {
	if d.peek() != '{' {
		return d.unexpected("looking for beginning of object")
	}
	d.pos++
	if d.peek() == '}' {
		d.pos++
		return nil
	}
	for {
		if d.peek() != '"' {
			return d.unexpected("looking for beginning of object key string")
		}
		key, err := d.stringBytes()
		if err != nil {
			return err
		}
		if d.peek() != ':' {
			return d.unexpected("after object key")
		}
		d.pos++
		d.ws()
		// The key may live in scratch, which decoding the value reuses;
		// members compare it before they decode.
		if err := member(key); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.pos++
		case '}':
			d.pos++
			return nil
		default:
			return d.unexpected("after object key:value pair")
		}
	}
}

// array iterates over the elements of the list that starts next.
func (d *decoder) array(elem func() error) error {
	if d.peek() != '[' {
		return d.unexpected("looking for beginning of list")
	}
	d.pos++
	if d.peek() == ']' {
		d.pos++
		return nil
	}
	for {
		d.ws()
		if err := elem(); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return nil
		default:
			return d.unexpected("after list element")
		}
	}
}

// stringBytes reads the string that starts at pos. The result aliases data
// when the string has no escapes and is valid UTF-8, else scratch; either
// way it is only valid until the next call.
func (d *decoder) stringBytes() ([]byte, error) {
	start := d.pos + 1
	i := start
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return d.data[start:i], nil
		case c == '\\' || c >= utf8.RuneSelf:
			return d.slowString(start)
		case c < 0x20:
			d.pos = i
			return nil, d.syntaxErr("invalid character %s in string literal", quoteByte(c))
		}
		i++
	}
	d.pos = i
	return nil, d.syntaxErr("unexpected end of JSON input in string literal")
}

// slowString decodes a string with escapes or bytes above ASCII into
// scratch.
func (d *decoder) slowString(start int) ([]byte, error) {
	out := d.scratch[:0]
	i := start
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			d.scratch = out
			return out, nil
		case c < 0x20:
			d.pos = i
			return nil, d.syntaxErr("invalid character %s in string literal", quoteByte(c))
		case c == '\\':
			if i+1 >= len(d.data) {
				d.pos = len(d.data)
				return nil, d.syntaxErr("unexpected end of JSON input in string escape code")
			}
			switch e := d.data[i+1]; e {
			case '"', '\\', '/':
				out = append(out, e)
				i += 2
			case 'b':
				out, i = append(out, '\b'), i+2
			case 'f':
				out, i = append(out, '\f'), i+2
			case 'n':
				out, i = append(out, '\n'), i+2
			case 'r':
				out, i = append(out, '\r'), i+2
			case 't':
				out, i = append(out, '\t'), i+2
			case 'u':
				r, ok := hex4(d.data, i+2)
				if !ok {
					d.pos = i + 2
					return nil, d.syntaxErr("invalid character in \\u hexadecimal character escape")
				}
				i += 6
				if utf16.IsSurrogate(r) {
					// A surrogate pair makes one rune; a lone half is U+FFFD.
					if i+1 < len(d.data) && d.data[i] == '\\' && d.data[i+1] == 'u' {
						if r2, ok := hex4(d.data, i+2); ok {
							if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
								out = utf8.AppendRune(out, dec)
								i += 6
								continue
							}
						}
					}
					r = utf8.RuneError
				}
				out = utf8.AppendRune(out, r)
			default:
				d.pos = i + 1
				return nil, d.syntaxErr("invalid character %s in string escape code", quoteByte(e))
			}
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, size := utf8.DecodeRune(d.data[i:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, d.data[i:i+size]...)
			}
			i += size
		}
	}
	d.pos = i
	return nil, d.syntaxErr("unexpected end of JSON input in string literal")
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	return r, true
}

// str reads a string field: null leaves it unchanged, as encoding/json does.
// Interned strings share memory with earlier equal values.
func (d *decoder) str(dst *string, field string, intern bool) error {
	at := d.pos
	switch d.peek() {
	case '"':
		b, err := d.stringBytes()
		if err != nil {
			return err
		}
		if intern && d.intern != nil {
			*dst = d.intern.get(b)
		} else {
			*dst = string(b)
		}
		return nil
	case 'n':
		return d.literal("null")
	}
	if err := d.skip(); err != nil {
		return err
	}
	return d.typeErr(at, field, "a string")
}

// strings reads a list of strings; null makes it nil.
func (d *decoder) strings(dst *[]string, field string) error {
	at := d.pos
	switch d.peek() {
	case 'n':
		*dst = nil
		return d.literal("null")
	case '[':
	default:
		if err := d.skip(); err != nil {
			return err
		}
		return d.typeErr(at, field, "a list of strings")
	}
	out := (*dst)[:0]
	if out == nil {
		out = []string{}
	}
	err := d.array(func() error {
		var s string
		if err := d.str(&s, field, true); err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	*dst = out
	return err
}

// stringMap reads an object of strings into *dst, adding to a map that
// exists; null makes it nil.
func (d *decoder) stringMap(dst *map[string]string, field string) error {
	at := d.pos
	switch d.peek() {
	case 'n':
		*dst = nil
		return d.literal("null")
	case '{':
	default:
		if err := d.skip(); err != nil {
			return err
		}
		return d.typeErr(at, field, "an object")
	}
	if *dst == nil {
		*dst = map[string]string{}
	}
	m := *dst
	return d.object(func(key []byte) error {
		k := d.intern.get(key)
		v := m[k]
		if err := d.str(&v, field, true); err != nil {
			return err
		}
		m[k] = v
		return nil
	})
}

// int32 reads an integer field; null leaves it unchanged.
func (d *decoder) int32(dst *int32, field string) error {
	at := d.pos
	c := d.peek()
	if c == 'n' {
		return d.literal("null")
	}
	if c != '-' && (c < '0' || c > '9') {
		if err := d.skip(); err != nil {
			return err
		}
		return d.typeErr(at, field, "a number")
	}
	if err := d.number(); err != nil {
		return err
	}
	n, err := strconv.ParseInt(string(d.data[at:d.pos]), 10, 32)
	if err != nil {
		return &decodeError{Offset: at, Msg: fmt.Sprintf("field %s: %s is not a 32-bit integer", field, d.data[at:d.pos])}
	}
	*dst = int32(n)
	return nil
}

// number consumes a JSON number.
func (d *decoder) number() error {
	i := d.pos
	digits := func() int {
		n := 0
		for i < len(d.data) && d.data[i] >= '0' && d.data[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(d.data) && d.data[i] == '-' {
		i++
	}
	switch {
	case i < len(d.data) && d.data[i] == '0':
		i++
	case digits() == 0:
		d.pos = i
		return d.unexpected("in numeric literal")
	}
	if i < len(d.data) && d.data[i] == '.' {
		i++
		if digits() == 0 {
			d.pos = i
			return d.unexpected("after decimal point in numeric literal")
		}
	}
	if i < len(d.data) && (d.data[i] == 'e' || d.data[i] == 'E') {
		i++
		if i < len(d.data) && (d.data[i] == '+' || d.data[i] == '-') {
			i++
		}
		if digits() == 0 {
			d.pos = i
			return d.unexpected("in exponent of numeric literal")
		}
	}
	d.pos = i
	return nil
}

// skip consumes any JSON value, checking its syntax.
func (d *decoder) skip() error {
	return d.skipDepth(0)
}

// maxDepth bounds nesting, as encoding/json does.
const maxDepth = 10000

func (d *decoder) skipDepth(depth int) error {
	if depth > maxDepth {
		return d.syntaxErr("exceeded max depth")
	}
	switch d.peek() {
	case '{':
		return d.object(func([]byte) error { return d.skipDepth(depth + 1) })
	case '[':
		return d.array(func() error { return d.skipDepth(depth + 1) })
	case '"':
		// Only the syntax matters: walk the string without decoding it.
		i := d.pos + 1
		for i < len(d.data) {
			c := d.data[i]
			switch {
			case c == '"':
				d.pos = i + 1
				return nil
			case c < 0x20:
				d.pos = i
				return d.syntaxErr("invalid character %s in string literal", quoteByte(c))
			case c == '\\':
				if i+1 >= len(d.data) {
					d.pos = i + 1
					return d.syntaxErr("unexpected end of JSON input in string escape code")
				}
				switch d.data[i+1] {
				case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
					i += 2
				case 'u':
					if _, ok := hex4(d.data, i+2); !ok {
						d.pos = i + 2
						return d.syntaxErr("invalid character in \\u hexadecimal character escape")
					}
					i += 6
				default:
					d.pos = i + 1
					return d.syntaxErr("invalid character %s in string escape code", quoteByte(d.data[i+1]))
				}
			default:
				i++
			}
		}
		d.pos = i
		return d.syntaxErr("unexpected end of JSON input in string literal")
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return d.number()
	}
	return d.unexpected("looking for beginning of value")
}

// raw consumes a value and returns its bytes.
func (d *decoder) raw() ([]byte, error) {
	d.ws()
	start := d.pos
	if err := d.skip(); err != nil {
		return nil, err
	}
	return d.data[start:d.pos], nil
}

// unknown reads an embedded object (requestObject, responseObject) as
// runtime.Unknown does: its raw bytes, copied.
func (d *decoder) unknown(dst **runtime.Unknown) error {
	if isNull, err := d.null(); isNull || err != nil {
		if err == nil {
			*dst = nil
		}
		return err
	}
	raw, err := d.raw()
	if err != nil {
		return err
	}
	if *dst == nil {
		*dst = &runtime.Unknown{}
	}
	u := *dst
	u.TypeMeta = runtime.TypeMeta{}
	u.Raw = append(u.Raw[:0], raw...)
	u.ContentEncoding = ""
	u.ContentType = runtime.ContentTypeJSON
	return nil
}

// delegate decodes a rarely present value with the API machinery's JSON
// decoder, which merges into what dst holds, as it would.
func (d *decoder) delegate(dst any, field string) error {
	at := d.pos
	raw, err := d.raw()
	if err != nil {
		return err
	}
	if err := kjson.UnmarshalCaseSensitivePreserveInts(raw, dst); err != nil {
		return &decodeError{Offset: at, Msg: fmt.Sprintf("field %s: %v", field, err)}
	}
	return nil
}

// microTime reads a metav1.MicroTime: an RFC 3339 time with microseconds,
// or null for the zero time.
func (d *decoder) microTime(dst *metav1.MicroTime, field string) error {
	at := d.pos
	switch d.peek() {
	case 'n':
		dst.Time = time.Time{}
		return d.literal("null")
	case '"':
	default:
		if err := d.skip(); err != nil {
			return err
		}
		return d.typeErr(at, field, "a string")
	}
	b, err := d.stringBytes()
	if err != nil {
		return err
	}
	if t, ok := parseMicroUTC(b); ok {
		dst.Time = t.Local()
		return nil
	}
	t, err := time.Parse(metav1.RFC3339Micro, string(b))
	if err != nil {
		return &decodeError{Offset: at, Msg: fmt.Sprintf("field %s: %v", field, err)}
	}
	dst.Time = t.Local()
	return nil
}

// parseMicroUTC parses the one layout the API server writes,
// "2006-01-02T15:04:05.000000Z", faster than time.Parse; anything else is
// left to time.Parse.
func parseMicroUTC(b []byte) (time.Time, bool) {
	if len(b) != 27 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' || b[19] != '.' || b[26] != 'Z' {
		return time.Time{}, false
	}
	num := func(from, to int) (int, bool) {
		n := 0
		for _, c := range b[from:to] {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 7)
	day, ok3 := num(8, 10)
	hour, ok4 := num(11, 13)
	minute, ok5 := num(14, 16)
	sec, ok6 := num(17, 19)
	micro, ok7 := num(20, 26)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	if day > daysIn(time.Month(month), year) {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, micro*1000, time.UTC), true
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// userInfo reads an authentication/v1 UserInfo into u.
func (d *decoder) userInfo(u *authnv1.UserInfo, field string) error {
	at := d.pos
	if d.peek() != '{' {
		if isNull, err := d.null(); isNull || err != nil {
			return err
		}
		if err := d.skip(); err != nil {
			return err
		}
		return d.typeErr(at, field, "an object")
	}
	return d.object(func(key []byte) error {
		switch string(key) {
		case "username":
			return d.str(&u.Username, field+".username", true)
		case "uid":
			return d.str(&u.UID, field+".uid", true)
		case "groups":
			return d.strings(&u.Groups, field+".groups")
		case "extra":
			return d.extra(&u.Extra, field+".extra")
		}
		return d.skip()
	})
}

func (d *decoder) extra(dst *map[string]authnv1.ExtraValue, field string) error {
	at := d.pos
	switch d.peek() {
	case 'n':
		*dst = nil
		return d.literal("null")
	case '{':
	default:
		if err := d.skip(); err != nil {
			return err
		}
		return d.typeErr(at, field, "an object")
	}
	if *dst == nil {
		*dst = map[string]authnv1.ExtraValue{}
	}
	m := *dst
	return d.object(func(key []byte) error {
		k := d.intern.get(key)
		v := []string(m[k])
		if err := d.strings(&v, field); err != nil {
			return err
		}
		m[k] = v
		return nil
	})
}

func (d *decoder) objectRef(dst **auditv1.ObjectReference) error {
	at := d.pos
	switch d.peek() {
	case 'n':
		*dst = nil
		return d.literal("null")
	case '{':
	default:
		if err := d.skip(); err != nil {
			return err
		}
		return d.typeErr(at, "objectRef", "an object")
	}
	if *dst == nil {
		*dst = &auditv1.ObjectReference{}
	}
	r := *dst
	return d.object(func(key []byte) error {
		switch string(key) {
		case "resource":
			return d.str(&r.Resource, "objectRef.resource", true)
		case "namespace":
			return d.str(&r.Namespace, "objectRef.namespace", true)
		case "name":
			return d.str(&r.Name, "objectRef.name", true)
		case "uid":
			s := string(r.UID)
			err := d.str(&s, "objectRef.uid", false)
			r.UID = types.UID(s)
			return err
		case "apiGroup":
			return d.str(&r.APIGroup, "objectRef.apiGroup", true)
		case "apiVersion":
			return d.str(&r.APIVersion, "objectRef.apiVersion", true)
		case "resourceVersion":
			return d.str(&r.ResourceVersion, "objectRef.resourceVersion", false)
		case "subresource":
			return d.str(&r.Subresource, "objectRef.subresource", true)
		}
		return d.skip()
	})
}

func (d *decoder) status(dst **metav1.Status) error {
	at := d.pos
	switch d.peek() {
	case 'n':
		*dst = nil
		return d.literal("null")
	case '{':
	default:
		if err := d.skip(); err != nil {
			return err
		}
		return d.typeErr(at, "responseStatus", "an object")
	}
	if *dst == nil {
		*dst = &metav1.Status{}
	}
	s := *dst
	return d.object(func(key []byte) error {
		switch string(key) {
		case "kind":
			return d.str(&s.Kind, "responseStatus.kind", true)
		case "apiVersion":
			return d.str(&s.APIVersion, "responseStatus.apiVersion", true)
		case "metadata":
			return d.delegate(&s.ListMeta, "responseStatus.metadata")
		case "status":
			return d.str(&s.Status, "responseStatus.status", true)
		case "message":
			return d.str(&s.Message, "responseStatus.message", false)
		case "reason":
			r := string(s.Reason)
			err := d.str(&r, "responseStatus.reason", true)
			s.Reason = metav1.StatusReason(r)
			return err
		case "details":
			return d.delegate(&s.Details, "responseStatus.details")
		case "code":
			return d.int32(&s.Code, "responseStatus.code")
		}
		return d.skip()
	})
}

// eventMember decodes one member of an Event object.
func (d *decoder) eventMember(ev *auditv1.Event, key []byte) error {
	switch string(key) {
	case "kind":
		return d.str(&ev.Kind, "kind", true)
	case "apiVersion":
		return d.str(&ev.APIVersion, "apiVersion", true)
	case "level":
		s := string(ev.Level)
		err := d.str(&s, "level", true)
		ev.Level = auditv1.Level(s)
		return err
	case "auditID":
		s := string(ev.AuditID)
		err := d.str(&s, "auditID", false)
		ev.AuditID = types.UID(s)
		return err
	case "stage":
		s := string(ev.Stage)
		err := d.str(&s, "stage", true)
		ev.Stage = auditv1.Stage(s)
		return err
	case "requestURI":
		return d.str(&ev.RequestURI, "requestURI", false)
	case "verb":
		return d.str(&ev.Verb, "verb", true)
	case "user":
		return d.userInfo(&ev.User, "user")
	case "impersonatedUser":
		if isNull, err := d.null(); isNull || err != nil {
			if err == nil {
				ev.ImpersonatedUser = nil
			}
			return err
		}
		if ev.ImpersonatedUser == nil {
			ev.ImpersonatedUser = &authnv1.UserInfo{}
		}
		return d.userInfo(ev.ImpersonatedUser, "impersonatedUser")
	case "authenticationMetadata":
		return d.delegate(&ev.AuthenticationMetadata, "authenticationMetadata")
	case "sourceIPs":
		return d.strings(&ev.SourceIPs, "sourceIPs")
	case "userAgent":
		return d.str(&ev.UserAgent, "userAgent", true)
	case "objectRef":
		return d.objectRef(&ev.ObjectRef)
	case "responseStatus":
		return d.status(&ev.ResponseStatus)
	case "requestObject":
		return d.unknown(&ev.RequestObject)
	case "responseObject":
		return d.unknown(&ev.ResponseObject)
	case "requestReceivedTimestamp":
		return d.microTime(&ev.RequestReceivedTimestamp, "requestReceivedTimestamp")
	case "stageTimestamp":
		return d.microTime(&ev.StageTimestamp, "stageTimestamp")
	case "annotations":
		return d.stringMap(&ev.Annotations, "annotations")
	}
	return d.skip()
}

// event decodes the object that starts next into ev.
func (d *decoder) event(ev *auditv1.Event) error {
	at := d.pos
	if d.peek() != '{' {
		if err := d.skip(); err != nil {
			return err
		}
		return &decodeError{Offset: at, Msg: "expected an audit event (a JSON object), found " + d.describe(at)}
	}
	return d.object(func(key []byte) error { return d.eventMember(ev, key) })
}

// top decodes one top-level JSON value: an Event, which it decodes into
// ev and reports with isList false, or an EventList, whose items it hands
// to item one at a time (with the offset each starts at) and reports with
// isList true. An item of the wrong shape is handed over with its error,
// and the rest of the list is still read; a syntax error stops the value.
func (d *decoder) top(ev *auditv1.Event, item func(ev *auditv1.Event, offset int, err error) error) (isList bool, err error) {
	start := d.pos
	if d.peek() != '{' {
		return false, d.event(ev) // reports what is there instead
	}
	// A list is an object with an "items" member. Find out which first:
	// the common case (an Event) is decoded in one pass when it has no
	// "items" key.
	err = d.object(func(key []byte) error {
		if string(key) == "items" {
			isList = true
		}
		if isList {
			return d.skip()
		}
		return d.eventMember(ev, key)
	})
	if err != nil || !isList {
		return isList, err
	}
	// A list: read its items.
	d.pos = start
	err = d.object(func(key []byte) error {
		if string(key) != "items" {
			return d.skip()
		}
		at := d.pos
		switch d.peek() {
		case 'n':
			return d.literal("null")
		case '[':
		default:
			if err := d.skip(); err != nil {
				return err
			}
			return d.typeErr(at, "items", "a list of events")
		}
		return d.array(func() error {
			itemStart := d.pos
			var e auditv1.Event
			err := d.event(&e)
			var de *decodeError
			if err != nil && (!asDecodeError(err, &de) || de.Syntax) {
				return err
			}
			if err != nil {
				// A value of the wrong type: the item ends where its
				// syntax does.
				d.pos = itemStart
				if serr := d.skip(); serr != nil {
					return serr
				}
			}
			return item(&e, itemStart, err)
		})
	})
	return true, err
}

func asDecodeError(err error, target **decodeError) bool {
	de, ok := err.(*decodeError)
	if ok {
		*target = de
	}
	return ok
}

// end checks that only white space follows the value.
func (d *decoder) end() error {
	if d.ws(); d.pos < len(d.data) {
		return d.syntaxErr("invalid character %s after top-level value", quoteByte(d.data[d.pos]))
	}
	return nil
}

// interner shares the memory of strings that repeat from event to event
// (user names, groups, verbs, resources, user agents), so decoding them
// allocates nothing after the first time. It stops growing at its limit.
type interner struct {
	m   map[string]string
	max int
}

func newInterner(max int) *interner { return &interner{m: make(map[string]string, 256), max: max} }

// maxInterned is the longest string worth interning.
const maxInterned = 256

func (in *interner) get(b []byte) string {
	if in == nil {
		return string(b)
	}
	if s, ok := in.m[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(in.m) < in.max && len(b) <= maxInterned {
		in.m[s] = s
	}
	return s
}
