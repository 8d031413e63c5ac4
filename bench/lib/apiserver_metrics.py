"""kube-apiserver's own count of the requests it served (`apiserver_request_total`), so that
request numbers do not depend on what iop says about itself."""
import re
from collections import Counter

METRIC = "apiserver_request_total"
WRITE_VERBS = frozenset({"POST", "PUT", "PATCH", "APPLY", "DELETE", "DELETECOLLECTION"})
READ_VERBS = frozenset({"GET", "LIST"})

# The resources iop reads or writes (its CR and every kind it owns), by (group, resource).
# Status subresources of owned kinds are left out: the controller-manager writes those.
IOP_RESOURCES = frozenset({
    ("install.istio.io", "istiooperators"),
    ("apps", "deployments"), ("apps", "daemonsets"),
    ("", "services"), ("", "serviceaccounts"), ("", "configmaps"), ("", "resourcequotas"),
    ("rbac.authorization.k8s.io", "roles"), ("rbac.authorization.k8s.io", "rolebindings"),
    ("rbac.authorization.k8s.io", "clusterroles"), ("rbac.authorization.k8s.io", "clusterrolebindings"),
    ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
    ("admissionregistration.k8s.io", "validatingwebhookconfigurations"),
    ("admissionregistration.k8s.io", "validatingadmissionpolicies"),
    ("admissionregistration.k8s.io", "validatingadmissionpolicybindings"),
    ("autoscaling", "horizontalpodautoscalers"), ("policy", "poddisruptionbudgets"),
    ("apiextensions.k8s.io", "customresourcedefinitions"),
})

_LINE = re.compile(r'^' + METRIC + r'\{(?P<labels>.*)\}\s+(?P<value>\S+)')
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """Prometheus text -> Counter of (verb, group, resource, subresource) -> requests,
    summed over code, version, scope and the other labels."""
    counts = Counter()
    for line in text.splitlines():
        m = _LINE.match(line)
        if not m:
            continue
        labels = {k: v.encode().decode("unicode_escape") for k, v in _LABEL.findall(m.group("labels"))}
        key = (labels.get("verb", ""), labels.get("group", ""), labels.get("resource", ""),
               labels.get("subresource", ""))
        counts[key] += int(float(m.group("value")))
    return counts


def delta(before, after):
    """Requests served between two scrapes (counters only grow, unless the server restarted)."""
    out = Counter()
    for key, v in after.items():
        d = v - before.get(key, 0)
        if d:
            out[key] = d
    return out


def is_iop_kind(key):
    """True for requests on the CR (any subresource) or an owned kind's main resource.
    Leases are left out (kwok's node heartbeats share the resource), which is why benchmarks run
    `iop run` with --leader-elect=false; Events too (see event_writes)."""
    _verb, group, resource, sub = key
    if (group, resource) not in IOP_RESOURCES:
        return False
    return sub == "" or resource == "istiooperators"


def subtract(counts, own):
    """counts minus the benchmark's own requests (a Counter with the same keys); never negative."""
    out = Counter()
    for key, v in counts.items():
        left = v - own.get(key, 0)
        if left > 0:
            out[key] = left
    return out


class Summary:
    """Reads, writes and watches in a delta, over the keys `keep` accepts."""

    def __init__(self, counts, keep=is_iop_kind):
        self.counts = Counter({k: v for k, v in counts.items() if keep(k)})
        self.writes = sum(v for (verb, *_), v in self.counts.items() if verb in WRITE_VERBS)
        self.reads = sum(v for (verb, *_), v in self.counts.items() if verb in READ_VERBS)
        self.watches = sum(v for (verb, *_), v in self.counts.items() if verb == "WATCH")
        self.total = sum(self.counts.values())

    def by_verb_resource(self):
        """[(verb, resource[/subresource], count)], largest first."""
        rows = Counter()
        for (verb, _group, resource, sub), v in self.counts.items():
            rows[(verb, resource + ("/" + sub if sub else ""))] += v
        return [(verb, res, n) for (verb, res), n in sorted(rows.items(), key=lambda kv: (-kv[1], kv[0]))]


def event_writes(counts):
    """Writes of core Events by any client (iop's and the controller-manager's share a resource)."""
    return sum(v for (verb, group, resource, _), v in counts.items()
               if verb in WRITE_VERBS and resource == "events")
