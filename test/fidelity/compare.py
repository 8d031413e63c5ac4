#!/usr/bin/env python3
"""Measures how closely `iop manifest generate` reproduces `istioctl manifest generate`.

For every IstioOperator CR in test/fidelity/crs/ both tools render the CR; objects are matched by
kind/namespace/name and every leaf of every object is compared (README.md, "What is compared").
Every difference is printed with its path and both values; the same goes, without machine paths
or dates, to test/fidelity/results/latest.txt (results/<version>.txt for another Istio version).
Differences listed in deliberate.yaml are reported apart and do not count against the match.

This is a measurement: it exits 0 whatever the differences are. It exits non-zero only when it
cannot measure: the pinned istioctl rejects a CR (the CR set is broken), a binary is missing, or
a tool dies by a signal or hangs. iop rejecting a CR is a measured result (its objects count as
missing). An Istio version other than the pinned one skips the CRs its istioctl rejects.
"""

import argparse
import json
import os
import pathlib
import re
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
# "Ownership"), so the reference is istioctl's object with these labels as install would write
# them; version and component only have to be present (iop's version is its own; istioctl's
# component is not visible in its output unless the chart sets it).
MANAGED = "operator.istio.io/managed"
VERSION = "operator.istio.io/version"
OWNER_NAME = "install.operator.istio.io/owning-resource"
OWNER_NS = "install.operator.istio.io/owning-resource-namespace"
COMPONENT = "operator.istio.io/component"
REV = "istio.io/rev"
INSTALL_TIME_LABELS = (MANAGED, VERSION, OWNER_NAME, OWNER_NS)


class _Absent:
    """One side has no value at this path (a JSON null counts as absent too)."""

    def __repr__(self):
        return "<absent>"


ABSENT = _Absent()
PRESENT = "<present>"  # a reference leaf that any value matches

# Kubernetes' strategic-merge keys: items of these lists are matched by this field, so a list
# reordered or with one item inserted shows that item only. Any other list whose items all
# carry a unique `name` is matched by name (mesh config extensionProviders, CRD versions, ...);
# the rest by index.
MERGE_KEYS = {
    "containers": ("name",),
    "initContainers": ("name",),
    "ephemeralContainers": ("name",),
    "env": ("name",),
    "volumes": ("name",),
    "imagePullSecrets": ("name",),
    "webhooks": ("name",),
    "volumeMounts": ("mountPath",),
    "volumeDevices": ("devicePath",),
    "ports": ("containerPort", "port"),  # a container's ports; a Service's ports
}


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


def run_tool(label, argv, cr, workdir):
    """Runs `argv -f CR ARGS`; returns (objects, error text or None)."""
    argv = argv + ["-f", str(cr.path)] + cr.args
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    except (FileNotFoundError, PermissionError) as e:
        raise ToolFailure(f"{label}: cannot run {argv[0]}: {e}") from e
    except subprocess.TimeoutExpired as e:
        raise ToolFailure(f"{label}: {shlex.join(argv)} did not finish in 300 s") from e
    (workdir / f"{cr.path.stem}.{label}.yaml").write_text(proc.stdout)
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
    """kind/namespace/name -> object. A second copy of a key gets the name `name#2`, so a
    duplicate on one side only shows as a missing or extra object."""
    by_key = {}
    for o in objects:
        kind, ns, name = key_of(o)
        k, n = (kind, ns, name), 1
        while k in by_key:
            n += 1
            k = (kind, ns, f"{name}#{n}")
        by_key[k] = o
    return by_key


# ---------------------------------------------------------------------------------------------
# Normalization: what "the same object" means


def parse_embedded(v):
    """A string that holds a YAML or JSON map or list, as its tree; anything else as it is.
    (A scalar stays a string: "false" in an annotation is not the boolean false.)"""
    if not isinstance(v, str) or not v.strip():
        return v
    try:
        parsed = yaml.safe_load(v)
    except yaml.YAMLError:
        return v
    return parsed if isinstance(parsed, (dict, list)) else v


def normalize(v, parse_values=False):
    """Drops null map values (null and absent both mean "unset" to the API server; istioctl
    prints `minAvailable: null` where iop leaves the key out) and parses the strings of
    ConfigMap data and of annotations that hold YAML/JSON (mesh config, injector config and
    values), so they are compared by content, not by formatting."""
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if parse_values:
                x = parse_embedded(x)
            if x is None:
                continue
            # The values of any map under `annotations` (an object's, a pod template's); a CRD
            # schema's `annotations` property holds maps, which stay as they are. ConfigMap
            # data is handled by the caller, which knows the kind.
            out[k] = normalize(x, parse_values=(k == "annotations"))
        return out
    if isinstance(v, list):
        return [normalize(x) for x in v]
    return v


def normalize_object(o):
    o = normalize(o)
    if o.get("kind") == "ConfigMap" and isinstance(o.get("data"), dict):
        o["data"] = {k: normalize(parse_embedded(x)) for k, x in o["data"].items()}
    return o


def reference_object(o, cr, as_installed=True):
    """istioctl's object as `istioctl install` would apply it: with the ownership labels."""
    o = normalize_object(o)
    if not as_installed:
        return o
    meta = o.setdefault("metadata", {})
    labels = meta.setdefault("labels", {})
    labels.update({MANAGED: "Reconcile", VERSION: PRESENT, REV: cr.revision or "default"})
    labels.setdefault(COMPONENT, PRESENT)  # where the chart sets it, its value is compared
    if cr.name:
        labels[OWNER_NAME] = cr.name
    if cr.namespace:
        labels[OWNER_NS] = cr.namespace
    return o


# ---------------------------------------------------------------------------------------------
# Leaf comparison


def is_tree(v):
    return isinstance(v, (dict, list)) and len(v) > 0


def count_leaves(v):
    """A leaf is a scalar or an empty map/list; ABSENT has none."""
    if v is ABSENT:
        return 0
    if isinstance(v, dict) and v:
        return sum(count_leaves(x) for x in v.values())
    if isinstance(v, list) and v:
        return sum(count_leaves(x) for x in v)
    return 1


def same_leaf(a, b):
    if a is ABSENT or b is ABSENT:
        return False
    if a == PRESENT or b == PRESENT:
        return True
    if isinstance(a, bool) or isinstance(b, bool):  # True == 1 in Python, not in YAML
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b  # 2 and 2.0 are one JSON number
    return type(a) is type(b) and a == b


def seg_key(k):
    k = str(k)
    return f".{k}" if re.fullmatch(r"[A-Za-z0-9_-]+", k) else f"[{json.dumps(k)}]"


def list_key(field, a, b):
    """The field that identifies the items of lists a and b, or None to pair them by index."""
    items = [x for x in (a, b) if isinstance(x, list)]
    for k in MERGE_KEYS.get(field, ()) + ("name",):
        ok = True
        for lst in items:
            vals = [i.get(k) if isinstance(i, dict) else None for i in lst]
            if None in vals or len({json.dumps(v, default=str) for v in vals}) != len(vals):
                ok = False
                break
        if ok:
            return k
    return None


def children(a, b, field):
    """(path segment, child field name, a's child, b's child) pairs of two maps or two lists;
    either side may be ABSENT."""
    if isinstance(a, dict) or isinstance(b, dict):
        a = a if isinstance(a, dict) else {}
        b = b if isinstance(b, dict) else {}
        for k in list(a) + [k for k in b if k not in a]:
            yield seg_key(k), k, a.get(k, ABSENT), b.get(k, ABSENT)
        return
    a = a if isinstance(a, list) else []
    b = b if isinstance(b, list) else []
    key = list_key(field, a, b)
    if key is None:
        for i in range(max(len(a), len(b))):
            yield f"[{i}]", field, a[i] if i < len(a) else ABSENT, b[i] if i < len(b) else ABSENT
        return
    am = {json.dumps(x[key], default=str): x for x in a}
    bm = {json.dumps(x[key], default=str): x for x in b}
    for k in list(am) + [k for k in bm if k not in am]:
        yield f"[{key}:{json.loads(k)}]", field, am.get(k, ABSENT), bm.get(k, ABSENT)


def diff(a, b, path="", field="", out=None):
    """Compares two normalized trees leaf by leaf. Returns (leaves equal, leaves total) over the
    union of both sides' leaf paths and appends each difference to `out` as (path, a, b,
    leaves): a subtree that one side lacks (or holds as another type) is one entry counting all
    its leaves, so a missing 100-leaf map is one line, not 100."""
    if out is None:
        out = []
    if type(a) is type(b) and isinstance(a, (dict, list)) and (a or b):
        eq = total = 0
        for seg, f, x, y in children(a, b, field):
            e, t = diff(x, y, path + seg if path else seg.lstrip("."), f, out)
            eq += e
            total += t
        return eq, total
    if is_tree(a) or is_tree(b):
        n = count_leaves(a) + count_leaves(b)
        out.append((path, a, b, n))
        return 0, n
    if same_leaf(a, b):
        return 1, 1
    out.append((path, a, b, 1))
    return 0, 1


# ---------------------------------------------------------------------------------------------
# Deliberate differences (deliberate.yaml)


def glob_re(pattern):
    """`*` matches anything; every other character is literal (paths hold `[` and `.`)."""
    return re.compile("^" + ".*".join(re.escape(p) for p in str(pattern).split("*")) + "$")


class Deliberate:
    """One documented difference: kind, name and path patterns, optional conditions, a reason."""

    KEYS = {"kind", "name", "namespace", "path", "istioctl", "iop", "when", "reason"}
    CONDITIONS = ("scaled-by-hpa",)

    def __init__(self, d):
        unknown = set(d) - self.KEYS
        if unknown or not d.get("reason") or not d.get("path"):
            raise ToolFailure(f"deliberate.yaml: entry {d} needs path and reason; unknown keys {sorted(unknown)}")
        if d.get("when") and d["when"] not in self.CONDITIONS:
            raise ToolFailure(f"deliberate.yaml: unknown condition {d['when']!r} (known: {self.CONDITIONS})")
        self.d = d
        self.pats = {k: glob_re(d.get(k, "*")) for k in ("kind", "name", "namespace", "path")}
        self.reason = " ".join(str(d["reason"]).split())

    @staticmethod
    def side(want, v, cr):
        """`absent` in a rule matches a missing value; anything else matches the value's text,
        with {cr.name}, {cr.namespace} and {cr.revision} standing for the CR's."""
        if want is None:
            return True
        if want == "absent":
            return v is ABSENT
        if v is ABSENT:
            return False
        want = str(want)
        for k in ("name", "namespace", "revision"):
            want = want.replace("{cr.%s}" % k, getattr(cr, k) or "")
        return bool(glob_re(want).match(v if isinstance(v, str) else json.dumps(v, default=str)))

    def matches(self, key, path, a, b, context):
        kind, ns, name = key
        return bool(self.pats["kind"].match(kind) and self.pats["name"].match(name)
                    and self.pats["namespace"].match(ns) and self.pats["path"].match(path)
                    and self.side(self.d.get("istioctl"), a, context.cr)
                    and self.side(self.d.get("iop"), b, context.cr)
                    and (not self.d.get("when") or context.holds(self.d["when"], key)))


def load_deliberate(path):
    if not path or not pathlib.Path(path).exists():
        return []
    entries = yaml.safe_load(pathlib.Path(path).read_text()) or []
    if not isinstance(entries, list):
        raise ToolFailure(f"{path}: expected a list of entries")
    return [Deliberate(e) for e in entries]


class Context:
    """What a rule's `when` may ask about the reference rendering of one CR."""

    def __init__(self, cr, ref):
        self.cr = cr
        self.hpa_targets = {
            (k[1], ((o.get("spec") or {}).get("scaleTargetRef") or {}).get("kind"),
             ((o.get("spec") or {}).get("scaleTargetRef") or {}).get("name"))
            for k, o in ref.items() if k[0] == "HorizontalPodAutoscaler"
        }

    def holds(self, cond, key):
        kind, ns, name = key
        if cond == "scaled-by-hpa":
            return (ns, kind, name) in self.hpa_targets
        return False


# ---------------------------------------------------------------------------------------------
# Comparison of one CR


class ObjectResult:
    def __init__(self, key, status, equal, total, deliberate=0):
        self.key, self.status = key, status
        self.equal, self.total, self.deliberate = equal, total, deliberate


class Result:
    def __init__(self, cr):
        self.cr = cr
        self.cand_error = None
        self.ref_count = self.cand_count = 0
        self.objects = []  # ObjectResult, in key order
        self.diffs = []  # (key, path, istioctl value, iop value, leaves)
        self.deliberate = []  # (key, path, istioctl value, iop value, leaves, reason)

    def _n(self, status):
        return [o for o in self.objects if o.status == status]

    matched = property(lambda self: [o for o in self.objects if o.status in ("equal", "differs")])
    missing = property(lambda self: self._n("MISSING"))
    extra = property(lambda self: self._n("EXTRA"))
    leaves_equal = property(lambda self: sum(o.equal for o in self.objects))
    leaves_total = property(lambda self: sum(o.total for o in self.objects))
    leaves_deliberate = property(lambda self: sum(o.deliberate for o in self.objects))


def pct(part, whole):
    return 100.0 * part / whole if whole else 100.0


def compare(cr, ref_objs, cand_objs, as_installed=True, deliberate=()):
    """Compares one CR's renderings. as_installed=False compares objects exactly as rendered,
    without the labels `istioctl install` adds (for checking this tool on istioctl itself)."""
    r = Result(cr)
    r.ref_count, r.cand_count = len(ref_objs), len(cand_objs)
    ref = {k: reference_object(o, cr, as_installed) for k, o in index(ref_objs).items()}
    cand = {k: normalize_object(o) for k, o in index(cand_objs).items()}
    ctx = Context(cr, ref)
    for k in sorted(set(ref) | set(cand)):
        a, b = ref.get(k, ABSENT), cand.get(k, ABSENT)
        if b is ABSENT or a is ABSENT:
            n = count_leaves(a if b is ABSENT else b)
            r.objects.append(ObjectResult(k, "MISSING" if b is ABSENT else "EXTRA", 0, n))
            continue
        found = []
        eq, total = diff(a, b, out=found)
        skipped = 0
        for path, x, y, n in found:
            rule = next((d for d in deliberate if d.matches(k, path, x, y, ctx)), None)
            if rule:
                skipped += n
                r.deliberate.append((k, path, x, y, n, rule.reason))
            else:
                r.diffs.append((k, path, x, y, n))
        total -= skipped
        r.objects.append(ObjectResult(k, "equal" if eq == total else "differs", eq, total, skipped))
    return r


# ---------------------------------------------------------------------------------------------
# Reports


def short(v, limit=160):
    if v is ABSENT:
        return "<absent>"
    if isinstance(v, (dict, list)) and is_tree(v):
        s = json.dumps(v, sort_keys=True, default=str, ensure_ascii=False)
        tag = f" ({leaves_word(count_leaves(v))})"
    else:
        s, tag = json.dumps(v, default=str, ensure_ascii=False), ""
    if len(s) > limit:
        s = s[:limit] + f"...({len(s)} chars)"
    return s + tag


def render_pair(a, b):
    """Both values for a listing; two long strings are shown around their first difference."""
    if isinstance(a, str) and isinstance(b, str) and (len(a) > 160 or len(b) > 160):
        i = next((n for n, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
        lo = max(0, i - 20)
        return tuple(f"@{i}/{len(s)}: ...{json.dumps(s[lo:lo + 70], ensure_ascii=False)}..." for s in (a, b))
    return short(a), short(b)


def leaves_word(n):
    return "1 leaf" if n == 1 else f"{n} leaves"


class Totals:
    def __init__(self, results):
        self.matched = sum(len(r.matched) for r in results)
        self.union = sum(len(r.objects) for r in results)
        self.equal = sum(r.leaves_equal for r in results)
        self.total = sum(r.leaves_total for r in results)
        self.deliberate = sum(r.leaves_deliberate for r in results)

    def line(self):
        return (f"objects {self.matched} of {self.union} matched ({pct(self.matched, self.union):.1f}%); "
                f"leaves {self.equal} of {self.total} equal ({pct(self.equal, self.total):.1f}%); "
                f"deliberate: {self.deliberate} leaves")


def print_result(r, out):
    cr = r.cr
    args = f"  (args: {shlex.join(cr.args)})" if cr.args else ""
    out.write(f"\n=== {cr.path.name}{args}\n")
    if r.cand_error:
        out.write(f"  iop FAILED: {r.cand_error}\n")
    out.write(f"  istioctl {r.ref_count} objects, iop {r.cand_count}; {Totals([r]).line()}\n")
    uneven = [o for o in r.objects if o.status != "equal"]
    if uneven:
        width = max(len(key_str(o.key)) for o in uneven)
        out.write(f"  {'object'.ljust(width)}  {'status':8}  leaves equal/total\n")
        for o in uneven:
            out.write(f"  {key_str(o.key).ljust(width)}  {o.status:8}  {o.equal}/{o.total}\n")
        out.write("  differences (istioctl, then iop):\n")
    for o in uneven:
        if o.status in ("MISSING", "EXTRA"):
            out.write(f"    {o.status:8} {key_str(o.key)} ({leaves_word(o.total)})\n")
    for k, path, a, b, n in r.diffs:
        x, y = render_pair(a, b)
        out.write(f"    DIFF     {key_str(k)} {path} ({leaves_word(n)})\n"
                  f"               istioctl {x}\n               iop      {y}\n")
    for k, path, a, b, n, reason in r.deliberate:
        x, y = render_pair(a, b)
        out.write(f"    DELIBERATE {key_str(k)} {path}: istioctl {x}, iop {y} -- {reason}\n")


def generic_path(path):
    """A path with list indices folded, for grouping the same difference over objects."""
    return re.sub(r"\[\d+\]", "[*]", path)


def top_differences(results):
    """(leaves, objects, kind, path or MISSING/EXTRA) over all CRs, most leaves first."""
    groups = {}
    for r in results:
        for o in r.objects:
            if o.status in ("MISSING", "EXTRA"):
                g = groups.setdefault((o.key[0], f"<{o.status} object>"), [0, 0])
                g[0] += o.total
                g[1] += 1
        for k, path, _, _, n in r.diffs:
            g = groups.setdefault((k[0], generic_path(path)), [0, 0])
            g[0] += n
            g[1] += 1
    return sorted(((n, objs, kind, p) for (kind, p), (n, objs) in groups.items()), key=lambda g: (-g[0], g[2], g[3]))


def print_summary(results, skipped, out):
    out.write("\n=== summary\n")
    w = max([len(r.cr.path.name) for r in results] + [2])
    out.write(f"  {'CR'.ljust(w)}  objects matched/union      %   leaves equal/total      %  deliberate\n")
    for r in results:
        t = Totals([r])
        flag = "  iop failed" if r.cand_error else ""
        out.write(f"  {r.cr.path.name.ljust(w)}  {t.matched:>7}/{t.union:<7} {pct(t.matched, t.union):5.1f}%"
                  f"  {t.equal:>7}/{t.total:<7} {pct(t.equal, t.total):5.1f}%  {t.deliberate:>10}{flag}\n")
    for name, reason in skipped:
        out.write(f"  {name.ljust(w)}  skipped: {reason}\n")
    top = top_differences(results)
    if top:
        out.write("\n  differences by kind and path (leaves, objects; over all CRs; the first 40):\n")
        for n, objs, kind, p in top[:40]:
            out.write(f"  {n:>8} {objs:>5}  {kind} {p}\n")
    t = Totals(results)
    out.write(f"\n  CRs: {len(results)} compared, {len(skipped)} skipped\n")
    out.write(f"  TOTAL: {t.line()}\n")


def tsv(*cols):
    return "\t".join(str(c).replace("\t", " ").replace("\n", "\\n") for c in cols) + "\n"


def grouped(results, records):
    """records(result) -> tuples; each distinct tuple once, in first-seen order, with the CR
    files it came from appended."""
    seen = {}
    for r in results:
        for rec in records(r):
            seen.setdefault(rec, []).append(r.cr.path.name)
    return [rec + (",".join(crs),) for rec, crs in seen.items()]


def write_results(path, results, skipped, meta):
    t = Totals(results)
    with open(path, "w") as f:
        f.write("# iop fidelity to istioctl manifest generate; written by test/fidelity/compare.py\n")
        f.write("# records: meta, total, cr, skipped, failed, missing, extra, diff, deliberate, top; tab-separated\n")
        for k, v in meta.items():
            f.write(tsv("meta", k, v))
        f.write(tsv("total", "objects_matched", t.matched, "objects_union", t.union,
                    "objects_percent", f"{pct(t.matched, t.union):.1f}", "leaves_equal", t.equal,
                    "leaves_total", t.total, "leaves_percent", f"{pct(t.equal, t.total):.1f}",
                    "leaves_deliberate", t.deliberate))
        f.write("# cr\tfile\tobjects_matched\tobjects_union\tobjects_percent\tleaves_equal\tleaves_total"
                "\tleaves_percent\tleaves_deliberate\n")
        for r in results:
            c = Totals([r])
            f.write(tsv("cr", r.cr.path.name, c.matched, c.union, f"{pct(c.matched, c.union):.1f}",
                        c.equal, c.total, f"{pct(c.equal, c.total):.1f}", c.deliberate))
        for name, reason in skipped:
            f.write(tsv("skipped", name, reason))
        for r in results:
            if r.cand_error:
                f.write(tsv("failed", r.cr.path.name, r.cand_error))
        # Each difference once, with the CRs it occurs in: most recur in every CR that renders
        # the same component, and the file is for grepping, not for reading CR by CR.
        f.write("# missing|extra\tkind\tnamespace\tname\tleaves\tcrs\n")
        for rec in grouped(results, lambda r: [(o.status.lower(), *o.key, o.total) for o in r.missing + r.extra]):
            f.write(tsv(*rec))
        f.write("# diff\tkind\tnamespace\tname\tpath\tleaves\tistioctl\tiop\tcrs\n")
        for rec in grouped(results, lambda r: [("diff", *k, p, n, *render_pair(a, b)) for k, p, a, b, n in r.diffs]):
            f.write(tsv(*rec))
        f.write("# deliberate\tkind\tnamespace\tname\tpath\tleaves\tistioctl\tiop\treason\tcrs\n")
        for rec in grouped(results, lambda r: [("deliberate", *k, p, n, *render_pair(a, b), why)
                                               for k, p, a, b, n, why in r.deliberate]):
            f.write(tsv(*rec))
        f.write("# top\tleaves\tobjects\tkind\tpath (indices folded; over all CRs)\n")
        for n, objs, kind, p in top_differences(results):
            f.write(tsv("top", n, objs, kind, p))


# ---------------------------------------------------------------------------------------------
# Tools and versions


def pinned_version():
    text = (REPO / "scripts" / "istio-version.sh").read_text()
    m = re.search(r"^ISTIO_PINNED_VERSION=(\S+)", text, re.M)
    if not m:
        raise ToolFailure("scripts/istio-version.sh names no ISTIO_PINNED_VERSION")
    return m.group(1)


def script_output(argv, version):
    """The last line a helper script prints; its progress (a 20-minute istioctl build) shows."""
    env = dict(os.environ, ISTIO_VERSION=version)
    proc = subprocess.run(argv, stdout=subprocess.PIPE, text=True, env=env)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise ToolFailure(f"{shlex.join(portable(a) for a in argv)} failed (exit {proc.returncode})")
    return proc.stdout.strip().splitlines()[-1]


def portable(path):
    """A path as it may be written to a committed file: from the Go module cache's
    `module@version` on, or relative to the repository; never this machine's absolute path."""
    p = str(path)
    if "/pkg/mod/" in p:
        return p.split("/pkg/mod/", 1)[1]
    try:
        return str(pathlib.Path(p).resolve().relative_to(REPO))
    except ValueError:
        return pathlib.Path(p).name


def tool_version(argv):
    """One line of a tool's version output, without a build date."""
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unavailable: {e}"
    lines = [line for line in (p.stdout or p.stderr).splitlines() if not line.strip().startswith("built")]
    return " ".join(" ".join(lines).split())[:200] or f"exit {p.returncode}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iop", default=os.environ.get("IOP", str(REPO / "build" / "iop")),
                    help="the iop binary (env IOP; default build/iop)")
    ap.add_argument("--istio-version", default=os.environ.get("ISTIO_VERSION") or None,
                    help="istio.io/istio module version (env ISTIO_VERSION; default: the pinned one)")
    ap.add_argument("--istioctl", default=os.environ.get("ISTIOCTL"),
                    help="the istioctl binary (env ISTIOCTL; default: built by build-istioctl.sh for the version)")
    ap.add_argument("--manifests", default=None,
                    help="Istio manifests directory passed to iop as --manifests (default: that of the "
                    "version, from scripts/fetch-istio.sh; '' passes none)")
    ap.add_argument("--crs", default=str(HERE / "crs"), help="directory of IstioOperator CRs")
    ap.add_argument("--deliberate", default=str(HERE / "deliberate.yaml"),
                    help="documented deliberate differences (default deliberate.yaml)")
    ap.add_argument("--out", default=None,
                    help="result file (default results/latest.txt; results/<version>.txt for another version)")
    ap.add_argument("--work", default=str(REPO / "build" / "fidelity"),
                    help="both tools' raw output and stderr per CR go to WORK/<version>/ (default build/fidelity)")
    ap.add_argument("--as-rendered", action="store_true",
                    help="compare objects as rendered, without the ownership labels istioctl "
                    "install adds; for checking this tool with --iop pointing at istioctl")
    ap.add_argument("crs_only", nargs="*", help="only these CR files (names or paths)")
    a = ap.parse_args()

    try:
        pinned = pinned_version()
        version = a.istio_version or pinned
        istioctl = a.istioctl or script_output(["bash", str(HERE / "build-istioctl.sh")], version)
        manifests = a.manifests
        if manifests is None:
            manifests = script_output(["bash", str(REPO / "scripts" / "fetch-istio.sh"), version], version)
        for label, b in (("istioctl", istioctl), ("iop", a.iop)):
            if not os.access(b, os.X_OK):
                raise ToolFailure(f"{label}: {b} is not an executable file")
        deliberate = load_deliberate(a.deliberate)
        files = sorted(pathlib.Path(a.crs).glob("*.yaml"))
        if a.crs_only:
            wanted = {pathlib.Path(x).name for x in a.crs_only}
            files = [f for f in files if f.name in wanted]
        if not files:
            raise ToolFailure(f"no CRs found in {a.crs}")
        work = pathlib.Path(a.work) / version
        work.mkdir(parents=True, exist_ok=True)
        out_file = pathlib.Path(a.out) if a.out else HERE / "results" / (
            "latest.txt" if version == pinned else f"{version}.txt")

        iop_argv = [a.iop, "manifest", "generate"] + (["--manifests", manifests] if manifests else [])
        results, skipped = [], []
        for path in files:
            cr = CR(path)
            ref_objs, ref_err = run_tool("istioctl", [istioctl, "manifest", "generate"], cr, work)
            if ref_err and version != pinned:
                # An older istioctl does not know every field the CRs use: not a measurement.
                reason = " ".join(ref_err.split())[:300]
                print(f"fidelity: skipping {path.name}: istioctl {version} rejects it: {reason}", file=sys.stderr)
                skipped.append((path.name, f"istioctl rejects it: {reason}"))
                continue
            if ref_err:
                raise ToolFailure(f"istioctl rejects {path.name} (fix the CR): {ref_err}")
            cand_objs, cand_err = run_tool("iop", iop_argv, cr, work)
            r = compare(cr, ref_objs, cand_objs, as_installed=not a.as_rendered, deliberate=deliberate)
            r.cand_error = cand_err
            results.append(r)
        if not results:
            raise ToolFailure("istioctl rejected every CR")
    except ToolFailure as e:
        print(f"fidelity: cannot measure: {e}", file=sys.stderr)
        return 2

    out = sys.stdout
    for r in results:
        print_result(r, out)
    print_summary(results, skipped, out)
    same_tool = os.path.realpath(a.iop) == os.path.realpath(istioctl)
    meta = {
        "istio_module": f"istio.io/istio@{version}" + (" (pinned)" if version == pinned else ""),
        "istioctl": f"built from istio.io/istio@{version}: "
                    + tool_version([istioctl, "version", "--remote=false", "--short"]),
        "iop": "istioctl itself (self-check)" if same_tool else tool_version([a.iop, "version"]),
        "iop_manifests": portable(manifests) if manifests else "(compiled in)",
        "crs": f"{len(results)} compared, {len(skipped)} skipped, from {portable(a.crs)}",
        "labels": "as rendered" if a.as_rendered else "as istioctl install applies them",
        "deliberate": portable(a.deliberate) + f" ({len(deliberate)} entries)",
    }
    out_file.parent.mkdir(parents=True, exist_ok=True)
    write_results(out_file, results, skipped, meta)
    print(f"\n  summary and every difference written to {portable(out_file)}; raw outputs in {portable(work)}")
    if all(r.cand_error for r in results):
        print("fidelity: iop failed on every CR; is `iop manifest generate` built?", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
