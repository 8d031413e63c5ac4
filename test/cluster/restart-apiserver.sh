#!/usr/bin/env bash
# Kills the kube-apiserver of the test cluster in DIR (started by up.sh) and starts it again with
# exactly the flags in DIR/kube-apiserver.args, rewriting DIR/pids/kube-apiserver.pid; waits
# until /readyz answers ok. Clients connected to it see their connections drop meanwhile, so on
# a shared cluster this briefly disturbs other tests: prefer a cluster of your own.
# usage: restart-apiserver.sh DIR [DOWNTIME_SECONDS]   (sleeps that long while it is down)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 DIR [DOWNTIME_SECONDS]" >&2; exit 2; }
dir=$(cd "$1" && pwd)
downtime=${2:-0}
bin=$("$here/build.sh")
pidfile=$dir/pids/kube-apiserver.pid
[ -f "$pidfile" ] || { echo "no kube-apiserver pid file in $dir/pids" >&2; exit 1; }
pid=$(cat "$pidfile")
if kill -0 "$pid" 2>/dev/null; then
  kill -KILL "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
fi
sleep "$downtime"
# shellcheck disable=SC2046
"$bin/kube-apiserver" $(cat "$dir/kube-apiserver.args") >>"$dir/logs/kube-apiserver.log" 2>&1 &
echo $! > "$pidfile"
server=$(cat "$dir/server")
pki=$dir/pki
for _ in $(seq 1 600); do
  if curl -fsS --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "$server/readyz" >/dev/null 2>&1; then
    exit 0
  fi
  kill -0 "$(cat "$pidfile")" 2>/dev/null || { echo "kube-apiserver exited; see $dir/logs/kube-apiserver.log" >&2; exit 1; }
  sleep 0.1
done
echo "kube-apiserver did not become ready again" >&2
exit 1
