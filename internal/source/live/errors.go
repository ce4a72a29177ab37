package live

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// describe says which list failed, why, and what to do about it:
//
//	list secrets (v1) across all namespaces: forbidden: User "..." cannot
//	list resource "secrets" ... — grant list on secrets (see
//	deploy/rbac-readonly.yaml); until then no check sees them
func (l *loader) describe(st *listing, err error) string {
	k := st.kind
	var b strings.Builder
	fmt.Fprintf(&b, "list %s (%s)", k.resource, k.groupVersion())
	switch {
	case k.gvk.Kind == "Namespace" && l.opts.Namespace != "":
		fmt.Fprintf(&b, " named %s", l.opts.Namespace)
	case !k.namespaced:
	case l.opts.Namespace != "":
		fmt.Fprintf(&b, " in namespace %s", l.opts.Namespace)
	default:
		b.WriteString(" across all namespaces")
	}
	if n := len(st.objects); n > 0 {
		fmt.Fprintf(&b, " stopped after %s objects", thousands(n))
	}
	b.WriteString(": ")
	b.WriteString(l.reason(k, err))
	return b.String()
}

func (l *loader) reason(k *kind, err error) string {
	switch {
	case apierrors.IsForbidden(err):
		return "forbidden: " + statusDetail(err) + " — grant list on " + k.resource +
			" (see deploy/rbac-readonly.yaml); until then no check sees them"
	case apierrors.IsUnauthorized(err):
		return "unauthorized: the credentials were rejected — log in again or refresh them"
	case apierrors.IsNotFound(err):
		return fmt.Sprintf("not served by this API server (404): the %s API is absent, so there are no %s to check", k.groupVersion(), k.resource)
	case apierrors.IsTooManyRequests(err):
		return "throttled by the API server (429 Too Many Requests) — lower --qps and --burst, then scan again"
	case isTimeout(err):
		return fmt.Sprintf("timed out (request timeout %s) — raise --request-timeout, or scan one namespace at a time with -n", l.opts.RequestTimeout)
	case errors.Is(err, context.Canceled):
		return "interrupted"
	default:
		return err.Error()
	}
}

// isTimeout reports whether a request failed for taking too long: its own
// deadline, the API server's, or the network's.
func isTimeout(err error) bool {
	var netErr net.Error
	return errors.Is(err, context.DeadlineExceeded) || apierrors.IsTimeout(err) || apierrors.IsServerTimeout(err) ||
		errors.As(err, &netErr) && netErr.Timeout()
}

// statusDetail is the API server's message without the "<resource> is
// forbidden: " prefix the reason already says.
func statusDetail(err error) string {
	msg := err.Error()
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		msg = status.Status().Message
	}
	if _, rest, ok := strings.Cut(msg, " is forbidden: "); ok {
		return rest
	}
	return msg
}

// thousands formats n with comma separators: 12345 → "12,345".
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
