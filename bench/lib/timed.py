"""Running a command once and measuring it from the outside: wall time and peak RSS.

Peak RSS comes from GNU time (%M) when /usr/bin/time exists: a child forked straight from this
Python process starts with Python's pages counted in its ru_maxrss (Linux folds the pre-exec
copy of the parent into the child's maxrss), which would report the harness's size for any tool
smaller than it. Without GNU time, wait4's ru_maxrss is used and may read high."""
import os
import subprocess
import tempfile
import time

GNU_TIME = "/usr/bin/time"


def timed_run(argv, env=None, stdout=subprocess.DEVNULL, stderr_path=None):
    """Runs argv to completion; returns (exit status, wall seconds, peak RSS MiB)."""
    err = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss_file:
        use_time = os.access(GNU_TIME, os.X_OK)
        full = [GNU_TIME, "-f", "%M", "-o", rss_file.name, "--"] + list(argv) if use_time else list(argv)
        try:
            t0 = time.monotonic()
            p = subprocess.Popen(full, env=env, stdout=stdout, stderr=err, stdin=subprocess.DEVNULL)
            _, status, usage = os.wait4(p.pid, 0)
            wall = time.monotonic() - t0
            p.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if stderr_path:
                err.close()
        if use_time:
            lines = [ln for ln in rss_file.read().splitlines() if ln.strip()]
            return p.returncode, wall, parse_time_kib(lines) / 1024
    return p.returncode, wall, usage.ru_maxrss / 1024


def parse_time_kib(lines):
    """The %M figure (KiB) from GNU time's output file: its last line; an earlier line says
    "Command exited with non-zero status N" when the command failed."""
    if not lines:
        raise ValueError("GNU time wrote nothing")
    return int(lines[-1].strip())
