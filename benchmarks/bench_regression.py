"""Benchmark regression on aggregated counts against lifelines ``CoxPHFitter`` on raw rows.

A synthetic cohort with 8 categorical covariates (25 dummy columns), times in days
(up to 730), and competing outcomes. For each size, in one fresh subprocess:

* ``profile``: :func:`poisson_rates` (cuts at every event time = Breslow Cox) on the
  DataFrame: pattern x event-time counts, then Newton on those tables;
* ``duckdb``: the same from a Parquet file, the group-by done by DuckDB;
* ``rows``: :func:`cox` (Efron, own solver) on the raw rows (up to 1e6);
* ``lifelines``: ``CoxPHFitter`` (Efron) on the raw dummy-coded rows (up to 1e6).

Printed per method: wall and CPU seconds (the machine may be shared), peak resident
memory of the process during the call (sampled every 5 ms; ``delta`` = above the level
before the call), max |coefficient difference| against lifelines (Efron; Breslow differs
from it by the tie convention) or,
blank at 1e7 where lifelines is not run; and the
BLAS thread count that numpy would use (fits run under threadpoolctl with 1 thread).

Usage::

    python benchmarks/bench_regression.py                  # 1e5 1e6 1e7
    python benchmarks/bench_regression.py 100000
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

CHILD = r"""
import json, os, sys, tempfile, threading, time
import numpy as np, pandas as pd, psutil
from threadpoolctl import threadpool_info

n = int(sys.argv[1])
proc = psutil.Process()

cpu_sec = []

def measure(fn):
    peak = [proc.memory_info().rss]
    before = peak[0]
    stop = threading.Event()
    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            time.sleep(0.005)
    th = threading.Thread(target=sample, daemon=True)
    th.start()
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    sec = time.perf_counter() - t0
    cpu_sec.append(time.process_time() - c0)
    stop.set(); th.join()
    peak[0] = max(peak[0], proc.memory_info().rss)
    return out, sec, peak[0] / 2**30, (peak[0] - before) / 2**30

LEVELS = {
    "offence_group": ["ifg", "partner", "sexual", "hate", "harassment", "discrimination",
                      "lgbtqi", "other"],
    "zone": ["5339", "5340", "5341", "5342", "5343", "5344"],
    "division": ["FR", "NL"], "victim_sex": ["F", "M"], "suspect_known": ["no", "yes"],
    "age_band": ["<18", "18-24", "25-34", "35-49", "50-64", "65+"],
    "relationship": ["partner", "ex", "family", "acquaintance", "stranger"],
    "source": ["police", "parquet"],
}
rng = np.random.default_rng(7)
cols = {}
eta = np.zeros(n)
for name, lev in LEVELS.items():
    lev = sorted(lev)  # Parquet/DuckDB text columns take the first sorted level as reference
    code = rng.integers(0, len(lev), n).astype(np.int8)
    cols[name] = pd.Categorical.from_codes(code, lev)
    eta += rng.normal(0, 0.3, len(lev))[code]
t_court = rng.exponential(1 / (0.002 * np.exp(eta)))
t_other = rng.exponential(1 / 0.003, n)
cens = rng.uniform(1, 730, n)
t = np.minimum.reduce([t_court, t_other, cens])
outcome = np.select([t == t_court, t == t_other], ["court", "alternative"], "censored")
cohort = pd.DataFrame(cols)
cohort["time"] = np.ceil(t)
cohort["outcome"] = pd.Categorical(outcome)
covs = list(LEVELS)

from threadpoolctl import threadpool_info
blas = [f"{i['internal_api']}:{i['num_threads']}" for i in threadpool_info()
        if i.get("user_api") == "blas"]
from trajectory.estimators.poisson import poisson_rates
from trajectory.estimators.regression import cox
import re

def coefs(table):
    return {re.sub(r"^(\w+)\[T\.(.*)\]$", r"\1_\2", t): b
            for t, b in zip(table["term"], table["estimate"])}

res = {"n": n, "blas_threads": ",".join(blas) or "none",
       "events": int((outcome == "court").sum())}

fit, sec, peak, delta = measure(lambda: poisson_rates(cohort, covariates=covs, cause="court"))
res["profile"] = dict(sec=sec, cpu=cpu_sec[-1], peak=peak, delta=delta, beta=coefs(fit.table),
                      rows=fit.notes["aggregated_rows"])

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "cohort.parquet")
    cohort.to_parquet(path)
    f2, sec, peak, delta = measure(lambda: poisson_rates(path, covariates=covs, cause="court",
                                                         engine="duckdb"))
    res["duckdb"] = dict(sec=sec, cpu=cpu_sec[-1], peak=peak, delta=delta, beta=coefs(f2.table),
                         rows=f2.notes["aggregated_rows"])

if n <= 1_000_000:
    f3, sec, peak, delta = measure(lambda: cox(cohort, covariates=covs, cause="court",
                                               engine="counts"))
    res["rows"] = dict(sec=sec, cpu=cpu_sec[-1], peak=peak, delta=delta, beta=coefs(f3.table))
    X = pd.get_dummies(cohort[covs], drop_first=True, dtype=float)
    X["time"] = cohort["time"].to_numpy()
    X["event"] = (outcome == "court").astype(int)
    from lifelines import CoxPHFitter
    cph, sec, peak, delta = measure(lambda: CoxPHFitter().fit(X, "time", "event"))
    res["lifelines"] = dict(sec=sec, cpu=cpu_sec[-1], peak=peak, delta=delta,
                            beta=cph.params_.to_dict())
print(json.dumps(res))
"""


def run(n: int) -> dict:
    """Run one size in a fresh subprocess and return its measurements."""
    out = subprocess.run([sys.executable, "-c", CHILD, str(n)], capture_output=True, text=True,
                         check=True, env=os.environ.copy())
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    sizes = [int(float(a)) for a in argv] or [100_000, 1_000_000, 10_000_000]
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
          f"cpus={os.cpu_count()}")
    head = (f"{'cases':>11} {'method':>10} {'seconds':>8} {'cpu s':>7} {'peak GiB':>9} "
            f"{'delta GiB':>9} "
            f"{'max|dcoef| vs lifelines':>24} {'agg rows':>9}  BLAS")
    print(head)
    for n in sizes:
        r = run(n)
        ref = r.get("lifelines", {}).get("beta")
        for m in ("profile", "duckdb", "rows", "lifelines"):
            if m not in r:
                continue
            v = r[m]
            diff = ("" if ref is None
                    else f"{max(abs(v['beta'][k] - ref[k]) for k in ref):.2e}")
            print(f"{n:>11,} {m:>10} {v['sec']:>8.2f} {v['cpu']:>7.2f} {v['peak']:>9.2f} "
                  f"{v['delta']:>9.2f} "
                  f"{diff:>24} {v.get('rows', ''):>9}  {r['blas_threads']}")


if __name__ == "__main__":
    main(sys.argv[1:])
