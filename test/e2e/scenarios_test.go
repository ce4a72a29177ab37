package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"testing"

	"github.com/palisade-sec/palisade/internal/check"
	_ "github.com/palisade-sec/palisade/internal/checks"
	"github.com/palisade-sec/palisade/internal/cluster"
	"github.com/palisade-sec/palisade/internal/source"
	"github.com/palisade-sec/palisade/internal/source/live"
)

// manifestScenarios are the examples that are manifests (not node trees).
var manifestScenarios = []string{"tesla-2018", "insecure-shop", "hardened"}

// key is what must agree between a scan of files and a scan of the live
// cluster: not positions or wording, but which check fires on which field
// of which object, at which severity.
func key(f check.Finding) string {
	return fmt.Sprintf("%s %s %s %s", f.Severity, f.CheckID, f.Object, f.Field)
}

// TestLiveScanMatchesFiles loads each scenario into a real API server and
// asserts that scanning the cluster finds what scanning the files finds.
// The API server adds objects of its own (bootstrap RBAC, the default
// namespaces, the kubernetes Service); only findings on the scenario's
// objects are compared.
func TestLiveScanMatchesFiles(t *testing.T) {
	for _, name := range manifestScenarios {
		t.Run(name, func(t *testing.T) {
			disk := source.Load(source.Options{Paths: []string{filepath.Join("..", "..", "examples", name)}})
			if len(disk.Errors) > 0 {
				t.Fatalf("scenario does not load: %v", disk.Errors)
			}
			cfg := startAPIServer(t)
			apply(t, cfg, disk.Objects)

			res, err := live.Load(context.Background(), live.Options{RESTConfig: cfg})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range res.Errors {
				t.Errorf("live scan error: %s", e.Error())
			}
			fromDisk := findingKeys(disk.Objects, nil)
			ids := map[cluster.ObjectID]bool{}
			for _, o := range disk.Objects {
				ids[o.ID] = true
			}
			fromCluster := findingKeys(res.Objects, ids)
			if len(fromDisk) == 0 && name != "hardened" {
				t.Fatal("the scenario produced no findings from files")
			}
			missing, extra := diff(fromDisk, fromCluster)
			for _, k := range missing {
				t.Errorf("found in files, not in the cluster: %s", k)
			}
			for _, k := range extra {
				t.Errorf("found in the cluster, not in files:  %s", k)
			}
			for _, o := range res.Objects {
				if ids[o.ID] && (o.Origin.ResourceVersion == "" || o.Origin.Server == "") {
					t.Errorf("%s: live origin lacks server or resourceVersion: %+v", o.ID, o.Origin)
				}
			}
		})
	}
}

// findingKeys runs every check; with only set, it keeps the findings on
// those objects.
func findingKeys(objects []*cluster.Object, only map[cluster.ObjectID]bool) []string {
	res := check.Run(cluster.NewSnapshot(objects), check.Options{})
	var keys []string
	for _, f := range res.Findings {
		if only == nil || only[f.Object] {
			keys = append(keys, key(f))
		}
	}
	sort.Strings(keys)
	return keys
}

// diff returns what is in want and not in got, and the reverse, counting
// duplicates.
func diff(want, got []string) (missing, extra []string) {
	count := map[string]int{}
	for _, k := range want {
		count[k]++
	}
	for _, k := range got {
		count[k]--
	}
	for k, n := range count {
		for ; n > 0; n-- {
			missing = append(missing, k)
		}
		for ; n < 0; n++ {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	return missing, extra
}
