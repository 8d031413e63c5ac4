#!/usr/bin/env bash
# Prints the directory of Istio's `manifests/` (charts, profiles) for ISTIO_VERSION (default: the
# pinned one of scripts/istio-version.sh), downloading the istio.io/istio module through the Go module
# proxy into Go's module cache on first use. The module cache is read-only and keyed by version,
# so a second call only prints the path.
#
# usage: scripts/fetch-istio.sh [VERSION]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/istio-version.sh"
[ $# -le 1 ] || { echo "usage: $0 [VERSION]" >&2; exit 2; }
[ $# -eq 0 ] || ISTIO_VERSION=$1
command -v go >/dev/null || export PATH=$PATH:/usr/local/go/bin
command -v go >/dev/null || { echo "[istio-fetch] Go is missing: install Go at /usr/local/go (iop takes Istio's charts from the Go module proxy)" >&2; exit 1; }
json=$(GOFLAGS=-mod=mod go mod download -json "$ISTIO_MODULE@$ISTIO_VERSION") || {
  echo "[istio-fetch] could not download $ISTIO_MODULE@$ISTIO_VERSION through the Go module proxy:" >&2
  echo "$json" >&2
  exit 1
}
dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$/\1/p')
if [ -z "$dir" ] || [ ! -d "$dir/manifests/charts" ]; then
  echo "[istio-fetch] $ISTIO_MODULE@$ISTIO_VERSION has no manifests/charts (got dir '$dir')" >&2
  exit 1
fi
echo "$dir/manifests"
