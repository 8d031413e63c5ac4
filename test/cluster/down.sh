#!/usr/bin/env bash
# Stops exactly the processes that up.sh started in DIR (by the PIDs it recorded): SIGTERM,
# then SIGKILL after a grace period. Removes nothing outside DIR.
set -uo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$1
[ -d "$dir/pids" ] || exit 0

stop() { # names... : TERM them together, wait up to 10 s, then KILL what is left
  local pids=() name pid
  for name in "$@"; do
    [ -f "$dir/pids/$name.pid" ] || continue
    pid=$(cat "$dir/pids/$name.pid")
    kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
    rm -f "$dir/pids/$name.pid"
  done
  for _ in $(seq 1 100); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && return
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
}
# Clients of the API server first, then the API server, then its storage and egress proxy, so
# nothing logs errors about a dependency vanishing first. operator-R are the operators that
# scripts/run-operator.sh --background started here (they release their leases on the way out,
# so they go before everything else).
operators=()
for f in "$dir"/pids/operator-*.pid; do [ -e "$f" ] && operators+=("$(basename "$f" .pid)"); done
[ ${#operators[@]} -eq 0 ] || stop "${operators[@]}"
# The istiods scripts/run-istiod.py started for this cluster (make run): clients like the operator.
istiods=()
for f in "$dir"/pids/istiod-*.pid; do [ -e "$f" ] && istiods+=("$(basename "$f" .pid)"); done
[ ${#istiods[@]} -eq 0 ] || stop "${istiods[@]}"
stop kwok kube-scheduler kube-controller-manager
stop kube-apiserver
stop egress-proxy etcd
echo "[cluster] stopped $dir" >&2
