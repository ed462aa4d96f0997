"""Benchmark ``flags`` (three lenses, the whole comparison tree, TreeBH) by study size.

Usage::

    python benchmarks/bench_flags.py --sizes 2e5 1e6

For each size, a ``brussels`` study is generated, then ``flags(log)`` runs with the
default tree (zone, division, police code, offence group; pooled and within each
offence group). Printed per size: generation time, ``flags`` wall time, the number of
comparisons and of flags, the peak resident memory, and, as a yardstick measured in the
same run, the time lifelines' ``KaplanMeierFitter`` takes to fit *one* curve on the
study's transmission delays (ratio = flags time / that time). The BLAS thread count is
recorded (design.md §7).
"""

from __future__ import annotations

import argparse
import json
import resource
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", type=float, default=[2e5, 1e6])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    from threadpoolctl import threadpool_info

    from trajectory import flags
    from trajectory.cohort.days import CaseDays
    from trajectory.synth import make_study

    blas = [i.get("num_threads") for i in threadpool_info()]
    for size in args.sizes:
        n = int(size)
        t0 = time.perf_counter()
        log, _ = make_study(n, seed=args.seed, scenario="brussels")
        gen = time.perf_counter() - t0
        t0 = time.perf_counter()
        f = flags(log)
        took = time.perf_counter() - t0

        from lifelines import KaplanMeierFitter

        dur = CaseDays(log).duration("E20", "E23")
        t0 = time.perf_counter()
        KaplanMeierFitter().fit(dur.time, dur.event)
        km = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({
            "cases": n, "events": len(log.events), "generate_s": round(gen, 2),
            "flags_s": round(took, 2), "n_tests": f.notes["n_tests"],
            "n_flagged": f.notes["n_flagged"], "peak_rss_mb": round(peak),
            "lifelines_km_one_curve_s": round(km, 3), "ratio_flags_to_one_km": round(
                took / km, 1), "blas_threads": blas,
        }))


if __name__ == "__main__":
    main()
