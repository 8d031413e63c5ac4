#!/usr/bin/env bash
# Builds one of Istio's own binaries from the pinned istio.io/istio module (scripts/istio-version.sh)
# through the Go module proxy, into $IOP_CACHE/NAME-VERSION/NAME (outside the repository, keyed by
# the module version), and prints its path. A second run with the binary present only prints it.
#
#   istioctl         istio.io/istio/istioctl/cmd/istioctl       (make fidelity, istioctl analyze)
#   pilot-discovery  istio.io/istio/pilot/cmd/pilot-discovery   (istiod, run by the tests)
#
# Only that one package is built. Both binaries come from the same wrapper module requirements, so
# the second one reuses most of the first one's compiled packages from Go's build cache.
#
# usage: scripts/build-istio-binary.sh istioctl|pilot-discovery
set -euo pipefail

. "$(cd "$(dirname "$0")" && pwd)/istio-version.sh"
[ $# -eq 1 ] || { echo "usage: $0 istioctl|pilot-discovery" >&2; exit 2; }
name=$1
case $name in
  istioctl) pkg=$ISTIO_MODULE/istioctl/cmd/istioctl ;;
  pilot-discovery) pkg=$ISTIO_MODULE/pilot/cmd/pilot-discovery ;;
  *) echo "$0: unknown binary '$name' (istioctl or pilot-discovery)" >&2; exit 2 ;;
esac
IOP_CACHE=${IOP_CACHE:-$HOME/.cache/iop}
out=$IOP_CACHE/$name-$ISTIO_VERSION
bin=$out/$name

if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

# Parallel callers (ctest -j, several checkouts) wait for one build instead of racing it. A lock
# per binary, not the Kubernetes build's: they share nothing but Go's caches, which go locks itself.
mkdir -p "$IOP_CACHE"
exec 9>"$IOP_CACHE/$name-build.lock"
flock 9
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

command -v go >/dev/null || export PATH=$PATH:/usr/local/go/bin
export GOFLAGS=-mod=mod CGO_ENABLED=0
# The machine's two cores are shared: one compile at a time keeps the others responsive.
export GOMAXPROCS=${GOMAXPROCS:-1}
log() { echo "[build-$name] $*" >&2; }
started=$(date +%s)

work=$IOP_CACHE/src/$name-$ISTIO_VERSION
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
  echo "module iop.local/${name//-/}build"
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

go get "$pkg@$ISTIO_VERSION" >&2

# Version stamps as istio's Makefile sets them (VERSION file + "-dev", the commit of the
# pseudo-version). buildHub stays unset on purpose: then istioctl does not override the
# profiles' hub/tag, so the reference images come from the profiles alone, as iop's do.
src=$(go list -m -f '{{.Dir}}' "$ISTIO_MODULE")
commit=${ISTIO_VERSION##*-}
ver="$(cat "$src/VERSION")-dev"
pv=istio.io/istio/pkg/version
ld="-s -w -X $pv.buildVersion=$ver -X $pv.buildGitRevision=$commit -X $pv.buildStatus=Clean -X $pv.buildTag=$ISTIO_VERSION"

log "building $name $ISTIO_VERSION (go build -p 1; tens of minutes on a cold cache)"
mkdir -p "$out.tmp"
nice -n 10 go build -p 1 -trimpath -ldflags "$ld" -o "$out.tmp/$name" "$pkg"
# istioctl would also ask a cluster for its version; the binary's own is what is recorded.
if [ "$name" = istioctl ]; then "$out.tmp/$name" version --remote=false; else "$out.tmp/$name" version; fi > "$out.tmp/version.txt"
echo "module $ISTIO_MODULE $ISTIO_VERSION" >> "$out.tmp/version.txt"
go version >> "$out.tmp/version.txt"

mkdir -p "$out"
mv -f "$out.tmp/version.txt" "$out/version.txt"
# The binary moves last: its presence is what marks the cache complete.
mv -f "$out.tmp/$name" "$bin"
rmdir "$out.tmp" 2>/dev/null || true
log "$(head -1 "$out/version.txt"), built in $(( $(date +%s) - started )) s"
echo "$bin"
