#!/usr/bin/env bash
# Builds kube-apiserver, kube-controller-manager, kube-scheduler, etcd and kwok from the Go
# module proxy into $KUBE_BIN (outside the repository, keyed by version). A second run with the
# binaries present only prints their directory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"

want=(kube-apiserver kube-controller-manager kube-scheduler etcd kwok kwok-stages.yaml)
missing=0
for b in "${want[@]}"; do [ -e "$KUBE_BIN/$b" ] || missing=1; done
if [ $missing = 0 ]; then echo "$KUBE_BIN"; exit 0; fi

# Parallel callers (ctest -j, several checkouts) wait for one build instead of racing it.
mkdir -p "$IOP_CACHE"
exec 9>"$IOP_CACHE/build.lock"
flock 9
missing=0
for b in "${want[@]}"; do [ -e "$KUBE_BIN/$b" ] || missing=1; done
if [ $missing = 0 ]; then echo "$KUBE_BIN"; exit 0; fi

command -v go >/dev/null || export PATH=$PATH:/usr/local/go/bin
export GOFLAGS=-mod=mod CGO_ENABLED=0
work=$IOP_CACHE/src
mkdir -p "$work" "$KUBE_BIN.tmp"
log() { echo "[build-kube] $*" >&2; }

# Kubernetes: its go.mod replaces every staging module with a local path, which a module
# consumer cannot follow, so pin each one to the matching published v0.x release instead.
k8s=$work/kubernetes-$K8S_VERSION
if [ ! -x "$KUBE_BIN/kube-apiserver" ] || [ ! -x "$KUBE_BIN/kube-controller-manager" ] || [ ! -x "$KUBE_BIN/kube-scheduler" ]; then
  mkdir -p "$k8s"
  (
    cd "$k8s"
    log "kubernetes $K8S_VERSION: resolving modules"
    modfile=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
    {
      echo "module iop.local/kubebuild"
      echo
      echo "$(grep -m1 '^go ' "$modfile")"
      echo
      echo "require k8s.io/kubernetes $K8S_VERSION"
      echo
      echo "replace ("
      grep -oE '^\s*k8s\.io/[a-z0-9-]+ => \./staging/' "$modfile" | awk -v v="$K8S_STAGING_VERSION" '{print "\t" $1 " => " $1 " " v}'
      echo ")"
    } > go.mod
    go get "k8s.io/kubernetes/cmd/kube-apiserver@$K8S_VERSION" \
           "k8s.io/kubernetes/cmd/kube-controller-manager@$K8S_VERSION" \
           "k8s.io/kubernetes/cmd/kube-scheduler@$K8S_VERSION" >&2
    minor=$(echo "$K8S_VERSION" | cut -d. -f2)
    ld="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
    for c in kube-apiserver kube-controller-manager kube-scheduler; do
      log "building $c $K8S_VERSION (several minutes on a cold cache)"
      go build -trimpath -ldflags "$ld" -o "$KUBE_BIN.tmp/$c" "k8s.io/kubernetes/cmd/$c"
    done
  )
fi

build_simple() { # name module version package
  local name=$1 mod=$2 ver=$3 pkg=$4 dir=$work/$1-$3
  mkdir -p "$dir"
  (
    cd "$dir"
    log "building $name $ver"
    printf 'module iop.local/%sbuild\n\ngo 1.24\n' "$name" > go.mod
    go get "$pkg@$ver" >&2
    go build -trimpath -ldflags "-s -w" -o "$KUBE_BIN.tmp/$name" "$pkg"
  )
}
[ -x "$KUBE_BIN/etcd" ] || build_simple etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION" go.etcd.io/etcd/server/v3
[ -x "$KUBE_BIN/kwok" ] || build_simple kwok sigs.k8s.io/kwok "$KWOK_VERSION" sigs.k8s.io/kwok/cmd/kwok
# kwok does nothing without stages: take its own "fast" node and pod stages from the module.
if [ ! -e "$KUBE_BIN/kwok-stages.yaml" ]; then
  kwok_src=$(cd "$work/kwok-$KWOK_VERSION" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
  for f in "$kwok_src"/kustomize/stage/node/fast/*.yaml "$kwok_src"/kustomize/stage/pod/fast/*.yaml; do
    case "$f" in */kustomization.yaml) continue ;; esac
    echo "---"; cat "$f"
  done > "$KUBE_BIN.tmp/kwok-stages.yaml"
fi

mkdir -p "$KUBE_BIN"
for b in "$KUBE_BIN.tmp"/*; do [ -e "$b" ] && mv -f "$b" "$KUBE_BIN/"; done
rmdir "$KUBE_BIN.tmp" 2>/dev/null || true
echo "$KUBE_BIN"
