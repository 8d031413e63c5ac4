"""Specification of compare.py's judgement, on small hand-made objects (no istioctl, no iop).

Run: python3 -m unittest discover -s test/fidelity -p 'test_*.py'
"""

import copy
import pathlib
import tempfile
import unittest

import compare

CR_TEXT = """\
# fidelity-args: --set values.x=1 --revision blue
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata:
  name: gw
  namespace: istio-system
spec:
  profile: empty
  revision: ignored-because-the-flag-wins
"""


def make_cr(text=CR_TEXT):
    d = pathlib.Path(tempfile.mkdtemp())
    p = d / "cr.yaml"
    p.write_text(text)
    return compare.CR(p)


def owned(labels, cr, component="IngressGateways"):
    """The labels iop is expected to add on top of istioctl's."""
    out = dict(labels)
    out.update({
        compare.MANAGED: "Reconcile",
        compare.VERSION: "0.1.0",
        compare.OWNER_NAME: cr.name,
        compare.OWNER_NS: cr.namespace,
        compare.REV: cr.revision,
        compare.COMPONENT: component,
    })
    return out


def deployment():
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "gw", "namespace": "istio-system", "labels": {"app": "gw"}},
        "spec": {
            "selector": {"matchLabels": {"app": "gw"}},
            "template": {
                "metadata": {"labels": {"app": "gw"}},
                "spec": {
                    "containers": [{
                        "name": "istio-proxy",
                        "image": "hub/proxyv2:tag",
                        "args": ["proxy", "router"],
                        "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                        "ports": [{"containerPort": 15090, "name": "http-envoy-prom"}],
                    }]
                },
            },
        },
    }


def role():
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": "gw-sds", "namespace": "istio-system"},
        "rules": [
            {"apiGroups": [""], "resources": ["secrets"], "verbs": ["watch", "get", "list"]},
            {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]},
        ],
    }


def webhook(ca):
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "MutatingWebhookConfiguration",
        "metadata": {"name": "istio-sidecar-injector"},
        "webhooks": [{
            "name": "rev.namespace.sidecar-injector.istio.io",
            "clientConfig": {"service": {"name": "istiod", "namespace": "istio-system"}, "caBundle": ca},
            "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}],
        }],
    }


def with_iop_labels(objs, cr):
    out = copy.deepcopy(objs)
    for o in out:
        o["metadata"]["labels"] = owned(o["metadata"].get("labels") or {}, cr)
    return out


class CRInputs(unittest.TestCase):
    def test_header_args_are_passed_and_the_revision_flag_wins_over_the_spec(self):
        cr = make_cr()
        self.assertEqual(cr.args, ["--set", "values.x=1", "--revision", "blue"])
        self.assertEqual(cr.revision, "blue")

    def test_revision_comes_from_the_spec_without_a_flag(self):
        cr = make_cr("metadata: {name: a}\nspec: {revision: r1}\n")
        self.assertEqual(cr.revision, "r1")
        self.assertEqual(cr.namespace, "")


class Comparison(unittest.TestCase):
    def setUp(self):
        self.cr = make_cr()
        self.ref = [deployment(), role(), webhook("")]

    def test_the_same_objects_with_ownership_labels_match_fully(self):
        r = compare.compare(self.cr, self.ref, with_iop_labels(self.ref, self.cr))
        self.assertEqual(r.diffs, [])
        self.assertEqual((len(r.matched), r.missing, r.extra), (3, [], []))
        self.assertEqual(r.percent, 100.0)

    def test_as_rendered_the_same_objects_match_without_ownership_labels(self):
        r = compare.compare(self.cr, self.ref, copy.deepcopy(self.ref), as_installed=False)
        self.assertEqual((r.diffs, r.percent), ([], 100.0))
        r = compare.compare(self.cr, self.ref, with_iop_labels(self.ref, self.cr), as_installed=False)
        self.assertEqual({d[1] for d in r.diffs}, {"labels"})

    def test_an_object_without_ownership_labels_differs(self):
        r = compare.compare(self.cr, self.ref, copy.deepcopy(self.ref))
        fields = {d[1] for d in r.diffs}
        self.assertEqual(fields, {"ownership labels", "labels"})  # labels: istio.io/rev missing
        self.assertLess(r.percent, 100.0)

    def test_a_missing_object_counts_all_its_fields_as_unmatched(self):
        cand = with_iop_labels(self.ref[1:], self.cr)
        r = compare.compare(self.cr, self.ref, cand)
        self.assertEqual(r.missing, [("Deployment", "istio-system", "gw")])
        self.assertGreater(r.missing_fields, 5)
        self.assertEqual(r.fields_diff, 0)
        self.assertLess(r.percent, 100.0)

    def test_an_extra_object_is_listed(self):
        cand = with_iop_labels(self.ref, self.cr)
        extra = copy.deepcopy(cand[1])
        extra["metadata"]["name"] = "other"
        r = compare.compare(self.cr, self.ref, cand + [extra])
        self.assertEqual(r.extra, [("Role", "istio-system", "other")])
        self.assertGreater(r.extra_fields, 0)

    def test_rule_order_does_not_count_but_rule_content_does(self):
        cand = with_iop_labels(self.ref, self.cr)
        cand[1]["rules"].reverse()
        secrets = cand[1]["rules"][1]
        secrets["verbs"] = ["list", "get", "watch"]
        self.assertEqual(compare.compare(self.cr, self.ref, cand).diffs, [])
        secrets["verbs"] = ["get"]
        r = compare.compare(self.cr, self.ref, cand)
        self.assertEqual({d[1] for d in r.diffs}, {"rbac rules"})

    def test_the_ca_bundle_is_ignored_but_the_webhook_rules_are_not(self):
        ref = [webhook("")]
        cand = with_iop_labels([webhook("Q0E=")], self.cr)
        self.assertEqual(compare.compare(self.cr, ref, cand).diffs, [])
        cand[0]["webhooks"][0]["rules"][0]["operations"] = ["CREATE", "UPDATE"]
        r = compare.compare(self.cr, ref, cand)
        self.assertEqual({d[1] for d in r.diffs}, {"webhook rules"})

    def test_each_differing_leaf_is_listed_with_its_path(self):
        cand = with_iop_labels(self.ref, self.cr)
        c = cand[0]["spec"]["template"]["spec"]["containers"][0]
        c["image"] = "hub/proxyv2:other"
        c["env"].append({"name": "C", "value": "3"})
        c["ports"][0]["containerPort"] = 15091
        r = compare.compare(self.cr, self.ref, cand)
        got = {(d[1], d[2]) for d in r.diffs}
        self.assertIn(("images", "istio-proxy"), got)
        self.assertIn(("env names", "istio-proxy"), got)  # a set: the name, not an index
        self.assertIn(("env values", "istio-proxy.C"), got)
        self.assertIn(("container ports", "istio-proxy.http-envoy-prom.containerPort"), got)

    def test_a_set_valued_field_lists_the_items_on_one_side_only(self):
        cand = with_iop_labels(self.ref, self.cr)
        env = cand[0]["spec"]["template"]["spec"]["containers"][0]["env"]
        env[0] = {"name": "AA", "value": "1"}
        r = compare.compare(self.cr, self.ref, cand)
        names = [(d[3], d[4]) for d in r.diffs if d[1] == "env names"]
        self.assertEqual(names, [("A", "<absent>"), ("<absent>", "AA")])

    def test_a_duplicate_object_is_a_difference(self):
        cand = with_iop_labels(self.ref, self.cr)
        r = compare.compare(self.cr, self.ref, cand + [copy.deepcopy(cand[1])])
        self.assertEqual([d[1] for d in r.diffs], ["duplicate"])
        self.assertLess(r.percent, 100.0)

    def test_a_config_map_is_compared_by_its_parsed_content(self):
        ref = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "istio", "namespace": "istio-system"},
                "data": {"mesh": "a: 1\nb: {c: 2}\n"}}]
        cand = with_iop_labels(ref, self.cr)
        cand[0]["data"]["mesh"] = "b:\n  c: 2\na: 1\n"
        self.assertEqual(compare.compare(self.cr, ref, cand).diffs, [])
        cand[0]["data"]["mesh"] = "a: 1\nb: {c: 3}\n"
        r = compare.compare(self.cr, ref, cand)
        self.assertEqual([(d[1], d[2]) for d in r.diffs], [("data[mesh]", "b.c")])


if __name__ == "__main__":
    unittest.main()
