"""Summaries of repeated measurements and the Markdown tables the benchmarks print."""
import statistics


class Sample:
    """Repeated measurements of one quantity: median with min and max beside."""

    def __init__(self, values):
        self.values = [v for v in values if v is not None]

    @property
    def runs(self):
        return len(self.values)

    @property
    def median(self):
        return statistics.median(self.values) if self.values else None

    @property
    def min(self):
        return min(self.values) if self.values else None

    @property
    def max(self):
        return max(self.values) if self.values else None


def fmt_number(v, digits=2):
    """A table cell: integers as integers, floats with `digits` decimals, None as a dash."""
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int) or (isinstance(v, float) and v.is_integer() and abs(v) >= 100):
        return str(int(v))
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def sample_cells(sample, digits=2):
    """[median, min, max, runs] as table cells."""
    return [fmt_number(sample.median, digits), fmt_number(sample.min, digits),
            fmt_number(sample.max, digits), str(sample.runs)]


def ratio(a, b):
    """a / b, or None when either is missing or b is zero."""
    if a is None or b is None or b == 0:
        return None
    return a / b


def table(headers, rows):
    """A GitHub-flavoured Markdown table; cells are converted with fmt_number."""
    cells = [[fmt_number(c) if not isinstance(c, str) else c for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        if len(row) != len(headers):
            raise ValueError(f"row has {len(row)} cells, table has {len(headers)} columns: {row}")
        widths = [max(w, len(c)) for w, c in zip(widths, row)]

    def line(items):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(items, widths)) + " |"

    out = [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in cells]
    return "\n".join(out) + "\n"


def sample_table(rows, unit_header="quantity"):
    """Rows of (label, Sample, digits) as a table with median, min, max and runs columns."""
    return table([unit_header, "median", "min", "max", "runs"],
                 [[label] + sample_cells(s, digits) for label, s, digits in rows])
