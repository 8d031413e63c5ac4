#!/usr/bin/env bash
# The tests under sanitizers (make sanitize / make sanitize-unit): each sanitizer set builds
# into a directory of its own (build-asan, build-tsan; ccache shares objects between runs) and
# runs the unit tests; `all` also runs the integration tests of the threaded code (informers,
# leader election, manager, reconciler) against a cluster of its own.
#
# usage: scripts/sanitize.sh unit|all
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
mode=${1:-unit}
case "$mode" in unit|all) ;; *) echo "usage: $0 unit|all" >&2; exit 2 ;; esac
jobs=${JOBS:-$(nproc)}
# Catch2 tags of the integration tests whose code runs threads.
integration_tags='[informer],[leader],[manager],[reconciler]'

# TSan cannot map its shadow memory under a high-entropy ASLR (newer kernels), so its tests
# run under a personality without address randomization.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}

run_set() { # name sanitizers
  local name=$1 san=$2 dir=$root/build-$1
  echo "[sanitize] $name: -fsanitize=$san in $dir"
  cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIOP_SANITIZE="$san" >/dev/null
  local targets=(iop_unit_tests)
  [ "$mode" = all ] && targets+=(iop_integration_tests)
  cmake --build "$dir" -j "$jobs" --target "${targets[@]}"
  local wrap=()
  [ "$name" = tsan ] && wrap=(setarch "$(uname -m)" -R)
  echo "[sanitize] $name: unit tests"
  (cd "$dir" && "${wrap[@]}" ./test/iop_unit_tests)
  if [ "$mode" = all ]; then
    local cluster=$dir/sanitize-cluster
    bash "$root/test/cluster/up.sh" "$cluster" >/dev/null
    trap 'bash "$root/test/cluster/down.sh" "'"$cluster"'" >/dev/null 2>&1 || true' EXIT
    echo "[sanitize] $name: integration tests $integration_tags"
    (cd "$dir" && IOP_TEST_CLUSTER=$cluster "${wrap[@]}" ./test/iop_integration_tests "$integration_tags")
    bash "$root/test/cluster/down.sh" "$cluster" >/dev/null
    trap - EXIT
  fi
}

run_set asan address,undefined
run_set tsan thread
echo "[sanitize] $mode: no sanitizer reported anything"
