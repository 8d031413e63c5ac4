"""Running a command once and measuring it from the outside: wall time and peak RSS
(ru_maxrss of wait4, the same figure /usr/bin/time -v prints)."""
import os
import subprocess
import time


def timed_run(argv, env=None, stdout=subprocess.DEVNULL, stderr_path=None):
    """Runs argv to completion; returns (exit status, wall seconds, peak RSS MiB)."""
    err = open(stderr_path, "wb") if stderr_path else subprocess.DEVNULL
    try:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, env=env, stdout=stdout, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if stderr_path:
            err.close()
    return p.returncode, wall, usage.ru_maxrss / 1024
