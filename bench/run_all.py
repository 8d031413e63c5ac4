"""Runs the benchmarks (all, or those named with --only) and prints their tables, also writing
them to BUILD_DIR/bench/results.md. Exit 1 when a benchmark could not run; never on a figure."""
import argparse
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lib.cluster import REPO, log  # noqa: E402
from lib.context import Context  # noqa: E402
import footprint  # noqa: E402
import reconcile_latency  # noqa: E402
import scale  # noqa: E402
import steady_state  # noqa: E402
import vs_istioctl  # noqa: E402

BENCHMARKS = {"latency": reconcile_latency, "steady": steady_state, "scale": scale,
              "footprint": footprint, "istioctl": vs_istioctl}


def header(ctx, names):
    commit = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True,
                            text=True).stdout.strip()
    load = os.getloadavg()
    return (f"# iop benchmarks\n\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit {commit}, "
            f"{os.cpu_count()} CPUs, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} at the start "
            f"(a shared machine makes every figure noisy). Benchmarks: {', '.join(names)}.\n\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--only", default=",".join(BENCHMARKS), help=f"comma-separated subset of {','.join(BENCHMARKS)}")
    ap.add_argument("--runs", type=int, default=5, help="runs per measured quantity (default 5)")
    ap.add_argument("--scale-crs", type=int, default=300)
    ap.add_argument("--scale-runs", type=int, default=5, help="scale runs (each on fresh clusters; default 5)")
    ap.add_argument("--steady-crs", type=int, default=50)
    ap.add_argument("--window", type=float, default=30, help="seconds per steady-state window (default 30)")
    ap.add_argument("--iop", default=None, help="the iop binary (default BUILD_DIR/iop)")
    ap.add_argument("--build-dir", default=os.environ.get("BUILD_DIR", str(REPO / "build")))
    a = ap.parse_args()
    names = [n.strip() for n in a.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        ap.error(f"unknown benchmark(s) {unknown}; choose from {list(BENCHMARKS)}")
    build = Path(a.build_dir).resolve()
    ctx = Context(iop=Path(a.iop).resolve() if a.iop else build / "iop", build_dir=build, runs=a.runs,
                  scale_crs=a.scale_crs, scale_runs=a.scale_runs, steady_crs=a.steady_crs, window_s=a.window)
    if not ctx.iop.is_file():
        ap.error(f"{ctx.iop}: no such binary (make build)")
    out_path = build / "bench" / "results.md"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    text = header(ctx, names)
    failed = []
    for n in names:
        log(f"benchmark {n}")
        t0 = time.monotonic()
        try:
            section = BENCHMARKS[n].run(ctx)
        except KeyboardInterrupt:
            log("interrupted; clusters were stopped")
            raise
        except Exception as e:  # a benchmark that cannot run is reported, the others still run
            traceback.print_exc()
            section = f"## {n}\n\nCould not run: {e}\n"
            failed.append(n)
        section += f"\n_{n}: {time.monotonic() - t0:.0f} s of wall time._\n\n"
        print(section, flush=True)
        text += section
        out_path.write_text(text)
    log(f"tables written to {out_path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
