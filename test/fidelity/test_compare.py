"""Specification of compare.py's judgement, on small hand-made objects (no istioctl, no iop).

Run: python3 -m unittest discover -s test/fidelity -p 'test_*.py'
"""

import copy
import pathlib
import re
import tempfile
import unittest

import yaml

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
            "replicas": 1,
            "selector": {"matchLabels": {"app": "gw"}},
            "template": {
                "metadata": {"labels": {"app": "gw"}, "annotations": {"prometheus.io/scrape": "true"}},
                "spec": {
                    "containers": [{
                        "name": "istio-proxy",
                        "image": "hub/proxyv2:tag",
                        "args": ["proxy", "router"],
                        "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                        "ports": [{"containerPort": 15090, "name": "http-envoy-prom"},
                                  {"containerPort": 8080}],
                        "volumeMounts": [{"name": "certs", "mountPath": "/etc/certs"},
                                         {"name": "certs", "mountPath": "/etc/more", "subPath": "x"}],
                    }],
                    "volumes": [{"name": "certs", "emptyDir": {}}],
                },
            },
        },
    }


def hpa():
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "gw", "namespace": "istio-system"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "gw"},
                 "minReplicas": 1, "maxReplicas": 5},
    }


def pdb():
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "gw", "namespace": "istio-system"},
        "spec": {"minAvailable": None, "maxUnavailable": 1, "selector": {"matchLabels": {"app": "gw"}}},
    }


def config_map(data):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "istio", "namespace": "istio-system"},
            "data": data}


def webhook():
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "MutatingWebhookConfiguration",
        "metadata": {"name": "istio-sidecar-injector"},
        "webhooks": [
            {"name": "rev.namespace.sidecar-injector.istio.io", "sideEffects": "None",
             "rules": [{"operations": ["CREATE"], "apiGroups": [""], "resources": ["pods"]}]},
            {"name": "rev.object.sidecar-injector.istio.io", "sideEffects": "None"},
        ],
    }


def with_iop_labels(objs, cr):
    out = copy.deepcopy(objs)
    for o in out:
        o["metadata"]["labels"] = owned(o["metadata"].get("labels") or {}, cr)
    return out


def container(objs):
    return objs[0]["spec"]["template"]["spec"]["containers"][0]


def paths(r):
    return [d[1] for d in r.diffs]


class CRInputs(unittest.TestCase):
    def test_header_args_are_passed_and_the_revision_flag_wins_over_the_spec(self):
        cr = make_cr()
        self.assertEqual(cr.args, ["--set", "values.x=1", "--revision", "blue"])
        self.assertEqual(cr.revision, "blue")

    def test_revision_comes_from_the_spec_without_a_flag(self):
        cr = make_cr("metadata: {name: a}\nspec: {revision: r1}\n")
        self.assertEqual(cr.revision, "r1")
        self.assertEqual(cr.namespace, "")


class Leaves(unittest.TestCase):
    """diff(): every leaf, counted over the union of both sides' leaf paths."""

    def test_every_leaf_is_counted_and_a_changed_one_is_listed_with_its_path(self):
        a = {"x": {"y": 1, "z": [1, 2]}, "s": "t"}
        b = copy.deepcopy(a)
        self.assertEqual(compare.diff(a, b), (4, 4))
        b["x"]["z"][1] = 3
        out = []
        self.assertEqual(compare.diff(a, b, out=out), (3, 4))
        self.assertEqual(out, [("x.z[1]", 2, 3, 1)])

    def test_a_subtree_one_side_lacks_is_one_entry_that_counts_all_its_leaves(self):
        a = {"keep": 1, "gone": {"p": 1, "q": {"r": 2}}}
        out = []
        self.assertEqual(compare.diff(a, {"keep": 1}, out=out), (1, 3))
        self.assertEqual(out, [("gone", a["gone"], compare.ABSENT, 2)])

    def test_a_value_of_another_type_counts_the_leaves_of_both_sides(self):
        out = []
        self.assertEqual(compare.diff({"v": {"a": 1, "b": 2}}, {"v": "flat"}, out=out), (0, 3))
        self.assertEqual(len(out), 1)

    def test_types_count_booleans_are_not_numbers_and_strings_are_not_numbers(self):
        self.assertEqual(compare.diff({"v": True}, {"v": 1}), (0, 1))
        self.assertEqual(compare.diff({"v": "1"}, {"v": 1}), (0, 1))
        self.assertEqual(compare.diff({"v": 2}, {"v": 2.0}), (1, 1))  # one JSON number

    def test_an_empty_map_is_a_leaf_and_differs_from_an_absent_key(self):
        self.assertEqual(compare.diff({"a": {}}, {"a": {}}), (1, 1))
        self.assertEqual(compare.diff({"a": {}}, {}), (0, 1))

    def test_keys_that_are_not_identifiers_are_quoted_in_the_path(self):
        out = []
        compare.diff({"labels": {"istio.io/rev": "a"}}, {"labels": {"istio.io/rev": "b"}}, out=out)
        self.assertEqual(out[0][0], 'labels["istio.io/rev"]')


class NamedLists(unittest.TestCase):
    def test_containers_env_volumes_and_webhooks_are_matched_by_name_not_position(self):
        a = [deployment(), webhook()]
        b = copy.deepcopy(a)
        c = container(b)
        c["env"].reverse()
        b[0]["spec"]["template"]["spec"]["volumes"].insert(0, {"name": "extra", "emptyDir": {}})
        b[1]["webhooks"].reverse()
        r = compare.compare(make_cr(), a, b, as_installed=False)
        self.assertEqual(paths(r), ["spec.template.spec.volumes[name:extra]"])
        self.assertEqual(r.diffs[0][4], 2)  # the extra volume's leaves: name, emptyDir: {}

    def test_a_changed_env_value_is_reported_under_the_variables_name(self):
        a = [deployment()]
        b = copy.deepcopy(a)
        container(b)["env"][1]["value"] = "3"
        r = compare.compare(make_cr(), a, b, as_installed=False)
        self.assertEqual(paths(r), ["spec.template.spec.containers[name:istio-proxy].env[name:B].value"])

    def test_ports_by_port_number_and_volume_mounts_by_mount_path(self):
        a = [deployment()]
        b = copy.deepcopy(a)
        c = container(b)
        c["ports"].reverse()
        c["volumeMounts"].reverse()
        c["volumeMounts"][0]["subPath"] = "y"
        r = compare.compare(make_cr(), a, b, as_installed=False)
        self.assertEqual(paths(r), ["spec.template.spec.containers[name:istio-proxy].volumeMounts[mountPath:/etc/more].subPath"])

    def test_service_ports_by_port_and_a_list_without_keys_by_index(self):
        svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "gw", "namespace": "ns"},
               "spec": {"ports": [{"name": "http", "port": 80}, {"name": "https", "port": 443}]}}
        other = copy.deepcopy(svc)
        other["spec"]["ports"].reverse()
        self.assertEqual(compare.compare(make_cr(), [svc], [other], as_installed=False).diffs, [])
        a, b = {"args": ["x", "y"]}, {"args": ["y", "x"]}
        out = []
        self.assertEqual(compare.diff(a, b, out=out), (0, 2))
        self.assertEqual([d[0] for d in out], ["args[0]", "args[1]"])

    def test_any_list_of_uniquely_named_items_is_matched_by_name(self):
        a = {"extensionProviders": [{"name": "otel", "port": 1}, {"name": "zipkin", "port": 2}]}
        b = {"extensionProviders": list(reversed(a["extensionProviders"]))}
        self.assertEqual(compare.diff(a, b), (4, 4))

    def test_duplicate_names_fall_back_to_the_index(self):
        self.assertIsNone(compare.list_key("env", [{"name": "A"}, {"name": "A"}], []))


class ParsedStrings(unittest.TestCase):
    def setUp(self):
        self.cr = make_cr()

    def test_config_map_data_is_compared_by_parsed_content(self):
        ref = [config_map({"mesh": "a: 1\nb: {c: 2}\n", "values": '{"x": [1, 2]}'})]
        cand = copy.deepcopy(ref)
        cand[0]["data"]["mesh"] = "b:\n  c: 2\na: 1\n"
        cand[0]["data"]["values"] = '{\n  "x": [\n    1,\n    2\n  ]\n}'
        self.assertEqual(compare.compare(self.cr, ref, cand, as_installed=False).diffs, [])
        cand[0]["data"]["mesh"] = "a: 1\nb: {c: 3}\n"
        r = compare.compare(self.cr, ref, cand, as_installed=False)
        self.assertEqual(paths(r), ["data.mesh.b.c"])

    def test_a_scalar_string_stays_a_string(self):
        ref = [config_map({"flag": "true", "text": "not: [valid"})]
        cand = copy.deepcopy(ref)
        cand[0]["data"]["flag"] = "True"
        r = compare.compare(self.cr, ref, cand, as_installed=False)
        self.assertEqual([(d[1], d[2], d[3]) for d in r.diffs], [("data.flag", "true", "True")])

    def test_annotations_holding_json_are_parsed_anywhere_under_metadata(self):
        ref = [deployment()]
        ref[0]["metadata"]["annotations"] = {"x.io/cfg": '{"a": 1, "b": 2}'}
        ref[0]["spec"]["template"]["metadata"]["annotations"]["y.io/cfg"] = "a: 1"
        cand = copy.deepcopy(ref)
        cand[0]["metadata"]["annotations"]["x.io/cfg"] = '{"b": 2, "a": 1}'
        cand[0]["spec"]["template"]["metadata"]["annotations"]["y.io/cfg"] = '{"a": 1}'
        self.assertEqual(compare.compare(self.cr, ref, cand, as_installed=False).diffs, [])


class NullAndAbsent(unittest.TestCase):
    def test_a_null_value_equals_an_absent_key(self):
        ref = [pdb()]
        cand = copy.deepcopy(ref)
        del cand[0]["spec"]["minAvailable"]
        r = compare.compare(make_cr(), ref, cand, as_installed=False)
        self.assertEqual((r.diffs, r.leaves_equal, r.leaves_total), ([], 6, 6))

    def test_null_inside_parsed_config_too(self):
        ref = [config_map({"mesh": "a: 1\nb: null\n"})]
        cand = [config_map({"mesh": "a: 1\n"})]
        self.assertEqual(compare.compare(make_cr(), ref, cand, as_installed=False).diffs, [])

    def test_null_is_not_an_empty_string(self):
        self.assertEqual(compare.diff(compare.normalize({"a": None}), {"a": ""}), (0, 1))


class Ownership(unittest.TestCase):
    def setUp(self):
        self.cr = make_cr()
        self.ref = [deployment(), webhook()]

    def test_the_same_objects_with_ownership_labels_match_fully(self):
        r = compare.compare(self.cr, self.ref, with_iop_labels(self.ref, self.cr))
        self.assertEqual(r.diffs, [])
        self.assertEqual((len(r.matched), r.missing, r.extra), (2, [], []))
        self.assertEqual(r.leaves_equal, r.leaves_total)

    def test_without_ownership_labels_each_missing_label_is_a_difference(self):
        r = compare.compare(self.cr, self.ref, copy.deepcopy(self.ref))
        self.assertIn('metadata.labels["operator.istio.io/managed"]', paths(r))
        self.assertIn('metadata.labels["istio.io/rev"]', paths(r))
        self.assertIn("metadata.labels", paths(r))  # the webhook has none: one entry, six leaves
        self.assertEqual(sum(d[4] for d in r.diffs), 2 * 6)

    def test_a_wrong_owner_or_revision_differs_but_any_version_and_component_do(self):
        cand = with_iop_labels(self.ref, self.cr)
        cand[0]["metadata"]["labels"][compare.VERSION] = "9.9.9"
        cand[0]["metadata"]["labels"][compare.COMPONENT] = "Anything"
        self.assertEqual(compare.compare(self.cr, self.ref, cand).diffs, [])
        cand[0]["metadata"]["labels"][compare.REV] = "green"
        self.assertEqual(paths(compare.compare(self.cr, self.ref, cand)), ['metadata.labels["istio.io/rev"]'])

    def test_as_rendered_compares_labels_exactly(self):
        r = compare.compare(self.cr, self.ref, copy.deepcopy(self.ref), as_installed=False)
        self.assertEqual(r.diffs, [])
        r = compare.compare(self.cr, self.ref, with_iop_labels(self.ref, self.cr), as_installed=False)
        self.assertEqual(r.leaves_total - r.leaves_equal, 12)


class Counting(unittest.TestCase):
    def setUp(self):
        self.cr = make_cr()
        self.ref = [deployment(), webhook()]

    def test_a_missing_object_counts_all_its_leaves_as_differing(self):
        r = compare.compare(self.cr, self.ref, copy.deepcopy(self.ref[1:]), as_installed=False)
        self.assertEqual([o.key for o in r.missing], [("Deployment", "istio-system", "gw")])
        n = compare.count_leaves(compare.normalize_object(self.ref[0]))
        self.assertEqual(r.missing[0].total, n)
        self.assertEqual(r.leaves_total - r.leaves_equal, n)
        t = compare.Totals([r])
        self.assertEqual((t.matched, t.union), (1, 2))

    def test_an_extra_object_counts_all_its_leaves(self):
        extra = copy.deepcopy(self.ref[1])
        extra["metadata"]["name"] = "other"
        r = compare.compare(self.cr, self.ref, copy.deepcopy(self.ref) + [extra], as_installed=False)
        self.assertEqual([o.key for o in r.extra], [("MutatingWebhookConfiguration", "", "other")])
        self.assertEqual(r.leaves_total - r.leaves_equal, compare.count_leaves(extra))

    def test_a_duplicate_on_one_side_is_an_extra_object(self):
        r = compare.compare(self.cr, self.ref, copy.deepcopy(self.ref) + [copy.deepcopy(self.ref[1])],
                            as_installed=False)
        self.assertEqual([o.key[2] for o in r.extra], ["istio-sidecar-injector#2"])

    def test_totals_add_up_over_crs(self):
        cand = copy.deepcopy(self.ref)
        container(cand)["image"] = "other"
        r1 = compare.compare(self.cr, self.ref, cand, as_installed=False)
        r2 = compare.compare(self.cr, self.ref, copy.deepcopy(self.ref), as_installed=False)
        t = compare.Totals([r1, r2])
        self.assertEqual(t.total, 2 * r2.leaves_total)
        self.assertEqual(t.equal, t.total - 1)
        self.assertIn("objects 4 of 4 matched (100.0%)", t.line())

    def test_percentages_have_one_decimal_and_do_not_round_up_to_100(self):
        self.assertEqual(f"{compare.pct(999, 1000):.1f}", "99.9")
        self.assertEqual(compare.pct(0, 0), 100.0)


class DeliberateDifferences(unittest.TestCase):
    RULES = """
- kind: Deployment
  path: spec.replicas
  iop: absent
  when: scaled-by-hpa
  reason: the HPA owns it
- kind: "*"
  path: spec.template.metadata.labels.owner
  istioctl: unknown
  iop: "{cr.name}"
  reason: iop names the owner
"""

    def rules(self):
        d = pathlib.Path(tempfile.mkdtemp()) / "deliberate.yaml"
        d.write_text(self.RULES)
        return compare.load_deliberate(d)

    def test_a_listed_difference_is_reported_apart_and_does_not_count(self):
        cr = make_cr()
        ref = [deployment(), hpa()]
        cand = copy.deepcopy(ref)
        del cand[0]["spec"]["replicas"]
        r = compare.compare(cr, ref, cand, as_installed=False, deliberate=self.rules())
        self.assertEqual(r.diffs, [])
        self.assertEqual([(d[1], d[5]) for d in r.deliberate], [("spec.replicas", "the HPA owns it")])
        self.assertEqual((r.leaves_deliberate, r.leaves_equal), (1, r.leaves_total))

    def test_conditions_must_hold(self):
        cr = make_cr()
        ref = [deployment()]  # no HPA: leaving replicas out is not deliberate here
        cand = copy.deepcopy(ref)
        del cand[0]["spec"]["replicas"]
        r = compare.compare(cr, ref, cand, as_installed=False, deliberate=self.rules())
        self.assertEqual((paths(r), r.deliberate), (["spec.replicas"], []))
        cand[0]["spec"]["replicas"] = 2  # with an HPA, but iop sets another value: counts
        r = compare.compare(cr, ref + [hpa()], cand + [hpa()], as_installed=False, deliberate=self.rules())
        self.assertEqual(paths(r), ["spec.replicas"])

    def test_values_may_name_the_crs_own_fields(self):
        cr = make_cr()
        ref = [deployment()]
        ref[0]["spec"]["template"]["metadata"]["labels"]["owner"] = "unknown"
        cand = copy.deepcopy(ref)
        cand[0]["spec"]["template"]["metadata"]["labels"]["owner"] = cr.name
        r = compare.compare(cr, ref, cand, as_installed=False, deliberate=self.rules())
        self.assertEqual((r.diffs, len(r.deliberate)), ([], 1))
        cand[0]["spec"]["template"]["metadata"]["labels"]["owner"] = "someone-else"
        r = compare.compare(cr, ref, cand, as_installed=False, deliberate=self.rules())
        self.assertEqual(len(r.diffs), 1)

    def test_patterns_take_brackets_and_dots_literally(self):
        self.assertTrue(compare.glob_re('a[name:x].b').match('a[name:x].b'))
        self.assertFalse(compare.glob_re('a[name:x].b').match('an'))
        self.assertTrue(compare.glob_re('values*').match('values-rev'))

    def test_an_entry_needs_a_reason(self):
        with self.assertRaises(compare.ToolFailure):
            compare.Deliberate({"path": "spec.replicas"})

    def test_the_repository_list_loads(self):
        self.assertTrue(all(d.reason for d in compare.load_deliberate(compare.HERE / "deliberate.yaml")))


class ResultFile(unittest.TestCase):
    def test_the_result_file_has_no_machine_paths_or_dates_and_lists_each_difference(self):
        cr = make_cr()
        ref = [deployment(), hpa()]
        cand = copy.deepcopy(ref)
        container(cand)["image"] = "other"
        del cand[0]["spec"]["replicas"]
        rules = DeliberateDifferences().rules()
        r = compare.compare(cr, ref, cand, as_installed=False, deliberate=rules)
        out = pathlib.Path(tempfile.mkdtemp()) / "latest.txt"
        meta = {"iop_manifests": compare.portable("/root/go/pkg/mod/istio.io/istio@v0.0.0-1-abc/manifests"),
                "crs": compare.portable(compare.HERE / "crs")}
        compare.write_results(out, [r], [("old.yaml", "istioctl rejects it")], meta)
        text = out.read_text()
        self.assertNotRegex(text, r"(^|\s)/(root|home|tmp|work)/")
        self.assertNotRegex(text, r"\d{4}-\d\d-\d\dT\d\d:")
        self.assertIn("istio.io/istio@v0.0.0-1-abc/manifests", text)
        self.assertIn("test/fidelity/crs", text)
        self.assertRegex(text, r"diff\tDeployment\tistio-system\tgw\tspec.template.spec.containers\[name:istio-proxy\].image\t1\t")
        self.assertRegex(text, r"deliberate\tDeployment\tistio-system\tgw\tspec.replicas\t1\t1\t<absent>\tthe HPA owns it")
        self.assertIn("skipped\told.yaml\tistioctl rejects it", text)
        total = next(line for line in text.splitlines() if line.startswith("total"))
        self.assertIn("leaves_deliberate\t1", total)

    def test_a_tool_version_loses_its_build_date(self):
        v = compare.tool_version(["printf", "iop version 0.1.0\\ncommit abc\\nbuilt 2026-12-03\\n"])
        self.assertEqual(v, "iop version 0.1.0 commit abc")


class Runs(unittest.TestCase):
    """main() end to end, with two shell scripts standing in for istioctl and iop."""

    FAKE = """#!/bin/sh
# usage: fake manifest generate [--manifests DIR] -f CR ...: rejects a CR named *new*.yaml
for a; do case "$a" in *new*.yaml) echo "unknown field spec.newThing" >&2; exit 1;; esac; done
echo "apiVersion: v1"; echo "kind: ConfigMap"; echo "metadata: {name: m, namespace: ns}"
echo "data: {mesh: 'a: 1'}"
"""

    def run_main(self, version):
        import subprocess
        import sys
        d = pathlib.Path(tempfile.mkdtemp())
        fake = d / "tool"
        fake.write_text(self.FAKE)
        fake.chmod(0o755)
        crs = d / "crs"
        crs.mkdir()
        (crs / "01-old.yaml").write_text("metadata: {name: a}\nspec: {profile: minimal}\n")
        (crs / "02-new.yaml").write_text("metadata: {name: b}\nspec: {profile: minimal}\n")
        out = d / "out.txt"
        p = subprocess.run([sys.executable, str(compare.HERE / "compare.py"), "--iop", str(fake),
                            "--istioctl", str(fake), "--istio-version", version, "--manifests", "",
                            "--crs", str(crs), "--out", str(out), "--work", str(d / "work"),
                            "--as-rendered"], capture_output=True, text=True)
        return p, out

    def test_another_version_skips_the_crs_its_istioctl_rejects_and_says_why(self):
        p, out = self.run_main("v0.0.0-older")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("skipping 02-new.yaml", p.stderr)
        text = out.read_text()
        self.assertIn("skipped\t02-new.yaml\tistioctl rejects it: exit 1: unknown field spec.newThing", text)
        self.assertRegex(text, r"total\tobjects_matched\t1\tobjects_union\t1\tobjects_percent\t100.0")
        self.assertIn("meta\tistio_module\tistio.io/istio@v0.0.0-older\n", text)

    def test_the_pinned_version_stops_on_a_rejected_cr(self):
        p, _ = self.run_main(compare.pinned_version())
        self.assertEqual(p.returncode, 2)
        self.assertIn("istioctl rejects 02-new.yaml", p.stderr)


if __name__ == "__main__":
    unittest.main()
