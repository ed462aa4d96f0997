"""Benchmark build_cohort (and optionally stage_table, transitions): pandas vs DuckDB.

Usage::

    python benchmarks/bench_cohort.py                 # 1e6 cases, both engines
    python benchmarks/bench_cohort.py --large         # + 1e7 cases, DuckDB only (cohort)
    python benchmarks/bench_cohort.py --all           # + stage_table and transitions
    python benchmarks/bench_cohort.py --cases 200000  # smaller run

A synthetic study of :func:`trajectory.synth.make_study` (scenario ``brussels``) is
written once to Parquet, in chunks of 1e6 cases (one seed a chunk, case ids prefixed by
the chunk number so that they stay unique). Each measurement runs in a fresh subprocess, so that the
peak resident memory (``ru_maxrss``) is that of one build: the pandas engine reads
the Parquet files into memory first (its input), the DuckDB engine queries views over
the Parquet files (nothing loaded up front). Times are wall clock, one run each.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHUNK = 1_000_000


def write_parquet(n_cases: int, folder: Path) -> dict:
    """Write cases/events Parquet parts for ``n_cases``; return counts and time."""
    from trajectory.synth import make_study

    (folder / "cases").mkdir(parents=True, exist_ok=True)
    (folder / "events").mkdir(parents=True, exist_ok=True)
    n_events, t0 = 0, time.perf_counter()
    for part, start in enumerate(range(0, n_cases, CHUNK)):
        log = make_study(min(CHUNK, n_cases - start), seed=1000 + part).log
        for name, table in (("cases", log.cases), ("events", log.events)):
            table = table.assign(case_id=f"p{part:03d}-" + table["case_id"].astype(str))
            table.to_parquet(folder / name / f"part{part:03d}.parquet", index=False)
        n_events += len(log.events)
    return {"n_cases": n_cases, "n_events": n_events,
            "generate_s": round(time.perf_counter() - t0, 1)}


def write_in_child(n_cases: int, folder: Path) -> dict:
    """:func:`write_parquet` in its own process: Linux carries a parent's peak RSS into a
    forked child's ``ru_maxrss``, so the measuring children must start from a small parent."""
    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
            "from bench_cohort import write_parquet; "
            "print(json.dumps(write_parquet(int(sys.argv[2]), Path(sys.argv[3]))))")
    out = subprocess.run([sys.executable, "-c", code, str(Path(__file__).resolve().parent),
                          str(n_cases), str(folder)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_one(folder: Path, engine: str, what: str) -> dict:
    """In a child process: build ``what`` with ``engine``; time and peak memory."""
    import pandas as pd
    import psutil

    from trajectory import cohort
    from trajectory.schema import EventLog

    proc = psutil.Process()
    t0 = time.perf_counter()
    if engine == "pandas":
        cases = pd.read_parquet(folder / "cases")
        events = pd.read_parquet(folder / "events")
        log = EventLog(cases, events, cases["extraction_date"].max())
        kwargs: dict = {}
    else:
        import duckdb

        con = duckdb.connect()
        con.execute("SET threads = 2")
        con.execute(f"SET temp_directory = '{folder / 'duck_tmp'}'")
        con.execute(f"CREATE VIEW cases AS SELECT * FROM read_parquet('{folder}/cases/*.parquet')")
        con.execute(
            f"CREATE VIEW events AS SELECT * FROM read_parquet('{folder}/events/*.parquet')")
        log, kwargs = None, {"engine": "duckdb", "con": con}
    load_s = time.perf_counter() - t0
    rss_before = proc.memory_info().rss
    t1 = time.perf_counter()
    func = {"cohort": cohort.build_cohort, "stages": cohort.stage_table,
            "transitions": cohort.transitions}[what]
    result = func(log, **kwargs)
    build_s = time.perf_counter() - t1
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"engine": engine, "what": what, "rows": int(len(result.table)),
            "load_s": round(load_s, 1), "build_s": round(build_s, 1),
            "rss_before_build_gb": round(rss_before / 2**30, 2),
            "peak_rss_gb": round(peak_kb / 2**20, 2),
            "load_avg_1min": round(os.getloadavg()[0], 1)}


def measure(folder: Path, engine: str, what: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(folder), engine, what],
        capture_output=True, text=True, check=True,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--large", action="store_true", help="also 1e7 cases, DuckDB only")
    parser.add_argument("--all", action="store_true", help="also stage_table and transitions")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(Path(args.child[0]), args.child[1], args.child[2])))
        return
    from threadpoolctl import threadpool_info

    print(json.dumps({"python": platform.python_version(), "cpus": os.cpu_count(),
                      "blas_threads": [i.get("num_threads") for i in threadpool_info()],
                      "OPENBLAS_NUM_THREADS (children)": "1"}))
    whats = ["cohort", "stages", "transitions"] if args.all else ["cohort"]
    plans = [(args.cases, ["pandas", "duckdb"], whats)]
    if args.large:
        plans.append((10 * CHUNK, ["duckdb"], ["cohort"]))
    with tempfile.TemporaryDirectory(prefix="bench_cohort_") as tmp:
        for n, engines, todo in plans:
            folder = Path(tmp) / f"n{n}"
            print(json.dumps(write_in_child(n, folder)), flush=True)
            for what in todo:
                for engine in engines:
                    print(json.dumps({"n_cases": n, **measure(folder, engine, what)}),
                          flush=True)


if __name__ == "__main__":
    main()
