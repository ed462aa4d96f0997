"""Benchmark trajectory.synth.make_study: wall time and peak memory by number of cases.

Each size runs in a fresh subprocess so that its peak resident memory (``ru_maxrss``)
is its own. BLAS threads are recorded (the generator uses no BLAS-heavy code).

Usage::

    python benchmarks/bench_synth.py                 # 1e5 and 1e6
    python benchmarks/bench_synth.py 100000 1000000 10000000
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

CHILD = r"""
import json, resource, sys, time
n = int(sys.argv[1])
t0 = time.perf_counter()
from trajectory.synth import make_study
t_import = time.perf_counter() - t0
t0, c0 = time.perf_counter(), time.process_time()
study = make_study(n, seed=1, scenario="brussels")
t_make, c_make = time.perf_counter() - t0, time.process_time() - c0
log = study.log
mem = log.cases.memory_usage(deep=True).sum() + log.events.memory_usage(deep=True).sum()
print(json.dumps({
    "n_cases": n, "n_events": log.n_events, "seconds": round(t_make, 2),
    "cpu_seconds": round(c_make, 2),
    "import_seconds": round(t_import, 2),
    "peak_rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
    "log_gib": round(mem / 2**30, 2),
}))
"""


def run(n: int) -> dict[str, object]:
    """Run one size in a subprocess and return its measurements."""
    out = subprocess.run([sys.executable, "-c", CHILD, str(n)], capture_output=True, text=True,
                         check=True, env=os.environ.copy())
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    sizes = [int(float(a)) for a in argv] or [100_000, 1_000_000]
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
          f"cpus={os.cpu_count()}")
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'cases':>12} {'events':>12} {'seconds':>8} {'cpu s':>7} {'peak GiB':>9} "
          f"{'log GiB':>8}")
    for n in sizes:
        r = run(n)
        print(f"{r['n_cases']:>12,} {r['n_events']:>12,} {r['seconds']:>8} "
              f"{r['cpu_seconds']:>7} {r['peak_rss_gib']:>9} {r['log_gib']:>8}")


if __name__ == "__main__":
    main(sys.argv[1:])
