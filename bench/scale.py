"""Scale: N gateway CRs (7 owned objects each) applied at once: time to all HEALTHY and to all
gateway pods Ready on the simulated node; then `iop run` restarted with nothing changed: time
to converge and the writes it made (goal 0)."""
import time

from lib import apiserver_metrics as am
from lib import converge, workload
from lib.cluster import Cluster, add_service_ips, log, wait_for
from lib.iop_process import IopRun
from lib.stats import Sample, sample_table, table

REVISION = "scale"
TIMEOUT = 1800
RESTART_QUIET_S = 10  # after converging, watch this long for late writes


def _one_run(ctx, i):
    n = ctx.scale_crs
    res = {}
    with Cluster(f"scale-{i}", ctx.build_dir) as c:
        api = c.api
        res["capacity"] = c.ensure_pod_capacity(n + 50)
        add_service_ips(api)
        workload.create_namespaces(api, [ns for ns, _ in converge.names("scale", n)], timeout=600)
        with IopRun(ctx.iop, c.kubeconfig, REVISION, ctx.log_dir / f"scale-{i}.log") as r:
            r.wait_ready()
            before = api.metrics()
            res["healthy"], res["pods"] = converge.bring_up(api, r, "scale", n, REVISION, TIMEOUT)
            s = am.Summary(am.subtract(am.delta(before, api.metrics()), api.own))
            res["requests"], res["writes"] = s.total, s.writes
            res["objects"] = sum(len(api.list(g, v, rs, selector=f"operator.istio.io/managed=Reconcile"))
                                 for g, v, rs in _owned_gvrs())
            res["peak_rss"] = r.peak_rss_mib()
            log(f"scale run {i}: {n} CRs HEALTHY {res['healthy']:.1f} s, pods Ready {res['pods']:.1f} s, "
                f"{res['objects']} owned objects, {s.writes} writes, peak RSS {res['peak_rss']:.1f} MiB")
        before = api.metrics()
        with IopRun(ctx.iop, c.kubeconfig, REVISION, ctx.log_dir / f"scale-{i}-restart.log") as r:
            res["restart_ready"] = r.wait_ready(120)
            _, conv = wait_for("restarted iop idle", lambda: r.idle_after(n), TIMEOUT, 0.1)
            res["restart_converged"] = time.monotonic() - r.started_at
            time.sleep(RESTART_QUIET_S)
            d = am.Summary(am.delta(before, api.metrics()))
            res["restart_writes"], res["restart_reads"] = d.writes, d.reads
            res["restart_detail"] = d
            res["restart_peak_rss"] = r.peak_rss_mib()
            res["restart_rss"] = r.rss_mib()
            log(f"scale restart {i}: ready {res['restart_ready']:.2f} s, converged {res['restart_converged']:.1f} s, "
                f"{d.writes} writes, {d.reads} reads")
    return res


def _floor_run(ctx, i):
    """The peer: the same objects, rendered by `iop manifest generate`, applied by a plain
    server-side-apply client from 8 connections to a fresh cluster, no operator: what the
    cluster itself needs to take them. Returns (seconds to applied, to every Deployment
    Available)."""
    n = ctx.scale_crs
    todo = converge.names("scale", n)
    objects = [o for ns, name in todo for o in workload.rendered(ctx.iop, workload.gateway_cr(name, ns, REVISION))]
    with Cluster(f"scale-floor-{i}", ctx.build_dir) as c:
        api = c.api
        c.ensure_pod_capacity(n + 50)
        add_service_ips(api)
        workload.create_namespaces(api, [ns for ns, _ in todo], timeout=600)
        t0 = time.monotonic()
        converge.apply_all(api, objects, manager="bench-floor")
        applied = time.monotonic() - t0
        converge.wait_deployments_available(api, n, TIMEOUT)
        available = time.monotonic() - t0
        log(f"scale floor {i}: {len(objects)} objects applied {applied:.1f} s, Deployments Available {available:.1f} s")
    return applied, available


def _owned_gvrs():
    return [("apps", "v1", "deployments"), ("", "v1", "services"), ("", "v1", "serviceaccounts"),
            ("rbac.authorization.k8s.io", "v1", "roles"), ("rbac.authorization.k8s.io", "v1", "rolebindings"),
            ("autoscaling", "v2", "horizontalpodautoscalers"), ("policy", "v1", "poddisruptionbudgets")]


def run(ctx):
    runs = []
    for i in range(ctx.scale_runs):
        r = _one_run(ctx, i)
        r["floor_applied"], r["floor_available"] = _floor_run(ctx, i)
        runs.append(r)
    S = lambda k, f=None: Sample([(f or (lambda x: x))(r[k]) for r in runs])  # noqa: E731
    out = "## Scale\n\n"
    out += (f"{ctx.scale_crs} gateway CRs (one namespace each) applied at once to a fresh cluster with `iop run` ready; "
            f"{ctx.scale_runs} run(s)" + (" (fewer than 5 to fit the time; min and max are of these)" if ctx.scale_runs < 5 else "")
            + f". Node pod capacity {runs[0]['capacity']}; a ServiceCIDR 10.96.0.0/16 is added (the test cluster's /24 holds 254 Service IPs). Then `iop run` stopped and started again with nothing changed. "
            "Goal: all HEALTHY < 60 s; 0 writes after the restart.\n\n")
    out += sample_table([
        ("owned objects (operator.istio.io/managed=Reconcile, 7 kinds)", S("objects"), 0),
        ("apply -> all CRs HEALTHY, s", S("healthy"), 1),
        ("apply -> all gateway pods Ready, s", S("pods"), 1),
        ("peer, no operator: the same objects applied by a plain SSA client (8 connections), s", S("floor_applied"), 1),
        ("peer, no operator: apply -> all gateway Deployments Available, s", S("floor_available"), 1),
        ("requests on iop's kinds until then (any client, minus the benchmark's)", S("requests"), 0),
        ("of which writes", S("writes"), 0),
        ("peak RSS of iop run, MiB", S("peak_rss"), 1),
        ("restart: start -> /readyz ok, s", S("restart_ready"), 2),
        ("restart: start -> every CR reconciled, queue empty, s", S("restart_converged"), 2),
        ("restart: writes on iop's kinds (goal 0)", S("restart_writes"), 0),
        ("restart: reads on iop's kinds", S("restart_reads"), 0),
        ("restart: peak RSS, MiB", S("restart_peak_rss"), 1),
        ("restart: RSS when converged, MiB", S("restart_rss"), 1),
    ])
    d = runs[0]["restart_detail"]
    if d.total:
        out += f"\nRequests on iop's kinds from the restart until {RESTART_QUIET_S} s after it converged (run 1):\n\n"
        out += table(["verb", "resource", "requests"], d.by_verb_resource())
    return out
