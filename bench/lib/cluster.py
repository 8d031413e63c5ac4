"""A private test cluster (test/cluster/up.sh) for one benchmark, and a small REST client for
it that keeps count of its own requests, so they can be subtracted from the API server's."""
import http.client
import json
import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.parse
from collections import Counter
from pathlib import Path

from . import apiserver_metrics

REPO = Path(__file__).resolve().parents[2]


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Api:
    """The admin's HTTPS client. Not thread-safe (one connection). `own` counts each request
    the way kube-apiserver's metric does: (verb, group, resource, subresource)."""

    def __init__(self, cluster_dir):
        d = self.cluster_dir = Path(cluster_dir)
        self.server = urllib.parse.urlparse((d / "server").read_text().strip())
        self.ctx = ssl.create_default_context(cafile=str(d / "pki/ca.crt"))
        self.ctx.load_cert_chain(str(d / "pki/admin.crt"), str(d / "pki/admin.key"))
        self.conn = None
        self.own = Counter()

    def _request(self, method, path, body=None, content_type="application/json"):
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = content_type
            body = body if isinstance(body, (bytes, str)) else json.dumps(body)
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPSConnection(self.server.hostname, self.server.port,
                                                        context=self.ctx, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                return resp.status, data
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise

    def call(self, method, path, body=None, content_type="application/json", metric_key=None, ok=(200, 201)):
        """One request; returns the decoded JSON (or text). Raises RuntimeError naming the
        request and status when the status is not in `ok`; returns None on 404 if 404 is in ok."""
        if metric_key:
            self.own[metric_key] += 1
        status, data = self._request(method, path, body, content_type)
        if status not in ok:
            raise RuntimeError(f"{method} {path}: HTTP {status}: {data[:300].decode(errors='replace')}")
        if status == 404:
            return None
        try:
            return json.loads(data)
        except ValueError:
            return data.decode(errors="replace")

    @staticmethod
    def path(group, version, resource, namespace=None, name=None, sub=None):
        base = f"/api/{version}" if not group else f"/apis/{group}/{version}"
        p = base + (f"/namespaces/{namespace}" if namespace else "") + f"/{resource}"
        if name:
            p += f"/{name}"
        if sub:
            p += f"/{sub}"
        return p

    def get(self, group, version, resource, namespace=None, name=None):
        """The object, or None when it does not exist."""
        return self.call("GET", self.path(group, version, resource, namespace, name),
                         metric_key=("GET", group, resource, ""), ok=(200, 404))

    def list(self, group, version, resource, namespace=None, selector=None):
        q = "?labelSelector=" + urllib.parse.quote(selector) if selector else ""
        return self.call("GET", self.path(group, version, resource, namespace) + q,
                         metric_key=("LIST", group, resource, ""))["items"]

    def list_with_version(self, group, version, resource, selector=None):
        """(items, resourceVersion of the list): where a watch of the same resource starts."""
        q = "?labelSelector=" + urllib.parse.quote(selector) if selector else ""
        body = self.call("GET", self.path(group, version, resource) + q, metric_key=("LIST", group, resource, ""))
        return body["items"], body["metadata"]["resourceVersion"]

    def watch(self, group, version, resource, resource_version, timeout_s, selector=None):
        """Yields (type, object) for every change after resource_version, across namespaces, on a
        connection of its own, for at most timeout_s seconds (the server ends the watch then).
        One watch costs the API server one request and one encoding per change, where polling
        with LISTs would encode every object on each poll and load the cluster being measured."""
        q = {"watch": "1", "resourceVersion": resource_version, "timeoutSeconds": str(int(timeout_s)),
             "allowWatchBookmarks": "false"}
        if selector:
            q["labelSelector"] = selector
        self.own[("WATCH", group, resource, "")] += 1
        conn = http.client.HTTPSConnection(self.server.hostname, self.server.port, context=self.ctx,
                                           timeout=timeout_s + 30)
        try:
            conn.request("GET", self.path(group, version, resource) + "?" + urllib.parse.urlencode(q),
                         headers={"Accept": "application/json"})
            resp = conn.getresponse()
            if resp.status != 200:
                raise RuntimeError(f"WATCH {resource}: HTTP {resp.status}: {resp.read()[:300].decode(errors='replace')}")
            while True:
                line = resp.readline()
                if not line:
                    return
                event = json.loads(line)
                if event["type"] == "ERROR":
                    raise RuntimeError(f"WATCH {resource}: {event['object'].get('message', event['object'])}")
                yield event["type"], event["object"]
        finally:
            conn.close()

    def apply(self, obj, manager="bench"):
        """Server-side apply (what `kubectl apply --server-side` sends), forced."""
        group, _, version = obj["apiVersion"].rpartition("/")
        resource = obj["kind"].lower() + "s"
        ns = obj["metadata"].get("namespace")
        p = self.path(group, version, resource, ns, obj["metadata"]["name"])
        return self.call("PATCH", f"{p}?fieldManager={manager}&force=true", json.dumps(obj),
                         "application/apply-patch+yaml", metric_key=("APPLY", group, resource, ""))

    def delete(self, group, version, resource, namespace=None, name=None):
        return self.call("DELETE", self.path(group, version, resource, namespace, name),
                         metric_key=("DELETE", group, resource, ""), ok=(200, 202, 404))

    def create_namespace(self, name):
        self.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})

    def metrics(self):
        """kube-apiserver's request counters now (see apiserver_metrics.parse)."""
        return apiserver_metrics.parse(self.call("GET", "/metrics"))


class Cluster:
    """A cluster of its own under build/bench-cluster-NAME, stopped on exit, on an exception
    and on SIGINT/SIGTERM. Use as a context manager."""

    def __init__(self, name, build_dir):
        self.dir = Path(build_dir).resolve() / f"bench-cluster-{name}"
        self.kubeconfig = self.dir / "kubeconfig"
        self.api = None
        self._old_handlers = {}

    def __enter__(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._old_handlers[sig] = signal.signal(sig, self._on_signal)
        log(f"starting a cluster in {self.dir}")
        try:
            subprocess.run(["bash", str(REPO / "test/cluster/up.sh"), str(self.dir)], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            self.api = Api(self.dir)
            self.install_crd()
        except subprocess.CalledProcessError as e:
            self.__exit__()
            raise RuntimeError(f"test/cluster/up.sh {self.dir} failed:\n{e.stderr[-3000:]}") from e
        except BaseException:  # Ctrl-C or a failed CRD install: no half-started cluster stays up
            self.__exit__()
            raise
        return self

    def _on_signal(self, signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    def _restore(self):
        for sig, h in self._old_handlers.items():
            signal.signal(sig, h)

    def __exit__(self, *exc):
        try:
            subprocess.run(["bash", str(REPO / "test/cluster/down.sh"), str(self.dir)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        finally:
            self._restore()
        return False

    def kubectl(self, *args, stdin=None):
        p = subprocess.run(["kubectl", "--kubeconfig", str(self.kubeconfig), *args], input=stdin,
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")
        return p.stdout

    def install_crd(self):
        self.kubectl("apply", "--server-side", "-f", str(REPO / "crds/istiooperator.yaml"))
        self.kubectl("wait", "--for=condition=Established", "--timeout=60s",
                     "crd/istiooperators.install.istio.io")

    def ensure_pod_capacity(self, pods, node="node-1"):
        """Raises the simulated node's pod capacity when it is below `pods` (bench cluster only)."""
        n = self.api.get("", "v1", "nodes", name=node)
        have = parse_count(n["status"]["allocatable"].get("pods", "0"))
        if have >= pods:
            return have
        cap = str(pods + 100)
        patch = {"status": {"capacity": {"pods": cap}, "allocatable": {"pods": cap}}}
        self.api.call("PATCH", Api.path("", "v1", "nodes", name=node, sub="status"), patch,
                      "application/merge-patch+json")
        log(f"raised {node}'s pod capacity from {have} to {cap}")
        return int(cap)


def add_service_ips(api, cidr="10.96.0.0/16"):
    """Adds a ServiceCIDR: the test cluster's /24 holds 254 Service IPs, fewer than the scale run
    needs (bench cluster only; the allocator uses every ServiceCIDR)."""
    api.apply({"apiVersion": "networking.k8s.io/v1", "kind": "ServiceCIDR",
               "metadata": {"name": "bench-extra"}, "spec": {"cidrs": [cidr]}})


def parse_count(quantity):
    """A Kubernetes quantity that counts things ("110", "5k", "1M") as an int."""
    units = {"k": 10**3, "M": 10**6, "G": 10**9}
    q = str(quantity)
    if q and q[-1] in units:
        return int(float(q[:-1]) * units[q[-1]])
    return int(q)


def wait_for(what, predicate, timeout, interval=0.05):
    """Polls predicate() until it returns a truthy value; returns (value, seconds waited).
    Raises TimeoutError naming `what` after `timeout` seconds."""
    start = time.monotonic()
    while True:
        v = predicate()
        if v:
            return v, time.monotonic() - start
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"{what}: not reached in {timeout} s")
        time.sleep(interval)


def env_build_dir():
    return Path(os.environ.get("BUILD_DIR", REPO / "build"))
