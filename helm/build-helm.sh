#!/usr/bin/env bash
# Builds the helm CLI from the Go module proxy into ~/.cache/iop/helm-<version>/helm (cached; a
# second run only prints the path). Tests use it to lint and template the chart in helm/iop.
set -euo pipefail
HELM_VERSION=v3.22.0
cache=${IOP_CACHE:-$HOME/.cache/iop}
out=$cache/helm-$HELM_VERSION
if [ -x "$out/helm" ]; then echo "$out/helm"; exit 0; fi
mkdir -p "$cache"
exec 9>"$cache/helm-build.lock"
flock 9
if [ -x "$out/helm" ]; then echo "$out/helm"; exit 0; fi
command -v go >/dev/null || export PATH=$PATH:/usr/local/go/bin
export GOFLAGS=-mod=mod CGO_ENABLED=0
src=$cache/src/helm-$HELM_VERSION
mkdir -p "$src" "$out.tmp"
cd "$src"
printf 'module iop.local/helmbuild\n\ngo 1.24\n' > go.mod
echo "[build-helm] helm $HELM_VERSION" >&2
go get "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
go build -trimpath -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" -o "$out.tmp/helm" helm.sh/helm/v3/cmd/helm
mkdir -p "$out" && mv "$out.tmp/helm" "$out/helm" && rmdir "$out.tmp"
echo "$out/helm"
