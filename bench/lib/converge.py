"""Bringing up many gateway CRs at once and waiting for all of them: shared by the steady-state,
scale and footprint benchmarks."""
import time
from concurrent.futures import ThreadPoolExecutor

from . import workload
from .cluster import Api, log, wait_for

GATEWAY_PODS = "app=istio-ingressgateway"


def names(prefix, count):
    return [(f"{prefix}-{i:03d}", f"gw-{i:03d}") for i in range(count)]  # (namespace, CR name)


def apply_gateways(api, prefix, count, revision, clients=8):
    """Applies `count` gateway CRs, each into its own (existing) namespace, from `clients`
    connections at once; returns their keys. The requests are added to api.own."""
    todo = names(prefix, count)
    chunks = [todo[i::clients] for i in range(clients)]

    def send(chunk):
        a = Api(api.cluster_dir)
        for ns, name in chunk:
            a.apply(workload.gateway_cr(name, ns, revision))
        return a.own
    with ThreadPoolExecutor(clients) as pool:
        for own in pool.map(send, chunks):
            api.own.update(own)
    return [f"{ns}/{name}" for ns, name in todo]


def wait_all_healthy(api, keys, timeout, interval=0.5):
    """Seconds until every CR in keys is HEALTHY (one LIST per poll)."""
    want = set(keys)

    def done():
        s = workload.statuses(api)
        healthy = sum(1 for k in want if s.get(k) == "HEALTHY")
        return healthy == len(want)
    return wait_for(f"{len(want)} CRs HEALTHY", done, timeout, interval)[1]


def wait_pods_ready(api, count, timeout, interval=0.5):
    return wait_for(f"{count} gateway pods Ready", lambda: workload.ready_pods(api, GATEWAY_PODS) >= count,
                    timeout, interval)[1]


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
