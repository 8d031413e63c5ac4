#!/usr/bin/env bash
# clang-tidy with the checks of .clang-tidy on the C++ sources changed against BASE (files git
# does not track yet count as changed). Needs the build dir's compile_commands.json.
#
# usage: scripts/lint.sh BUILD_DIR [BASE]    (make lint)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: $0 BUILD_DIR [BASE]}
base=${2:-main}
tidy=$(command -v clang-tidy-14 || command -v clang-tidy || true)
[ -n "$tidy" ] || { echo "[lint] clang-tidy is missing (scripts/setup.sh installs clang-tidy-14)" >&2; exit 1; }
[ -f "$build/compile_commands.json" ] || { echo "[lint] $build/compile_commands.json is missing: configure first (make configure)" >&2; exit 1; }
cd "$root"
mapfile -t files < <({ git diff --name-only --diff-filter=d "$base" -- '*.cpp'; git ls-files --others --exclude-standard -- '*.cpp'; } | sort -u)
# Only translation units the build knows (generated and fuzz sources have their own builds).
known=()
for f in "${files[@]}"; do
  grep -q "\"file\": \"$root/$f\"" "$build/compile_commands.json" && known+=("$f")
done
if [ ${#known[@]} -eq 0 ]; then echo "[lint] no changed C++ file against $base"; exit 0; fi
echo "[lint] clang-tidy on ${#known[@]} file(s) changed against $base"
status=0
for f in "${known[@]}"; do
  "$tidy" -p "$build" --quiet "$f" 2>/dev/null || status=1
done
[ $status = 0 ] && echo "[lint] clean"
exit $status
