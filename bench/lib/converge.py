"""Bringing up many gateway CRs at once and waiting for all of them: shared by the steady-state,
scale and footprint benchmarks."""
import time
from concurrent.futures import ThreadPoolExecutor

from . import workload
from .cluster import Api, log

GATEWAY_PODS = "app=istio-ingressgateway"


def names(prefix, count):
    return [(f"{prefix}-{i:03d}", f"gw-{i:03d}") for i in range(count)]  # (namespace, CR name)


def apply_all(api, objects, clients=8, manager="bench"):
    """Server-side applies `objects` from `clients` connections at once. The requests are added
    to api.own."""
    chunks = [objects[i::clients] for i in range(clients)]

    def send(chunk):
        a = Api(api.cluster_dir)
        for obj in chunk:
            a.apply(obj, manager=manager)
        return a.own
    with ThreadPoolExecutor(clients) as pool:
        for own in pool.map(send, chunks):
            api.own.update(own)


def apply_gateways(api, prefix, count, revision, clients=8):
    """Applies `count` gateway CRs, each into its own (existing) namespace, from `clients`
    connections at once; returns their keys. The requests are added to api.own."""
    todo = names(prefix, count)
    apply_all(api, [workload.gateway_cr(name, ns, revision) for ns, name in todo], clients)
    return [f"{ns}/{name}" for ns, name in todo]


def _key(obj):
    md = obj["metadata"]
    return f"{md.get('namespace', '')}/{md['name']}"


def watch_until(api, gvr, what, value_of, done, timeout, selector=None):
    """Seconds until done({namespace/name: value_of(object)}) holds for the objects of gvr (all
    namespaces, optionally narrowed by selector), following them with one LIST and a WATCH from
    its resourceVersion rather than polling (see Api.watch). Raises TimeoutError naming `what`."""
    start = time.monotonic()
    while True:
        items, rv = api.list_with_version(*gvr, selector=selector)
        state = {_key(o): value_of(o) for o in items}
        if done(state):
            return time.monotonic() - start
        remaining = timeout - (time.monotonic() - start)
        if remaining <= 0:
            raise TimeoutError(f"{what}: not reached in {timeout} s")
        # The server ends a watch after timeoutSeconds; the loop then lists again.
        for kind, obj in api.watch(*gvr, rv, min(remaining, 300), selector=selector):
            if kind == "DELETED":
                state.pop(_key(obj), None)
            else:
                state[_key(obj)] = value_of(obj)
            if done(state):
                return time.monotonic() - start


def wait_all_healthy(api, keys, timeout):
    """Seconds until every CR in keys is HEALTHY."""
    want = set(keys)
    return watch_until(api, workload.IOP_GVR, f"{len(want)} CRs HEALTHY",
                       lambda cr: (cr.get("status") or {}).get("status", ""),
                       lambda s: all(s.get(k) == "HEALTHY" for k in want), timeout)


def wait_deployments_available(api, count, timeout):
    """Seconds until `count` gateway Deployments have condition Available=True."""
    def available(d):
        conds = (d.get("status") or {}).get("conditions") or []
        return any(c.get("type") == "Available" and c.get("status") == "True" for c in conds)
    return watch_until(api, ("apps", "v1", "deployments"), f"{count} gateway Deployments Available", available,
                       lambda s: sum(s.values()) >= count, timeout, selector=GATEWAY_PODS)


def wait_pods_ready(api, count, timeout):
    return watch_until(api, ("", "v1", "pods"), f"{count} gateway pods Ready", workload.pod_ready,
                       lambda s: sum(s.values()) >= count, timeout, selector=GATEWAY_PODS)


def bring_up(api, iop_run, prefix, count, revision, timeout):
    """Applies `count` gateway CRs with iop_run already ready; returns (seconds to all HEALTHY,
    seconds to all pods Ready), both from the first apply."""
    t0 = time.monotonic()
    keys = apply_gateways(api, prefix, count, revision)
    log(f"applied {count} CRs in {time.monotonic() - t0:.1f} s")
    wait_all_healthy(api, keys, timeout)
    t_healthy = time.monotonic() - t0
    wait_pods_ready(api, count, timeout)
    t_pods = time.monotonic() - t0
    return t_healthy, t_pods
