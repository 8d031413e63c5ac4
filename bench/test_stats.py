import unittest

from lib.stats import Sample, fmt_number, ratio, sample_table, table


class SampleTest(unittest.TestCase):
    def test_median_of_an_odd_count_is_the_middle_value_with_min_and_max_beside(self):
        s = Sample([3.0, 1.0, 2.0, 9.0, 5.0])
        self.assertEqual((s.median, s.min, s.max, s.runs), (3.0, 1.0, 9.0, 5))

    def test_median_of_an_even_count_is_the_mean_of_the_middle_two(self):
        self.assertEqual(Sample([4, 1, 3, 2]).median, 2.5)

    def test_missing_values_are_not_runs(self):
        s = Sample([None, 2.0])
        self.assertEqual((s.runs, s.median), (1, 2.0))

    def test_an_empty_sample_has_no_figures(self):
        s = Sample([])
        self.assertEqual((s.median, s.min, s.max, s.runs), (None, None, None, 0))


class FormatTest(unittest.TestCase):
    def test_numbers_render_as_integers_or_with_the_given_decimals(self):
        self.assertEqual(fmt_number(3), "3")
        self.assertEqual(fmt_number(0.12345, 3), "0.123")
        self.assertEqual(fmt_number(2000.0), "2000")
        self.assertEqual(fmt_number(None), "-")

    def test_ratio_is_missing_when_a_side_is_missing_or_zero(self):
        self.assertEqual(ratio(6, 2), 3)
        self.assertIsNone(ratio(6, 0))
        self.assertIsNone(ratio(None, 2))


class TableTest(unittest.TestCase):
    def test_a_table_is_markdown_with_aligned_columns(self):
        self.assertEqual(table(["a", "bb"], [["x", 1], ["long", 2.5]]),
                         "| a    | bb   |\n"
                         "|------|------|\n"
                         "| x    | 1    |\n"
                         "| long | 2.50 |\n")

    def test_a_row_with_the_wrong_number_of_cells_is_refused(self):
        with self.assertRaises(ValueError):
            table(["a", "b"], [["only one"]])

    def test_a_sample_table_has_median_min_max_and_runs(self):
        out = sample_table([("t, s", Sample([1.0, 2.0, 3.0]), 1)])
        self.assertIn("| t, s     | 2.0    | 1.0 | 3.0 | 3    |", out)


if __name__ == "__main__":
    unittest.main()
