#!/usr/bin/env bash
# Builds and runs the libFuzzer targets of fuzz/ with clang++-14 (ASan + UBSan), apart from the
# main g++ build.
#   fuzz/run.sh build DIR               configure and build into DIR
#   fuzz/run.sh run DIR SECONDS [T...]  run each target (default: all) for SECONDS over its seed
#                                       corpus fuzz/corpus/<target>/; new inputs go to
#                                       DIR/corpus/<target>/, crashes to DIR/crashes/
# Exits non-zero when a target crashes (the input is in DIR/crashes/: add it to the seed corpus
# once fixed, as a regression seed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
targets_all=(cr_parse_render overlays validate apply_prepare template)
cmd=${1:?usage: $0 build|run DIR [SECONDS [TARGET...]]}
dir=${2:?usage: $0 build|run DIR [SECONDS [TARGET...]]}
case $cmd in
  build)
    if [ ! -f "$dir/build.ninja" ]; then
      CXX=${FUZZ_CXX:-clang++-14} cmake -S "$here" -B "$dir" -G Ninja >/dev/null
    fi
    cmake --build "$dir" -j "${JOBS:-2}"
    ;;
  run)
    seconds=${3:?seconds}
    shift 3
    targets=("$@")
    [ ${#targets[@]} -gt 0 ] || targets=("${targets_all[@]}")
    mkdir -p "$dir/crashes"
    for t in "${targets[@]}"; do
      mkdir -p "$dir/corpus/$t"
      echo "fuzzing $t for ${seconds}s"
      # A CR's targets run under the budgets iop promises (reconcilers/api/budgets.h): one
      # allocation over 256 MiB is a finding, like a crash. Time is not: a valid CR renders all of
      # Istio's charts, which under ASan and UBSan on a busy 2-core machine took 7 s, so the
      # timeout only catches hangs; the 2 s promise is checked on the real binary
      # (test/unit/fault/bad_crs_test.cpp). The template engine's input is a chart, bounded by its
      # own limits.
      limits=(-timeout=15 -rss_limit_mb=1024 -malloc_limit_mb=256)
      [ "$t" != template ] || limits=(-timeout=10 -rss_limit_mb=2048)
      "$dir/fuzz_$t" -max_total_time="$seconds" "${limits[@]}" -print_final_stats=1 \
        -artifact_prefix="$dir/crashes/$t-" "$dir/corpus/$t" "$here/corpus/$t"
    done
    ;;
  *)
    echo "usage: $0 build|run DIR [SECONDS [TARGET...]]" >&2
    exit 2
    ;;
esac
