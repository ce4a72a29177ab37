#!/usr/bin/env bash
# Builds the real kube-apiserver, kube-controller-manager and etcd the e2e
# tests run against, from the Go module proxy at pinned versions, into a cache
# folder outside the repo:
#
#   $PALISADE_TESTBIN_CACHE (default $XDG_CACHE_HOME/palisade/testbin, else
#   ~/.cache/palisade/testbin)/k8s-<v>_etcd-<v>/
#
# A second run with the same versions costs nothing. Prints the folder, which
# is what KUBEBUILDER_ASSETS must point at.
#
# Each binary is built only when it is missing, so adding one to an existing
# folder builds just that one.
#
# kube-apiserver and kube-controller-manager live in k8s.io/kubernetes, whose
# go.mod points its staging modules (k8s.io/api, k8s.io/client-go, ...) at
# folders of its own repo. A small wrapper module requires it and replaces
# each staging module with the published v0.<minor>.<patch> version, which is
# how the module proxy serves them. Both commands are built from that one
# module, so the second build reuses the first one's compiled packages.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.37.2}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
STAGING_VERSION="v0.${K8S_VERSION#v1.}"
export PATH="/usr/local/go/bin:$PATH"

cache_root="${PALISADE_TESTBIN_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/palisade/testbin}"
dest="$cache_root/k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}"
if [ -x "$dest/kube-apiserver" ] && [ -x "$dest/kube-controller-manager" ] && [ -x "$dest/etcd" ]; then
  echo "$dest"
  exit 0
fi
mkdir -p "$dest"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

log() { echo "testbin: $*" >&2; }

# --- kube-apiserver and kube-controller-manager -------------------------------
k8s_cmds=()
for cmd in kube-apiserver kube-controller-manager; do
  [ -x "$dest/$cmd" ] || k8s_cmds+=("$cmd")
done
if [ "${#k8s_cmds[@]}" -gt 0 ]; then
  log "building ${k8s_cmds[*]} $K8S_VERSION (a cold build takes 10-20 minutes each)"
  mkdir -p "$work/k8s"
  cd "$work/k8s"
  k8s_gomod="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  {
    echo "module palisade.dev/testbin/kubernetes"
    echo
    echo "go $(sed -n 's/^go //p' "$k8s_gomod")"
    echo
    echo "require k8s.io/kubernetes $K8S_VERSION"
    echo
    echo "replace ("
    sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\t\1 => \1 '"$STAGING_VERSION"'#p' "$k8s_gomod"
    echo ")"
  } > go.mod
  cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
GO
  go mod tidy >&2
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags="$ldflags -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2)"
    ldflags="$ldflags -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done
  for cmd in "${k8s_cmds[@]}"; do
    log "building $cmd"
    CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$dest/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd"
    mv "$dest/$cmd.tmp" "$dest/$cmd"
  done
fi

# --- etcd ---------------------------------------------------------------------
if [ ! -x "$dest/etcd" ]; then
  log "building etcd $ETCD_VERSION"
  mkdir -p "$work/etcd"
  cd "$work/etcd"
  cat > go.mod <<GOMOD
module palisade.dev/testbin/etcd

go 1.26

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
GOMOD
  cat > main.go <<'GO'
// Command etcd runs etcd's own entry point.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  go mod tidy >&2
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$dest/etcd.tmp" .
  mv "$dest/etcd.tmp" "$dest/etcd"
fi

echo "$dest"
