package rbac_test

import (
	"slices"
	"testing"

	"github.com/palisade-sec/palisade/internal/rbac"
)

func TestParseSubject(t *testing.T) {
	sa := rbac.ServiceAccount("shop", "web")
	for _, tc := range []struct {
		in   string
		want rbac.Subject
		str  string
	}{
		{"system:serviceaccount:shop:web", sa, "system:serviceaccount:shop:web"},
		{"serviceaccount:shop:web", sa, "system:serviceaccount:shop:web"},
		{"sa:shop/web", sa, "system:serviceaccount:shop:web"},
		{"sa:shop:web", sa, "system:serviceaccount:shop:web"},
		{"system:anonymous", rbac.Subject{User: "system:anonymous", Groups: []string{"system:unauthenticated"}}, "system:anonymous"},
		{"user:alice", rbac.Subject{User: "alice", Groups: []string{"system:authenticated"}}, "user:alice"},
		{"alice", rbac.Subject{User: "alice", Groups: []string{"system:authenticated"}}, "user:alice"},
		{"user:system:serviceaccount:shop:web", sa, "system:serviceaccount:shop:web"},
		{"group:devs", rbac.Subject{Groups: []string{"devs", "system:authenticated"}}, "group:devs"},
		{"group:system:unauthenticated", rbac.Subject{Groups: []string{"system:unauthenticated"}}, "group:system:unauthenticated"},
		{"kube-admin@example.com", rbac.Subject{User: "kube-admin@example.com", Groups: []string{"system:authenticated"}}, "user:kube-admin@example.com"},
	} {
		got, err := rbac.ParseSubject(tc.in)
		if err != nil {
			t.Errorf("ParseSubject(%q): %v", tc.in, err)
			continue
		}
		if got.User != tc.want.User || !slices.Equal(got.Groups, tc.want.Groups) {
			t.Errorf("ParseSubject(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
		if got.String() != tc.str {
			t.Errorf("ParseSubject(%q).String() = %q, want %q", tc.in, got.String(), tc.str)
		}
		back, err := rbac.ParseSubject(got.String())
		if err != nil || back.User != got.User || !slices.Equal(back.Groups, got.Groups) {
			t.Errorf("%q does not read back: %+v, %v", got.String(), back, err)
		}
	}
	for _, bad := range []string{"", "sa:shop", "sa:/web", "serviceaccount:shop:", "system:serviceaccount:shop", "group:", "user:"} {
		if s, err := rbac.ParseSubject(bad); err == nil {
			t.Errorf("ParseSubject(%q) = %+v, want an error", bad, s)
		}
	}
}

func TestSubjectConstructors(t *testing.T) {
	sa := rbac.ServiceAccount("kube-system", "builder")
	if sa.User != "system:serviceaccount:kube-system:builder" ||
		!slices.Equal(sa.Groups, []string{"system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"}) {
		t.Errorf("ServiceAccount: %+v", sa)
	}
	if ns, name, ok := sa.IsServiceAccount(); !ok || ns != "kube-system" || name != "builder" {
		t.Errorf("IsServiceAccount: %q %q %v", ns, name, ok)
	}
	u := rbac.User("bob", "devs", "devs")
	if u.User != "bob" || !slices.Equal(u.Groups, []string{"devs", "system:authenticated"}) {
		t.Errorf("User: %+v", u)
	}
	if u.String() != "user:bob groups=[devs]" {
		t.Errorf("User.String: %q", u.String())
	}
	if _, _, ok := u.IsServiceAccount(); ok {
		t.Error("a user is not a service account")
	}
}
