#!/usr/bin/env python3
"""Measures how closely `iop manifest generate` reproduces `istioctl manifest generate`.

For every IstioOperator CR in test/fidelity/crs/ both tools render the CR; the objects are
matched by kind/namespace/name and a fixed set of fields is compared per object (see FIELDS
below and README.md). Every difference is printed; a summary and every difference also go to
test/fidelity/results/latest.txt in a tab-separated form.

This is a measurement: it exits 0 whatever the differences are. It exits non-zero only when it
cannot measure: istioctl fails on a CR (the CR set is broken), a binary is missing, or a tool
dies by a signal. iop rejecting a CR is a measured result (all its objects count as missing).
"""

import argparse
import datetime
import json
import os
import pathlib
import shlex
import subprocess
import sys

import yaml

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
ARGS_MARKER = "# fidelity-args:"

# Labels that `istioctl install` (not `manifest generate`) stamps on every object it applies,
# from the CR's name/namespace, the revision and istioctl's own version
# (operator/pkg/install/install.go getOwnerLabels). iop renders them itself (DESIGN.md,
# "Ownership"), so they are checked as one field of their own, "ownership labels", against
# what istioctl install would write, instead of being counted as extra labels.
MANAGED = "operator.istio.io/managed"
VERSION = "operator.istio.io/version"
OWNER_NAME = "install.operator.istio.io/owning-resource"
OWNER_NS = "install.operator.istio.io/owning-resource-namespace"
COMPONENT = "operator.istio.io/component"
REV = "istio.io/rev"
INSTALL_TIME_LABELS = (MANAGED, VERSION, OWNER_NAME, OWNER_NS)
PRESENT = "<present>"

WORKLOADS = {"Deployment", "DaemonSet", "StatefulSet", "Job"}
WEBHOOK_CONFIGS = {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"}


class ToolFailure(Exception):
    """A tool could not be run at all: the measurement stops."""


# ---------------------------------------------------------------------------------------------
# Inputs


class CR:
    def __init__(self, path):
        self.path = path
        self.text = path.read_text()
        self.args = []
        for line in self.text.splitlines():
            if line.startswith(ARGS_MARKER):
                self.args += shlex.split(line[len(ARGS_MARKER):])
        docs = [d for d in yaml.safe_load_all(self.text) if d is not None]
        if len(docs) != 1 or not isinstance(docs[0], dict):
            raise ToolFailure(f"{path}: expected exactly one IstioOperator document")
        self.doc = docs[0]
        meta = self.doc.get("metadata") or {}
        self.name = meta.get("name", "")
        self.namespace = meta.get("namespace", "")
        self.revision = self._revision()

    def _revision(self):
        """The revision the tools will use: --revision, else --set revision=, else the CR's."""
        rev = (self.doc.get("spec") or {}).get("revision", "")
        args = self.args
        for i, a in enumerate(args):
            if a in ("--revision", "-r") and i + 1 < len(args):
                rev = args[i + 1]
            elif a.startswith("--revision="):
                rev = a.split("=", 1)[1]
            elif a in ("--set", "-s") and i + 1 < len(args):
                k, _, v = args[i + 1].partition("=")
                if k in ("revision", "spec.revision"):
                    rev = v
        return rev


def run_tool(label, binary, cr, workdir):
    """Runs `binary manifest generate -f CR ARGS`; returns (objects, error text or None)."""
    argv = [binary, "manifest", "generate", "-f", str(cr.path)] + cr.args
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    except FileNotFoundError as e:
        raise ToolFailure(f"{label}: cannot run {binary}: {e}") from e
    except PermissionError as e:
        raise ToolFailure(f"{label}: cannot run {binary}: {e}") from e
    except subprocess.TimeoutExpired as e:
        raise ToolFailure(f"{label}: {shlex.join(argv)} did not finish in 300 s") from e
    out = workdir / f"{cr.path.stem}.{label}.yaml"
    out.write_text(proc.stdout)
    (workdir / f"{cr.path.stem}.{label}.stderr").write_text(proc.stderr)
    if proc.returncode < 0:
        raise ToolFailure(f"{label}: {shlex.join(argv)} died by signal {-proc.returncode}")
    if proc.returncode != 0:
        return [], f"exit {proc.returncode}: {proc.stderr.strip() or '(no stderr)'}"
    try:
        docs = list(yaml.safe_load_all(proc.stdout))
    except yaml.YAMLError as e:
        return [], f"output is not YAML: {e}"
    objects = []
    for d in docs:
        if d is None:
            continue
        if not isinstance(d, dict) or "kind" not in d:
            return [], f"output holds a document that is not a Kubernetes object: {str(d)[:120]}"
        if d.get("kind") == "List":
            objects += [i for i in d.get("items") or [] if i]
        else:
            objects.append(d)
    return objects, None


def key_of(obj):
    meta = obj.get("metadata") or {}
    return (obj.get("kind", ""), meta.get("namespace", "") or "", meta.get("name", ""))


def key_str(key):
    kind, ns, name = key
    return f"{kind} {ns}/{name}" if ns else f"{kind} {name}"


def index(objects):
    """kind/namespace/name -> object; a duplicate key is itself a finding, kept apart."""
    by_key, dups = {}, []
    for o in objects:
        k = key_of(o)
        if k in by_key:
            dups.append(k)
        else:
            by_key[k] = o
    return by_key, dups


# ---------------------------------------------------------------------------------------------
# Field extraction: what is compared, per kind. Each returns a dict field -> value; a field
# that neither side has is not counted.


def dig(obj, *path, default=None):
    for p in path:
        if not isinstance(obj, dict) or p not in obj:
            return default
        obj = obj[p]
    return obj


def canon(v):
    return json.dumps(v, sort_keys=True, default=str)


def sorted_list(items):
    return sorted(items or [], key=canon)


def by_name(items):
    """A list of named things as a dict keyed by name, so order does not count."""
    out = {}
    for i, item in enumerate(items or []):
        name = item.get("name", f"#{i}") if isinstance(item, dict) else f"#{i}"
        out[name if name not in out else f"{name}#{i}"] = item
    return out


def norm_rule(rule):
    return {k: sorted(v) if isinstance(v, list) else v for k, v in rule.items()}


def norm_rules(rules):
    return sorted_list([norm_rule(r) for r in rules or []])


def workload_fields(o):
    spec = o.get("spec") or {}
    tmpl = spec.get("template") or {}
    pod = tmpl.get("spec") or {}
    containers = by_name((pod.get("initContainers") or []) + (pod.get("containers") or []))

    def per_container(fn):
        vals = {n: fn(c) for n, c in containers.items()}
        vals = {n: v for n, v in vals.items() if v not in (None, [], {})}
        return vals or None

    return {
        "replicas": spec.get("replicas"),
        "selector": spec.get("selector"),
        "strategy": spec.get("strategy") or spec.get("updateStrategy"),
        "pod labels": dig(tmpl, "metadata", "labels"),
        "pod annotations": dig(tmpl, "metadata", "annotations"),
        "service account": pod.get("serviceAccountName"),
        "images": per_container(lambda c: c.get("image")),
        "image pull policy": per_container(lambda c: c.get("imagePullPolicy")),
        "container command": per_container(lambda c: c.get("command")),
        "container args": per_container(lambda c: c.get("args")),
        "env names": per_container(lambda c: sorted(e.get("name") for e in c.get("env") or [])),
        "env values": per_container(
            lambda c: {e.get("name"): e.get("value", e.get("valueFrom")) for e in c.get("env") or []}
        ),
        "container ports": per_container(
            lambda c: sorted_list(
                [{k: p.get(k) for k in ("name", "containerPort", "protocol") if k in p} for p in c.get("ports") or []]
            )
        ),
        "resources": per_container(lambda c: c.get("resources")),
        "readiness probes": per_container(lambda c: c.get("readinessProbe")),
        "security contexts": per_container(lambda c: c.get("securityContext")),
        "volume mounts": per_container(
            lambda c: sorted_list([{"name": m.get("name"), "mountPath": m.get("mountPath")} for m in c.get("volumeMounts") or []])
        ),
        "volumes": sorted(v.get("name") for v in pod.get("volumes") or []) or None,
        "volume sources": by_name(pod.get("volumes")) or None,
        "node selector": pod.get("nodeSelector"),
        "tolerations": sorted_list(pod.get("tolerations")) or None,
        "affinity": pod.get("affinity"),
        "priority class": pod.get("priorityClassName"),
        "pod security context": pod.get("securityContext"),
        # Whatever the named fields above leave out, so nothing in a workload goes unseen.
        "workload spec (other)": rest(spec, ("replicas", "selector", "strategy", "updateStrategy", "template")),
        "pod spec (other)": rest(pod, POD_KEYS),
        "containers (other)": per_container(lambda c: rest(c, CONTAINER_KEYS)),
    }


POD_KEYS = ("containers", "initContainers", "volumes", "nodeSelector", "tolerations", "affinity",
            "priorityClassName", "securityContext", "serviceAccountName")
CONTAINER_KEYS = ("name", "image", "imagePullPolicy", "command", "args", "env", "ports", "resources",
                  "readinessProbe", "securityContext", "volumeMounts")


def rest(d, known):
    return {k: v for k, v in (d or {}).items() if k not in known} or None


def service_fields(o):
    spec = o.get("spec") or {}
    ports = [
        {k: p.get(k) for k in ("name", "port", "targetPort", "protocol", "nodePort") if k in p}
        for p in spec.get("ports") or []
    ]
    rest = {k: v for k, v in spec.items() if k not in ("ports", "selector", "type")}
    return {
        "service type": spec.get("type", "ClusterIP"),
        "selector": spec.get("selector"),
        "ports": sorted(ports, key=lambda p: (p.get("port", 0), str(p.get("name")))),
        "service spec (other)": rest or None,
    }


def webhook_fields(o):
    hooks = by_name(o.get("webhooks"))

    def client(h):
        c = dict(h.get("clientConfig") or {})
        c.pop("caBundle", None)  # filled in by istiod at run time
        return c

    policy_keys = ("failurePolicy", "sideEffects", "admissionReviewVersions", "matchPolicy",
                   "reinvocationPolicy", "timeoutSeconds")
    return {
        "webhook names": sorted(hooks),
        "webhook rules": {n: norm_rules(h.get("rules")) for n, h in hooks.items()},
        "webhook selectors": {
            n: {k: h.get(k) for k in ("namespaceSelector", "objectSelector", "matchConditions") if k in h}
            for n, h in hooks.items()
        },
        "webhook client config": {n: client(h) for n, h in hooks.items()},
        "webhook policy": {n: {k: h.get(k) for k in policy_keys if k in h} for n, h in hooks.items()},
    }


def crd_fields(o):
    spec = o.get("spec") or {}
    versions = {}
    for v in spec.get("versions") or []:
        versions[v.get("name")] = {
            "served": v.get("served"),
            "storage": v.get("storage"),
            "deprecated": v.get("deprecated", False),
            "subresources": v.get("subresources"),
            "printer columns": [
                {k: c.get(k) for k in ("name", "type", "jsonPath", "priority") if k in c}
                for c in v.get("additionalPrinterColumns") or []
            ],
        }
    return {
        "crd group": spec.get("group"),
        "crd names": spec.get("names"),
        "crd scope": spec.get("scope"),
        "crd versions": versions,
    }


def configmap_fields(o):
    data = o.get("data") or {}
    fields = {"data keys": sorted(data)}
    for k, v in data.items():
        parsed = v
        if isinstance(v, str):
            try:
                parsed = yaml.safe_load(v)
            except yaml.YAMLError:
                parsed = v
            if not isinstance(parsed, (dict, list)):
                parsed = v
        fields[f"data[{k}]"] = parsed
    return fields


def kind_fields(o):
    kind = o.get("kind")
    if kind in WORKLOADS:
        return workload_fields(o)
    if kind == "Service":
        return service_fields(o)
    if kind in ("Role", "ClusterRole"):
        return {"rbac rules": norm_rules(o.get("rules")), "aggregation rule": o.get("aggregationRule")}
    if kind in ("RoleBinding", "ClusterRoleBinding"):
        return {"role ref": o.get("roleRef"), "subjects": sorted_list(o.get("subjects"))}
    if kind in WEBHOOK_CONFIGS:
        return webhook_fields(o)
    if kind == "HorizontalPodAutoscaler":
        s = o.get("spec") or {}
        return {
            "hpa target": s.get("scaleTargetRef"),
            "hpa min/max": {"min": s.get("minReplicas"), "max": s.get("maxReplicas")},
            "hpa metrics": s.get("metrics"),
            "hpa behavior": s.get("behavior"),
        }
    if kind == "PodDisruptionBudget":
        s = o.get("spec") or {}
        return {"selector": s.get("selector"), "pdb budget": {k: v for k, v in s.items() if k != "selector"}}
    if kind == "CustomResourceDefinition":
        return crd_fields(o)
    if kind == "ConfigMap":
        return configmap_fields(o)
    if kind == "ServiceAccount":
        return {"image pull secrets": o.get("imagePullSecrets"),
                "automount token": o.get("automountServiceAccountToken")}
    # Any other kind: every top-level part but the envelope.
    return {k: v for k, v in o.items() if k not in ("apiVersion", "kind", "metadata", "status")}


def reference_fields(o, cr, as_installed=True):
    """istioctl's object as `istioctl install` would apply it (or as rendered)."""
    labels = dict(dig(o, "metadata", "labels") or {})
    if not as_installed:
        return plain_fields(o, labels), True
    for k in INSTALL_TIME_LABELS:
        labels.pop(k, None)
    labels[REV] = cr.revision or "default"  # install overwrites it on every object
    own = {MANAGED: "Reconcile", VERSION: PRESENT, REV: cr.revision or "default", COMPONENT: PRESENT}
    if cr.name:
        own[OWNER_NAME] = cr.name
    if cr.namespace:
        own[OWNER_NS] = cr.namespace
    fields = {
        "apiVersion": o.get("apiVersion"),
        "labels": labels,
        "annotations": dig(o, "metadata", "annotations"),
        "ownership labels": own,
    }
    fields.update(kind_fields(o))
    return fields, COMPONENT in labels


def plain_fields(o, labels):
    fields = {"apiVersion": o.get("apiVersion"), "labels": labels,
              "annotations": dig(o, "metadata", "annotations")}
    fields.update(kind_fields(o))
    return fields


def candidate_fields(o, ref_has_component, as_installed=True):
    labels = dict(dig(o, "metadata", "labels") or {})
    if not as_installed:
        return plain_fields(o, labels)
    own = {k: labels.get(k) for k in (MANAGED, VERSION, OWNER_NAME, OWNER_NS, REV, COMPONENT)}
    for k in (VERSION, COMPONENT):  # values are iop's own; their presence is what counts
        if own[k]:
            own[k] = PRESENT
    own = {k: v for k, v in own.items() if v is not None}
    for k in INSTALL_TIME_LABELS:
        labels.pop(k, None)
    if not ref_has_component:
        # istioctl install adds the component label with a value we cannot see from its output;
        # the ownership field checks it is there.
        labels.pop(COMPONENT, None)
    fields = {
        "apiVersion": o.get("apiVersion"),
        "labels": labels,
        "annotations": dig(o, "metadata", "annotations"),
        "ownership labels": own,
    }
    fields.update(kind_fields(o))
    return fields


def present(v):
    return v not in (None, {}, [])


# ---------------------------------------------------------------------------------------------
# Differences


def short(v, limit=160):
    s = json.dumps(v, sort_keys=True, default=str, ensure_ascii=False)
    if len(s) <= limit:
        return s
    return s[:limit] + f"...({len(s)} chars)"


def string_window(a, b, width=70):
    """Two long strings shown around their first differing character."""
    i = next((n for n, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    lo = max(0, i - 20)
    return (f"@{i}/{len(a)}: ...{json.dumps(a[lo:lo + width], ensure_ascii=False)}...",
            f"@{i}/{len(b)}: ...{json.dumps(b[lo:lo + width], ensure_ascii=False)}...")


# Fields whose lists are sets (built sorted above): a difference is an item on one side only,
# not a shifted index.
SET_FIELDS = {"env names", "volumes", "data keys", "webhook names"}


def is_scalar(v):
    return v is None or isinstance(v, (str, int, float, bool))


def deep_diff(a, b, path="", as_set=False):
    """Yields (path, reference value, candidate value) for every leaf that differs."""
    if as_set and isinstance(a, list) and isinstance(b, list) and all(map(is_scalar, a + b)):
        for x in a:
            if x not in b:
                yield path, x, "<absent>"
        for y in b:
            if y not in a:
                yield path, "<absent>", y
    elif isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            p = f"{path}.{k}" if path else str(k)
            if k not in a:
                yield p, "<absent>", b[k]
            elif k not in b:
                yield p, a[k], "<absent>"
            else:
                yield from deep_diff(a[k], b[k], p, as_set)
    elif isinstance(a, list) and isinstance(b, list):
        named = all(isinstance(x, dict) and "name" in x for x in a + b)
        if named and a and b:
            yield from deep_diff(by_name(a), by_name(b), path)
        else:
            for i in range(max(len(a), len(b))):
                p = f"{path}[{i}]"
                if i >= len(a):
                    yield p, "<absent>", b[i]
                elif i >= len(b):
                    yield p, a[i], "<absent>"
                else:
                    yield from deep_diff(a[i], b[i], p)
    elif a != b:
        yield path, a, b


def render_pair(a, b):
    if isinstance(a, str) and isinstance(b, str) and (len(a) > 160 or len(b) > 160):
        return string_window(a, b)
    return short(a), short(b)


# ---------------------------------------------------------------------------------------------
# Comparison of one CR


class Result:
    def __init__(self, cr):
        self.cr = cr
        self.ref_error = None
        self.cand_error = None
        self.ref_count = self.cand_count = 0
        self.matched, self.missing, self.extra = [], [], []
        self.dups = []  # (side, key)
        self.fields_ok = self.fields_diff = 0
        self.missing_fields = self.extra_fields = 0
        self.diffs = []  # (key, field, path, ref, cand)
        self.per_object = []  # (key, status, ok, total)

    @property
    def total_fields(self):
        return self.fields_ok + self.fields_diff + self.missing_fields + self.extra_fields

    @property
    def percent(self):
        return 100.0 * self.fields_ok / self.total_fields if self.total_fields else 100.0


def compare(cr, ref_objs, cand_objs, as_installed=True):
    """Compares one CR's renderings. as_installed=False compares labels exactly as rendered,
    without the labels `istioctl install` adds (for checking this tool on istioctl itself)."""
    r = Result(cr)
    ref, ref_dups = index(ref_objs)
    cand, cand_dups = index(cand_objs)
    r.ref_count, r.cand_count = len(ref_objs), len(cand_objs)
    r.dups = [("istioctl", k) for k in ref_dups] + [("iop", k) for k in cand_dups]
    for k in sorted(set(ref) | set(cand)):
        if k in ref and k not in cand:
            n = sum(present(v) for v in reference_fields(ref[k], cr, as_installed)[0].values())
            r.missing.append(k)
            r.missing_fields += n
            r.per_object.append((k, "MISSING", 0, n))
            continue
        if k in cand and k not in ref:
            n = sum(present(v) for v in candidate_fields(cand[k], True, as_installed).values())
            r.extra.append(k)
            r.extra_fields += n
            r.per_object.append((k, "EXTRA", 0, n))
            continue
        rf, has_component = reference_fields(ref[k], cr, as_installed)
        cf = candidate_fields(cand[k], has_component, as_installed)
        ok = total = 0
        for field in list(rf) + [f for f in cf if f not in rf]:
            a, b = rf.get(field), cf.get(field)
            if not present(a) and not present(b):
                continue
            total += 1
            if canon(a) == canon(b):
                ok += 1
                continue
            for path, x, y in deep_diff(a, b, as_set=field in SET_FIELDS):
                r.diffs.append((k, field, path, x, y))
        r.matched.append(k)
        r.fields_ok += ok
        r.fields_diff += total - ok
        r.per_object.append((k, "matched" if ok == total else "differs", ok, total))
    # Duplicates count against the side that has them: only one copy can be applied.
    for side, k in r.dups:
        r.diffs.append((k, "duplicate", "", f"{side} renders this object more than once", ""))
        r.fields_diff += 1
    return r


# ---------------------------------------------------------------------------------------------
# Reports


def print_result(r, out):
    cr = r.cr
    args = f"  (args: {shlex.join(cr.args)})" if cr.args else ""
    out.write(f"\n=== {cr.path.name}{args}\n")
    if r.cand_error:
        out.write(f"  iop FAILED: {r.cand_error}\n")
    out.write(
        f"  objects: istioctl {r.ref_count}, iop {r.cand_count}; matched {len(r.matched)}, "
        f"missing {len(r.missing)}, extra {len(r.extra)}\n"
        f"  fields:  matched {r.fields_ok}, differing {r.fields_diff}, "
        f"in missing objects {r.missing_fields}, in extra objects {r.extra_fields}\n"
        f"  match:   {r.percent:.1f}%\n"
    )
    width = max([len(key_str(k)) for k, *_ in r.per_object] + [20])
    out.write(f"  {'object'.ljust(width)}  {'status':8}  fields ok/total\n")
    for k, status, ok, total in r.per_object:
        out.write(f"  {key_str(k).ljust(width)}  {status:8}  {ok}/{total}\n")
    if r.missing or r.extra or r.diffs:
        out.write("  differences (reference = istioctl, candidate = iop):\n")
    for k in r.missing:
        out.write(f"    MISSING  {key_str(k)}\n")
    for k in r.extra:
        out.write(f"    EXTRA    {key_str(k)}\n")
    for k, field, path, a, b in r.diffs:
        if field == "duplicate":
            out.write(f"    DUPLICATE {key_str(k)}: {a}\n")
            continue
        x, y = render_pair(a, b)
        where = f"{field}: {path}" if path else field
        out.write(f"    DIFF     {key_str(k)} | {where}\n               istioctl {x}\n               iop      {y}\n")


def totals(results):
    ok = sum(r.fields_ok for r in results)
    total = sum(r.total_fields for r in results)
    objs_ref = sum(len(r.matched) + len(r.missing) for r in results)
    objs_matched = sum(len(r.matched) for r in results)
    objs_union = sum(len(r.matched) + len(r.missing) + len(r.extra) for r in results)
    return {
        "percent": 100.0 * ok / total if total else 100.0,
        "fields_ok": ok,
        "fields_total": total,
        "objects_reference": objs_ref,
        "objects_matched": objs_matched,
        "objects_union": objs_union,
        "objects_percent": 100.0 * objs_matched / objs_union if objs_union else 100.0,
    }


def print_summary(results, t, out):
    out.write("\n=== summary\n")
    w = max(len(r.cr.path.name) for r in results)
    out.write(f"  {'CR'.ljust(w)}  objects matched/missing/extra  fields ok/differing/in-missing/in-extra  match\n")
    for r in results:
        flag = "  iop failed" if r.cand_error else ""
        out.write(
            f"  {r.cr.path.name.ljust(w)}  {len(r.matched):>7}/{len(r.missing):>7}/{len(r.extra):>5}"
            f"        {r.fields_ok:>5}/{r.fields_diff:>5}/{r.missing_fields:>5}/{r.extra_fields:>5}"
            f"          {r.percent:5.1f}%{flag}\n"
        )
    # Where the differences concentrate: objects (summed over CRs) per kind and field.
    groups = {}
    for r in results:
        for k in r.missing:
            groups.setdefault((k[0], "MISSING object"), set()).add((r.cr.path.name, k))
        for k in r.extra:
            groups.setdefault((k[0], "EXTRA object"), set()).add((r.cr.path.name, k))
        for k, field, *_ in r.diffs:
            groups.setdefault((k[0], field), set()).add((r.cr.path.name, k))
    if groups:
        out.write("\n  differences by kind and field (objects affected, over all CRs):\n")
        for (kind, field), objs in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0])):
            out.write(f"  {len(objs):>6}  {kind}: {field}\n")
    out.write(
        f"\n  objects: {t['objects_matched']} of {t['objects_union']} matched by kind/namespace/name "
        f"({t['objects_percent']:.1f}%)\n"
        f"  TOTAL MATCH: {t['percent']:.1f}% ({t['fields_ok']} of {t['fields_total']} fields)\n"
    )


def tsv(*cols):
    return "\t".join(str(c).replace("\t", " ").replace("\n", "\\n") for c in cols) + "\n"


def write_latest(path, results, t, meta):
    with open(path, "w") as f:
        f.write("# iop fidelity to istioctl manifest generate; written by test/fidelity/compare.py\n")
        f.write("# record types: meta, total, cr, failed, missing, extra, diff; tab-separated\n")
        for k, v in meta.items():
            f.write(tsv("meta", k, v))
        f.write(tsv("total", "match_percent", f"{t['percent']:.1f}", "fields_ok", t["fields_ok"],
                    "fields_total", t["fields_total"], "objects_matched", t["objects_matched"],
                    "objects_union", t["objects_union"]))
        f.write("# cr\tfile\tmatch_percent\tobjects_istioctl\tobjects_iop\tmatched\tmissing\textra\t"
                "fields_ok\tfields_differing\tfields_in_missing\tfields_in_extra\n")
        for r in results:
            f.write(tsv("cr", r.cr.path.name, f"{r.percent:.1f}", r.ref_count, r.cand_count,
                        len(r.matched), len(r.missing), len(r.extra), r.fields_ok, r.fields_diff,
                        r.missing_fields, r.extra_fields))
        for r in results:
            if r.cand_error:
                f.write(tsv("failed", r.cr.path.name, r.cand_error))
        f.write("# missing|extra\tfile\tkind\tnamespace\tname\n")
        for r in results:
            for k in r.missing:
                f.write(tsv("missing", r.cr.path.name, *k))
            for k in r.extra:
                f.write(tsv("extra", r.cr.path.name, *k))
        f.write("# diff\tfile\tkind\tnamespace\tname\tfield\tpath\tistioctl\tiop\n")
        for r in results:
            for k, field, p, a, b in r.diffs:
                x, y = (a, b) if field == "duplicate" else render_pair(a, b)
                f.write(tsv("diff", r.cr.path.name, *k, field, p, x, y))


# ---------------------------------------------------------------------------------------------


def default_istioctl():
    env = os.environ.get("ISTIOCTL")
    if env:
        return env
    proc = subprocess.run(["bash", str(HERE / "build-istioctl.sh")], capture_output=True, text=True)
    if proc.returncode != 0:
        raise ToolFailure(f"build-istioctl.sh failed:\n{proc.stderr}")
    return proc.stdout.strip().splitlines()[-1]


def tool_version(binary, args):
    try:
        p = subprocess.run([binary] + args, capture_output=True, text=True, timeout=20)
        return " ".join((p.stdout or p.stderr).split())[:200] or f"exit {p.returncode}"
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unavailable: {e}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iop", default=os.environ.get("IOP", str(REPO / "build" / "iop")),
                    help="the iop binary (env IOP; default build/iop)")
    ap.add_argument("--istioctl", default=None,
                    help="the istioctl binary (env ISTIOCTL; default: built by build-istioctl.sh)")
    ap.add_argument("--crs", default=str(HERE / "crs"), help="directory of IstioOperator CRs")
    ap.add_argument("--out", default=str(HERE / "results" / "latest.txt"),
                    help="machine-readable summary (default results/latest.txt)")
    ap.add_argument("--work", default=None, help="where both tools' raw output is kept "
                    "(default: build/fidelity next to --iop's build dir, else a temp dir)")
    ap.add_argument("--as-rendered", action="store_true",
                    help="compare labels as rendered, without the ownership labels istioctl "
                    "install adds; for checking this tool with --iop pointing at istioctl")
    ap.add_argument("crs_only", nargs="*", help="only these CR files (names or paths)")
    a = ap.parse_args()

    try:
        istioctl = a.istioctl or default_istioctl()
        for label, b in (("istioctl", istioctl), ("iop", a.iop)):
            if not os.access(b, os.X_OK):
                raise ToolFailure(f"{label}: {b} is not an executable file")
        files = sorted(pathlib.Path(a.crs).glob("*.yaml"))
        if a.crs_only:
            wanted = {pathlib.Path(x).name for x in a.crs_only}
            files = [f for f in files if f.name in wanted]
        if not files:
            raise ToolFailure(f"no CRs found in {a.crs}")
        work = pathlib.Path(a.work) if a.work else REPO / "build" / "fidelity"
        work.mkdir(parents=True, exist_ok=True)

        results = []
        for path in files:
            cr = CR(path)
            ref_objs, ref_err = run_tool("istioctl", istioctl, cr, work)
            if ref_err:
                raise ToolFailure(f"istioctl rejects {path.name} (fix the CR): {ref_err}")
            cand_objs, cand_err = run_tool("iop", a.iop, cr, work)
            r = compare(cr, ref_objs, cand_objs, as_installed=not a.as_rendered)
            r.cand_error = cand_err
            results.append(r)
    except ToolFailure as e:
        print(f"fidelity: cannot measure: {e}", file=sys.stderr)
        return 2

    out = sys.stdout
    for r in results:
        print_result(r, out)
    t = totals(results)
    print_summary(results, t, out)
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "istioctl": istioctl,
        "istioctl_version": tool_version(istioctl, ["version", "--remote=false", "--short"]),
        "iop": a.iop,
        "iop_version": tool_version(a.iop, ["version"]),
        "crs": len(results),
        "labels": "as rendered" if a.as_rendered else "as istioctl install applies them",
        "raw_output": str(work),
    }
    pathlib.Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    write_latest(a.out, results, t, meta)
    print(f"\n  summary and every difference written to {a.out}; raw outputs in {work}")
    if all(r.cand_error for r in results):
        print("fidelity: iop failed on every CR; is `iop manifest generate` built?", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
