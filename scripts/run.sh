#!/usr/bin/env bash
# What `make run` does once iop is built: starts the local cluster in DIR, installs the operator
# of revision 1-8-0 (`iop operator init`), runs it in the foreground as a local process with its
# ServiceAccount's token (scripts/run-operator.sh), applies the page's CRs from examples/, starts
# the revision's istiod (scripts/run-istiod.py) and a Deployment in a namespace it injects, shows
# what a user would look at, then follows the operator's logs. Ctrl-C (or `make stop`) stops the
# operator, istiod and the cluster.
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
# The revision's istiod: Istio's own pilot-discovery, run as the pod of Deployment istiod-$revision
# would run it (scripts/run-istiod.py; it records its pid in $dir/pids, so down.sh stops it too).
# It injects the sidecars of the pods the API server admits into namespaces labelled for it.
/usr/bin/python3 "$here/run-istiod.py" "$dir" --revision "$revision" >"$dir/logs/istiod-$revision.log" 2>&1 &
istiod_ready=0
for _ in $(seq 1 900); do
  addr=$(sed -n 's/.*"http": "\(.*\)".*/\1/p' "$dir/istiod/$revision/endpoints.json" 2>/dev/null || true)
  if [ -n "$addr" ] && curl -fs "http://$addr/ready" >/dev/null 2>&1; then istiod_ready=1; break; fi
  sleep 0.2
done
[ $istiod_ready = 1 ] || { echo "istiod-$revision did not become ready; its log:" >&2; cat "$dir/logs/istiod-$revision.log" >&2; exit 1; }

# A workload in the mesh: a namespace that selects revision $revision, and a Deployment in it.
kubectl create namespace demo >/dev/null
kubectl label namespace demo "istio.io/rev=$revision" >/dev/null
kubectl -n demo create deployment web --image=nginx >/dev/null
for _ in $(seq 1 100); do
  [ -n "$(kubectl -n demo get pods -l app=web -o name 2>/dev/null)" ] && break
  sleep 0.2
done
columns='POD:.metadata.name,INIT CONTAINERS:.spec.initContainers[*].name,CONTAINERS:.spec.containers[*].name'
echo
kubectl get istiooperators,deploy,svc -n istio-system
echo
echo "\$ kubectl -n demo get pods -o custom-columns='$columns'"
if [ -n "$(kubectl -n demo get pods -l app=web -o name)" ]; then
  kubectl -n demo get pods -o custom-columns="$columns"
else
  echo "no pod: the API server did not admit it:"
  kubectl -n demo get events --field-selector reason=FailedCreate -o jsonpath='{range .items[*]}  {.message}{"\n"}{end}' | tail -n 1
fi
cat <<EOF

The operator of revision $revision runs here in the foreground (its log follows), beside
istiod-$revision (log: $dir/logs/istiod-$revision.log); Ctrl-C stops them and the cluster.
In another terminal, look at what istiod-$revision injected, or continue the page's story
(see README.md):
  export KUBECONFIG=$KUBECONFIG PATH=$(dirname "$iop"):\$PATH
  kubectl -n demo get pods -o custom-columns='$columns'
  kubectl -n demo get pods -o yaml | grep -E 'image:|discoveryAddress'
  iop operator init --revision 1-8-1 && scripts/run-operator.sh --revision 1-8-1
  kubectl apply -n istio-system -f examples/control-plane-1-8-1.yaml

EOF
tail -n +1 -f --pid="$operator" "$dir/logs/operator-$revision.log" &
wait $! || true
