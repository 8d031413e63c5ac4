#!/usr/bin/env bash
# Builds istioctl from the Go module proxy into $ISTIOCTL_DIR (outside the repository, keyed by
# the module version): the reference that `make fidelity` compares iop's rendering with.
# A second run with the binary present only prints its path.
set -euo pipefail

. "$(cd "$(dirname "$0")/../../scripts" && pwd)/istio-version.sh"
IOP_CACHE=${IOP_CACHE:-$HOME/.cache/iop}
ISTIOCTL_DIR=$IOP_CACHE/istioctl-$ISTIO_VERSION
bin=$ISTIOCTL_DIR/istioctl

if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

# Parallel callers wait for one build instead of racing it. Its own lock, not the Kubernetes
# build's: the two share nothing but the module cache, which go locks itself.
mkdir -p "$IOP_CACHE"
exec 9>"$IOP_CACHE/istioctl-build.lock"
flock 9
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

command -v go >/dev/null || export PATH=$PATH:/usr/local/go/bin
export GOFLAGS=-mod=mod CGO_ENABLED=0
# The machine's two cores are shared: one compile at a time keeps the others responsive.
export GOMAXPROCS=${GOMAXPROCS:-1}
log() { echo "[build-istioctl] $*" >&2; }

work=$IOP_CACHE/src/istioctl-$ISTIO_VERSION
mkdir -p "$work"
cd "$work"

log "resolving $ISTIO_MODULE@$ISTIO_VERSION"
modfile=$(go mod download -json "$ISTIO_MODULE@$ISTIO_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
[ -n "$modfile" ] || { log "go mod download gave no go.mod for $ISTIO_MODULE@$ISTIO_VERSION"; exit 1; }

# A consumer module ignores istio's replace directives, so mirror them in the wrapper. Only
# module-to-module replacements can be mirrored; a local-path one cannot be followed from the
# proxy, so stop and say which rather than build something that differs from istio's own.
replaces=$(awk '
  /^replace[ \t]*\(/ { inblock = 1; next }
  inblock && /^\)/   { inblock = 0; next }
  inblock            { print; next }
  /^replace[ \t]/    { sub(/^replace[ \t]+/, ""); print }
' "$modfile" | sed 's,//.*,,' | awk 'NF')
if echo "$replaces" | grep -qE '=>[[:space:]]*\.{1,2}/'; then
  log "istio's go.mod replaces a module with a local path; cannot build from the proxy:"
  echo "$replaces" | grep -E '=>[[:space:]]*\.{1,2}/' >&2
  exit 1
fi
{
  echo "module iop.local/istioctlbuild"
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
log "wrapper go.mod mirrors $(echo -n "$replaces" | grep -c . || true) replace directive(s)"

go get "$ISTIO_MODULE/istioctl/cmd/istioctl@$ISTIO_VERSION" >&2

# Version stamps as istio's Makefile sets them (VERSION file + "-dev", the commit of the
# pseudo-version). buildHub stays unset on purpose: then istioctl does not override the
# profiles' hub/tag, so the reference images come from the profiles alone, as iop's do.
src=$(go list -m -f '{{.Dir}}' "$ISTIO_MODULE")
commit=${ISTIO_VERSION##*-}
ver="$(cat "$src/VERSION")-dev"
pv=istio.io/istio/pkg/version
ld="-s -w -X $pv.buildVersion=$ver -X $pv.buildGitRevision=$commit -X $pv.buildStatus=Clean -X $pv.buildTag=$ISTIO_VERSION"

log "building istioctl $ISTIO_VERSION (go build -p 1; tens of minutes on a cold cache)"
mkdir -p "$ISTIOCTL_DIR.tmp"
nice -n 10 go build -p 1 -trimpath -ldflags "$ld" -o "$ISTIOCTL_DIR.tmp/istioctl" "$ISTIO_MODULE/istioctl/cmd/istioctl"
"$ISTIOCTL_DIR.tmp/istioctl" version --remote=false > "$ISTIOCTL_DIR.tmp/version.txt"
echo "module $ISTIO_MODULE $ISTIO_VERSION" >> "$ISTIOCTL_DIR.tmp/version.txt"
go version >> "$ISTIOCTL_DIR.tmp/version.txt"

mkdir -p "$ISTIOCTL_DIR"
mv -f "$ISTIOCTL_DIR.tmp/version.txt" "$ISTIOCTL_DIR/version.txt"
# The binary moves last: its presence is what marks the cache complete.
mv -f "$ISTIOCTL_DIR.tmp/istioctl" "$bin"
rmdir "$ISTIOCTL_DIR.tmp" 2>/dev/null || true
log "$(head -1 "$ISTIOCTL_DIR/version.txt")"
echo "$bin"
