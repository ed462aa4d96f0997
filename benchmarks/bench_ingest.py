"""Benchmark: ingest a generated 1-million-case (~8-million-event) extract.

Generates four extract files in the layout of ``study.example.toml`` with numpy
(police: ``;`` Windows-1252 dd/mm/yyyy wide; parquet: ``;`` UTF-8 with BOM wide;
court: ``,`` ISO long; victim services: ``;`` long), with a few hundred malformed
rows, then streams them into a DuckDB store with :func:`trajectory.store.ingest_study`
(``load_log=False``: the event log is never held in memory; ``--in-memory`` runs
:func:`trajectory.io.read_study` and ``StudyStore.save`` instead), with a random key
(these files are not the package generator's, so the public demo key is refused), in
a child process whose peak resident memory is measured
(``getrusage(RUSAGE_CHILDREN).ru_maxrss``). Wall and CPU seconds are both reported:
on a shared machine the CPU seconds are the stable figure.

Usage::

    python benchmarks/bench_ingest.py                # 1,000,000 cases
    python benchmarks/bench_ingest.py --cases 100000 --keep /tmp/extract
    python benchmarks/bench_ingest.py --cases 100000 --keep /tmp/extract --reuse
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

START = np.datetime64("2021-01-01", "D")
EXTRACTION = "2025-06-30"


def _dates(days: np.ndarray, present: np.ndarray, fmt: str) -> pa.Array:
    values = pa.array((START + days.astype("timedelta64[D]")).astype("datetime64[D]"),
                      type=pa.date32(), mask=~present)
    return pc.strftime(pc.cast(values, pa.timestamp("s")), format=fmt)


def _write(table: pa.Table, path: Path, delimiter: str, bom: bool = False) -> None:
    options = pacsv.WriteOptions(delimiter=delimiter, quoting_style="none")
    with open(path, "wb") as handle:
        if bom:
            handle.write(b"\xef\xbb\xbf")
        pacsv.write_csv(table, handle, write_options=options)


def generate(folder: Path, n: int, seed: int = 1) -> dict[str, int]:
    """Write the four extracts; return the number of rows and events written."""
    rng = np.random.default_rng(seed)
    pv = pa.array(np.char.add("PV", np.arange(n).astype(str)))
    facts = rng.integers(0, 1000, n)
    complaint = facts + rng.integers(0, 30, n)
    record = complaint + rng.integers(0, 3, n)
    transmitted = rng.random(n) < 0.9
    transmission = record + rng.integers(1, 60, n)
    referral = rng.random(n) < 0.3
    everywhere = np.ones(n, bool)
    groups = np.array(["101", "102", "201", "301", "302", "401", "402", "501", "601", "701"])
    code = rng.integers(0, len(groups), n)
    police = pa.table({
        "PV_NR": pv,
        "ZONE_POL": pa.array(rng.choice(["5339", "5340", "5341", "5342", "5343", "5344"], n)),
        "NIS_COMMUNE": pa.array(rng.choice(["21004", "21009", "21012", "21001", "21015"], n)),
        "CODE_PREV": pa.array(groups[code]),
        "VIF": pa.array(rng.choice(["O", "N"], n)),
        "HAINE": pa.array(rng.choice(["O", "N"], n, p=[0.1, 0.9])),
        "CANAL": pa.array(rng.choice(["GUICHET", "POW", "CPVS", "FJC", "COURRIER"], n)),
        "SEXE_VICTIME": pa.array(rng.choice(["F", "M", "X"], n, p=[0.7, 0.29, 0.01])),
        "AGE_VICTIME": pa.array(rng.choice(["0-17", "18-29", "30-44", "45-64", "65+"], n)),
        "AUTEUR_CONNU": pa.array(rng.choice(["O", "N"], n)),
        "DATE_FAITS": _dates(facts, everywhere, "%d/%m/%Y"),
        "DATE_PLAINTE": _dates(complaint, everywhere, "%d/%m/%Y"),
        "DATE_PV": _dates(record, everywhere, "%d/%m/%Y"),
        "DATE_TRANSMISSION": _dates(transmission, transmitted, "%d/%m/%Y"),
        "DATE_ORIENTATION": _dates(complaint + 1, referral, "%d/%m/%Y"),
    })
    # a few malformed police rows: unparseable dates
    bad = rng.choice(n, 100, replace=False)
    plainte = np.asarray(police["DATE_PLAINTE"].to_numpy(zero_copy_only=False), dtype=object)
    plainte[bad] = "31/02/2024"
    police = police.set_column(police.schema.get_field_index("DATE_PLAINTE"), "DATE_PLAINTE",
                               pa.array(plainte.tolist(), type=pa.string()))
    _write(police, folder / "police.csv", ";")

    idx = np.flatnonzero(transmitted)
    m = len(idx)
    entry = transmission[idx] + rng.integers(0, 10, m)
    decided = rng.random(m) < 0.85
    decision = rng.choice(["E40", "E41", "E42", "E43", "E44", "E45", "E46"], m,
                          p=[0.25, 0.3, 0.1, 0.1, 0.05, 0.15, 0.05])
    when = entry + rng.integers(10, 400, m)
    informed = decided & (rng.random(m) < 0.4)
    requalified = rng.random(m) < 0.1
    columns = {}
    for ev, name in [("E40", "DATE_CLASS_TECH"), ("E41", "DATE_CLASS_OPP"),
                     ("E42", "DATE_PROBATION"), ("E43", "DATE_MEDIATION"),
                     ("E44", "DATE_TRANSACTION"), ("E45", "DATE_CITATION"),
                     ("E46", "DATE_CONVOCATION")]:
        columns[name] = _dates(when, decided & (decision == ev), "%d/%m/%Y")
    motive = np.where(decision == "E40", rng.choice(["T01", "T02", "T03"], m),
                      np.where(decision == "E41", rng.choice(["O01", "O04", "O07"], m), ""))
    group_names = np.array(["partner_violence", "partner_violence", "intrafamilial",
                            "sexual_violence", "sexual_violence", "hate", "hate",
                            "discrimination", "harassment", "cyber_harassment"])
    parquet = pa.table({
        "NOTICE": pa.array(np.char.add("N", idx.astype(str))),
        "PV_ORIGINE": pv.take(pa.array(idx)),
        "GROUPE": pa.array(group_names[code[idx]]),
        "PREVENTION": pa.array(groups[code[idx]]),
        "SECTION": pa.array(rng.choice(["FR", "NL"], m, p=[0.8, 0.2])),
        "DATE_ENTREE": _dates(entry, np.ones(m, bool), "%d/%m/%Y"),
        "DATE_REQUALIF": _dates(entry + 5, requalified, "%d/%m/%Y"),
        "PREVENTION_NOUVELLE": pa.array(np.where(requalified, groups[(code[idx] + 1) % 10], "")),
        **columns,
        "MOTIF": pa.array(np.where(decided, motive, "")),
        "DATE_INFO_VICTIME": _dates(when + 15, informed, "%d/%m/%Y"),
    })
    _write(parquet, folder / "parquet.csv", ";", bom=True)

    summoned = decided & np.isin(decision, ["E45", "E46"])
    s_idx = np.flatnonzero(summoned)
    acts = []
    for label, offset in (("HEARING", 60), ("JUDGMENT", 120), ("SENTENCE", 120)):
        acts.append(pa.table({
            "notice_nr": pa.array(np.char.add("N", idx[s_idx].astype(str))),
            "act": pa.array(np.full(len(s_idx), label)),
            "act_date": _dates(when[s_idx] + offset, np.ones(len(s_idx), bool), "%Y-%m-%d"),
            "detail": pa.array(np.full(len(s_idx), "V01" if label == "JUDGMENT" else "")),
        }))
    court = pa.concat_tables(acts)
    orphans = pa.table({"notice_nr": pa.array([f"X{i}" for i in range(50)]),
                        "act": pa.array(["HEARING"] * 50),
                        "act_date": pa.array(["2024-01-01"] * 50),
                        "detail": pa.array([""] * 50)})
    court = pa.concat_tables([court, orphans])
    _write(court, folder / "court.csv", ",")

    contacts = rng.poisson(1.0, n)
    owner = np.repeat(np.arange(n), contacts)
    victims = pa.table({
        "pv": pv.take(pa.array(owner)),
        "type_contact": pa.array(rng.choice(["CAW", "FJC", "ZSG", "JUSTITIEHUIS"], len(owner))),
        "date_contact": _dates(complaint[owner] + rng.integers(0, 90, len(owner)),
                               np.ones(len(owner), bool), "%d/%m/%Y"),
    })
    _write(victims, folder / "victim_services.csv", ";")
    police_events = n * 3 + int(transmitted.sum()) + int(referral.sum())
    parquet_events = m + int(requalified.sum()) + int(decided.sum()) + int(informed.sum())
    return {
        "police_rows": n, "parquet_rows": m, "court_rows": court.num_rows,
        "victim_rows": victims.num_rows,
        "events_written": police_events + parquet_events + court.num_rows + victims.num_rows,
    }


def _config(folder: Path):
    import tomllib

    from trajectory.config import example_config_path, from_dict

    raw = tomllib.loads(example_config_path().read_text())
    raw["study"].update({"synthetic": True, "extraction_date": EXTRACTION})
    for src in raw["sources"]:
        if src["name"] == "parquet":
            keep = ("offence_group", "parquet_code", "division")
            src["columns"] = {k: v for k, v in src["columns"].items() if k in keep}
            src["events"] = {k: v for k, v in src["events"].items()
                             if k not in ("E47", "E33", "E34")}
    return from_dict(raw, base=folder)


def _ingest(folder: str, queue: mp.Queue, in_memory: bool = False,
            workers: int | None = None) -> None:
    from trajectory.io import read_study
    from trajectory.store import StudyStore, ingest_study

    def cpu() -> float:  # this process and its (finished) worker processes
        return sum(u.ru_utime + u.ru_stime for u in (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN)))

    import secrets

    # hand-generated extracts (not trajectory.synth's): a real key, as for real data
    os.environ["TRAJECTORY_KEY"] = secrets.token_hex(32)
    config = _config(Path(folder))
    options = {} if workers is None else {"workers": workers}
    try:
        from trajectory.io.parallel import default_workers

        used = default_workers(config.sources) if workers is None else workers
    except ImportError:  # a version of trajectory without worker processes
        used = 0
    store = Path(folder) / "study.duckdb"
    load_before = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), cpu()
    if in_memory:  # the whole EventLog in memory, then saved
        result = read_study(config, **options)
        t1, c1 = time.perf_counter(), cpu()
        StudyStore(store).save(result).close()
    else:  # streamed into the store (what `trajectory report` does)
        result = ingest_study(config, path=store, allow_key_change=True, load_log=False,
                              **options)
        t1, c1 = time.perf_counter(), cpu()
    t2, c2 = time.perf_counter(), cpu()
    with StudyStore(store, read_only=True) as stored:
        cases, events = (stored.connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                         for t in ("cases", "events"))
    queue.put({
        "mode": "read_study + save" if in_memory else "ingest_study (streamed)",
        "ingest_seconds": round(t1 - t0, 1), "store_seconds": round(t2 - t1, 1),
        "total_seconds": round(t2 - t0, 1),
        "ingest_cpu_seconds": round(c1 - c0, 1), "store_cpu_seconds": round(c2 - c1, 1),
        "total_cpu_seconds": round(c2 - c0, 1),
        "load_average_before_after": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "cases": int(cases), "events": int(events),
        "quarantined": int(len(result.quarantine)),
        "reasons": {f"{r.source}/{r.reason}": int(r.count)
                    for r in result.report.reasons.itertuples()},
        "read": int(result.report.n_read),
        # the ingest process, and the largest of its worker processes (if any)
        "main_rss_megabytes": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "worker_rss_megabytes": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "workers": used,
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, default=None, help="folder for the extracts")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the extracts already in --keep (same --cases)")
    parser.add_argument("--in-memory", action="store_true",
                        help="read_study (whole EventLog in memory) then save, instead of the "
                             "streamed ingest_study")
    parser.add_argument("--workers", type=int, default=None,
                        help="processes reading and mapping the files (0: the ingest process; "
                             "default: 2 for large studies)")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    counts = folder / "written.json"
    if args.reuse and counts.is_file():
        written = json.loads(counts.read_text())
    else:
        written = generate(folder, args.cases)
        counts.write_text(json.dumps(written))
    gen = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in folder.glob("*.csv"))
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=_ingest, args=(str(folder), queue, args.in_memory,
                                                      args.workers))
    child.start()
    out = queue.get()
    child.join()
    # the ingest process's peak plus each worker at the largest worker's peak: an upper
    # bound of the memory of the ingest (the peaks need not coincide)
    peak = out["main_rss_megabytes"] + out["workers"] * out["worker_rss_megabytes"]
    try:
        from threadpoolctl import threadpool_info

        blas = {i.get("internal_api"): i.get("num_threads") for i in threadpool_info()}
    except ImportError:  # pragma: no cover
        blas = {}
    report = {
        "cases_generated": args.cases, **written, "csv_megabytes": round(size / 2**20),
        "generate_seconds": round(gen, 1), **out, "peak_rss_megabytes": round(peak),
        "load_average_1_5_15_after": [round(x, 1) for x in os.getloadavg()],
        "rows_per_second": round(out["read"] / out["total_seconds"]),
        "rows_per_cpu_second": round(out["read"] / out["total_cpu_seconds"]),
        "cpu_count": os.cpu_count(), "python": platform.python_version(),
        "blas_threads": blas,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
