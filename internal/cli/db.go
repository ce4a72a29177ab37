package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/palisade-sec/palisade/internal/vulndb"
)

func newDBCommand(s *streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "db",
		Short: "Manage the offline vulnerability database that image scans match packages against",
		Long: `The db commands fill and inspect Palisade's offline vulnerability database:
OSV advisories (https://osv.dev) for distributions (Debian, Ubuntu, Alpine,
Red Hat, ...) and language ecosystems (Go, npm, PyPI, Maven, ...), indexed
for matching image packages without network access.

The database lives in --db DIR, else $PALISADE_VULNDB_DIR, else
palisade/vulndb under your cache directory. Imports and updates build a new
file and swap it in, so a failed one leaves the old database as it was.`,
		Example: `  palisade db update --from ` + vulndb.OSVBaseURL + ` --ecosystem Debian --ecosystem Go
  palisade db import Debian-all.zip Go-all.zip
  palisade db status`,
	}
	cmd.AddCommand(newDBImportCommand(s), newDBStatusCommand(s), newDBUpdateCommand(s))
	return cmd
}

func addDBFlag(cmd *cobra.Command, dir *string) {
	cmd.Flags().StringVar(dir, "db", "", "vulnerability database directory (default $"+vulndb.EnvDir+", else palisade/vulndb in the user cache directory)")
}

func dbDir(flag string) (string, error) {
	dir, err := vulndb.ResolveDir(flag)
	if err != nil {
		return "", &exitError{ExitInput, err}
	}
	return dir, nil
}

func newDBImportCommand(s *streams) *cobra.Command {
	var dir string
	var replace bool
	cmd := &cobra.Command{
		Use:   "import FILE...",
		Short: "Import OSV exports (zip files, directories of .json records, .json files) into the database",
		Long: `import reads OSV exports into the database: zip files of one JSON record per
entry, exactly as OSV publishes <Ecosystem>/all.zip (download them from
` + vulndb.OSVBaseURL + `/<Ecosystem>/all.zip), directories of
.json records, or single .json records.

Imported records are added to what the database holds; a record with an id
already stored replaces it, and a withdrawn record removes it. --replace
starts from an empty database instead.

A record that cannot be imported is reported with its file and entry, and the
rest are imported. A file that cannot be read (not a zip, truncated) fails the
import and leaves the database as it was.

Exit status: 0 when every record was imported or skipped as withdrawn; 2 when
some records or files could not be read.`,
		Example: `  palisade db import Debian-all.zip Go-all.zip
  palisade db import ./advisories/ --db ./vulndb
  palisade db import --replace Alpine-all.zip`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return &exitError{ExitInput, fmt.Errorf("name the OSV exports to import (e.g. %s Debian-all.zip)", cmd.CommandPath())}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := dbDir(dir)
			if err != nil {
				return err
			}
			start := time.Now()
			res, err := vulndb.Import(d, args, vulndb.ImportOptions{Replace: replace})
			if err != nil {
				return &exitError{ExitInput, fmt.Errorf("%w; the database at %s is unchanged", err, d)}
			}
			return reportImport(s, res, time.Since(start))
		},
	}
	addDBFlag(cmd, &dir)
	cmd.Flags().BoolVar(&replace, "replace", false, "start from an empty database instead of adding to the records it holds")
	return cmd
}

// reportImport prints what an import did and turns record errors into the
// input exit status.
func reportImport(s *streams, res *vulndb.ImportResult, took time.Duration) error {
	for _, e := range res.Errors {
		fmt.Fprintf(s.err, "palisade: %s\n", e.Error())
	}
	fmt.Fprintf(s.out, "imported %d records (%d skipped, %d of them withdrawn) in %s into %s; it holds %d records\n",
		res.Imported, res.Skipped, res.Withdrawn, took.Round(time.Millisecond), res.Dir, res.Records)
	ecos := make([]string, 0, len(res.Ecosystems))
	for e := range res.Ecosystems {
		ecos = append(ecos, e)
	}
	sort.Strings(ecos)
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	for _, e := range ecos {
		fmt.Fprintf(tw, "  %s\t%d\n", e, res.Ecosystems[e])
	}
	tw.Flush()
	if len(res.Errors) > 0 {
		return &exitError{ExitInput, fmt.Errorf("%d record(s) could not be imported (listed above); the rest were imported", len(res.Errors))}
	}
	return nil
}

func newDBStatusCommand(s *streams) *cobra.Command {
	var dir, output string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show what the database holds: ecosystems, record counts, sources and checksums",
		Long: `status shows the database's location and size, the number of advisories per
ecosystem, when it was last imported and updated, and the exports it was
built from with their sha256 checksums.

Exit status: 0 with a status; 2 when there is no database or it cannot be read.`,
		Example: `  palisade db status
  palisade db status -o json --db ./vulndb`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if output != "table" && output != "json" {
				return &exitError{ExitInput, fmt.Errorf("-o: want table or json, got %q", output)}
			}
			d, err := dbDir(dir)
			if err != nil {
				return err
			}
			st, err := vulndb.ReadStatus(d)
			if err != nil {
				return &exitError{ExitInput, err}
			}
			if output == "json" {
				enc := json.NewEncoder(s.out)
				enc.SetIndent("", "  ")
				return enc.Encode(st)
			}
			writeDBStatus(s, st)
			return nil
		},
	}
	addDBFlag(cmd, &dir)
	cmd.Flags().StringVarP(&output, "output", "o", "table", "output format: table or json")
	return cmd
}

func writeDBStatus(s *streams, st *vulndb.Status) {
	tw := tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Database:\t%s\n", st.Path)
	fmt.Fprintf(tw, "Size:\t%.1f MiB\n", float64(st.Size)/(1<<20))
	fmt.Fprintf(tw, "Records:\t%d\n", st.Records)
	fmt.Fprintf(tw, "Imported:\t%s\n", st.ImportedAt.Format(time.RFC3339))
	updated := "never"
	if !st.UpdatedAt.IsZero() {
		updated = st.UpdatedAt.Format(time.RFC3339)
	}
	fmt.Fprintf(tw, "Updated:\t%s\n", updated)
	tw.Flush()
	fmt.Fprintln(s.out)
	tw = tabwriter.NewWriter(s.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ECOSYSTEM\tRECORDS")
	for _, e := range st.Ecosystems {
		fmt.Fprintf(tw, "%s\t%d\n", e.Ecosystem, e.Records)
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "SOURCE\tRECORDS\tSKIPPED\tIMPORTED\tSHA256")
	for _, src := range st.Sources {
		sum := src.SHA256
		if sum == "" {
			sum = "-"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", src.Name, src.Records, src.Skipped, src.ImportedAt.Format(time.RFC3339), sum)
	}
	tw.Flush()
}

func newDBUpdateCommand(s *streams) *cobra.Command {
	var dir, from, sum string
	var ecosystems []string
	var replace bool
	cmd := &cobra.Command{
		Use:   "update --from URL [--ecosystem E]...",
		Short: "Download OSV exports and import them into the database",
		Long: `update downloads OSV exports and imports them. --from names one zip, or a base
URL under which each --ecosystem's <Ecosystem>/all.zip is fetched (OSV's is
` + vulndb.OSVBaseURL + `). Only https URLs are allowed (and http to
127.0.0.1 or localhost).

Each download is checked against --sha256 (one zip only), else against a
<zip URL>.sha256 file when the server publishes one. Everything is downloaded
and verified before the import, and any failure leaves the database as it was.

Exit status: 0 when every record was imported; 2 on a failed download, a
checksum mismatch, or records that could not be imported.`,
		Example: `  palisade db update --from ` + vulndb.OSVBaseURL + ` --ecosystem Debian --ecosystem Go
  palisade db update --from https://mirror.example.com/osv/Alpine/all.zip --sha256 4f1c...`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if from == "" {
				return &exitError{ExitInput, errors.New("name where to download from: --from " + vulndb.OSVBaseURL + " --ecosystem Debian, or --from a zip URL")}
			}
			d, err := dbDir(dir)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			start := time.Now()
			res, err := vulndb.Update(ctx, d, from, vulndb.UpdateOptions{Ecosystems: ecosystems, SHA256: sum, Replace: replace})
			if err != nil {
				return &exitError{ExitInput, err}
			}
			for _, dl := range res.Downloads {
				how := "no checksum published"
				if dl.Verified != "" {
					how = "verified against " + dl.Verified
				}
				fmt.Fprintf(s.out, "downloaded %s (%d bytes, sha256 %s, %s)\n", dl.URL, dl.Size, dl.SHA256, how)
			}
			return reportImport(s, &res.ImportResult, time.Since(start))
		},
	}
	addDBFlag(cmd, &dir)
	cmd.Flags().StringVar(&from, "from", "", "a zip URL, or a base URL with --ecosystem")
	cmd.Flags().StringArrayVar(&ecosystems, "ecosystem", nil, "an OSV ecosystem to fetch from the base URL (Debian, Ubuntu, Alpine, Go, npm, PyPI, Maven, ...); repeat for more")
	cmd.Flags().StringVar(&sum, "sha256", "", "expected sha256 (hex) of the one zip named by --from")
	cmd.Flags().BoolVar(&replace, "replace", false, "start from an empty database instead of adding to the records it holds")
	return cmd
}
