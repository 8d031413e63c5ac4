"""Reconcile latency: from applying a CR to every object present and to HEALTHY, and from an
edit of a gateway's k8s.resources to the Deployment carrying it; with the requests iop made."""
import time

from lib import apiserver_metrics as am
from lib.cluster import Cluster, log, wait_for
from lib.iop_process import IopRun, metric_sum
from lib.stats import Sample, sample_table, table
from lib import workload

TIMEOUT = 180


def _iop_requests(api, before, own_before):
    """iop's requests since `before`: the API server's count on iop's kinds minus ours."""
    own = api.own.copy()
    own.subtract(own_before)
    return am.Summary(am.subtract(am.delta(before, api.metrics()), own))


def _measure_apply(api, iop_run, cr, expected):
    ns, name = cr["metadata"]["namespace"], cr["metadata"]["name"]
    before, own_before, rec_before = api.metrics(), api.own.copy(), metric_sum(iop_run.metrics(), "controller_runtime_reconcile_total")
    t0 = time.monotonic()
    api.apply(cr)
    pending = list(expected)

    def all_present():
        pending[:] = workload.missing(api, pending)
        return not pending
    wait_for(f"objects of {ns}/{name}", all_present, TIMEOUT)
    t_present = time.monotonic() - t0
    wait_for(f"{ns}/{name} HEALTHY", lambda: workload.cr_status(api, ns, name) == "HEALTHY", TIMEOUT)
    t_healthy = time.monotonic() - t0
    iop_run.wait_quiet(rec_before + 1)
    reconciles = metric_sum(iop_run.metrics(), "controller_runtime_reconcile_total") - rec_before
    return t_present, t_healthy, _iop_requests(api, before, own_before), reconciles


def _measure_edit(api, iop_run, cr):
    ns, name = cr["metadata"]["namespace"], cr["metadata"]["name"]
    resources = {"requests": {"cpu": "123m", "memory": "77Mi"}, "limits": {"cpu": "1", "memory": "300Mi"}}
    edited = workload.gateway_cr(name, ns, cr["spec"]["revision"], resources)
    before, own_before, rec_before = api.metrics(), api.own.copy(), metric_sum(iop_run.metrics(), "controller_runtime_reconcile_total")
    t0 = time.monotonic()
    api.apply(edited)

    def updated():
        d = api.get("apps", "v1", "deployments", ns, "istio-ingressgateway")
        c = d["spec"]["template"]["spec"]["containers"][0]
        return c.get("resources", {}).get("requests", {}).get("cpu") == "123m"
    wait_for(f"Deployment {ns}/istio-ingressgateway updated", updated, TIMEOUT)
    t_updated = time.monotonic() - t0
    wait_for(f"{ns}/{name} HEALTHY after edit", lambda: workload.cr_status(api, ns, name) == "HEALTHY", TIMEOUT)
    iop_run.wait_quiet(rec_before + 1)
    reconciles = metric_sum(iop_run.metrics(), "controller_runtime_reconcile_total") - rec_before
    return t_updated, _iop_requests(api, before, own_before), reconciles


def _delete(api, ns, name):
    api.delete(*workload.IOP_GVR, ns, name)
    wait_for(f"{ns}/{name} deleted", lambda: api.get(*workload.IOP_GVR, ns, name) is None, TIMEOUT, 0.2)


def run(ctx):
    results = {k: [] for k in ("cp_present", "cp_healthy", "cp_req", "cp_writes", "cp_rec",
                               "gw_present", "gw_healthy", "gw_req", "gw_writes", "gw_rec",
                               "ed_updated", "ed_req", "ed_writes", "ed_rec")}
    detail = {}
    with Cluster("latency", ctx.build_dir) as c:
        api = c.api
        for case in ("cp", "gw"):
            for i in range(ctx.runs):
                rev, ns, name = f"{case}{i}", f"lat-{case}-{i}", f"{case}-{i}"
                cr = (workload.control_plane_cr if case == "cp" else workload.gateway_cr)(name, ns, rev)
                expected = workload.expected_objects(ctx.iop, cr)
                workload.create_namespaces(api, [ns])
                with IopRun(ctx.iop, c.kubeconfig, rev, ctx.log_dir / f"latency-{case}-{i}.log") as r:
                    r.wait_ready()
                    time.sleep(0.5)  # the informers' initial lists are done; measure only the reconcile
                    present, healthy, req, rec = _measure_apply(api, r, cr, expected)
                    log(f"latency {case} run {i}: {len(expected)} objects present {present:.2f} s, "
                        f"HEALTHY {healthy:.2f} s, {req.total} requests ({req.writes} writes), {rec:.0f} reconciles")
                    results[f"{case}_present"].append(present)
                    results[f"{case}_healthy"].append(healthy)
                    results[f"{case}_req"].append(req.total)
                    results[f"{case}_writes"].append(req.writes)
                    results[f"{case}_rec"].append(rec)
                    detail.setdefault(case, req)
                    if case == "gw":
                        updated, ereq, erec = _measure_edit(api, r, cr)
                        log(f"latency edit run {i}: Deployment updated {updated:.2f} s, {ereq.total} requests")
                        results["ed_updated"].append(updated)
                        results["ed_req"].append(ereq.total)
                        results["ed_writes"].append(ereq.writes)
                        results["ed_rec"].append(erec)
                        detail.setdefault("edit", ereq)
                    _delete(api, ns, name)
    S = lambda k: Sample(results[k])  # noqa: E731
    out = "## Reconcile latency\n\n"
    out += f"One `iop run` per run (its own revision), CR applied server-side into a fresh namespace; {ctx.runs} runs.\n"
    out += "Requests: kube-apiserver's count on iop's kinds (the CR and every owned kind) minus the benchmark's own polls, from apply until iop is quiet (queue empty, no reconcile for 3.5 s).\n\n"
    out += sample_table([
        ("control plane (default profile): all objects present, s", S("cp_present"), 2),
        ("control plane: HEALTHY, s", S("cp_healthy"), 2),
        ("control plane: requests to converge", S("cp_req"), 0),
        ("control plane: of which writes", S("cp_writes"), 0),
        ("control plane: reconciles to converge", S("cp_rec"), 0),
        ("gateway: all objects present, s", S("gw_present"), 2),
        ("gateway: HEALTHY, s", S("gw_healthy"), 2),
        ("gateway: requests to converge", S("gw_req"), 0),
        ("gateway: of which writes", S("gw_writes"), 0),
        ("gateway: reconciles to converge", S("gw_rec"), 0),
        ("gateway k8s.resources edit: Deployment updated, s", S("ed_updated"), 2),
        ("edit: requests to converge", S("ed_req"), 0),
        ("edit: of which writes", S("ed_writes"), 0),
        ("edit: reconciles", S("ed_rec"), 0),
    ])
    for case, title in (("cp", "control plane"), ("gw", "gateway"), ("edit", "edit")):
        if case in detail:
            out += f"\nRequests of the first {title} run, by verb and resource:\n\n"
            out += table(["verb", "resource", "requests"], detail[case].by_verb_resource())
    return out
