package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/palisade-sec/palisade/internal/attackpath"
	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/imagefacts"
	"github.com/palisade-sec/palisade/internal/report"
	"github.com/palisade-sec/palisade/internal/source"
)

// reportOptions are the flags every command that judges objects shares:
// outputs, --fail-on, --config, --no-color.
type reportOptions struct {
	outputs    outputList
	failOn     string
	configPath string
	noColor    bool
	// registry holds the checks to run; nil means every check.
	registry *check.Registry
	// attackPaths says when to search attack paths and mark the findings
	// on them: auto, on or off ("" is off, for commands without the flag).
	attackPaths string
	// imageScan, when set (scan --images), scans the images the snapshot's
	// workloads run before the checks judge them, and says what could not
	// be scanned.
	imageScan func(*cluster.Snapshot) (imagefacts.Lookup, []report.ImageReport, []string)

	// Set by validate.
	failOnSeverity *check.Severity
	resolved       []output
	config         *check.Config
}

func (o *reportOptions) addFlags(f *pflag.FlagSet) {
	f.VarP(formatFlag{&o.outputs}, "output", "o", "report format: "+strings.Join(report.Formats(), ", ")+" (repeatable)")
	f.Var(fileFlag{&o.outputs}, "output-file", "write the report of the -o before it to this file")
	f.StringVar(&o.failOn, "fail-on", "", "exit 1 when a finding at or above this severity remains: info, low, medium, high, critical")
	f.StringVar(&o.configPath, "config", "", "config file with waivers and settings (default ./"+check.ConfigFileName+" when present)")
	f.BoolVar(&o.noColor, "no-color", false, "never colour the table (colour is used only on a terminal; NO_COLOR is honoured)")
}

// validate checks the flags before any input is read, so a usage error
// costs nothing.
func (o *reportOptions) validate() error {
	switch o.attackPaths {
	case "", "auto", "on", "off":
	default:
		return &exitError{ExitInput, fmt.Errorf("--attack-paths %q: want auto, on or off", o.attackPaths)}
	}
	if o.failOn != "" {
		sev, err := check.ParseSeverity(o.failOn)
		if err != nil {
			return &exitError{ExitInput, fmt.Errorf("--fail-on: %w", err)}
		}
		o.failOnSeverity = &sev
	}
	var err error
	if o.resolved, err = o.outputs.resolve(); err != nil {
		return &exitError{ExitInput, err}
	}
	if o.config, err = loadConfig(o.configPath); err != nil {
		return &exitError{ExitInput, err}
	}
	return nil
}

// readInput is what a command read, ready to be judged.
type readInput struct {
	// names are the inputs as the report names them.
	names   []string
	objects []*cluster.Object
	// errors are input that could not be read; they make the exit status 2
	// (a partial result).
	errors []source.InputError
	// notices say what could not be assessed and why, without making the
	// result partial.
	notices []string
}

// judgeAndReport runs every check over the objects read, writes the
// reports and turns the outcome into the exit status.
func judgeAndReport(s *streams, o *reportOptions, in readInput) error {
	inputErrors := in.errors
	snap := cluster.NewSnapshot(in.objects)
	reg := o.registry
	if reg == nil {
		reg = check.Default()
	}
	var images imagefacts.Lookup
	var imageReports []report.ImageReport
	if o.imageScan != nil {
		var notices []string
		images, imageReports, notices = o.imageScan(snap)
		in.notices = append(in.notices, notices...)
	}
	result := check.Run(snap, check.Options{Registry: reg, Config: o.config, Images: images})
	var paths attackpath.Result
	switch {
	case o.attackPaths == "on" || o.attackPaths == "auto" && snap.Len() <= autoAttackPathObjects:
		paths = attachAttackPaths(snap, result.Findings)
	case o.attackPaths == "auto":
		in.notices = append(in.notices, fmt.Sprintf("attack paths were not searched: %d objects is more than --attack-paths=auto searches (%d); pass --attack-paths=on to search them (expect seconds and gigabytes at 100k objects)", snap.Len(), autoAttackPathObjects))
	}

	rep := &report.Report{
		Tool:           report.ToolInfo{Name: "palisade", Version: Version, URI: "https://github.com/palisade-sec/palisade"},
		GeneratedAt:    time.Now(),
		Inputs:         in.names,
		Objects:        snap.Len(),
		Checks:         metadataOf(reg.All()),
		Findings:       result.Findings,
		InputErrors:    inputErrors,
		Notices:        in.notices,
		ExpiredWaivers: result.ExpiredWaivers,
		Images:         imageReports,
	}
	for _, out := range o.resolved {
		if out.format == "html" && rep.AttackPaths == nil {
			view := attackpath.View(context.Background(), paths)
			rep.AttackPaths = &view
		}
	}
	color := !o.noColor && os.Getenv("NO_COLOR") == "" && isTerminal(s.out)
	if err := o.outputs.write(o.resolved, rep, s.out, color); err != nil {
		return &exitError{ExitInput, err}
	}

	for _, e := range inputErrors {
		fmt.Fprintf(s.err, "palisade: %s\n", e.Error())
	}
	for _, n := range in.notices {
		fmt.Fprintf(s.err, "palisade: %s\n", n)
	}
	for _, w := range result.ExpiredWaivers {
		owner := ""
		if w.Waiver.Owner != "" {
			owner = fmt.Sprintf(" (owner %q)", w.Waiver.Owner)
		}
		fmt.Fprintf(s.err, "palisade: waiver for %s expired on %s%s; it no longer waives %d finding(s): renew it or fix them\n",
			strings.Join(w.Waiver.Checks, ","), w.Waiver.Expires, owner, w.Matches)
	}
	if len(inputErrors) > 0 {
		return &exitError{code: ExitInput, err: fmt.Errorf("%d input error(s); the rest of the input was scanned", len(inputErrors))}
	}
	if o.failOnSeverity != nil {
		n := 0
		for i := range result.Findings {
			if f := &result.Findings[i]; !f.Suppressed() && f.Severity >= *o.failOnSeverity {
				n++
			}
		}
		if n > 0 {
			return &exitError{code: ExitFindings, err: fmt.Errorf("%d finding(s) at or above %s", n, *o.failOnSeverity)}
		}
	}
	return nil
}

// autoAttackPathObjects is the largest input --attack-paths=auto searches:
// the search grows faster than the cluster (about 2 s and 550-650 MiB of
// heap beyond the decoded input at 100k objects, on top of the scan).
const autoAttackPathObjects = 20000

// addAttackPathFlag adds --attack-paths to a command that judges objects.
func (o *reportOptions) addAttackPathFlag(f *pflag.FlagSet) {
	f.StringVar(&o.attackPaths, "attack-paths", "auto", fmt.Sprintf("search attack paths and mark the findings on them: auto (when at most %d objects are read), on, off", autoAttackPathObjects))
}

// attachAttackPaths searches the attack paths of the snapshot, citing the
// findings in their evidence, and gives each finding the ids of the paths
// it sits on.
func attachAttackPaths(snap *cluster.Snapshot, findings []check.Finding) attackpath.Result {
	g := attackpath.Build(snap)
	g.Cite(findings)
	res := g.Search(attackpath.Options{})
	attackpath.AttachPaths(findings, res)
	return res
}
