#!/usr/bin/env bash
# Builds the Prometheus server used by the rollout-analysis integration tests from its Go module, at a pinned
# version, into its own cache directory keyed by that version (not the control plane's bin directory: bumping
# Prometheus must never invalidate the Kubernetes build). Built on demand by the first test that needs it;
# idempotent: with the binary cached it only checks the version and returns in a second.
#
#   scripts/testenv/build-prometheus.sh           build when missing, then print the binary's path
#   scripts/testenv/build-prometheus.sh --print   print the binary's path and exit
#
# Env: CAIRN_TESTENV_CACHE (default ~/.cache/cairn/testenv).
set -euo pipefail

PROMETHEUS_MODULE_VERSION=0.316.0   # github.com/prometheus/prometheus v0.316.0 is Prometheus 3.16.0
PROMETHEUS_VERSION=3.16.0

CACHE=${CAIRN_TESTENV_CACHE:-$HOME/.cache/cairn/testenv}
DIR="$CACHE/prometheus-$PROMETHEUS_VERSION"
if [ "${1:-}" = "--print" ]; then echo "$DIR/prometheus"; exit 0; fi

export GOTOOLCHAIN=local GOFLAGS=-mod=mod CGO_ENABLED=0 GOPROXY=${GOPROXY:-https://proxy.golang.org,direct}
log() { printf '[testenv-build %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
reports() { local out; out=$("${@:2}" 2>&1) || return 1; [[ $out == *"$1"* ]]; }
die() { log "FAILED: $*"; exit 1; }
command -v go >/dev/null || die "go is not on PATH; Prometheus is built from its Go module"

# Test files run in parallel and each may ask for the binary: one builds, the others wait for it, then find it cached.
mkdir -p "$CACHE"
exec 9>"$CACHE/prometheus-$PROMETHEUS_VERSION.lock"
if ! flock -n 9; then
  log "prometheus v$PROMETHEUS_VERSION: another process is building it; waiting"
  flock 9
fi

if [ -x "$DIR/prometheus" ] && reports "version $PROMETHEUS_VERSION" "$DIR/prometheus" --version; then
  log "prometheus v$PROMETHEUS_VERSION: cached"
  echo "$DIR/prometheus"; exit 0
fi

start=$(date +%s)
log "prometheus v$PROMETHEUS_VERSION: building cmd/prometheus (cold: about 17 minutes on 2 busy cores; seconds with a warm Go build cache)"
# remove_all_sd is Prometheus's own build tag that leaves out every service discovery but static, file and
# http (plugins/minimum.go): the cloud SDKs (AWS, Azure, GCE, ...) are not compiled (client-go still is:
# cmd/prometheus imports it). Without the builtinassets tag the web UI is not embedded; the tests use only the
# HTTP API.
W="$CACHE/build/prometheus-$PROMETHEUS_VERSION"; rm -rf "$W"; mkdir -p "$W" "$DIR"
V=github.com/prometheus/common/version
# go install is silent for minutes: a progress line every minute shows the build is alive.
# Neither the loop nor its sleep keeps the build lock (fd 9) or the caller's stderr pipe open once killed.
( exec 9>&-; while sleep 60 </dev/null >/dev/null 2>&1; do log "prometheus v$PROMETHEUS_VERSION: still building ($(( $(date +%s) - start ))s)"; done ) &
heartbeat=$!
trap 'kill "$heartbeat" 2>/dev/null || true' EXIT
# nice: the build may run beside other test files (a test builds it on demand); they keep their share of CPU.
GOBIN="$W" nice -n 10 go install -trimpath -tags remove_all_sd \
  -ldflags "-s -w -X $V.Version=$PROMETHEUS_VERSION -X $V.Revision=go-module-proxy -X $V.Branch=v$PROMETHEUS_MODULE_VERSION -X $V.BuildUser=cairn -X $V.BuildDate=19700101-00:00:00" \
  "github.com/prometheus/prometheus/cmd/prometheus@v$PROMETHEUS_MODULE_VERSION" || die "go install github.com/prometheus/prometheus/cmd/prometheus@v$PROMETHEUS_MODULE_VERSION"
mv "$W/prometheus" "$DIR/prometheus"
rm -rf "$W"; rmdir "$CACHE/build" 2>/dev/null || true  # only when empty: build.sh may be using it
reports "version $PROMETHEUS_VERSION" "$DIR/prometheus" --version || die "prometheus does not report version $PROMETHEUS_VERSION: $("$DIR/prometheus" --version 2>&1)"
log "prometheus v$PROMETHEUS_VERSION: built in $(( $(date +%s) - start ))s: $DIR/prometheus ($(du -sh "$DIR/prometheus" | cut -f1))"
echo "$DIR/prometheus"
