"""`iop run` as a local process: started with its health and metrics on free loopback ports,
watched through /proc (RSS, CPU) and its own /metrics (work queue), stopped with SIGTERM."""
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from .cluster import log, wait_for

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status_kib(pid, field):
    """A 'VmRSS'-style field of /proc/PID/status in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(f"/proc/{pid}/status has no {field}")


def proc_cpu_seconds(pid):
    """User + system CPU time of the process so far (utime and stime of /proc/PID/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


_SAMPLE = re.compile(r'^(\w+)(\{[^}]*\})?\s+(\S+)', re.M)


def metric_sum(text, name):
    """Sum of every sample of metric `name` in Prometheus text."""
    return sum(float(m.group(3)) for m in _SAMPLE.finditer(text) if m.group(1) == name)


class IopRun:
    """One `iop run --leader-elect=false` for `revision`, logging to log_path."""

    def __init__(self, iop, kubeconfig, revision, log_path, workers=None):
        self.health_port, self.metrics_port = free_port(), free_port()
        self.argv = [str(iop), "run", "--kubeconfig", str(kubeconfig), "--revision", revision,
                     "--leader-elect=false",
                     "--health-probe-bind-address", f"127.0.0.1:{self.health_port}",
                     "--metrics-bind-address", f"127.0.0.1:{self.metrics_port}"]
        if workers:  # else iop's own default
            self.argv += ["--max-concurrent-reconciles", str(workers)]
        self.log_path = log_path
        self.proc = None
        self.started_at = None

    def start(self):
        self.log_file = open(self.log_path, "wb")
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(self.argv, stdout=self.log_file, stderr=subprocess.STDOUT)
        return self

    def _get(self, port, path):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
                return r.status, r.read().decode()
        except OSError:
            return None, ""

    def ready(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"iop run exited with {self.proc.returncode}; see {self.log_path}")
        return self._get(self.health_port, "/readyz")[0] == 200

    def wait_ready(self, timeout=60):
        """Seconds from start() to /readyz ok."""
        wait_for("iop run /readyz", self.ready, timeout, interval=0.01)
        return time.monotonic() - self.started_at

    def metrics(self):
        return self._get(self.metrics_port, "/metrics")[1]

    def idle_after(self, reconciles):
        """True once at least `reconciles` reconciles finished and nothing is queued or running."""
        m = self.metrics()
        return (metric_sum(m, "controller_runtime_reconcile_total") >= reconciles
                and metric_sum(m, "workqueue_depth") == 0
                and metric_sum(m, "controller_runtime_active_workers") == 0)

    def wait_quiet(self, reconciles, quiet_s=3.5, timeout=180):
        """Waits until idle_after(reconciles) and no reconcile started for quiet_s seconds, so a
        requeue-after still waiting in the delaying queue (not in workqueue_depth) has fired."""
        def quiet():
            if not self.idle_after(reconciles):
                return False
            n = metric_sum(self.metrics(), "controller_runtime_reconcile_total")
            time.sleep(quiet_s)
            return self.idle_after(n) and metric_sum(self.metrics(), "controller_runtime_reconcile_total") == n
        wait_for("iop quiet", quiet, timeout, 0.05)

    def rss_mib(self):
        return proc_status_kib(self.proc.pid, "VmRSS") / 1024

    def peak_rss_mib(self):
        return proc_status_kib(self.proc.pid, "VmHWM") / 1024

    def cpu_seconds(self):
        return proc_cpu_seconds(self.proc.pid)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                log(f"iop run (pid {self.proc.pid}) ignored SIGTERM for 40 s; killing it")
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.log_file.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False
