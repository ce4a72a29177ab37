#!/usr/bin/env bash
# Benchmarks palisade on synthetic clusters of 1k, 10k and 100k objects
# (DESIGN.md, "Performance practice"):
#   1. hack/benchscan: builds palisade, scans generated clusters end to end
#      and prints wall time, objects/s, peak RSS and findings per size;
#   2. go test -bench over internal/synth: decode, scan and checks alone;
#   3. the RBAC, NetworkPolicy, audit, admission, attack-path and image
#      benchmarks (image: SBOM + matching of a 300 MiB, 2,000-package image
#      against 100k advisories, target < 5 s and < 500 MiB);
#   4. a live scan of 10k objects in a real kube-apiserver (test/e2e).
#
# Environment:
#   BENCH_FULL=1        also run the 100k go benchmarks (skipped under -short)
#   BENCH_SIZES=...     sizes for benchscan (default 1000,10000,100000)
#   BENCH_RUNS=N        scans per size (default 1)
#   BENCH_STRICT=1      exit 1 when the 100k target (<10 s, <1.5 GiB) is missed
#   BENCH_TIME=...      -benchtime for go test (default 1s)
#   BENCH_PATTERN=...   -bench pattern (default .)
#   GO=...              the go command (default: go on PATH, else /usr/local/go/bin/go)
#   BENCH_LIVE_RUNS=N   live scans of the 10k-object cluster (default 3)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

go=$(command -v "${GO:-go}" || echo /usr/local/go/bin/go)
# benchscan runs "go build" itself: make sure it finds the same go.
PATH="$(dirname "$go"):$PATH"
export PATH
benchscan_args=(-sizes "${BENCH_SIZES:-1000,10000,100000}" -runs "${BENCH_RUNS:-1}")
if [[ "${BENCH_STRICT:-0}" == 1 ]]; then
	benchscan_args+=(-strict)
fi

echo "== palisade scan, end to end (hack/benchscan)"
"$go" run ./hack/benchscan "${benchscan_args[@]}"

short=(-short)
if [[ "${BENCH_FULL:-0}" == 1 ]]; then
	short=()
fi
echo "== go test -bench ./internal/synth/ ${short[*]:-(full)}"
"$go" test "${short[@]}" -run '^$' -bench "${BENCH_PATTERN:-.}" -benchtime "${BENCH_TIME:-1s}" -benchmem -timeout 60m ./internal/synth/

# The engines on their own generated clusters: RBAC who-can over 10k roles
# and 10k bindings (target < 5 ms), the NetworkPolicy class matrix of 10k
# pods and 1k policies (target < 2 s, < 500 MiB), audit analysis of 1M
# events on one core (target >= 150k events/s, < 200 MiB).
echo "== RBAC engine (internal/rbac)"
"$go" test -run '^$' -bench 'WhoCan|Build|Allowed' -benchtime "${BENCH_TIME:-1s}" -benchmem ./internal/rbac/
echo "== NetworkPolicy engine (internal/netpol)"
"$go" test -run '^$' -bench 'Engine10k|Matrix10k' -benchtime 5x -benchmem ./internal/netpol/
echo "== audit analysis (internal/audit), one core"
"$go" test -run '^$' -bench AnalyzeFile -benchtime 1x -cpu 1 ./internal/audit/
# The admission handler alone; the load test against a running webhook
# (p50/p99 at 2,000 requests/s, memory over time) is hack/webhookload, whose
# doc comment gives the three commands.
echo "== admission review (internal/admission)"
"$go" test -run '^$' -bench ReviewDeployment -benchtime "${BENCH_TIME:-1s}" -benchmem ./internal/admission/
echo "== attack paths: graph build and search (internal/attackpath)"
"$go" test "${short[@]}" -run '^$' -bench BuildAndSearch -benchtime 1x ./internal/attackpath/
# A generated Debian 12 image of ~300 MiB with 2,000 dpkg packages, read
# from an OCI layout, inventoried, matched against 100k generated advisories
# and written as CycloneDX (peak RSS includes building the fixtures).
echo "== image scan: inventory + matching + SBOM (internal/imagescan)"
"$go" test -run '^$' -bench ImagePipeline -benchtime 3x -timeout 20m ./internal/imagescan/ 2>&1 | grep -v '^20[0-9][0-9]/'
echo "== palisade image as a user runs it: wall time and the process's peak RSS (hack/benchimage)"
"$go" run ./hack/benchimage -runs "${BENCH_RUNS:-1}" 2>&1 | grep -v '^20[0-9][0-9]/'
echo "== vulnerability store: import of 100k advisories, matching (internal/vulndb)"
"$go" test -run '^$' -bench . -benchtime 1x -timeout 20m ./internal/vulndb/

# Live scan of a generated 10k-object cluster loaded into a real
# kube-apiserver (test/e2e): objects/s, the scan's own CPU seconds (the API
# server is another process) and the heap the scan holds.
echo "== live scan against kube-apiserver (test/e2e)"
KUBEBUILDER_ASSETS="${KUBEBUILDER_ASSETS:-$(bash hack/testbin.sh)}"
export KUBEBUILDER_ASSETS
"$go" test -run '^$' -bench BenchmarkLiveScan10k -benchtime "${BENCH_LIVE_RUNS:-3}x" -timeout 30m ./test/e2e/
