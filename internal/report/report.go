// Package report writes scan results. A writer only formats: it never
// filters, ranks or decides; everything it prints is in the Report.
package report

import (
	"fmt"
	"github.com/palisade-sec/palisade/internal/attackpath"
	"github.com/palisade-sec/palisade/internal/imagefacts"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/source"
)

// SchemaVersion is the version of the JSON report schema (docs/json-report.md).
// It changes only when a field is removed or changes meaning.
const SchemaVersion = "palisade.dev/report/v1"

// Report is everything a scan produced.
type Report struct {
	Tool ToolInfo
	// GeneratedAt is when the scan ran.
	GeneratedAt time.Time
	// Inputs are the paths scanned, as the user named them.
	Inputs []string
	// Objects is how many Kubernetes objects were read.
	Objects int
	// Checks are the checks that ran, sorted by id.
	Checks []check.Metadata
	// Findings are sorted, most severe first; suppressed ones included.
	Findings []check.Finding
	// InputErrors is input that could not be read.
	InputErrors []source.InputError
	// Notices say what could not be assessed without being an input error
	// (a permission the scan may lack on purpose, such as nodes/proxy).
	Notices []string
	// ExpiredWaivers no longer waive anything.
	ExpiredWaivers []check.ExpiredWaiver
	// AttackPaths are the attack paths with their diagrams, for the HTML
	// report's "Attack paths" section; nil when they were not searched.
	AttackPaths *attackpath.HTMLView
	// Images are the images a scan --images scanned, with the workloads
	// that run each; nil when images were not scanned.
	Images []ImageReport
}

// ImageReport is one scanned image in the JSON report: what the scan
// learned about it, without the package list (palisade image -o
// cyclonedx writes that), and the workloads that run it.
type ImageReport struct {
	Image string `json:"image"`
	// Workloads name the objects whose containers run the image
	// ("deployment.apps/web -n shop").
	Workloads      []string              `json:"workloads"`
	Digest         string                `json:"digest,omitempty"`
	ResolvedDigest string                `json:"resolvedDigest,omitempty"`
	OS             *imagefacts.OSRelease `json:"os,omitempty"`
	Packages       int                   `json:"packages"`
	// Vulnerabilities are every advisory matched, most severe first.
	Vulnerabilities []ImageVuln           `json:"vulnerabilities"`
	Signature       *imagefacts.Signature `json:"signature,omitempty"`
	Error           string                `json:"error,omitempty"`
}

// ImageVuln is a vulnerability with the affected package named and the
// build step of the layer that added it.
type ImageVuln struct {
	imagefacts.Vuln
	PackageName string `json:"packageName"`
	PackageType string `json:"packageType"`
	PURL        string `json:"purl,omitempty"`
	Layer       string `json:"layer,omitempty"`
}

// ToolInfo names the program that wrote the report.
type ToolInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	URI     string `json:"informationUri"`
}

// Writer writes a report in one format.
type Writer interface {
	Write(w io.Writer, r *Report) error
}

// WriterFunc adapts a function to Writer.
type WriterFunc func(w io.Writer, r *Report) error

// Write calls f.
func (f WriterFunc) Write(w io.Writer, r *Report) error { return f(w, r) }

// Options tune writers that have a choice to make about presentation.
type Options struct {
	// Color enables ANSI colour in the table (only when writing to a terminal).
	Color bool
}

// formats maps a format name to its writer constructor.
var formats = map[string]func(Options) Writer{}

func register(name string, f func(Options) Writer) { formats[name] = f }

// Formats lists the format names, sorted.
func Formats() []string {
	out := make([]string, 0, len(formats))
	for name := range formats {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// New returns the writer for a format name.
func New(format string, opts Options) (Writer, error) {
	f, ok := formats[format]
	if !ok {
		return nil, fmt.Errorf("unknown output format %q (want one of %s)", format, strings.Join(Formats(), ", "))
	}
	return f(opts), nil
}

// Summary counts the findings that are not suppressed.
type Summary struct {
	Total      int                    `json:"total"`
	Suppressed int                    `json:"suppressed"`
	BySeverity map[check.Severity]int `json:"bySeverity"`
	ByVector   map[check.Vector]int   `json:"byVector"`
	ByStrategy map[check.Strategy]int `json:"byStrategy"`
}

// Summarize counts the report's findings. Suppressed findings are counted
// apart and nowhere else.
func (r *Report) Summarize() Summary {
	s := Summary{BySeverity: map[check.Severity]int{}, ByVector: map[check.Vector]int{}, ByStrategy: map[check.Strategy]int{}}
	for i := range r.Findings {
		f := &r.Findings[i]
		if f.Suppressed() {
			s.Suppressed++
			continue
		}
		s.Total++
		s.BySeverity[f.Severity]++
		s.ByVector[f.Vector]++
		s.ByStrategy[f.Strategy]++
	}
	return s
}
