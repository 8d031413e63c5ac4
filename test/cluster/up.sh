#!/usr/bin/env bash
# Starts a real Kubernetes control plane on loopback for tests, with everything under DIR:
# etcd, kube-apiserver (TLS, RBAC, service-account tokens), kube-controller-manager,
# kube-scheduler and kwok playing the kubelet of one simulated node "node-1", on which pods get
# scheduled and become Running and Ready. Writes an admin kubeconfig to DIR/kubeconfig and
# waits until /readyz is ok and the node is Ready. Stop it with test/cluster/down.sh DIR.
# Several clusters in different DIRs can run at once: every port is picked free.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
mkdir -p "$1"
dir=$(cd "$1" && pwd)
log() { echo "[cluster $(date +%H:%M:%S)] $*" >&2; }

if [ -f "$dir/pids/kube-apiserver.pid" ] && kill -0 "$(cat "$dir/pids/kube-apiserver.pid")" 2>/dev/null; then
  echo "a cluster is already running in $dir (stop it with $here/down.sh $dir)" >&2
  exit 1
fi

bin=$("$here/build.sh")
rm -rf "$dir/pki" "$dir/etcd-data" "$dir/logs" "$dir/pids" "$dir/egress-routes"
mkdir -p "$dir/pki" "$dir/logs" "$dir/pids"
pki=$dir/pki

# A failed start must not leave half a cluster running.
trap 'rc=$?; if [ $rc -ne 0 ]; then log "start failed; logs are in $dir/logs"; for f in "$dir"/logs/*.log; do echo "--- tail $f" >&2; tail -n 15 "$f" >&2; done; "$here/down.sh" "$dir" >/dev/null 2>&1 || true; fi' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
etcd_port=$(free_port); etcd_peer=$(free_port); api_port=$(free_port)
kcm_port=$(free_port); sched_port=$(free_port); kwok_port=$(free_port)

log "certificates"
openssl_quiet() { openssl "$@" >/dev/null 2>&1; }
openssl_quiet req -x509 -newkey rsa:2048 -nodes -keyout "$pki/ca.key" -out "$pki/ca.crt" -days 30 -subj "/CN=iop-test-ca"
issue() { # name subject [san]
  local name=$1 subj=$2 san=${3:-}
  openssl_quiet req -newkey rsa:2048 -nodes -keyout "$pki/$name.key" -out "$pki/$name.csr" -subj "$subj"
  if [ -n "$san" ]; then
    printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' "$san" > "$pki/$name.ext"
  else
    printf 'extendedKeyUsage=clientAuth\n' > "$pki/$name.ext"
  fi
  openssl_quiet x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -out "$pki/$name.crt" -days 30 -extfile "$pki/$name.ext"
}
issue apiserver "/CN=kube-apiserver" "IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
issue admin "/O=system:masters/CN=iop-test-admin"
issue controller-manager "/CN=system:kube-controller-manager"
issue scheduler "/CN=system:kube-scheduler"
issue kwok "/O=system:masters/CN=kwok"
openssl_quiet genrsa -out "$pki/sa.key" 2048
openssl_quiet rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub"

kubeconfig() { # file user
  local user=$2
  cat > "$1" <<KC
apiVersion: v1
kind: Config
clusters:
- name: iop-test
  cluster:
    server: https://127.0.0.1:$api_port
    certificate-authority-data: $(base64 -w0 < "$pki/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 < "$pki/$user.crt")
    client-key-data: $(base64 -w0 < "$pki/$user.key")
contexts:
- name: iop-test
  context: {cluster: iop-test, user: $user}
current-context: iop-test
KC
}
kubeconfig "$dir/kubeconfig" admin
kubeconfig "$pki/controller-manager.kubeconfig" controller-manager
kubeconfig "$pki/scheduler.kubeconfig" scheduler
kubeconfig "$pki/kwok.kubeconfig" kwok

start() { # name args...
  local name=$1; shift
  # A session of its own: a Ctrl-C in the terminal that started the cluster (make run) must not
  # stop it behind down.sh's back, in the wrong order. setsid execs in place, so $! is the daemon.
  setsid "$@" >"$dir/logs/$name.log" 2>&1 &
  echo $! > "$dir/pids/$name.pid"
}

log "etcd on 127.0.0.1:$etcd_port"
start etcd "$bin/etcd" --name default --data-dir "$dir/etcd-data" \
  --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$etcd_peer" --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
  --initial-cluster "default=http://127.0.0.1:$etcd_peer" --quota-backend-bytes 4294967296 \
  --unsafe-no-fsync --log-level warn
echo "http://127.0.0.1:$etcd_port" > "$dir/etcd-endpoint"
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$etcd_port/health" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fs "http://127.0.0.1:$etcd_port/health" >/dev/null || { log "etcd did not become healthy"; exit 1; }

# Connections the API server makes into the cluster (admission webhooks addressed by a Service,
# the kubelet API) go through egress-proxy.py, as they would through konnectivity: it hands a
# simulated pod's address to the local process standing in for that pod (scripts/run-istiod.py
# registers istiod's), dials loopback as is, and refuses anything else, so nothing leaves this
# machine. With aggregator routing the API server resolves a webhook's Service through its
# EndpointSlices (the pod's IP and container port), not its ClusterIP: a Service whose selector
# misses the pod is then as broken here as in a real cluster.
egress_sock=$dir/egress.sock
[ ${#egress_sock} -lt 100 ] || { log "$dir is too long a path for a Unix socket ($egress_sock)"; exit 1; }
log "egress proxy on $egress_sock"
start egress-proxy /usr/bin/python3 "$here/egress-proxy.py" "$egress_sock" "$dir/egress-routes"
cat > "$dir/egress-selector.yaml" <<EGRESS
apiVersion: apiserver.k8s.io/v1beta1
kind: EgressSelectorConfiguration
egressSelections:
- name: cluster
  connection:
    proxyProtocol: HTTPConnect
    transport:
      uds:
        udsName: $egress_sock
EGRESS
for _ in $(seq 1 100); do [ -S "$egress_sock" ] && break; sleep 0.05; done
[ -S "$egress_sock" ] || { log "the egress proxy did not start"; exit 1; }

# The apiserver's flags are kept in a file so tests can restart it exactly as it was
# (test/cluster/restart-apiserver.sh).
cat > "$dir/kube-apiserver.args" <<ARGS
--etcd-servers=http://127.0.0.1:$etcd_port
--bind-address=127.0.0.1
--advertise-address=127.0.0.1
--endpoint-reconciler-type=none
--secure-port=$api_port
--cert-dir=$pki
--tls-cert-file=$pki/apiserver.crt
--tls-private-key-file=$pki/apiserver.key
--client-ca-file=$pki/ca.crt
--service-account-key-file=$pki/sa.pub
--service-account-signing-key-file=$pki/sa.key
--service-account-issuer=https://kubernetes.default.svc.cluster.local
--api-audiences=https://kubernetes.default.svc.cluster.local
--authorization-mode=Node,RBAC
--service-cluster-ip-range=10.0.0.0/24
--allow-privileged=true
--profiling=false
--enable-priority-and-fairness=false
--max-requests-inflight=1000
--max-mutating-requests-inflight=500
--egress-selector-config-file=$dir/egress-selector.yaml
--enable-aggregator-routing=true
--v=1
ARGS
echo "https://127.0.0.1:$api_port" > "$dir/server"
log "kube-apiserver on https://127.0.0.1:$api_port"
# shellcheck disable=SC2046
start kube-apiserver "$bin/kube-apiserver" $(cat "$dir/kube-apiserver.args")

curl_api() { curl -fsS --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" "https://127.0.0.1:$api_port$1"; }
ok=0
for _ in $(seq 1 600); do
  if curl_api /readyz >/dev/null 2>&1; then ok=1; break; fi
  kill -0 "$(cat "$dir/pids/kube-apiserver.pid")" 2>/dev/null || break
  sleep 0.1
done
[ $ok = 1 ] || { log "kube-apiserver did not become ready"; exit 1; }

log "kube-controller-manager and kube-scheduler"
start kube-controller-manager "$bin/kube-controller-manager" \
  --kubeconfig="$pki/controller-manager.kubeconfig" \
  --authentication-kubeconfig="$pki/controller-manager.kubeconfig" \
  --authorization-kubeconfig="$pki/controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$kcm_port" --leader-elect=false \
  --use-service-account-credentials=true \
  --service-account-private-key-file="$pki/sa.key" --root-ca-file="$pki/ca.crt" \
  --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
  --controllers='*,-node-ipam-controller,-node-lifecycle-controller,-taint-eviction-controller' \
  --concurrent-deployment-syncs=10 --concurrent-replicaset-syncs=10 --concurrent-gc-syncs=20 \
  --kube-api-qps=200 --kube-api-burst=400 --v=1
start kube-scheduler "$bin/kube-scheduler" \
  --kubeconfig="$pki/scheduler.kubeconfig" \
  --authentication-kubeconfig="$pki/scheduler.kubeconfig" \
  --authorization-kubeconfig="$pki/scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$sched_port" --leader-elect=false --v=1

log "kwok simulating node-1"
# kwok's own fast stages, plus the failures of kwok-failure-stages.yaml (a missing image).
start kwok "$bin/kwok" --kubeconfig="$pki/kwok.kubeconfig" --config="$bin/kwok-stages.yaml" \
  --config="$here/kwok-failure-stages.yaml" \
  --manage-all-nodes=false --manage-nodes-with-label-selector=type=kwok \
  --server-address="127.0.0.1:$kwok_port" --node-ip=127.0.0.1 --cidr=10.244.0.0/16

kc() { kubectl --kubeconfig "$dir/kubeconfig" "$@"; }
kc apply -f - >/dev/null <<'NODE'
apiVersion: v1
kind: Node
metadata:
  name: node-1
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/hostname: node-1
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
status:
  allocatable: {cpu: "64", memory: 512Gi, pods: "5000"}
  capacity: {cpu: "64", memory: 512Gi, pods: "5000"}
NODE
kc wait --for=condition=Ready node/node-1 --timeout=60s >/dev/null
# The API server taints a new node not-ready; the node-lifecycle controller, which would lift it,
# is off because kwok sends no heartbeats here. The node stays Ready, so lift the taint once.
kc taint node node-1 node.kubernetes.io/not-ready:NoSchedule- >/dev/null 2>&1 || true
# The default ServiceAccount appears once the controller-manager runs (up to 3 minutes on a loaded 2-core machine): a later "create pod"
# needs it.
for _ in $(seq 1 900); do kc -n default get serviceaccount default >/dev/null 2>&1 && break; sleep 0.2; done
kc -n default get serviceaccount default >/dev/null

trap - EXIT
log "ready: export KUBECONFIG=$dir/kubeconfig   (stop: $here/down.sh $dir)"
