import unittest

from lib.iop_process import metric_sum
from lib.cluster import parse_count
from lib.timed import parse_time_kib, timed_run
from lib.workload import plural


class MetricSumTest(unittest.TestCase):
    def test_sums_every_sample_of_one_metric_and_no_other(self):
        text = ('# TYPE workqueue_depth gauge\nworkqueue_depth{name="iop"} 2\nworkqueue_depth{name="x"} 1\n'
                'workqueue_depth_other 7\ncontroller_runtime_reconcile_total{result="success"} 3\n')
        self.assertEqual(metric_sum(text, "workqueue_depth"), 3)
        self.assertEqual(metric_sum(text, "controller_runtime_reconcile_total"), 3)
        self.assertEqual(metric_sum(text, "absent"), 0)


class PluralTest(unittest.TestCase):
    def test_kinds_map_to_their_resource_names(self):
        self.assertEqual(plural("Deployment"), "deployments")
        self.assertEqual(plural("ValidatingAdmissionPolicy"), "validatingadmissionpolicies")
        self.assertEqual(plural("IstioOperator"), "istiooperators")


class ParseCountTest(unittest.TestCase):
    def test_counts_with_decimal_suffixes_are_expanded(self):
        self.assertEqual(parse_count("110"), 110)
        self.assertEqual(parse_count("5k"), 5000)
        self.assertEqual(parse_count("1M"), 1000000)


class TimedRunTest(unittest.TestCase):
    def test_gnu_time_output_gives_the_peak_even_after_a_failure_line(self):
        self.assertEqual(parse_time_kib(["Command exited with non-zero status 1", "51234"]), 51234)

    def test_a_small_command_reports_its_own_small_peak_and_its_exit_status(self):
        code, wall, rss = timed_run(["/bin/sh", "-c", "exit 3"])
        self.assertEqual(code, 3)
        self.assertGreaterEqual(wall, 0)
        self.assertLess(rss, 20)  # a shell's own peak


if __name__ == "__main__":
    unittest.main()
