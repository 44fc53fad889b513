#!/usr/bin/env bash
# Build (once) and cache a pinned FerretDB binary from the Go module proxy.
#
# Usage: .ci/install-ferretdb.sh            -> last stdout line is the binary path
#
# Env:
#   FERRETDB_VERSION  module version to build (default: v1.24.2, the newest v1.24.x on the proxy)
#   FERRETDB_CACHE    directory holding the binary
#                     (default: $HOME/.cache/ledgerflow/ferretdb-<version>)
#
# Only needs a Go toolchain (FerretDB v1.24.x declares `go 1.24`) and a Go module proxy.
# Why not `go install ...@version`: it lists module versions (@v/list), which some
# proxies forbid, and the module zip ships an empty build/version/version.txt, so a
# binary built straight from the module cache panics at startup
# ("Invalid build/version/version.txt file content"). We therefore copy the pinned
# module source, write version.txt, and build it as the main module with its own go.sum.
# The SQLite backend (pure Go, modernc.org/sqlite) is compiled in by default; no build
# tags are needed (only `ferretdb_no_sqlite` would remove it).
set -euo pipefail

FERRETDB_VERSION="${FERRETDB_VERSION:-v1.24.2}"
MODULE="github.com/FerretDB/FerretDB"
CACHE_DIR="${FERRETDB_CACHE:-$HOME/.cache/ledgerflow/ferretdb-${FERRETDB_VERSION}}"
BIN="${CACHE_DIR}/ferretdb"

log() { echo "install-ferretdb: $*" >&2; }

if [[ -x "$BIN" ]] && "$BIN" --version >/dev/null 2>&1; then
  log "already installed: $BIN"
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null 2>&1 || { log "error: 'go' not found in PATH"; exit 1; }

mkdir -p "$CACHE_DIR"

# Serialize concurrent installs into the same cache dir (best effort).
if command -v flock >/dev/null 2>&1; then
  exec 9>"${CACHE_DIR}/.install.lock"
  flock 9
  if [[ -x "$BIN" ]] && "$BIN" --version >/dev/null 2>&1; then
    log "installed concurrently: $BIN"
    echo "$BIN"
    exit 0
  fi
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/ferretdb-build.XXXXXX")"
cleanup() { chmod -R u+w "$WORK" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

# Isolate from any surrounding module / workspace / user flags.
export GO111MODULE=on GOWORK=off GOFLAGS="-mod=mod -buildvcs=false"

start=$(date +%s)
log "downloading ${MODULE}@${FERRETDB_VERSION} from ${GOPROXY:-$(go env GOPROXY)}"
json="$(cd "$WORK" && go mod download -json "${MODULE}@${FERRETDB_VERSION}")"
src_dir="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' | head -n1)"
commit="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Hash": "\([0-9a-f]*\)",\{0,1\}$/\1/p' | head -n1)"
if [[ -z "$src_dir" || ! -f "$src_dir/go.mod" ]]; then
  log "error: could not locate downloaded module source; go mod download output:"
  printf '%s\n' "$json" >&2
  exit 1
fi

cp -R "$src_dir" "$WORK/src"
chmod -R u+w "$WORK/src"
printf '%s\n' "$FERRETDB_VERSION" >"$WORK/src/build/version/version.txt"
[[ -n "$commit" ]] && printf '%s\n' "$commit" >"$WORK/src/build/version/commit.txt"
printf '%s\n' "go-module" >"$WORK/src/build/version/package.txt"

log "building (pure Go, CGO_ENABLED=0; takes ~1-3 min on a cold cache)"
(cd "$WORK/src" && CGO_ENABLED=0 go build -trimpath -o "$WORK/ferretdb" ./cmd/ferretdb) >&2

"$WORK/ferretdb" --version >&2

cp "$WORK/ferretdb" "${BIN}.tmp.$$"
chmod 0755 "${BIN}.tmp.$$"
mv -f "${BIN}.tmp.$$" "$BIN"
log "installed $BIN in $(($(date +%s) - start))s"
echo "$BIN"
