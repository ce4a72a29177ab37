package report

import (
	"strings"
	"testing"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

// TestNoticesReachEveryReport: what could not be assessed is said in every
// format, not only on standard error.
func TestNoticesReachEveryReport(t *testing.T) {
	const notice = "kubelet configuration not read (get nodes/proxy is not granted)"
	r := sampleReport()
	r.Notices = []string{notice}
	for _, format := range []string{"table", "json", "sarif", "markdown", "html"} {
		out := string(render(t, format, Options{}, r))
		if !strings.Contains(out, "nodes/proxy is not granted") {
			t.Errorf("%s report does not carry the notice", format)
		}
		if format == "sarif" {
			log, err := sarif.FromBytes([]byte(out))
			if err != nil {
				t.Fatal(err)
			}
			if err := log.Validate(); err != nil {
				t.Errorf("SARIF with a notice is invalid: %v", err)
			}
		}
	}
}
