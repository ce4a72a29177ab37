package audit

import (
	"bytes"
	"reflect"
	"testing"

	auditv1 "k8s.io/apiserver/pkg/apis/audit/v1"
	kjson "sigs.k8s.io/json"
)

// decodeSamples are events as the API server writes them, and the odd
// shapes JSON allows.
var decodeSamples = []string{
	`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"5a7c3a0e-8c3f-4f63-9b6e-2f1d7b0d8a11","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/pods?limit=500","verb":"list","user":{"username":"system:serviceaccount:shop:web","uid":"1b2c3d4e","groups":["system:serviceaccounts","system:serviceaccounts:shop","system:authenticated"],"extra":{"authentication.kubernetes.io/pod-name":["web-7d9f8c6b5-x2x9z"]}},"sourceIPs":["10.244.1.17"],"userAgent":"kubectl/v1.37.2 (linux/amd64) kubernetes/abcdef0","objectRef":{"resource":"pods","namespace":"shop","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2026-06-01T12:00:00.123456Z","stageTimestamp":"2026-06-01T12:00:00.125678Z","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":"RBAC: allowed by RoleBinding \"web/shop\" of Role \"web\" to ServiceAccount \"web/shop\""}}`,
	`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"a","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/pods","verb":"create","user":{"username":"alice","groups":["dev","system:authenticated"]},"impersonatedUser":{"username":"bob","groups":null},"sourceIPs":["10.0.0.1","10.0.0.2"],"objectRef":{"resource":"pods","namespace":"shop","name":"x","uid":"u-1","apiGroup":"","apiVersion":"v1","resourceVersion":"12","subresource":""},"responseStatus":{"kind":"Status","apiVersion":"v1","metadata":{"resourceVersion":"3","continue":"c"},"status":"Failure","message":"pods \"x\" is forbidden: \u00e9 \ud83d\ude00 \ud800","reason":"Forbidden","details":{"name":"x","kind":"pods","causes":[{"reason":"FieldValueInvalid","message":"m","field":"spec"}],"retryAfterSeconds":3},"code":403},"requestObject":{"kind":"Pod","apiVersion":"v1","spec":{"containers":[{"name":"c","image":"i", "securityContext" : {"privileged":true}}]}},"responseObject":null,"requestReceivedTimestamp":"2026-06-01T12:00:00.1Z","stageTimestamp":null,"annotations":null,"authenticationMetadata":{"impersonationConstraint":"impersonate:user-info"}}`,
	`{"auditID":"dup","verb":"get","verb":"list","objectRef":{"resource":"a"},"objectRef":{"name":"b"},"user":{"groups":["a"]},"user":{"groups":["b"],"username":"u"},"annotations":{"a":"1"},"annotations":{"b":"2"},"unknown":[1,-2.5e+3,true,false,null,{"x":[]}],"stage":null}`,
	`{"user":null,"sourceIPs":[],"objectRef":null,"responseStatus":{"code":-0},"level":"\u004detadata","userAgent":"bad \xff utf8 \xe2\x82"}`,
	`{"requestReceivedTimestamp":"2026-02-30T12:00:00.000000Z"}`,
	`{"requestReceivedTimestamp":"2026-02-28T12:00:00.000000+02:00"}`,
	`{}`,
	` { "kind" : "Event" , "verb" : "watch" } `,
}

func decodeOne(data []byte) (ev auditv1.Event, isList bool, err error) {
	d := &decoder{intern: newInterner(100)}
	d.reset(data)
	isList, err = d.top(&ev, func(*auditv1.Event, int, error) error { return nil })
	if err == nil {
		err = d.end()
	}
	return ev, isList, err
}

func TestDecodeAgreesWithTheAPIMachinery(t *testing.T) {
	for _, s := range decodeSamples {
		checkAgainstAPIMachinery(t, []byte(s))
	}
}

func checkAgainstAPIMachinery(t *testing.T, data []byte) {
	t.Helper()
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '{' {
		return // only objects are events
	}
	var want auditv1.Event
	wantErr := kjson.UnmarshalCaseSensitivePreserveInts(data, &want)
	got, isList, err := decodeOne(data)
	if isList {
		return
	}
	switch {
	case wantErr == nil && err != nil:
		t.Fatalf("decoder rejects what the API machinery reads: %v\n%q", err, data)
	case wantErr != nil && err == nil:
		t.Fatalf("decoder reads what the API machinery rejects (%v):\n%q", wantErr, data)
	case wantErr == nil && !reflect.DeepEqual(got, want):
		t.Fatalf("decoded differently:\n got %#v\nwant %#v\n%q", got, want, data)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range decodeSamples {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"kind":"EventList","items":[{"verb":"get"},{"verb":1},{"verb":"list"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkAgainstAPIMachinery(t, data)
	})
}

func TestDecodeList(t *testing.T) {
	data := []byte(`{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[{"auditID":"a","verb":"get"},{"auditID":"b","verb":7},{"auditID":"c","verb":"list"}]}`)
	d := &decoder{}
	d.reset(data)
	var got []string
	isList, err := d.top(&auditv1.Event{}, func(ev *auditv1.Event, offset int, err error) error {
		s := string(ev.AuditID) + ":" + ev.Verb
		if err != nil {
			s = "error at " + string(data[offset:offset+5]) + ": " + err.Error()
		}
		got = append(got, s)
		return nil
	})
	if !isList || err != nil {
		t.Fatalf("isList %v, err %v", isList, err)
	}
	want := []string{"a:get", `error at {"aud: field verb: expected a string, found a number`, "c:list"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}
