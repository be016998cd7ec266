#!/usr/bin/env bash
# Builds the upstream control plane used by Cairn's integration tests from the Go module proxy, at pinned
# versions, into a cache outside the work tree (shared by every clone on this machine). Idempotent: with
# everything cached it only checks versions and returns in seconds.
#
#   scripts/testenv/build.sh            build what is missing
#   scripts/testenv/build.sh --print    print the bin directory and exit
#
# Env: CAIRN_TESTENV_CACHE (default ~/.cache/cairn/testenv).
set -euo pipefail

K8S_VERSION=1.35.4        # k8s.io/kubernetes; staging modules at v0.35.4
ETCD_VERSION=3.6.16       # kubeadm pairs 1.35 with etcd 3.6.x
KWOK_VERSION=0.8.0
HELM_VERSION=3.21.4
VERSITYGW_VERSION=1.8.0   # S3-compatible server (Apache-2.0) for the storage tests; not in BIN's name, checked by --version

CACHE=${CAIRN_TESTENV_CACHE:-$HOME/.cache/cairn/testenv}
BIN="$CACHE/bin-k8s$K8S_VERSION-etcd$ETCD_VERSION-kwok$KWOK_VERSION-helm$HELM_VERSION"
if [ "${1:-}" = "--print" ]; then echo "$BIN"; exit 0; fi

export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 GOPROXY=${GOPROXY:-https://proxy.golang.org,direct}
log() { printf '[testenv-build %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
# `cmd | grep -q` under pipefail can fail with SIGPIPE when grep exits first: capture, then match.
reports() { local out; out=$("${@:2}" 2>&1) || return 1; [[ $out == *"$1"* ]]; }
die() { log "FAILED: $*"; exit 1; }
command -v go >/dev/null || die "go is not on PATH; the control plane is built from Go modules"

mkdir -p "$BIN"
start=$(date +%s)


# --- kube-apiserver, kube-controller-manager, kube-scheduler, kubectl -------------------------------
k8s_ok() {
  for b in kube-apiserver kube-controller-manager kube-scheduler; do
    [ -x "$BIN/$b" ] && reports "v$K8S_VERSION" "$BIN/$b" --version || return 1
  done
  [ -x "$BIN/kubectl" ] && reports "v$K8S_VERSION" "$BIN/kubectl" version --client
}
if k8s_ok; then
  log "kubernetes v$K8S_VERSION: cached"
else
  log "kubernetes v$K8S_VERSION: building kube-apiserver, kube-controller-manager, kube-scheduler, kubectl (cold: tens of minutes on 2 cores)"
  W="$CACHE/build/k8s-$K8S_VERSION"; rm -rf "$W"; mkdir -p "$W"; cd "$W"
  printf 'module local/k8sbuild\n\ngo 1.25.0\n\ngodebug default=go1.25\n' > go.mod
  KGOMOD=$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's|.*"GoMod": "\(.*\)".*|\1|p')
  [ -f "$KGOMOD" ] || die "could not download k8s.io/kubernetes@v$K8S_VERSION"
  # Every staging module is replaced by its published v0.X.Y twin; this must happen before requiring k8s.
  for m in $(sed -n 's|^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/src/.*|\1|p' "$KGOMOD"); do
    go mod edit -replace="$m=$m@v0.${K8S_VERSION#1.}"
  done
  go mod edit -require="k8s.io/kubernetes@v$K8S_VERSION"
  cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
  log "resolving modules"
  go mod tidy >/dev/null 2>"$W/tidy.log" || { tail -20 "$W/tidy.log" >&2; die "go mod tidy for kubernetes"; }
  minor=${K8S_VERSION#1.}; minor=${minor%%.*}
  LD="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    LD="$LD -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
    log "go build $cmd"
    go build -trimpath -ldflags "$LD" -o "$BIN/$cmd" "k8s.io/kubernetes/cmd/$cmd" || die "go build $cmd"
  done
  k8s_ok || die "built kubernetes binaries do not report v$K8S_VERSION"
fi

# --- etcd (its go.mod has replace directives: build it as a dependency of a wrapper module) -----------
if [ -x "$BIN/etcd" ] && reports "etcd Version: $ETCD_VERSION" "$BIN/etcd" --version; then
  log "etcd v$ETCD_VERSION: cached"
else
  log "etcd v$ETCD_VERSION: building"
  W="$CACHE/build/etcd-$ETCD_VERSION"; rm -rf "$W"; mkdir -p "$W"; cd "$W"
  printf 'module local/etcdbuild\n\ngo 1.25.0\n' > go.mod
  go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >/dev/null 2>"$W/get.log" || { tail -20 "$W/get.log" >&2; die "go get etcd"; }
  go build -trimpath -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3 || die "go build etcd"
  reports "etcd Version: $ETCD_VERSION" "$BIN/etcd" --version || die "etcd does not report $ETCD_VERSION"
fi

# --- kwok ---------------------------------------------------------------------------------------------
if [ -x "$BIN/kwok" ] && reports "$KWOK_VERSION" "$BIN/kwok" --version; then
  log "kwok v$KWOK_VERSION: cached"
else
  log "kwok v$KWOK_VERSION: building"
  W="$CACHE/build/kwok-$KWOK_VERSION"; rm -rf "$W"; mkdir -p "$W"
  GOBIN="$W" go install -trimpath -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=v$KWOK_VERSION" \
    "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION" || die "go install kwok"
  mv "$W/kwok" "$BIN/kwok"
  reports "$KWOK_VERSION" "$BIN/kwok" --version || die "kwok does not report $KWOK_VERSION: $("$BIN/kwok" --version 2>&1)"
fi
# kwok's stage definitions ship in its module; copy the ones the test environment uses.
KMOD="$(go env GOMODCACHE)/sigs.k8s.io/kwok@v$KWOK_VERSION/kustomize/stage"
if [ ! -s "$BIN/kwok-stages.yaml" ]; then
  [ -d "$KMOD" ] || (cd "$(mktemp -d)" && go mod download "sigs.k8s.io/kwok@v$KWOK_VERSION") || die "download kwok module"
  for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
           pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
    cat "$KMOD/$f"; printf '\n---\n'
  done > "$BIN/kwok-stages.yaml.tmp" && mv "$BIN/kwok-stages.yaml.tmp" "$BIN/kwok-stages.yaml"
fi

# --- helm ---------------------------------------------------------------------------------------------
if [ -x "$BIN/helm" ] && reports "v$HELM_VERSION" "$BIN/helm" version --short; then
  log "helm v$HELM_VERSION: cached"
else
  log "helm v$HELM_VERSION: building"
  W="$CACHE/build/helm-$HELM_VERSION"; rm -rf "$W"; mkdir -p "$W"
  GOBIN="$W" go install -trimpath -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION" \
    "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION" || die "go install helm"
  mv "$W/helm" "$BIN/helm"
  reports "v$HELM_VERSION" "$BIN/helm" version --short || die "helm does not report v$HELM_VERSION"
fi

# --- versitygw: an S3-compatible server over a folder (its posix backend), for the storage tests --------
if [ -x "$BIN/versitygw" ] && reports "v$VERSITYGW_VERSION" "$BIN/versitygw" --version; then
  log "versitygw v$VERSITYGW_VERSION: cached"
else
  log "versitygw v$VERSITYGW_VERSION: building (cold: a few minutes on 2 cores)"
  W="$CACHE/build/versitygw-$VERSITYGW_VERSION"; rm -rf "$W"; mkdir -p "$W"
  GOBIN="$W" go install -trimpath \
    -ldflags "-s -w -X main.Version=v$VERSITYGW_VERSION -X main.Build=go-module-proxy -X main.BuildTime=1970-01-01T00:00:00Z" \
    "github.com/versity/versitygw/cmd/versitygw@v$VERSITYGW_VERSION" || die "go install versitygw"
  mv "$W/versitygw" "$BIN/versitygw"
  reports "v$VERSITYGW_VERSION" "$BIN/versitygw" --version || die "versitygw does not report v$VERSITYGW_VERSION: $("$BIN/versitygw" --version 2>&1)"
fi

rm -rf "$CACHE/build"
log "ready in $(( $(date +%s) - start ))s: $BIN ($(du -sh "$BIN" | cut -f1))"
echo "$BIN"
