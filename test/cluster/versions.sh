# Pinned versions of the real control plane that tests run against.
# Sourced by build.sh and up.sh; bump here and the cache key follows.
K8S_VERSION=v1.37.2
K8S_STAGING_VERSION=v0.37.2
ETCD_VERSION=v3.6.16
KWOK_VERSION=v0.8.0
IOP_CACHE=${IOP_CACHE:-$HOME/.cache/iop}
KUBE_BIN=$IOP_CACHE/kube-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION
