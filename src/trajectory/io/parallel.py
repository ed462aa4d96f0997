"""Read and map the files of a study in worker processes, staged by the main process.

The files of a study are independent until the cross-file checks, and reading and
mapping them (:func:`trajectory.io.mapping.map_chunk`: pandas and pyarrow, mostly one
Python thread) is most of the ingest's time. With ``workers > 1``,
:func:`load_sources` starts that many worker processes (``spawn``: no DuckDB state is
copied); each takes the next file (largest first), reads and maps it chunk by chunk as
the main process would, and sends each chunk as Arrow tables
(:func:`trajectory.io.staging.chunk_tables`) through a bounded queue. The main
process appends them to the file's staging tables, so chunks of different files
interleave but each file's records keep their order, and the staged tables are the
same as those of a sequential ingest. The key reaches the workers through the
process pipe only (never a file or the command line).

A file a worker cannot read is refused as it would be sequentially: the error of the
first such file in config order is raised once every worker has stopped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing as mp
import os
import queue as queue_module
import sys
import traceback
import types
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..config import SourceConfig
from ..errors import TrajectoryError
from ..pseudonymise import PseudonymKey
from .mapping import check_header, map_chunk
from .readers import SourceReader
from .staging import ChunkTables, ReadSummary, Staging, chunk_tables

__all__ = ["PARALLEL_BYTES", "PARALLEL_MAX_BYTES", "MapOptions", "load_sources", "map_file",
           "default_workers"]

#: Below this many bytes of extracts in all, the files are read in the main process
#: (starting worker processes costs about a second).
PARALLEL_BYTES = 32 * 2**20
#: Above this many bytes the files are read in the main process too: each worker holds a
#: whole file's record scan, so at 10 million cases (1.9 GB of extracts) the main process
#: (5.6 GB) plus two workers could reach 8.9 GB, past an 8 GiB budget; one process
#: measured 5.5 GB (docs/ingest.md).
PARALLEL_MAX_BYTES = 2**30

_QUEUE_CHUNKS = 2  # chunks in flight per worker (bounds the memory of the queue)


@dataclass(frozen=True)
class MapOptions:
    """How every file of an ingest is mapped (see :func:`~trajectory.io.mapping.map_chunk`)."""

    key: PseudonymKey
    min_date: dt.date
    max_date: dt.date
    normalise_pv: bool


def default_workers(sources: Sequence[SourceConfig]) -> int:
    """Worker processes for an ingest: 2 for studies of several files (2+ cores), else 0.

    Workers pay off from ``PARALLEL_BYTES`` of extracts; above ``PARALLEL_MAX_BYTES`` the
    files are read in one process, which bounds the memory of a very large ingest.

    Examples
    --------
    >>> default_workers([])
    0
    """
    size = 0
    for src in sources:
        try:
            size += os.path.getsize(src.path)
        except OSError:  # a missing file is refused by its reader, with a clear message
            return 0
    cores = os.cpu_count() or 1
    if (len(sources) < 2 or not PARALLEL_BYTES <= size <= PARALLEL_MAX_BYTES or cores < 2
            or mp.current_process().daemon):
        return 0  # (a daemonic process, e.g. a pool's worker, cannot start processes)
    return 2


def map_file(cfg: SourceConfig, options: MapOptions) -> Iterator[ChunkTables | ReadSummary]:
    """Read and map one file: each chunk's Arrow tables, then the reader's summary."""
    reader = SourceReader(cfg.path, format=cfg.format, delimiter=cfg.delimiter,
                          encoding=cfg.encoding, sheet=cfg.sheet)
    check_header(cfg, reader.columns)
    typed = cfg.format in ("excel", "parquet")
    n_rows = n_events = 0
    for chunk in reader.chunks():
        part = map_chunk(chunk, cfg, key=options.key, min_date=options.min_date,
                         max_date=options.max_date, typed=typed,
                         normalise_pv=options.normalise_pv)
        tables = chunk_tables(part, list(cfg.identifiers), list(cfg.columns), n_rows, n_events)
        n_rows += tables.rows.num_rows
        n_events += tables.events.num_rows
        yield tables
    yield ReadSummary.of(reader)


def _work(tasks: Any, results: Any, options: MapOptions) -> None:
    """A worker process: map the files it takes from ``tasks`` until told to stop."""
    while True:
        task = tasks.get()
        if task is None:
            return
        index, cfg = task
        try:
            for item in map_file(cfg, options):
                results.put((index, item))
        except BaseException as exc:  # sent to the main process, which raises it
            if not isinstance(exc, TrajectoryError):  # a bug: keep where it happened
                exc.add_note("in an ingest worker process:\n"
                             + "".join(traceback.format_tb(exc.__traceback__)))
            results.put((index, _portable(exc)))


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else a RuntimeError of its type and message."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def load_sources(stage: Staging, sources: Sequence[SourceConfig], options: MapOptions, *,
                 workers: int) -> None:
    """Stage every file of ``sources`` (in config order), mapped by ``workers`` processes.

    Parameters
    ----------
    stage : Staging
        The staging database (its tables are created here, in config order).
    sources : list of SourceConfig
    options : MapOptions
        Key, plausible range of event dates, PV normalisation.
    workers : int
        Worker processes (at least 1).

    Raises
    ------
    IngestError, PrivacyError
        The first file (in config order) that cannot be read, as a sequential ingest.
    """
    ctx = mp.get_context("spawn")
    tasks: Any = ctx.Queue()
    results: Any = ctx.Queue(maxsize=_QUEUE_CHUNKS * workers)
    order = sorted(range(len(sources)), key=lambda i: -_size(sources[i]))
    for i in order:
        tasks.put((i, sources[i]))
    for _ in range(workers):
        tasks.put(None)
    procs = [ctx.Process(target=_work, args=(tasks, results, options), daemon=True)
             for _ in range(workers)]
    with _without_main_script():
        for proc in procs:
            proc.start()
    try:
        _collect(stage, sources, results, procs)
    finally:
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
            proc.join()


@contextlib.contextmanager
def _without_main_script() -> Iterator[None]:
    """Start processes that do not run the caller's script again.

    A ``spawn`` child first imports the parent's ``__main__`` script; a script without
    an ``if __name__ == "__main__":`` guard would then run its whole ingest again in
    each worker. The workers need nothing of it (their code is in this module), so the
    script is hidden from :mod:`multiprocessing` while they start.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _collect(stage: Staging, sources: Sequence[SourceConfig], results: Any,
             procs: list[Any]) -> None:
    """Append the workers' chunks as they come; raise the first file's error at the end."""
    staged = [stage.add_source(cfg, ReadSummary.empty()) for cfg in sources]
    errors: dict[int, BaseException] = {}
    pending = set(range(len(sources)))
    while pending:
        try:
            index, item = results.get(timeout=5)
        except queue_module.Empty:
            if not any(proc.is_alive() for proc in procs):
                raise RuntimeError("the ingest's worker processes stopped before the end "
                                   "of the files (out of memory?)") from None
            continue
        if isinstance(item, ChunkTables):
            if index not in errors:
                stage.append_tables(staged[index], item)
        elif isinstance(item, ReadSummary):
            staged[index].reader = item
            pending.discard(index)
        else:
            errors[index] = item
            pending.discard(index)
    if errors:
        raise errors[min(errors)]


def _size(cfg: SourceConfig) -> int:
    try:
        return os.path.getsize(cfg.path)
    except OSError:
        return 0
