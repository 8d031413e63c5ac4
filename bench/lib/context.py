"""What every benchmark gets from run_all.py: paths, how many runs, where to log."""
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Context:
    iop: Path          # the iop binary under test
    build_dir: Path    # clusters go to build_dir/bench-cluster-*, logs to build_dir/bench/
    runs: int          # repetitions per measured quantity (the scale run has its own)
    scale_crs: int     # CRs in the scale run
    scale_runs: int
    steady_crs: int
    window_s: float    # length of one steady-state window

    @property
    def log_dir(self):
        d = self.build_dir / "bench" / "logs"
        d.mkdir(parents=True, exist_ok=True)
        return d
