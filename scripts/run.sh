#!/usr/bin/env bash
# What `make run` does once iop is built: starts the local cluster in DIR, installs the operator
# of revision 1-8-0 (`iop operator init`) and runs it as a local process with its
# ServiceAccount's token (scripts/run-operator.sh --background, log in DIR/logs/operator-1-8-0.log),
# creates the workloads' namespace demo-app on revision 1-8-0, applies the page's CRs from
# examples/, starts the revision's istiod (scripts/run-istiod.py) and a Deployment in demo-app
# that it injects, shows `iop status`, then follows the operators' logs. The cluster stays up
# whatever happens to the operators (the page's last step removes the one of 1-8-0) until Ctrl-C,
# which stops everything and exits 0, or `make stop` from another terminal.
#
# usage: scripts/run.sh DIR IOP
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
[ $# -eq 2 ] || { echo "usage: $0 DIR IOP" >&2; exit 2; }

# On a terminal, run in a process group of our own that owns the terminal: a Ctrl-C then reaches
# this script, which stops the cluster and exits 0, and not make, which would die of it and
# report "Error 130". (Without a terminal the signal reaches this script as it is.)
if [ -t 0 ] && [ -z "${IOP_RUN_OWN_GROUP:-}" ]; then
  set -m
  IOP_RUN_OWN_GROUP=1 bash "$0" "$@" && exit 0 || exit $?
fi

dir=$1 iop=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
revision=1-8-0

bash "$root/test/cluster/up.sh" "$dir"
dir=$(cd "$dir" && pwd)
export KUBECONFIG=$dir/kubeconfig
follower=""
cleanup() {
  trap - EXIT INT TERM
  echo
  bash "$root/test/cluster/down.sh" "$dir"
  # The log follower goes last, so the operators' last lines (the lease released) are shown.
  if [ -n "$follower" ]; then sleep 0.3; kill "$follower" 2>/dev/null; fi
}
trap cleanup EXIT
# Ctrl-C is how a user ends `make run`: not a failure.
trap 'exit 0' INT TERM

"$iop" operator init --revision "$revision" >/dev/null
echo "[run] iop operator init --revision $revision: Deployment istio-operator/istio-operator-$revision and its RBAC"
# Recorded with the cluster's processes (pids/operator-1-8-0.pid), so `make stop` stops it too.
PATH=$(dirname "$iop"):$PATH "$here/run-operator.sh" --revision "$revision" --background
# The workloads of the mesh, on the control plane of 1-8-0 (no pod runs there: it is a label).
kubectl create namespace demo-app >/dev/null
kubectl label namespace demo-app istio.io/rev=$revision >/dev/null
echo "[run] namespace demo-app selects revision $revision (istio.io/rev=$revision)"

kubectl apply -n istio-system -f "$root/examples/control-plane-$revision.yaml" -f "$root/examples/gateways-$revision.yaml"
for cr in control-plane-$revision gateways; do
  kubectl wait -n istio-system "istiooperator/$cr" --for=condition=Ready --timeout=180s >/dev/null ||
    { echo "IstioOperator $cr did not become Ready; the operator's log:" >&2; cat "$dir/logs/operator-$revision.log" >&2; exit 1; }
done
# The revision's istiod: Istio's own pilot-discovery, run as the pod of Deployment istiod-$revision
# would run it (scripts/run-istiod.py; it records its pid in $dir/pids, so down.sh stops it too).
# It injects the sidecars of the pods the API server admits into namespaces labelled for it.
/usr/bin/python3 "$here/run-istiod.py" "$dir" --revision "$revision" --background >/dev/null

# A workload in the mesh: a Deployment in demo-app, which selects revision $revision.
kubectl -n demo-app create deployment web --image=nginx >/dev/null
for _ in $(seq 1 100); do
  [ -n "$(kubectl -n demo-app get pods -l app=web -o name 2>/dev/null)" ] && break
  sleep 0.2
done
columns='POD:.metadata.name,INIT CONTAINERS:.spec.initContainers[*].name,CONTAINERS:.spec.containers[*].name'
echo
kubectl get istiooperators,deploy,svc -n istio-system
echo
echo "\$ kubectl -n demo-app get pods -o custom-columns='$columns'"
if [ -n "$(kubectl -n demo-app get pods -l app=web -o name)" ]; then
  kubectl -n demo-app get pods -o custom-columns="$columns"
else
  echo "no pod: the API server did not admit it:"
  kubectl -n demo-app get events --field-selector reason=FailedCreate -o jsonpath='{range .items[*]}  {.message}{"\n"}{end}' | tail -n 1
fi
echo
"$iop" status || true
cat <<EOF

The cluster runs until Ctrl-C here (or \`make stop\` elsewhere), whatever happens to its operators.
The operators' logs follow: $dir/logs/operator-*.log (istiod-$revision's: $dir/logs/istiod-$revision.log)
In another terminal, follow the page (README.md, "The story"):
  export KUBECONFIG=$KUBECONFIG PATH=$(dirname "$iop"):\$PATH
  kubectl -n demo-app get pods -o yaml | grep -E 'image:|discoveryAddress'   # what istiod-$revision injected
  iop operator init --revision 1-8-1

EOF
# The operator of 1-8-1 that the page starts later logs to the second file: follow it from now.
# The follower ignores Ctrl-C (which reaches it with this script) so that cleanup() shows the end.
touch "$dir/logs/operator-1-8-1.log"
(trap '' INT; exec tail -n +1 -F "$dir/logs/operator-$revision.log" "$dir/logs/operator-1-8-1.log" 2>/dev/null) &
follower=$!
# `make stop` stops the API server: that ends this too.
apiserver=$(cat "$dir/pids/kube-apiserver.pid")
while kill -0 "$apiserver" 2>/dev/null; do sleep 1; done
echo "[run] the cluster was stopped (make stop)"
