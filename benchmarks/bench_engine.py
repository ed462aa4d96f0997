"""Benchmark: count tables on DuckDB (and Spark) feeding KM, AJ, log-rank and Cox at scale.

A synthetic cohort of ``n`` cases is written once as Parquet by DuckDB (columns
``offence_group`` (6 levels), ``zone`` (6), ``division`` (2), ``entry``, ``time`` in days
up to 730, ``outcome`` in court / dismissal / alternative / censored). Then, in one
fresh subprocess per engine, timed together:

1. :func:`trajectory.engine.count_table` reads the Parquet where it lies and counts
   ``offence_group x zone x division x time x outcome`` (DuckDB with
   ``[engine] memory_limit = "4GB"``, or Spark ``local[2]``);
2. on that table: Kaplan-Meier and Aalen-Johansen by zone, log-rank of zones stratified
   by offence group, and a Breslow Cox model ``zone + division + strata(offence_group)``
   of court (categorical covariates, fitted from the counts by the one Cox solver).

Printed: wall seconds of each step, peak resident memory of the process (sampled every
5 ms; the Spark JVM is a separate process, its memory is not included), rows of the
count table, and the BLAS threads numpy would use (the fits run under threadpoolctl
with 1 thread).

Usage::

    python benchmarks/bench_engine.py                     # 1e6 and 1e7 cases, DuckDB
    python benchmarks/bench_engine.py 10000000 spark      # Spark local[2]
    python benchmarks/bench_engine.py 10000000 duckdb --with-entry
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

MAKE = r"""
import sys, duckdb
n, path, entry = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
con = duckdb.connect()
con.execute("SET memory_limit = '2GB'")
con.execute("SET enable_progress_bar = false")
ent = "CAST(hash(i * 11) % 40 AS DOUBLE)" if entry else "0.0"
con.execute(f'''
COPY (
  SELECT i AS case_id,
         ['hate','ifv','sexual','harassment','discrimination','lgbtqi']
           [CAST(1 + hash(i) % 6 AS INTEGER)] AS offence_group,
         'Z' || CAST(hash(i * 3) % 6 AS VARCHAR) AS zone,
         CASE WHEN hash(i * 5) % 3 = 0 THEN 'FR' ELSE 'NL' END AS division,
         {ent} AS entry,
         CAST(41 + hash(i * 7) % 690 AS DOUBLE) AS time,
         CASE WHEN hash(i * 13) % 100 < 30 THEN 'censored'
              WHEN hash(i * 13) % 100 < 30 + 10 + 2 * (hash(i * 3) % 6) THEN 'court'
              WHEN hash(i * 13) % 100 < 75 THEN 'dismissal' ELSE 'alternative' END AS outcome
  FROM range({n}) t(i)
) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)''')
"""

CHILD = r"""
import json, sys, threading, time
import psutil
from threadpoolctl import threadpool_info

path, kind, entry = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
proc = psutil.Process()
peak = [proc.memory_info().rss]
stop = threading.Event()
def sample():
    while not stop.is_set():
        peak[0] = max(peak[0], proc.memory_info().rss)
        time.sleep(0.005)
threading.Thread(target=sample, daemon=True).start()
import trajectory as tj
from trajectory.engine import EngineConfig, count_table
from trajectory.estimators import cox, cumulative_incidence, kaplan_meier, logrank
cfg = EngineConfig(kind=kind, master="local[2]", memory_limit="4GB", threads=2)
out = {"blas_threads": max([i.get("num_threads", 0) for i in threadpool_info()] or [0])}
spark = None
if kind == "spark":
    from trajectory.engine import spark_session
    t0 = time.perf_counter()
    spark = spark_session(cfg)
    spark.sparkContext.setLogLevel("ERROR")
    out["spark_start_s"] = time.perf_counter() - t0
t0 = time.perf_counter()
ct = count_table(path, keys=["offence_group", "zone", "division"],
                 entry="entry" if entry else None, engine=kind, config=cfg, spark=spark)
out["count_s"] = time.perf_counter() - t0
out["count_rows"] = len(ct.table)
out["n_cases"] = ct.n_cases
t1 = time.perf_counter()
km = kaplan_meier(ct, by="zone")
out["km_s"] = time.perf_counter() - t1; t1 = time.perf_counter()
aj = cumulative_incidence(ct, by="zone")
out["aj_s"] = time.perf_counter() - t1; t1 = time.perf_counter()
lr = logrank(ct, by="zone", strata="offence_group")
out["logrank_s"] = time.perf_counter() - t1; t1 = time.perf_counter()
fit = cox(ct, covariates=["zone", "division"], cause="court", strata="offence_group",
          ties="breslow")
out["cox_s"] = time.perf_counter() - t1
out["total_s"] = time.perf_counter() - t0
stop.set()
out["peak_rss_gib"] = max(peak[0], proc.memory_info().rss) / 2**30
out["hr_zone_Z5"] = float(fit.table.loc[fit.table["term"] == "zone[T.Z5]", "hazard_ratio"].iloc[0])
if spark is not None:
    spark.stop()
print(json.dumps(out))
"""


def run(n: int, kind: str, entry: bool, folder: Path) -> dict:
    path = folder / f"cohort_{n}_{int(entry)}.parquet"
    env = {**os.environ, "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1")}
    if not path.exists():
        subprocess.run([sys.executable, "-c", MAKE, str(n), str(path), str(int(entry))],
                       check=True, env=env)
    res = subprocess.run([sys.executable, "-c", CHILD, str(path), kind, str(int(entry))],
                         env=env, capture_output=True, text=True)
    if res.returncode:
        sys.exit(f"{kind} run failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    entry = "--with-entry" in argv
    args = [a for a in argv if not a.startswith("--")]
    sizes = [int(args[0])] if args else [1_000_000, 10_000_000]
    kind = args[1] if len(args) > 1 else "duckdb"
    with tempfile.TemporaryDirectory(prefix="bench_engine_") as tmp:
        for n in sizes:
            r = run(n, kind, entry, Path(tmp))
            print(json.dumps({"n": n, "engine": kind, "entry": entry, **r}))


if __name__ == "__main__":
    main(sys.argv[1:])
