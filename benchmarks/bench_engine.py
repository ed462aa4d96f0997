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

From events (``--from-events``): the issue's benchmark, starting from the event log.
The package generator (:func:`trajectory.synth.make_study`) writes ``cases`` and
``events`` Parquet parts in chunks of 1e6 cases (``bench_cohort.write_parquet``); then,
in one fresh subprocess, DuckDB (``[engine] memory_limit``, default 4GB, spilling to a
folder beside the Parquet) builds the cohort from views over the Parquet and keeps it
in DuckDB (:func:`trajectory.cohort.pushdown.push_cohort`), counts it there
(:func:`trajectory.engine.count_table`), and the same KM, AJ, log-rank and Cox run on
the counts. Printed: seconds per step, the child's peak RSS (``ru_maxrss``; with Spark
the JVM's memory is not included), load average and BLAS threads. With ``spark`` as
second argument the cohort and the counts run on Spark ``local[2]`` instead (the
driver's heap set from ``--memory``). ``--censor-at DATE`` censors before the extraction
date (the log then has endpoints after censoring; the cohort still reads the events
once); ``--horizon DAYS`` censors each case at its own day, which needs the cohort's
second scan of the events (``event_scans`` in the output).

Usage::

    python benchmarks/bench_engine.py                     # 1e6 and 1e7 cases, DuckDB
    python benchmarks/bench_engine.py 10000000 spark      # Spark local[2]
    python benchmarks/bench_engine.py 10000000 duckdb --with-entry
    python benchmarks/bench_engine.py 10000000 --from-events --folder /tmp/ev --memory 4GB
    python benchmarks/bench_engine.py 1000000 spark --from-events --folder /tmp/ev
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


FROM_EVENTS = r"""
import json, os, resource, sys, time
from threadpoolctl import threadpool_info

folder, memory, kind, censor_at = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] or None
horizon = int(sys.argv[5]) if sys.argv[5] else None
from trajectory.cohort.pushdown import push_cohort
from trajectory.engine import EngineConfig, connect, count_table, spark_session
from trajectory.estimators import cox, cumulative_incidence, kaplan_meier, logrank
cfg = EngineConfig(kind=kind, memory_limit=memory, temp_directory=f"{folder}/spill", threads=2)
out = {"blas_threads": max([i.get("num_threads", 0) for i in threadpool_info()] or [0])}
if kind == "duckdb":
    con = connect(cfg)
    con.execute("SET enable_progress_bar = false")
    for name in ("cases", "events"):
        files = f"read_parquet('{folder}/{name}/*.parquet')"
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM {files}")
else:
    t0 = time.perf_counter()
    con = spark_session(cfg)
    con.sparkContext.setLogLevel("ERROR")
    for name in ("cases", "events"):
        con.read.parquet(f"{folder}/{name}").createOrReplaceTempView(name)
    out["spark_start_s"] = time.perf_counter() - t0
t0 = time.perf_counter()
keys = ["offence_group", "zone", "division"]
pushed = push_cohort(engine=kind, con=con, covariates=keys, censor_at=censor_at,
                     horizon=horizon)
out["cohort_s"] = time.perf_counter() - t0
out["cohort_rows"] = pushed.n
out["cases_in"] = pushed.n_cases_in
out["event_scans"] = pushed.scans
t1 = time.perf_counter()
ct = count_table(pushed, keys=keys)
out["count_s"] = time.perf_counter() - t1
out["count_rows"] = len(ct.table)
t1 = time.perf_counter()
kaplan_meier(ct, by="zone")
out["km_s"] = time.perf_counter() - t1; t1 = time.perf_counter()
cumulative_incidence(ct, by="zone")
out["aj_s"] = time.perf_counter() - t1; t1 = time.perf_counter()
logrank(ct, by="zone", strata="offence_group")
out["logrank_s"] = time.perf_counter() - t1; t1 = time.perf_counter()
fit = cox(ct, covariates=["zone", "division"], cause="court", strata="offence_group",
          ties="breslow")
out["cox_s"] = time.perf_counter() - t1
out["total_s"] = time.perf_counter() - t0
out["peak_rss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
out["load_avg_1min"] = os.getloadavg()[0]
out["hr_first_zone"] = float(fit.table["hazard_ratio"].iloc[0])
print(json.dumps(out))
"""


def run_from_events(n: int, folder: Path, memory: str, kind: str, censor_at: str,
                    horizon: str = "") -> dict:
    """Write the event log of ``n`` cases (once), then time the pipeline in a child."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1")}
    info: dict = {}
    if not (folder / "cases").exists():
        # in its own process: Linux keeps a parent's peak RSS in a forked child's ru_maxrss
        write = ("import json, sys; sys.path.insert(0, sys.argv[1]); "
                 "from bench_cohort import write_parquet; from pathlib import Path; "
                 "print(json.dumps(write_parquet(int(sys.argv[2]), Path(sys.argv[3]))))")
        res = subprocess.run([sys.executable, "-c", write, str(Path(__file__).resolve().parent),
                              str(n), str(folder)], env=env, capture_output=True, text=True,
                             check=True)
        info = json.loads(res.stdout.strip().splitlines()[-1])
    res = subprocess.run([sys.executable, "-c", FROM_EVENTS, str(folder), memory, kind,
                          censor_at, horizon],
                         env=env, capture_output=True, text=True)
    if res.returncode:
        sys.exit(f"from-events run failed:\n{res.stderr[-3000:]}")
    return {**info, **json.loads(res.stdout.strip().splitlines()[-1])}


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


def _option(argv: list[str], name: str, default: str | None) -> tuple[str | None, list[str]]:
    if name not in argv:
        return default, argv
    i = argv.index(name)
    return argv[i + 1], argv[:i] + argv[i + 2:]


def main(argv: list[str]) -> None:
    entry = "--with-entry" in argv
    folder, argv = _option(argv, "--folder", None)
    memory, argv = _option(argv, "--memory", "4GB")
    censor_at, argv = _option(argv, "--censor-at", "")
    horizon, argv = _option(argv, "--horizon", "")
    args = [a for a in argv if not a.startswith("--")]
    sizes = [int(args[0])] if args else [1_000_000, 10_000_000]
    kind = args[1] if len(args) > 1 else "duckdb"
    if "--from-events" in argv:
        for n in sizes:
            with tempfile.TemporaryDirectory(prefix="bench_events_") as tmp:
                where = Path(folder) / f"n{n}" if folder else Path(tmp)
                r = run_from_events(n, where, str(memory), kind, str(censor_at), str(horizon))
                print(json.dumps({"n": n, "engine": kind, "memory_limit": memory,
                                  "censor_at": censor_at or None, "horizon": horizon or None,
                                  **r}))
        return
    with tempfile.TemporaryDirectory(prefix="bench_engine_") as tmp:
        for n in sizes:
            r = run(n, kind, entry, Path(tmp))
            print(json.dumps({"n": n, "engine": kind, "entry": entry, **r}))


if __name__ == "__main__":
    main(sys.argv[1:])
