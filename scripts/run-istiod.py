#!/usr/bin/python3
"""Runs the istiod of one revision as a local process, exactly as the Deployment iop rendered
would run it in its pod, against a cluster started by test/cluster/up.sh.

The cluster's pods are simulated (kwok), so nothing would run istiod's image; this stands in for
the kubelet of the Deployment's running pod:

  - pilot-discovery is Istio's own, built from the pinned istio.io/istio module
    (scripts/build-istio-binary.sh);
  - its args and env are the container's (fieldRefs resolved against that pod, resourceFieldRefs
    as the kubelet resolves them), so REVISION, the mesh and injector ConfigMap names, ... are
    what iop rendered;
  - it authenticates with a token of the pod's ServiceAccount (`kubectl create token`), so iop's
    ClusterRoles and Roles are exactly what it may do;
  - its listeners move to free loopback ports (the pod's ports would collide between revisions),
    and each (pod IP, container port) is registered with the cluster's egress proxy
    (test/cluster/egress-proxy.py), so the API server's admission calls to Service istiod-R, which
    it resolves to the pod's endpoint, arrive here;
  - when the pod is deleted (the Deployment scaled away, its CR uninstalled), istiod is stopped,
    as the kubelet would stop it.

Writes CLUSTER_DIR/istiod/<R>/endpoints.json (pod, pod IP, local addresses) once istiod runs;
and CLUSTER_DIR/pids/istiod-<R>.pid (this runner's pid, for test/cluster/down.sh); logs go to
stdout. SIGTERM or SIGINT stops istiod (SIGTERM, then SIGKILL after 8 s) and removes the routes.

With --background it starts itself detached, its log in CLUSTER_DIR/logs/istiod-<R>.log (or
--log FILE), and returns once istiod answers /ready (exit 0; exit 1 with the log's end when it
did not become ready), as scripts/run-operator.sh --background does for an operator.
CLUSTER_DIR defaults to the directory of $KUBECONFIG (make run's is build/run-cluster).

usage: scripts/run-istiod.py [CLUSTER_DIR] [--revision R] [--namespace NS] [--pilot-discovery PATH]
                             [--background [--log FILE]]
"""
import argparse
import ctypes
import json
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))

# istiod's listeners: flag -> its default address (pilot/cmd/pilot-discovery/app/cmd.go). The
# container's args may override a default; the port the pod would listen on is what the
# cluster's endpoints name.
LISTENERS = {
    "--httpAddr": ":8080",
    "--httpsAddr": ":15017",
    "--grpcAddr": ":15010",
    "--secureGRPCAddr": ":15012",
    "--monitoringAddr": ":15014",
}
# Loopback-only debug listener (ctrlz); it moves too, so two istiods do not collide.
CTRLZ = "--ctrlz_port"
# The simulated node claims 64 CPUs; this machine has 2, shared. A pod without a CPU limit
# would get the node's allocatable as limits.cpu (GOMAXPROCS in Istio's chart).
CPU_LIMIT_CORES = 1


def log(msg):
    print(f"[run-istiod {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def die(msg):
    log(msg)
    sys.exit(1)


class Cluster:
    def __init__(self, dir_):
        self.dir = dir_
        self.kubeconfig = os.path.join(dir_, "kubeconfig")

    def kubectl(self, *args, check=True):
        r = subprocess.run(["kubectl", "--kubeconfig", self.kubeconfig, *args], capture_output=True, text=True)
        if check and r.returncode != 0:
            die(f"kubectl {' '.join(args)}: {r.stderr.strip()}")
        return r

    def get(self, *args):
        r = self.kubectl("get", *args, "-o", "json", check=False)
        return json.loads(r.stdout) if r.returncode == 0 else None


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def port_of(addr):
    return int(addr.rsplit(":", 1)[1])


def running_pod(cluster, ns, deployment, timeout):
    """The newest Running pod of the Deployment with an IP (tens of seconds at most after a
    CR is HEALTHY). Dies when there is none within timeout."""
    selector = ",".join(f"{k}={v}" for k, v in deployment["spec"]["selector"]["matchLabels"].items())
    deadline = time.time() + timeout
    while True:
        pods = cluster.get("pods", "-n", ns, "-l", selector) or {"items": []}
        live = [p for p in pods["items"]
                if p["status"].get("phase") == "Running" and p["status"].get("podIP")
                and "deletionTimestamp" not in p["metadata"]]
        if live:
            return max(live, key=lambda p: p["metadata"]["creationTimestamp"])
        if time.time() > deadline:
            die(f"no Running pod of Deployment {ns}/{deployment['metadata']['name']} ({selector})")
        time.sleep(0.5)


def quantity(q):
    """A Kubernetes resource quantity as a number (cores or bytes)."""
    suffixes = {"m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
                "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
    q = str(q)
    for s in sorted(suffixes, key=len, reverse=True):
        if q.endswith(s):
            return float(q[: -len(s)]) * suffixes[s]
    return float(q)


def resource_field(ref, container, node):
    """What the kubelet puts in an env var with resourceFieldRef: the container's value, or for
    a limit that is not set, the node's allocatable; divided by the divisor, rounded up."""
    kind, _, resource = ref["resource"].partition(".")
    value = container.get("resources", {}).get(kind, {}).get(resource)
    if value is None:
        value = node["status"]["allocatable"][resource] if kind == "limits" else 0
    value = quantity(value)
    if ref["resource"] == "limits.cpu":
        value = min(value, CPU_LIMIT_CORES)
    divisor = quantity(ref.get("divisor", "1"))
    return str(max(1, math.ceil(value / divisor)) if value else 0)


def field(path, pod):
    """An env var's fieldRef, resolved against the pod as the kubelet does."""
    simple = {
        "metadata.name": pod["metadata"]["name"],
        "metadata.namespace": pod["metadata"]["namespace"],
        "metadata.uid": pod["metadata"]["uid"],
        "spec.nodeName": pod["spec"].get("nodeName", ""),
        "spec.serviceAccountName": pod["spec"].get("serviceAccountName", "default"),
        "status.podIP": pod["status"].get("podIP", ""),
        "status.hostIP": pod["status"].get("hostIP", ""),
    }
    if path in simple:
        return simple[path]
    for prefix, where in (("metadata.labels", "labels"), ("metadata.annotations", "annotations")):
        if path.startswith(prefix + "['"):
            return pod["metadata"].get(where, {}).get(path[len(prefix) + 2: -2], "")
    die(f"fieldRef {path} is not supported")


def container_env(container, pod, node, cluster, ns):
    env = {}
    if container.get("envFrom"):
        die("envFrom is not supported")
    for e in container.get("env", []):
        name = e["name"]
        if "value" in e:
            env[name] = e["value"]
            continue
        src = e.get("valueFrom", {})
        if "fieldRef" in src:
            env[name] = field(src["fieldRef"]["fieldPath"], pod)
        elif "resourceFieldRef" in src:
            env[name] = resource_field(src["resourceFieldRef"], container, node)
        elif "configMapKeyRef" in src or "secretKeyRef" in src:
            kind = "configmap" if "configMapKeyRef" in src else "secret"
            ref = src.get("configMapKeyRef") or src.get("secretKeyRef")
            obj = cluster.get(kind, "-n", ns, ref["name"])
            value = (obj or {}).get("data", {}).get(ref["key"])
            if value is None:
                if ref.get("optional"):
                    continue
                die(f"env {name}: {kind} {ns}/{ref['name']} has no key {ref['key']}")
            if kind == "secret":
                import base64
                value = base64.b64decode(value).decode()
            env[name] = value
        else:
            env[name] = ""
    return env


def split_args(args, flags):
    """The container's args without the given flags (both --f=v and --f v); returns the rest and
    the values the flags had."""
    rest, values, i = [], {}, 0
    while i < len(args):
        a = args[i]
        name = a.split("=", 1)[0]
        if name in flags:
            if "=" in a:
                values[name] = a.split("=", 1)[1]
            elif i + 1 < len(args):
                values[name] = args[i + 1]
                i += 1
        else:
            rest.append(a)
        i += 1
    return rest, values


def write_atomically(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path))
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def ready(endpoints_file):
    """istiod's /ready answers 200, per the endpoints a runner wrote."""
    try:
        with open(endpoints_file) as f:
            addr = json.load(f)["http"]
        # Loopback: never through a proxy the environment may name.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"http://{addr}/ready", timeout=2) as r:
            return r.status == 200
    except (OSError, ValueError, KeyError):
        return False


def start_in_background(opts, cluster, binary, key, name):
    """Starts this script again, detached, and waits until its istiod is ready."""
    log_file = opts.log or os.path.join(cluster.dir, "logs", f"istiod-{key}.log")
    endpoints_file = os.path.join(cluster.dir, "istiod", key, "endpoints.json")
    pid_file = os.path.join(cluster.dir, "pids", f"istiod-{key}.pid")
    try:
        with open(pid_file) as f:
            running = int(f.read().strip())
        os.kill(running, 0)
        print(f"{name} already runs (PID {running}); its log: {log_file}")
        return 0
    except (OSError, ValueError):
        pass
    # A runner that died without cleaning up must not pass for the new one.
    for path in (endpoints_file, pid_file):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    os.makedirs(os.path.dirname(log_file), exist_ok=True)
    argv = [sys.executable, os.path.abspath(__file__), cluster.dir, "--revision", opts.revision,
            "--namespace", opts.namespace, "--pilot-discovery", binary, "--pod-timeout", str(opts.pod_timeout)]
    with open(log_file, "ab") as out:
        child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                 start_new_session=True)
    # The pod may take pod-timeout to run; istiod then needs seconds (minutes on a loaded machine).
    deadline = time.monotonic() + opts.pod_timeout + 180
    while time.monotonic() < deadline:
        if child.poll() is not None:
            break
        if ready(endpoints_file):
            print(f"{name} runs in the background (PID {child.pid}); its log: {log_file}")
            return 0
        time.sleep(0.2)
    if child.poll() is None:
        child.terminate()
    with open(log_file, errors="replace") as f:
        tail = f.readlines()[-20:]
    print(f"{name} did not become ready; the end of its log ({log_file}):\n" + "".join(tail), file=sys.stderr)
    return 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cluster_dir", nargs="?", default="",
                    help="the cluster's directory (test/cluster/up.sh); default: the directory of $KUBECONFIG")
    ap.add_argument("--revision", default="", help="the revision's istiod (Deployment istiod-R); default: istiod")
    ap.add_argument("--namespace", default="istio-system")
    ap.add_argument("--pilot-discovery", default="", help="default: scripts/build-istio-binary.sh pilot-discovery")
    ap.add_argument("--pod-timeout", type=float, default=120)
    ap.add_argument("--background", action="store_true",
                    help="run detached, log to --log, return once istiod is ready")
    ap.add_argument("--log", default="", help="with --background: default CLUSTER_DIR/logs/istiod-R.log")
    opts = ap.parse_args()
    cluster_dir = opts.cluster_dir
    if not cluster_dir:
        if not os.environ.get("KUBECONFIG"):
            ap.error("give CLUSTER_DIR or set KUBECONFIG to the cluster's kubeconfig")
        cluster_dir = os.path.dirname(os.path.abspath(os.environ["KUBECONFIG"]))
    if opts.log and not opts.background:
        ap.error("--log goes with --background (in the foreground the log is stdout)")
    cluster = Cluster(os.path.abspath(cluster_dir))
    if not os.path.isfile(cluster.kubeconfig):
        ap.error(f"{cluster.dir} is not a cluster directory of test/cluster/up.sh (no kubeconfig in it)")
    ns, rev = opts.namespace, opts.revision
    name = f"istiod-{rev}" if rev else "istiod"
    key = rev or "default"

    binary = opts.pilot_discovery or subprocess.run(
        ["bash", os.path.join(HERE, "build-istio-binary.sh"), "pilot-discovery"],
        stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
    if opts.background:
        return start_in_background(opts, cluster, binary, key, name)

    deployment = cluster.get("deployment", "-n", ns, name)
    if deployment is None:
        die(f"no Deployment {ns}/{name}: install the revision's control plane first")
    pod = running_pod(cluster, ns, deployment, opts.pod_timeout)
    pod_name, pod_ip = pod["metadata"]["name"], pod["status"]["podIP"]
    spec = pod["spec"]
    containers = [c for c in spec["containers"] if c["name"] == "discovery"] or spec["containers"][:1]
    container = containers[0]
    node = cluster.get("node", spec["nodeName"])
    args = container.get("args", [])
    if not args or args[0] != "discovery":
        die(f"the container of {pod_name} does not run `pilot-discovery discovery`: {args}")

    # Addresses: the pod's (for the routes) and the local ones that replace them.
    rest, given = split_args(args[1:], set(LISTENERS) | {CTRLZ, "--kubeconfig"})
    local = {flag: f"127.0.0.1:{free_port()}" for flag in LISTENERS}
    routes = "".join(f"{pod_ip}:{port_of(given.get(flag, LISTENERS[flag]))} {local[flag]}\n" for flag in LISTENERS)

    sa = spec.get("serviceAccountName", "default")
    token = cluster.kubectl("-n", ns, "create", "token", sa, "--duration=24h").stdout.strip()
    work = os.path.join(cluster.dir, "istiod", key)
    os.makedirs(work, exist_ok=True)
    server = cluster.kubectl("config", "view", "--minify", "-o", "jsonpath={.clusters[0].cluster.server}").stdout
    kubeconfig = os.path.join(work, "kubeconfig")
    write_atomically(kubeconfig, json.dumps({
        "apiVersion": "v1", "kind": "Config",
        "clusters": [{"name": "cluster", "cluster": {"server": server,
                                                     "certificate-authority": os.path.join(cluster.dir, "pki/ca.crt")}}],
        "users": [{"name": f"{ns}/{sa}", "user": {"token": token}}],
        "contexts": [{"name": "sa", "context": {"cluster": "cluster", "user": f"{ns}/{sa}"}}],
        "current-context": "sa",
    }, indent=2))

    env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
    pod_env = container_env(container, pod, node, cluster, ns)
    # KUBECONFIG in Istio's chart names the optional istio-kubeconfig Secret's mount (remote
    # clusters); without it istiod in its pod falls back to its ServiceAccount, which the
    # --kubeconfig below stands for.
    pod_env.pop("KUBECONFIG", None)
    env.update(pod_env)

    argv = [binary, "discovery", *rest, "--kubeconfig", kubeconfig, CTRLZ, str(free_port())]
    for flag, addr in local.items():
        argv += [flag, addr]
    # istiod writes its DNS certificates and reads optional CA files under relative paths
    # (./var/run/secrets/istio-dns, ./etc/cacerts): a directory of its own per revision.
    run_dir = os.path.join(work, "root")
    os.makedirs(run_dir, exist_ok=True)
    log(f"{name}: pod {ns}/{pod_name} ({pod_ip}) as ServiceAccount {ns}/{sa}: {' '.join(argv[1:])}")
    log("env: " + " ".join(f"{k}={v}" for k, v in sorted(pod_env.items())))

    routes_file = os.path.join(cluster.dir, "egress-routes", f"istiod-{key}")
    endpoints_file = os.path.join(work, "endpoints.json")
    # istiod dies with this runner even when the runner is SIGKILLed (PR_SET_PDEATHSIG), so
    # nothing outlives the cluster's down.sh.
    libc = ctypes.CDLL(None, use_errno=True)
    proc = subprocess.Popen(argv, env=env, cwd=run_dir, preexec_fn=lambda: libc.prctl(1, signal.SIGKILL))
    pid_file = os.path.join(cluster.dir, "pids", f"istiod-{key}.pid")
    if os.path.isdir(os.path.dirname(pid_file)):
        # test/cluster/down.sh stops what pids/ names: this runner, which stops istiod.
        write_atomically(pid_file, f"{os.getpid()}\n")
    # The pod's deletion stops istiod, as the kubelet would: kubectl waits for it.
    watcher = subprocess.Popen(["kubectl", "--kubeconfig", cluster.kubeconfig, "-n", ns, "wait", "--for=delete",
                                f"pod/{pod_name}", "--timeout=-1s"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    write_atomically(routes_file, routes)
    write_atomically(endpoints_file, json.dumps({
        "pod": pod_name, "podIP": pod_ip, "namespace": ns, "revision": rev, "pid": proc.pid,
        "http": local["--httpAddr"], "https": local["--httpsAddr"], "grpc": local["--grpcAddr"],
        "secureGRPC": local["--secureGRPCAddr"], "monitoring": local["--monitoringAddr"],
    }, indent=2))
    log(f"{name} runs (pid {proc.pid}); ready: http://{local['--httpAddr']}/ready; routes: "
        + ", ".join(line.replace(" ", " -> ") for line in routes.splitlines()))

    stopping = []
    def on_signal(sig, _frame):
        stopping.append(sig)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    code = None
    while code is None:
        code = proc.poll()
        if code is not None:
            break
        if stopping:
            log(f"signal {stopping[0]}: stopping {name}")
            break
        if watcher.poll() == 0:
            log(f"pod {ns}/{pod_name} was deleted: stopping {name}, as its kubelet would")
            break
        time.sleep(0.2)

    for path in (routes_file, endpoints_file, pid_file):
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
    if watcher.poll() is None:
        watcher.terminate()
        watcher.wait()
    if code is None:
        proc.send_signal(signal.SIGTERM)
        try:
            # Within down.sh's 10 s grace for this runner.
            code = proc.wait(8)
        except subprocess.TimeoutExpired:
            log(f"{name} did not exit within 8 s of SIGTERM: SIGKILL")
            proc.kill()
            code = proc.wait()
        log(f"{name} stopped (exit {code})")
        return 0
    log(f"{name} exited by itself with {code}")
    return code if code > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
