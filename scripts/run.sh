#!/usr/bin/env bash
# What `make run` does once iop is built: starts the local cluster in DIR, installs the operator
# of revision 1-8-0 (`iop operator init`), runs it in the foreground as a local process with its
# ServiceAccount's token (scripts/run-operator.sh), applies the page's CRs from examples/, shows
# what a user would look at, then follows the operator's logs. Ctrl-C (or `make stop`) stops the
# operator and the cluster.
#
# usage: scripts/run.sh DIR IOP
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
[ $# -eq 2 ] || { echo "usage: $0 DIR IOP" >&2; exit 2; }
dir=$1 iop=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
revision=1-8-0

bash "$root/test/cluster/up.sh" "$dir"
dir=$(cd "$dir" && pwd)
export KUBECONFIG=$dir/kubeconfig
operator=""
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$operator" ] && kill -0 "$operator" 2>/dev/null; then
    kill -TERM "$operator" 2>/dev/null || true
    wait "$operator" 2>/dev/null || true
  fi
  bash "$root/test/cluster/down.sh" "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$iop" operator init --revision "$revision"
# Recorded with the cluster's processes, so `make stop` (down.sh) stops the operator too.
"$here/run-operator.sh" --revision "$revision" --iop "$iop" >"$dir/logs/operator-$revision.log" 2>&1 &
operator=$!
echo "$operator" >"$dir/pids/iop-operator.pid"

kubectl apply -n istio-system -f "$root/examples/control-plane-$revision.yaml" -f "$root/examples/gateways-$revision.yaml"
for cr in control-plane-$revision gateways; do
  kubectl wait -n istio-system "istiooperator/$cr" --for=jsonpath='{.status.status}'=HEALTHY --timeout=180s >/dev/null ||
    { echo "IstioOperator $cr did not become HEALTHY; the operator's log:" >&2; cat "$dir/logs/operator-$revision.log" >&2; exit 1; }
done
echo
kubectl get istiooperators,deploy,svc -n istio-system
cat <<EOF

The operator of revision $revision runs here in the foreground (its log follows); Ctrl-C stops it
and the cluster. In another terminal, continue the page's story (see README.md):
  export KUBECONFIG=$KUBECONFIG PATH=$(dirname "$iop"):\$PATH
  iop operator init --revision 1-8-1 && scripts/run-operator.sh --revision 1-8-1
  kubectl apply -n istio-system -f examples/control-plane-1-8-1.yaml

EOF
tail -n +1 -f --pid="$operator" "$dir/logs/operator-$revision.log" &
wait $! || true
