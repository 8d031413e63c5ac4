"""Steady state: with N gateway CRs converged, what `iop run` costs per minute while nothing
changes: writes (goal 0), reads, CPU seconds, and its RSS."""
import time

from lib import apiserver_metrics as am
from lib import converge, workload
from lib.cluster import Cluster, log
from lib.iop_process import IopRun
from lib.stats import Sample, sample_table, table

REVISION = "steady"
SETTLE_S = 10


def run(ctx):
    n = ctx.steady_crs
    rows = {k: [] for k in ("writes", "reads", "watches", "events", "cpu", "rss")}
    worst = None
    with Cluster("steady", ctx.build_dir) as c:
        api = c.api
        workload.create_namespaces(api, [ns for ns, _ in converge.names("steady", n)])
        with IopRun(ctx.iop, c.kubeconfig, REVISION, ctx.log_dir / "steady.log") as r:
            r.wait_ready()
            healthy, pods = converge.bring_up(api, r, "steady", n, REVISION, timeout=600)
            log(f"steady: {n} CRs HEALTHY after {healthy:.1f} s, pods Ready after {pods:.1f} s; settling {SETTLE_S} s")
            time.sleep(SETTLE_S)
            for i in range(ctx.runs):
                before, cpu0 = api.metrics(), r.cpu_seconds()
                time.sleep(ctx.window_s)
                d = am.delta(before, api.metrics())
                cpu1, rss = r.cpu_seconds(), r.rss_mib()
                s = am.Summary(d)
                per_min = 60.0 / ctx.window_s
                rows["writes"].append(s.writes * per_min)
                rows["reads"].append(s.reads * per_min)
                rows["watches"].append(s.watches * per_min)
                rows["events"].append(am.event_writes(d) * per_min)
                rows["cpu"].append((cpu1 - cpu0) * per_min)
                rows["rss"].append(rss)
                log(f"steady window {i}: {s.writes} writes, {s.reads} reads, {cpu1 - cpu0:.3f} CPU s, RSS {rss:.1f} MiB")
                if worst is None or s.total > worst.total:
                    worst = s
            peak = r.peak_rss_mib()
    S = lambda k: Sample(rows[k])  # noqa: E731
    out = "## Steady state\n\n"
    out += (f"{n} gateway CRs (one namespace each) converged, then {ctx.runs} windows of {ctx.window_s:.0f} s "
            f"with nothing changing; rates per minute. Requests: kube-apiserver's count on iop's kinds "
            f"(any client; the benchmark sends none during a window). Goal: 0 writes, RSS < 25 MiB.\n\n")
    out += sample_table([
        ("writes per minute (goal 0)", S("writes"), 1),
        ("reads (GET, LIST) per minute", S("reads"), 1),
        ("watch requests ended per minute", S("watches"), 1),
        ("Event writes per minute, any client (not iop's alone)", S("events"), 1),
        ("iop run CPU seconds per minute", S("cpu"), 3),
        ("iop run RSS, MiB", S("rss"), 1),
    ])
    out += f"\nPeak RSS (VmHWM) of that `iop run`, converging {n} CRs from scratch: {peak:.1f} MiB\n"
    if worst is not None and worst.total:
        out += "\nRequests on iop's kinds in the busiest window, by verb and resource:\n\n"
        out += table(["verb", "resource", "requests"], worst.by_verb_resource())
    return out
