#!/usr/bin/env bash
# Runs the operator of one revision as a local process, exactly as the Deployment that
# `iop operator init --revision R` created would run it: the container's args and env, and the
# token of its ServiceAccount (so it may do only what the shipped RBAC allows). The cluster has
# no image of iop to run (its pods are simulated), so this is how a local cluster gets a working
# operator.
#
# usage: scripts/run-operator.sh [--revision R] [--operator-namespace NS] [--iop PATH] [--background [--log FILE]]
#
# In the foreground (the default) the log goes to stdout and Ctrl-C (or SIGTERM) stops it.
# With --background it is started in the background with its log in FILE, by default
# logs/operator-R.log of the cluster directory (the one holding $KUBECONFIG, e.g.
# build/run-cluster/logs/operator-1-8-1.log for `make run`'s), and its PID in that directory's
# pids/, so `make stop` (test/cluster/down.sh) stops it with the cluster; the script returns
# once the operator holds its leader lease (or says why it did not).
# The cluster is the one of $KUBECONFIG; iop is the one on PATH, else build/iop. Metrics and
# health listen on free loopback ports (printed), not on the pod's ports. An operator whose
# Lease or permissions are removed (`iop operator remove`) says so and exits 0.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
iop=$(command -v iop || echo "$here/../build/iop")
revision="" opns=istio-operator background="" log=""
usage="usage: $0 [--revision R] [--operator-namespace NS] [--iop PATH] [--background [--log FILE]]"
while [ $# -gt 0 ]; do
  case $1 in
    --revision) revision=$2; shift 2 ;;
    --operator-namespace) opns=$2; shift 2 ;;
    --iop) iop=$2; shift 2 ;;
    --background) background=1; shift ;;
    --log) log=$2; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
[ -n "${KUBECONFIG:-}" ] || { echo "$0: set KUBECONFIG to the cluster's kubeconfig" >&2; exit 2; }
[ -x "$iop" ] || { echo "$0: $iop is not built (make build)" >&2; exit 2; }
iop=$(cd "$(dirname "$iop")" && pwd)/$(basename "$iop")

if [ -n "$background" ]; then
  name=operator-${revision:-default}
  cluster=$(cd "$(dirname "$KUBECONFIG")" && pwd)
  if [ -z "$log" ]; then
    [ -d "$cluster/logs" ] && [ -d "$cluster/pids" ] || {
      echo "$0: $cluster is not a cluster directory of test/cluster/up.sh: say where the log goes with --log FILE" >&2
      exit 2
    }
    log=$cluster/logs/$name.log
  fi
  if [ -f "$cluster/pids/$name.pid" ] && kill -0 "$(cat "$cluster/pids/$name.pid")" 2>/dev/null; then
    echo "$0: the operator of revision ${revision:-default} already runs here (PID $(cat "$cluster/pids/$name.pid"), log $log)" >&2
    exit 1
  fi
  : >"$log"
  # A session of its own: a Ctrl-C in this shell later does not reach it.
  setsid "$0" --revision "${revision:-default}" --operator-namespace "$opns" --iop "$iop" >>"$log" 2>&1 </dev/null &
  pid=$!
  if [ -d "$cluster/pids" ]; then echo "$pid" >"$cluster/pids/$name.pid"; fi
  for _ in $(seq 1 300); do
    grep -q "acquired the lease" "$log" && break
    kill -0 "$pid" 2>/dev/null || { echo "$0: the operator exited at once; its log $log:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  grep -q "acquired the lease" "$log" || echo "$0: the operator has not got its leader lease after 30 s; see $log" >&2
  echo "The operator of revision ${revision:-default} runs in the background (PID $pid); its log: $log"
  exit 0
fi
if [ "$revision" = default ]; then revision=""; fi
# Debian's interpreter: a pyenv shim earlier on PATH costs a second per start.
python=/usr/bin/python3; [ -x "$python" ] || python=python3
deployment=istio-operator${revision:+-$revision}

spec=$(kubectl -n "$opns" get deployment "$deployment" -o json) || {
  echo "$0: no Deployment $opns/$deployment: run \`iop operator init${revision:+ --revision $revision}\` first" >&2
  exit 1
}
work=$(mktemp -d "${TMPDIR:-/tmp}/iop-operator-XXXXXX")
trap 'rm -rf "$work"' EXIT

# The Deployment's ServiceAccount, args (minus the pod's bind addresses) and env, one per line.
read_pod() { "$python" -c '
import json, sys
which, name = sys.argv[1], sys.argv[2]
pod = json.load(sys.stdin)["spec"]["template"]["spec"]
c = pod["containers"][0]
if which == "sa":
    print(pod.get("serviceAccountName", "default"))
elif which == "args":
    args = c.get("args", [])
    assert args and args[0] == "run", "the container does not run `iop run`: %r" % args
    for a in args[1:]:
        if not a.startswith(("--metrics-bind-address", "--health-probe-bind-address")):
            print(a)
else:
    for e in c.get("env", []):
        if "value" in e:
            print("%s=%s" % (e["name"], e["value"]))
        elif e.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "metadata.name":
            print("%s=%s-local-%s" % (e["name"], name, sys.argv[3]))
        else:
            sys.exit("env %s: only values and metadata.name are supported" % e["name"])
' "$@" <<<"$spec"; }
sa=$(read_pod sa "$deployment")
mapfile -t args < <(read_pod args "$deployment")
mapfile -t env < <(read_pod env "$deployment" $$)

# A kubeconfig of the same cluster that authenticates as the ServiceAccount.
token=$(kubectl -n "$opns" create token "$sa" --duration=24h)
server=$(kubectl config view --minify --raw -o jsonpath='{.clusters[0].cluster.server}')
kubectl config view --minify --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$work/ca.crt"
cat >"$work/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: cluster
  cluster: {server: "$server", certificate-authority: "$work/ca.crt"}
users:
- name: $opns/$sa
  user: {token: "$token"}
contexts:
- name: sa
  context: {cluster: cluster, user: $opns/$sa}
current-context: sa
KC

free_port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
metrics=$(free_port) health=$(free_port)
echo "[run-operator] $deployment as ServiceAccount $opns/$sa; metrics http://127.0.0.1:$metrics/metrics," \
  "health http://127.0.0.1:$health/readyz; Ctrl-C or SIGTERM stops it" >&2
# Not exec: the trap removes the token's kubeconfig when the operator exits. The operator gets
# a session of its own, so a Ctrl-C reaches only this script, which passes on exactly one
# SIGTERM (a second signal would make the operator exit at once, without releasing its lease).
setsid env -u KUBECONFIG "${env[@]}" "$iop" run --kubeconfig "$work/kubeconfig" \
  --metrics-bind-address "127.0.0.1:$metrics" --health-probe-bind-address "127.0.0.1:$health" "${args[@]}" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null' TERM INT
# A trapped signal ends the first wait early. The operator then gets 15 s to finish its work and
# release its lease (it cannot when the API server is gone) before it is killed.
wait $pid || true
trap - TERM INT
for _ in $(seq 1 150); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
kill -KILL $pid 2>/dev/null || true
wait $pid
