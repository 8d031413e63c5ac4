"""The IstioOperator CRs the benchmarks apply, the objects they should produce (from
`iop manifest generate`, the operator's own renderer), and waits on both."""
import subprocess
import time
import tempfile

import yaml

from .cluster import Api


def gateway_cr(name, namespace, revision, resources=None):
    """A gateway-only CR (profile empty, one ingress gateway) installing into its own namespace."""
    gw = {"name": "istio-ingressgateway", "enabled": True}
    if resources:
        gw["k8s"] = {"resources": resources}
    return {"apiVersion": "install.istio.io/v1alpha1", "kind": "IstioOperator",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"profile": "empty", "revision": revision,
                     "values": {"global": {"istioNamespace": namespace}},
                     "components": {"ingressGateways": [gw]}}}


def control_plane_cr(name, namespace, revision):
    """The default profile (base, istiod, ingress gateway) for one revision in one namespace."""
    return {"apiVersion": "install.istio.io/v1alpha1", "kind": "IstioOperator",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"profile": "default", "revision": revision,
                     "values": {"global": {"istioNamespace": namespace}}}}


def plural(kind):
    k = kind.lower()
    return k[:-1] + "ies" if k.endswith("y") else k + "s"


def rendered(iop, cr):
    """The objects `iop manifest generate` renders for cr, as dicts."""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
        yaml.safe_dump(cr, f)
        f.flush()
        p = subprocess.run([str(iop), "manifest", "generate", "-f", f.name], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"iop manifest generate for {cr['metadata']['name']}: exit {p.returncode}: {p.stderr}")
    return [doc for doc in yaml.safe_load_all(p.stdout) if doc]


def expected_objects(iop, cr):
    """[(group, version, resource, namespace or None, name)] that `iop manifest generate` renders
    for cr."""
    out = []
    for doc in rendered(iop, cr):
        group, _, version = doc["apiVersion"].rpartition("/")
        md = doc["metadata"]
        out.append((group, version, plural(doc["kind"]), md.get("namespace"), md["name"]))
    return out


def missing(api: Api, objects):
    """The objects (as from expected_objects) that do not exist yet; one GET each."""
    return [o for o in objects if api.get(o[0], o[1], o[2], o[3], o[4]) is None]


IOP_GVR = ("install.istio.io", "v1alpha1", "istiooperators")


def cr_status(api: Api, namespace, name):
    cr = api.get(*IOP_GVR, namespace, name)
    return ((cr or {}).get("status") or {}).get("status", "")


def statuses(api: Api, selector=None):
    """{namespace/name: status.status} of every IstioOperator (one LIST)."""
    return {f"{c['metadata']['namespace']}/{c['metadata']['name']}": (c.get("status") or {}).get("status", "")
            for c in api.list(*IOP_GVR, selector=selector)}


def pod_ready(pod):
    """Whether the pod's Ready condition is True."""
    conds = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conds)


def create_namespaces(api: Api, names, timeout=120):
    """Creates the namespaces and waits until the controller-manager has put its ConfigMap and
    ServiceAccount into each, so its writes stay out of later measurements."""
    for n in names:
        api.create_namespace(n)
    want = set(names)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        cms = {c["metadata"]["namespace"] for c in api.list("", "v1", "configmaps") if
               c["metadata"]["name"] == "kube-root-ca.crt"}
        sas = {s["metadata"]["namespace"] for s in api.list("", "v1", "serviceaccounts") if
               s["metadata"]["name"] == "default"}
        if want <= cms and want <= sas:
            return
        time.sleep(0.2)
    raise TimeoutError(f"namespaces {sorted(want)[:3]}...: the controller-manager did not fill them in {timeout} s")
