package cli

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"

	"github.com/palisade-sec/palisade/internal/check"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/imagefacts"
	"github.com/palisade-sec/palisade/internal/imagescan"
	"github.com/palisade-sec/palisade/internal/report"

	_ "github.com/palisade-sec/palisade/internal/checks" // registers every check
)

type scanOptions struct {
	input inputOptions
	reportOptions
	scanImages bool
	images     imageScanOptions
}

func newScanCommand(s *streams) *cobra.Command {
	o := &scanOptions{}
	cmd := &cobra.Command{
		Use:   "scan (PATH... | --cluster)",
		Short: "Scan manifests, Helm charts, Kustomize trees or a live cluster",
		Long: `Scan reads Kubernetes manifests, or a running cluster, and reports what an
attacker could use.

PATH is a file, a folder (read recursively: .yaml, .yml and .json files,
multi-document YAML and kind: List), a Helm chart folder (rendered in
process), a folder with a kustomization.yaml (built in process), or "-" for
standard input.

--cluster reads a running cluster through its API server instead, with
kubectl's conventions: the current kubeconfig context unless --context names
another, $KUBECONFIG or ~/.kube/config unless --kubeconfig names a file (in a
pod with no kubeconfig, its service account). Every namespace is read unless
-n names one; cluster-scoped kinds (Nodes, ClusterRoles, ClusterRoleBindings) are
always read. It is read-only: only list is used, and get on /version and,
where granted, on nodes/NAME/proxy/configz, which gives each node's kubelet
configuration to the kubelet checks. deploy/rbac-readonly.yaml is a
ClusterRole granting get, list and watch on exactly the kinds read; get on
nodes/proxy is only a commented rule there, because it also opens the
kubelet's API (exec into pods). Without it, or when a kubelet does not
answer, a notice on standard error says the kubelet checks were not
assessed; that alone does not make the result partial. Secret
values are dropped as they arrive and never kept or printed. A Pod,
ReplicaSet or Job made by a Deployment, StatefulSet, DaemonSet, CronJob,
Job or ReplicationController is judged through its controller, so each
finding is reported once, not once per replica. A kind that cannot be listed
(forbidden, absent, timed out) is reported once with the reason, and every
other kind is still scanned. Findings name the cluster and the object's
resourceVersion instead of a file. PATH and --cluster cannot be combined.

--images also scans every distinct image the workloads name, each once:
its packages and their known vulnerabilities (from the offline database
'palisade db' keeps), its base OS's end of life, the digest its tag names
now (a pinned digest, or a live Pod's status, that differs is reported) and,
with --key or --trusted-root, its cosign signatures. Only the registries the
images name are contacted. The JSON report then lists each image with the
workloads that run it.

Exit status: 0 when no finding at or above --fail-on remains (the default is
never to fail), 1 when one does, 2 on a usage error, a cluster that cannot be
reached, or input that could not be read — a file that does not parse, a kind
that could not be listed (the rest is still scanned and reported, so the
result is partial).`,
		Example: `  palisade scan ./k8s/
  cat all.yaml | palisade scan -
  palisade scan ./charts/shop -f values-prod.yaml
  palisade scan ./overlays/prod
  palisade scan ./k8s -o sarif --output-file palisade.sarif -o table
  palisade scan ./k8s --fail-on high
  palisade scan --cluster                           # current kubeconfig context, all namespaces
  palisade scan --cluster --context prod -n shop    # one namespace of another context
  palisade scan --cluster --kubeconfig ./kubeconfig --qps 20 --burst 40 --request-timeout 1m -o json
  palisade scan --cluster --images --key cosign.pub --fail-on critical   # and every image the workloads run`,
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, s, args) },
	}
	o.input.addFlags(cmd.Flags(), "scan")
	o.addFlags(cmd.Flags())
	o.addAttackPathFlag(cmd.Flags())
	cmd.Flags().BoolVar(&o.scanImages, "images", false, "also scan every distinct image the workloads run: packages, vulnerabilities (palisade db), end-of-life base OS, where its tag points now and, with --key or --trusted-root, signatures")
	o.images.addFlags(cmd.Flags())
	return cmd
}

// run validates the flags, reads the input and judges it: scan, and the
// commands that are scan with fewer checks (rbac risky).
func (o *scanOptions) run(cmd *cobra.Command, s *streams, args []string) error {
	if err := o.input.validate(cmd, args); err != nil {
		return err
	}
	if err := o.validate(); err != nil {
		return err
	}
	if !o.scanImages {
		for _, name := range imageScanFlags() {
			if cmd.Flags().Changed(name) {
				return &exitError{ExitInput, fmt.Errorf("--%s applies to image scanning: add --images", name)}
			}
		}
	}
	if o.scanImages {
		progress := s.err
		if !isTerminal(s.err) {
			progress = nil
		}
		scanner, notices, closeDB, err := o.images.build(s.err, progress, imagescan.RegistryLoader(o.images.imageOptions()))
		if err != nil {
			return err
		}
		defer closeDB()
		o.imageScan = func(snap *cluster.Snapshot) (imagefacts.Lookup, []report.ImageReport, []string) {
			uses := imagescan.ImagesOf(snap)
			refs := make([]string, len(uses))
			for i, u := range uses {
				refs[i] = u.Image
			}
			set := scanner.ScanAll(cmd.Context(), refs)
			reports := make([]report.ImageReport, 0, len(uses))
			for _, u := range uses {
				f := set[u.Image]
				if f.Err != "" {
					notices = append(notices, fmt.Sprintf("image %s (run by %s): %s", u.Image, workloadList(u.Workloads), f.Err))
				}
				reports = append(reports, imageReport(f, u.Workloads))
			}
			return set, reports, notices
		}
	}
	in, err := o.input.read(cmd.Context(), s, args)
	if err != nil {
		return err
	}
	return judgeAndReport(s, &o.reportOptions, in)
}

// imageReport is what the JSON report says of one scanned image.
func imageReport(f *imagefacts.Facts, workloads []cluster.ObjectID) report.ImageReport {
	r := report.ImageReport{Image: f.Image, Digest: f.Digest, ResolvedDigest: f.ResolvedDigest,
		Signature: f.Signature, Error: f.Err, Vulnerabilities: []report.ImageVuln{}}
	for _, w := range workloads {
		r.Workloads = append(r.Workloads, w.String())
	}
	if inv := f.Inventory; inv != nil {
		r.OS, r.Packages = &inv.OS, len(inv.Packages)
		for _, v := range f.Vulns {
			p := inv.Packages[v.Package]
			r.Vulnerabilities = append(r.Vulnerabilities, report.ImageVuln{Vuln: v, PackageName: p.Name, PackageType: p.Type, PURL: p.PURL, Layer: layerLabel(inv, p.Layer)})
		}
		slices.SortStableFunc(r.Vulnerabilities, func(a, b report.ImageVuln) int { return b.Severity.Rank() - a.Severity.Rank() })
	}
	return r
}

// workloadList names the first workloads running an image.
func workloadList(ids []cluster.ObjectID) string {
	var names []string
	for i, id := range ids {
		if i == 3 {
			names = append(names, fmt.Sprintf("and %d more", len(ids)-3))
			break
		}
		names = append(names, id.String())
	}
	return strings.Join(names, ", ")
}

// imageScanFlags are the flags that only mean something with --images:
// those imageScanOptions adds.
func imageScanFlags() []string {
	f := pflag.NewFlagSet("images", pflag.ContinueOnError)
	new(imageScanOptions).addFlags(f)
	var names []string
	f.VisitAll(func(fl *pflag.Flag) { names = append(names, fl.Name) })
	return names
}

// loadConfig reads the named config file, or ./.palisade.yaml when present.
func loadConfig(path string) (*check.Config, error) {
	if path == "" {
		if _, err := os.Stat(check.ConfigFileName); err != nil {
			return &check.Config{}, nil
		}
		path = check.ConfigFileName
	}
	return check.LoadConfig(path)
}

func metadataOf(checks []*check.Check) []check.Metadata {
	out := make([]check.Metadata, len(checks))
	for i, c := range checks {
		out[i] = c.Metadata
	}
	return out
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
