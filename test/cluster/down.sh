#!/usr/bin/env bash
# Stops exactly the processes that up.sh started in DIR (by the PIDs it recorded): SIGTERM,
# then SIGKILL after a grace period. Removes nothing outside DIR.
set -uo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$1
[ -d "$dir/pids" ] || exit 0
# Stop in reverse order of start so nothing logs errors about a dependency vanishing first.
order=(kwok kube-scheduler kube-controller-manager kube-apiserver etcd)
for name in "${order[@]}"; do
  f=$dir/pids/$name.pid
  [ -f "$f" ] || continue
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$f"
done
echo "[cluster] stopped $dir" >&2
