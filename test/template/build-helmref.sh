#!/usr/bin/env bash
# Builds test/template/helmref (Helm v4's own template engine behind a small CLI) from the Go module
# proxy into ~/.cache/iop/helmref-<version>-<hash of main.go>/helmref and prints its path. Cached: a
# second call only prints the path; parallel callers wait on a lock.
set -euo pipefail
HELM_VERSION=v4.2.0
SPRIG_VERSION=v3.3.0
here=$(cd "$(dirname "$0")" && pwd)
src_main=$here/helmref/main.go
sum=$(sha256sum "$src_main" | cut -c1-12)
cache=${IOP_CACHE:-$HOME/.cache/iop}
out=$cache/helmref-$HELM_VERSION-$sum
if [ -x "$out/helmref" ]; then echo "$out/helmref"; exit 0; fi
mkdir -p "$cache"
exec 9>"$cache/helmref-build.lock"
flock 9
if [ -x "$out/helmref" ]; then echo "$out/helmref"; exit 0; fi
command -v go >/dev/null || export PATH=$PATH:/usr/local/go/bin
export GOFLAGS=-mod=mod CGO_ENABLED=0
export GOMAXPROCS=${GOMAXPROCS:-1}
src=$cache/src/helmref-$HELM_VERSION
mkdir -p "$src" "$out.tmp"
cd "$src"
printf 'module iop.local/helmref\n\ngo 1.24\n' > go.mod
cp "$src_main" main.go
echo "[build-helmref] helm $HELM_VERSION, sprig $SPRIG_VERSION" >&2
nice go get "helm.sh/helm/v4@$HELM_VERSION" "github.com/Masterminds/sprig/v3@$SPRIG_VERSION" >&2
nice go mod tidy >&2
nice go build -trimpath -o "$out.tmp/helmref" . >&2
mkdir -p "$out" && mv "$out.tmp/helmref" "$out/helmref" && rmdir "$out.tmp"
echo "$out/helmref"
