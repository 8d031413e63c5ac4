#!/usr/bin/env bash
# Writes the IstioOperator CRD to OUT: tools/crdgen (ours, Go standard library only; built once
# and cached in ~/.cache/iop/ by the hash of its source) reads Istio's API types and profiles from
# the pinned istio.io/istio module (scripts/fetch-istio.sh, through the Go module proxy) and
# turns them into the CRD's schema, descriptions included. The build runs it (CMakeLists.txt);
# `make manifests` copies its result to crds/, helm/iop/crds/ and deploy/.
#
# usage: scripts/gen-crd.sh OUT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/istio-version.sh"
[ $# -eq 1 ] || { echo "usage: $0 OUT" >&2; exit 2; }
out=$1
command -v go >/dev/null || export PATH=$PATH:/usr/local/go/bin
manifests=$("$here/fetch-istio.sh")
module=$(dirname "$manifests")
src=$here/../tools/crdgen
cache=${IOP_CACHE:-$HOME/.cache/iop}
sum=$(cat "$src/go.mod" "$src/main.go" | sha256sum | cut -c1-16)
bin=$cache/crdgen-$sum
if [ ! -x "$bin" ]; then
  mkdir -p "$cache"
  echo "[crdgen] building tools/crdgen into $bin" >&2
  (cd "$src" && GOMAXPROCS=1 GOFLAGS=-mod=mod nice go build -trimpath -o "$bin.tmp.$$" . && mv "$bin.tmp.$$" "$bin")
fi
mkdir -p "$(dirname "$out")"
"$bin" -types "$module/operator/pkg/apis/types.go" -profiles "$manifests/profiles" \
  -source "$ISTIO_MODULE@$ISTIO_VERSION" >"$out.tmp.$$"
mv "$out.tmp.$$" "$out"
