#!/usr/bin/env bash
# Prints the path of the JSON schema of an IstioOperator's `values` and `meshConfig` for
# ISTIO_VERSION (default: the pin of scripts/istio-version.sh), as istioctl validates them:
# scripts/istio-schema/main.go walks the protobuf descriptors of istio.io/istio's Values and
# istio.io/api's MeshConfig. The generator is built from the Go module proxy once per Istio
# version and generator source, and its output cached in ~/.cache/iop/istio-schema-*/ (like
# test/cluster/build.sh's binaries); later calls only print the path. CMake compiles the file
# into iop (reconcilers/api/values_schema.cpp).
#
# usage: scripts/istio-schema.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/istio-version.sh"
IOP_CACHE=${IOP_CACHE:-$HOME/.cache/iop}
src=$here/istio-schema/main.go
key=$(sha256sum "$src" | cut -c1-12)
dir=$IOP_CACHE/istio-schema-$ISTIO_VERSION-$key
out=$dir/schema.json
if [ -s "$out" ]; then echo "$out"; exit 0; fi

mkdir -p "$IOP_CACHE"
exec 9>"$IOP_CACHE/istio-schema-build.lock"
flock 9
if [ -s "$out" ]; then echo "$out"; exit 0; fi

command -v go >/dev/null || export PATH=$PATH:/usr/local/go/bin
command -v go >/dev/null || { echo "[istio-schema] Go is missing: install Go at /usr/local/go" >&2; exit 1; }
export GOFLAGS=-mod=mod CGO_ENABLED=0
export GOMAXPROCS=${GOMAXPROCS:-1}
log() { echo "[istio-schema] $*" >&2; }

work=$IOP_CACHE/src/istio-schema-$ISTIO_VERSION-$key
rm -rf "$work"
mkdir -p "$work"
cd "$work"
modfile=$(go mod download -json "$ISTIO_MODULE@$ISTIO_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
[ -n "$modfile" ] || { log "go mod download gave no go.mod for $ISTIO_MODULE@$ISTIO_VERSION"; exit 1; }
# A consumer module ignores istio's replace directives: mirror them, so the schema comes from
# the very modules istio builds with.
replaces=$(awk '
  /^replace[ \t]*\(/ { inblock = 1; next }
  inblock && /^\)/   { inblock = 0; next }
  inblock            { print; next }
  /^replace[ \t]/    { sub(/^replace[ \t]+/, ""); print }
' "$modfile" | sed 's,//.*,,' | awk 'NF')
{
  echo "module iop.local/istioschema"
  echo
  grep -m1 '^go ' "$modfile"
  echo
  echo "require $ISTIO_MODULE $ISTIO_VERSION"
  if [ -n "$replaces" ]; then
    echo
    echo "replace ("
    echo "$replaces" | sed 's/^[[:space:]]*/\t/'
    echo ")"
  fi
} > go.mod
cp "$src" main.go
log "building the schema generator for $ISTIO_MODULE@$ISTIO_VERSION"
go get "$ISTIO_MODULE/operator/pkg/apis@$ISTIO_VERSION" >&2
nice -n 10 go build -p 1 -trimpath -o istio-schema . >&2
mkdir -p "$dir"
./istio-schema "$ISTIO_VERSION" > "$out.tmp"
mv -f "$out.tmp" "$out"
log "wrote $out ($(wc -c < "$out") bytes)"
echo "$out"
