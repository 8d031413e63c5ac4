"""Footprint of `iop run`: binary size, startup time to /readyz ok (empty cluster and with N
CRs present), peak RSS while converging N CRs, RSS once idle."""
import os
import subprocess
import tempfile
import time

from lib import converge, workload
from lib.cluster import Cluster, log, wait_for
from lib.iop_process import IopRun
from lib.stats import Sample, sample_table

REVISION = "foot"


def _starts(ctx, c, label, crs):
    """(seconds to /readyz, seconds to every CR reconciled, RSS when idle) over ctx.runs restarts."""
    ready, idle, rss = [], [], []
    for i in range(ctx.runs):
        with IopRun(ctx.iop, c.kubeconfig, REVISION, ctx.log_dir / f"footprint-{label}-{i}.log") as r:
            ready.append(r.wait_ready())
            wait_for("iop idle", lambda: r.idle_after(crs), 300, 0.02)
            idle.append(time.monotonic() - r.started_at)
            time.sleep(2)
            rss.append(r.rss_mib())
    return ready, idle, rss


def run(ctx):
    n = ctx.steady_crs
    size = os.path.getsize(ctx.iop) / 2**20
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["strip", "-o", f"{d}/iop", str(ctx.iop)], check=True)
        stripped = os.path.getsize(f"{d}/iop") / 2**20
    with Cluster("footprint", ctx.build_dir) as c:
        api = c.api
        empty_ready, _, empty_rss = _starts(ctx, c, "empty", 0)
        workload.create_namespaces(api, [ns for ns, _ in converge.names("foot", n)])
        with IopRun(ctx.iop, c.kubeconfig, REVISION, ctx.log_dir / "footprint-converge.log") as r:
            r.wait_ready()
            converge.bring_up(api, r, "foot", n, REVISION, 600)
            wait_for("iop idle", lambda: r.idle_after(n), 300, 0.1)
            peak = r.peak_rss_mib()
            time.sleep(5)
            steady = r.rss_mib()
        log(f"footprint: peak {peak:.1f} MiB converging {n} CRs, {steady:.1f} MiB idle")
        full_ready, full_idle, full_rss = _starts(ctx, c, "full", n)
    out = "## Footprint\n\n"
    out += (f"`{ctx.iop.name}` binary: {size:.1f} MiB as built (with debug info), {stripped:.1f} MiB stripped. "
            f"{ctx.runs} starts each; RSS from /proc (VmRSS; peak is VmHWM).\n\n")
    out += sample_table([
        ("start -> /readyz ok, no CRs, s", Sample(empty_ready), 3),
        ("RSS idle, no CRs, MiB", Sample(empty_rss), 1),
        (f"start -> /readyz ok, {n} CRs present, s", Sample(full_ready), 3),
        (f"start -> all {n} CRs reconciled (nothing to change), s", Sample(full_idle), 2),
        (f"RSS idle, {n} CRs, MiB (goal < 25)", Sample(full_rss), 1),
        (f"peak RSS converging {n} new CRs, MiB", Sample([peak]), 1),
        (f"RSS 5 s after converging {n} new CRs, MiB", Sample([steady]), 1),
    ])
    return out
