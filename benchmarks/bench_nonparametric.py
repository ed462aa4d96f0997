"""Benchmark the non-parametric estimators against lifelines, in the same run.

Usage::

    python benchmarks/bench_nonparametric.py --sizes 1e4 1e5 1e6
    python benchmarks/bench_nonparametric.py --sizes 1e4 1e5 1e6 1e7   # 1e7: ours only

Each measurement runs in a fresh subprocess (``--worker``), so that its peak resident
memory (``ru_maxrss``) belongs to one call on one data set; ``rss_before`` is the
resident memory after the data were built, before the call. Times are wall clock, best
of ``--repeat`` runs (lifelines at 1e6 runs once). lifelines is never run above
``--lifelines-max`` cases (default 1e6).

Pairs compared (ours / lifelines):

* ``km``: ``kaplan_meier`` (Greenwood SE, log limits) / ``KaplanMeierFitter.fit``
* ``logrank2``: ``logrank(by=arm)`` / ``logrank_test`` (two groups)
* ``logrank3``: ``logrank(by=arm3)`` / ``multivariate_logrank_test`` (three groups)
* ``cif``: ``cumulative_incidence`` (all 3 outcomes, IJ SE and limits) /
  ``AalenJohansenFitter(calculate_variance=True).fit`` for *one* outcome (lifelines
  fits one cause per call and jitters tied times).

The synthetic cohort has integer times in days (1..1500: heavy ties, as real data),
three competing outcomes plus censoring, and 2- and 3-level group columns.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
PAIRS = ("km", "logrank2", "logrank3", "cif")


def make_cohort(n: int, seed: int = 20261128) -> pd.DataFrame:
    """n cases: integer days 1..1500, outcome in 3 competing ends + censored, arms."""
    rng = np.random.default_rng(seed)
    time_ = np.minimum(rng.geometric(1 / 300, n), 1500).astype(float)
    outcome = pd.Categorical.from_codes(
        rng.choice(4, size=n, p=[0.35, 0.25, 0.15, 0.25]),
        categories=["censored", "dismissal", "alternative", "court"],
    )
    return pd.DataFrame(
        {
            "time": time_,
            "outcome": outcome,
            "event": (outcome != "censored").astype(np.int8),
            "arm": pd.Categorical.from_codes(rng.integers(0, 2, n), ["a", "b"]),
            "arm3": pd.Categorical.from_codes(rng.integers(0, 3, n), ["a", "b", "c"]),
        }
    )


def _ours(pair: str, df: pd.DataFrame):
    from trajectory.estimators import cumulative_incidence, kaplan_meier, logrank

    if pair == "km":
        return lambda: kaplan_meier(df, event="event")
    if pair == "logrank2":
        return lambda: logrank(df, event="event", by="arm")
    if pair == "logrank3":
        return lambda: logrank(df, event="event", by="arm3")
    return lambda: cumulative_incidence(df, event="outcome")


def _lifelines(pair: str, df: pd.DataFrame):
    from lifelines import AalenJohansenFitter, KaplanMeierFitter
    from lifelines.statistics import logrank_test, multivariate_logrank_test

    t, e = df["time"].to_numpy(), df["event"].to_numpy()
    if pair == "km":
        return lambda: KaplanMeierFitter().fit(t, e)
    if pair == "logrank2":
        a = (df["arm"] == "a").to_numpy()
        return lambda: logrank_test(t[a], t[~a], e[a], e[~a])
    if pair == "logrank3":
        g = df["arm3"].to_numpy()
        return lambda: multivariate_logrank_test(t, g, e)
    codes = df["outcome"].cat.codes.to_numpy()
    return lambda: AalenJohansenFitter(calculate_variance=True, seed=1).fit(
        t, codes, event_of_interest=1
    )


def worker(pair: str, lib: str, n: int, repeat: int) -> dict:
    """Run one measurement (in this process) and return its figures."""
    import psutil

    df = make_cohort(n)
    call = _ours(pair, df) if lib == "ours" else _lifelines(pair, df)
    rss_before = psutil.Process().memory_info().rss
    best = float("inf")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines warns about jittering tied times
        for _ in range(repeat):
            t0 = time.perf_counter()
            call()
            best = min(best, time.perf_counter() - t0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"pair": pair, "lib": lib, "n": n, "seconds": best,
            "rss_before_mib": rss_before / 2**20, "peak_rss_mib": peak / 2**20}


def _run(pair: str, lib: str, n: int, repeat: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", pair, lib, str(n), str(repeat)],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _blas_threads() -> str:
    from threadpoolctl import threadpool_info

    info = [f"{d['internal_api']}={d['num_threads']}" for d in threadpool_info()
            if d.get("user_api") == "blas"]
    return ", ".join(info) or "no BLAS loaded"


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run every measurement and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e4, 1e5, 1e6])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lifelines-max", type=float, default=1e6)
    parser.add_argument("--pairs", nargs="+", default=list(PAIRS), choices=PAIRS)
    parser.add_argument("--worker", nargs=4, metavar=("PAIR", "LIB", "N", "REPEAT"))
    args = parser.parse_args(argv)
    if args.worker:
        pair, lib, n, repeat = args.worker
        print(json.dumps(worker(pair, lib, int(n), int(repeat))))
        return
    import lifelines
    import numpy

    print(f"python {platform.python_version()}, numpy {numpy.__version__}, "
          f"lifelines {lifelines.__version__}, BLAS threads: {_blas_threads()}, "
          f"machine: {platform.machine()} ({platform.processor() or 'cpu'})")
    header = (f"{'pair':9} {'n':>9} {'ours_s':>9} {'lifelines_s':>12} {'ratio':>8} "
              f"{'ours_peak_MiB':>14} {'ours_call_MiB':>14} {'ll_peak_MiB':>12}")
    print(header)
    for size in args.sizes:
        n = int(size)
        for pair in args.pairs:
            reps = args.repeat if n <= 1_000_000 else 1
            ours = _run(pair, "ours", n, reps)
            ll = None
            if n <= args.lifelines_max:
                ll = _run(pair, "lifelines", n, args.repeat if n < 1_000_000 else 1)
            ratio = f"{ll['seconds'] / ours['seconds']:8.1f}" if ll else f"{'-':>8}"
            print(f"{pair:9} {n:9d} {ours['seconds']:9.3f} "
                  f"{(ll['seconds'] if ll else float('nan')):12.3f} {ratio} "
                  f"{ours['peak_rss_mib']:14.0f} "
                  f"{ours['peak_rss_mib'] - ours['rss_before_mib']:14.0f} "
                  f"{(ll['peak_rss_mib'] if ll else float('nan')):12.0f}", flush=True)
    print("ratio = lifelines seconds / ours (higher is faster for ours); peak = ru_maxrss of "
          "the worker process (data + call); call = peak - RSS before the call.")


if __name__ == "__main__":
    main()
