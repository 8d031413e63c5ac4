"""Side by side with istioctl: `istioctl install` vs `iop install` of the same CR (readiness
waiting off in both) on fresh namespaces of one cluster, and `manifest generate` of both."""
import copy
import os
import subprocess
from collections import Counter

import yaml

from lib import apiserver_metrics as am
from lib import workload
from lib.cluster import REPO, Cluster, log
from lib.stats import Sample, fmt_number, ratio, table
from lib.timed import GNU_TIME, timed_run

CR_FILE = REPO / "test/fidelity/crs/01-profile-default.yaml"
NAMESPACED = [("apps", "v1", "deployments"), ("", "v1", "services"), ("", "v1", "serviceaccounts"),
              ("", "v1", "configmaps"), ("rbac.authorization.k8s.io", "v1", "roles"),
              ("rbac.authorization.k8s.io", "v1", "rolebindings"), ("autoscaling", "v2", "horizontalpodautoscalers"),
              ("policy", "v1", "poddisruptionbudgets")]


def istioctl_path():
    p = subprocess.run(["bash", str(REPO / "test/fidelity/build-istioctl.sh")], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"test/fidelity/build-istioctl.sh failed:\n{p.stderr[-2000:]}")
    return p.stdout.strip().splitlines()[-1]


def client_requests(key):
    """What a CLI install asks of the API server: every read, writes on the kinds it installs
    and on namespaces, and non-resource requests (discovery, OpenAPI; the API server labels them
    with their path). Writes by the controller-manager, scheduler and kwok reacting to new
    Deployments (ReplicaSets, Pods, status, Events) are not counted."""
    verb, _group, resource, sub = key
    if resource == "/metrics" or sub == "scale":  # the benchmark's scrapes; the HPA controller's reads
        return False
    return verb in am.READ_VERBS or am.is_iop_kind(key) or resource == "namespaces" or resource.startswith("/")


def _install(tool, argv, api, ns, log_path):
    before = api.metrics()
    code, wall, rss = timed_run(argv, stderr_path=log_path)
    s = am.Summary(am.delta(before, api.metrics()), keep=client_requests)
    objects = sum(len(api.list(g, v, r, ns)) for g, v, r in NAMESPACED)
    log(f"{tool} install into {ns}: exit {code}, {wall:.2f} s, {rss:.1f} MiB, {s.total} requests "
        f"({s.writes} writes), {objects} namespaced objects")
    return {"wall": wall, "rss": rss, "requests": s.total, "writes": s.writes, "exit": code, "objects": objects,
            "detail": s}


def run(ctx):
    istioctl = istioctl_path()
    base_cr = yaml.safe_load(CR_FILE.read_text())
    res = {"istioctl": [], "iop": []}
    gen = {"istioctl": [], "iop": []}
    with Cluster("vs", ctx.build_dir) as c:
        api = c.api
        tmp = ctx.build_dir / "bench" / "vs"
        tmp.mkdir(parents=True, exist_ok=True)
        for i in range(ctx.runs):
            # Alternate who goes first, so neither always meets a colder API server.
            order = ("istioctl", "iop") if i % 2 == 0 else ("iop", "istioctl")
            for tool in order:
                ns, rev = f"vs-{tool}-{i}", f"{tool}{i}"
                workload.create_namespaces(api, [ns])
                cr = copy.deepcopy(base_cr)
                cr["metadata"]["namespace"] = ns
                # The components' namespace: both take it from values.global.istioNamespace
                # (spec.namespace is unused).
                cr["spec"].setdefault("values", {}).setdefault("global", {})["istioNamespace"] = ns
                f = tmp / f"{ns}.yaml"
                f.write_text(yaml.safe_dump(cr))
                binary = istioctl if tool == "istioctl" else str(ctx.iop)
                argv = [binary, "install", "-y", "-f", str(f), "--revision", rev, "--kubeconfig", str(c.kubeconfig),
                        "--readiness-timeout", "0s" if tool == "istioctl" else "0"]
                res[tool].append(_install(tool, argv, api, ns, ctx.log_dir / f"vs-{ns}.stderr"))
    env = dict(os.environ, KUBECONFIG="/nonexistent")
    for i in range(ctx.runs):
        for tool, binary in (("istioctl", istioctl), ("iop", str(ctx.iop))):
            code, wall, rss = timed_run([binary, "manifest", "generate", "-f", str(CR_FILE)], env=env,
                                        stderr_path=ctx.log_dir / f"vs-generate-{tool}.stderr")
            if code != 0:
                raise RuntimeError(f"{tool} manifest generate -f {CR_FILE}: exit {code}")
            gen[tool].append({"wall": wall, "rss": rss})
    return _report(ctx, res, gen)


def _row(label, key, runs, digits):
    a, b = Sample([r[key] for r in runs["istioctl"]]), Sample([r[key] for r in runs["iop"]])
    r = ratio(a.median, b.median)
    return [label, fmt_number(a.median, digits), f"{fmt_number(a.min, digits)}-{fmt_number(a.max, digits)}",
            fmt_number(b.median, digits), f"{fmt_number(b.min, digits)}-{fmt_number(b.max, digits)}",
            "-" if r is None else f"{r:.1f}x"]


def _report(ctx, res, gen):
    hdr = ["quantity", "istioctl median", "istioctl min-max", "iop median", "iop min-max", "istioctl / iop"]
    codes = {t: dict(Counter(r["exit"] for r in res[t])) for t in res}
    out = "## Side by side with istioctl\n\n"
    out += (f"`install -y -f {CR_FILE.relative_to(REPO)} --revision R` into a fresh namespace, readiness waiting off "
            f"(`--readiness-timeout 0s` / `--readiness-timeout 0`), {ctx.runs} runs each, alternating who goes first. "
            "Requests: kube-apiserver's count of reads (any resource), writes on the installed kinds and namespaces, "
            "and non-resource requests (discovery). Peak RSS: " + (
                "GNU time %M (the tool alone)" if os.access(GNU_TIME, os.X_OK) else
                "wait4 ru_maxrss, HIGH: no /usr/bin/time, so the harness's own size is counted in (apt-get install time)")
            + ". Goal: iop >= 3x faster.\n\n")
    out += table(hdr, [
        _row("install wall time, s", "wall", res, 2),
        _row("install requests", "requests", res, 0),
        _row("install writes", "writes", res, 0),
        _row("install peak RSS, MiB", "rss", res, 1),
        _row("namespaced objects created", "objects", res, 0),
        _row("manifest generate wall time, s", "wall", gen, 3),
        _row("manifest generate peak RSS, MiB", "rss", gen, 1),
    ])
    out += (f"\nExit statuses of install (count by status): istioctl {codes['istioctl']}, iop {codes['iop']}. "
            "With a zero readiness timeout both tools check readiness once and report failure when the new "
            "workloads are not ready yet; the objects are applied either way (row above).\n")
    for tool in ("istioctl", "iop"):
        out += f"\nRequests of the first `{tool} install`, by verb and resource (a path is a non-resource request):\n\n"
        out += table(["verb", "resource", "requests"], res[tool][0]["detail"].by_verb_resource())
    return out
