import unittest
from collections import Counter

from lib import apiserver_metrics as am

SCRAPE = r'''# HELP apiserver_request_total [STABLE] Counter of apiserver requests
# TYPE apiserver_request_total counter
apiserver_request_total{code="200",component="apiserver",dry_run="",group="apps",resource="deployments",scope="resource",subresource="",verb="APPLY",version="v1"} 4
apiserver_request_total{code="201",component="apiserver",dry_run="",group="apps",resource="deployments",scope="resource",subresource="",verb="APPLY",version="v1"} 1
apiserver_request_total{code="200",component="apiserver",dry_run="",group="apps",resource="deployments",scope="resource",subresource="status",verb="PUT",version="v1"} 7
apiserver_request_total{code="200",component="apiserver",dry_run="",group="install.istio.io",resource="istiooperators",scope="resource",subresource="status",verb="PATCH",version="v1alpha1"} 2
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"} 3
apiserver_request_total{code="200",component="apiserver",dry_run="",group="",resource="services",scope="cluster",subresource="",verb="WATCH",version="v1"} 1.5e+01
apiserver_request_total{code="201",component="apiserver",dry_run="",group="",resource="events",scope="resource",subresource="",verb="POST",version="v1"} 6
apiserver_request_duration_seconds_count{verb="GET",resource="pods"} 99
'''


class ParseTest(unittest.TestCase):
    def test_counts_are_summed_over_codes_by_verb_group_resource_and_subresource(self):
        c = am.parse(SCRAPE)
        self.assertEqual(c[("APPLY", "apps", "deployments", "")], 5)
        self.assertEqual(c[("PUT", "apps", "deployments", "status")], 7)
        self.assertEqual(c[("WATCH", "", "services", "")], 15)

    def test_other_metrics_and_comments_are_ignored(self):
        self.assertEqual(sum(am.parse(SCRAPE).values()), 5 + 7 + 2 + 3 + 15 + 6)

    def test_escaped_label_values_are_unescaped(self):
        c = am.parse('apiserver_request_total{resource="a\\"b",verb="GET"} 1\n')
        self.assertEqual(c[("GET", "", 'a"b', "")], 1)


class DeltaTest(unittest.TestCase):
    def test_delta_keeps_only_what_grew(self):
        before = Counter({("GET", "", "pods", ""): 5, ("LIST", "", "pods", ""): 2})
        after = Counter({("GET", "", "pods", ""): 8, ("LIST", "", "pods", ""): 2, ("POST", "", "pods", ""): 1})
        self.assertEqual(am.delta(before, after), Counter({("GET", "", "pods", ""): 3, ("POST", "", "pods", ""): 1}))

    def test_subtracting_own_requests_never_goes_negative(self):
        got = am.subtract(Counter({("GET", "apps", "deployments", ""): 3}),
                          Counter({("GET", "apps", "deployments", ""): 5, ("GET", "", "pods", ""): 1}))
        self.assertEqual(got, Counter())


class SummaryTest(unittest.TestCase):
    def test_iop_kinds_are_its_cr_and_the_main_resource_of_owned_kinds(self):
        self.assertTrue(am.is_iop_kind(("APPLY", "apps", "deployments", "")))
        self.assertTrue(am.is_iop_kind(("PATCH", "install.istio.io", "istiooperators", "status")))
        self.assertFalse(am.is_iop_kind(("PUT", "apps", "deployments", "status")))
        self.assertFalse(am.is_iop_kind(("LIST", "", "pods", "")))
        self.assertFalse(am.is_iop_kind(("POST", "", "events", "")))

    def test_summary_splits_writes_reads_and_watches_over_iop_kinds(self):
        s = am.Summary(am.parse(SCRAPE))
        self.assertEqual((s.writes, s.reads, s.watches, s.total), (5 + 2, 0, 15, 22))
        self.assertEqual(s.by_verb_resource()[0], ("WATCH", "services", 15))

    def test_event_writes_count_any_client(self):
        self.assertEqual(am.event_writes(am.parse(SCRAPE)), 6)


if __name__ == "__main__":
    unittest.main()
