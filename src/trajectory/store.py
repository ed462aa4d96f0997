"""StudyStore: the validated EventLog and its quarantine in one DuckDB file.

A study's ingest is stored once (``StudyStore(path).save(result)``) and read back
as an :class:`~trajectory.schema.EventLog` (``.load()``), or queried lazily with
SQL for studies too large for memory (``.connection``, ``.relation("events")``).

Tables (column names are the data contract's, ``docs/schema.md``):

* ``cases``: :data:`~trajectory.schema.CASE_COLUMNS` (``extraction_date`` as DATE);
* ``events``: :data:`~trajectory.schema.EVENT_COLUMNS` (``date`` as DATE);
* ``quarantine``: ``source, file, row, column, value, reason, detail``;
* ``identifiers``: ``case_id, identifier, pseudonym`` (pseudonyms only);
* ``quality``: the per-file counts of the quality report;
* ``metadata``: ``key, value`` (JSON): extraction date, synthetic flag, provenance.

No raw identifier and no key is ever written: everything stored has been
pseudonymised at ingest.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> from trajectory.schema import EventLog
>>> cases = pd.DataFrame({"case_id": ["a"], "offence_group": ["hate"],
...                       "extraction_date": pd.to_datetime(["2024-12-31"])})
>>> events = pd.DataFrame({"case_id": ["a"], "event": ["E11"],
...                        "date": pd.to_datetime(["2024-01-05"])})
>>> path = pathlib.Path(tempfile.mkdtemp()) / "study.duckdb"
>>> with StudyStore(path) as store:
...     _ = store.save(EventLog(cases, events, pd.Timestamp("2024-12-31")))
...     store.relation("events").aggregate("count(*)").fetchall()[0][0]
1
>>> StudyStore(path).load()
EventLog(1 cases, 1 events, extract, extracted 2024-12-31)
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .errors import ConfigError, TrajectoryError
from .schema import EventLog, coerce

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

    from .config import StudyConfig
    from .io import IngestResult

__all__ = ["StudyStore", "TABLES", "WORKING_FOLDER", "working_folder", "study_store_path",
           "ingest_study"]

#: Working folder of a study (inside the study folder) for its case-level files.
WORKING_FOLDER = ".trajectory"

#: Tables a saved study holds.
TABLES: tuple[str, ...] = ("cases", "events", "quarantine", "identifiers", "quality", "metadata")


def working_folder(config: StudyConfig) -> Path:
    """The study's working folder for case-level files: ``<study folder>/.trajectory``.

    Created on first use, with a ``.gitignore`` that keeps its content out of git.
    Case-level stores, the detailed quality report (``quality.txt``) and any copy of
    an extract live here, never in the report folder.

    Examples
    --------
    >>> import tempfile, pathlib, datetime
    >>> from trajectory.config import StudyConfig
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> cfg = StudyConfig(name="t", extraction_date=datetime.date(2024, 12, 31), folder=folder)
    >>> working_folder(cfg).relative_to(folder).as_posix()
    '.trajectory'
    >>> (working_folder(cfg) / ".gitignore").read_text().strip()
    '*'
    """
    folder = config.study_folder / WORKING_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n", encoding="utf-8")
    return folder


def study_store_path(config: StudyConfig, *, report_dir: str | Path | None = None) -> Path:
    """Where the study's DuckDB store lives: ``[study] store``, else the working folder.

    Parameters
    ----------
    config : StudyConfig
    report_dir : str or pathlib.Path, optional
        The report folder: a store inside it is refused (the report folder is what a
        team releases; the store holds case-level data).

    Returns
    -------
    pathlib.Path
        ``[study] store`` when set (relative to the study folder), else
        ``<study folder>/.trajectory/<study name>.duckdb``. Its folder exists.

    Raises
    ------
    ConfigError
        The store would lie inside the report folder.

    Examples
    --------
    >>> import tempfile, pathlib, datetime
    >>> from trajectory.config import StudyConfig
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> cfg = StudyConfig(name="t", extraction_date=datetime.date(2024, 12, 31), folder=folder)
    >>> study_store_path(cfg).relative_to(folder).as_posix()
    '.trajectory/t.duckdb'
    """
    path = Path(config.store) if config.store is not None else (
        working_folder(config) / f"{config.name}.duckdb")
    if not path.is_absolute():
        path = config.study_folder / path
    path = path.resolve()
    if report_dir is not None and path.is_relative_to(Path(report_dir).resolve()):
        raise ConfigError(
            "[study] store points inside the report folder, which is what a team releases; "
            "the store holds case-level data. Remove [study] store (default: the working "
            f"folder {WORKING_FOLDER}/ of the study) or point it outside the report folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def ingest_study(
    config: StudyConfig,
    *,
    path: str | Path | None = None,
    report_dir: str | Path | None = None,
    allow_key_change: bool = False,
    load_log: bool = True,
    memory_limit: str | None = None,
    **options: Any,
) -> IngestResult:
    r"""Ingest a study into its store, streaming, and refuse a change of key.

    The key fingerprint of the extracts already in the store is compared with the
    current key's *before* anything is read or linked
    (:func:`trajectory.io.study.check_fingerprint`). Each file is read, mapped and
    pseudonymised chunk by chunk into a DuckDB staging database
    (:func:`trajectory.io.study.stage_study`), which spills to a scratch folder beside
    the store beyond ``memory_limit``; the cross-row checks and the final tables are
    SQL there, and the tables are written sorted into a new store file that then
    replaces the old one. The event log is never held in memory unless ``load_log``.

    Parameters
    ----------
    config : StudyConfig
    path : str or pathlib.Path, optional
        The store (default :func:`study_store_path`).
    report_dir : str or pathlib.Path, optional
        The report folder, which the store must not lie in.
    allow_key_change : bool
        Replace a store made with another key (its pseudonyms will not link).
    load_log : bool
        Read the stored EventLog and identifiers back into the result (default). False
        for studies too large for memory: the result's log then has no rows (its
        metadata and the quality report are complete; query the store instead).
    memory_limit : str, optional
        Memory DuckDB may use for the ingest before it spills to disk (default
        :data:`trajectory.io.staging.MEMORY_LIMIT`).
    **options
        Passed to :func:`trajectory.io.read_study` (``key``, ``min_date``, ``environ``,
        ``workers``: processes that read and map the files, by default 2 for large
        studies).

    Returns
    -------
    IngestResult

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from trajectory.config import from_dict
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "police.csv").write_text("PV;DATE_PLAINTE\nA1;05/01/2024\n")
    >>> cfg = from_dict({"study": {"name": "t", "extraction_date": "2024-12-31",
    ...                            "synthetic": True},
    ...     "sources": [{"name": "police", "kind": "police", "path": "police.csv",
    ...                  "identifiers": {"pv_number": "PV"},
    ...                  "events": {"E11": "DATE_PLAINTE"}}]}, base=folder)
    >>> key = "0123456789abcdef" * 2
    >>> ingest_study(cfg, environ={"TRAJECTORY_KEY": key}).log.n_cases
    1
    >>> from trajectory.pseudonymise import PseudonymKey
    >>> with StudyStore(study_store_path(cfg), read_only=True) as store:
    ...     store.key_fingerprint() == PseudonymKey(key.encode(), source="env").fingerprint
    True
    >>> ingest_study(cfg, environ={"TRAJECTORY_KEY": "fedcba9876543210" * 2})
    Traceback (most recent call last):
    ...
    trajectory.errors.PrivacyError: the pseudonymisation key (env:TRAJECTORY_KEY) is not ...
    """
    from .io.staging import MEMORY_LIMIT
    from .io.study import IngestResult, open_staging, stage_study

    target = Path(path) if path is not None else study_store_path(config, report_dir=report_dir)
    expected = None
    if not allow_key_change and target.is_file():
        with StudyStore(target, read_only=True) as old:
            expected = old.key_fingerprint()
    fresh = target.with_name(target.name + ".new")
    _remove_database(fresh)
    spill = target.with_name(target.name + ".tmp")  # beyond memory_limit, DuckDB spills here
    stage = open_staging(":memory:", memory_limit=memory_limit or MEMORY_LIMIT,
                         temp_directory=spill)
    try:
        staged = stage_study(config, stage, expected_fingerprint=expected, **options)
        _copy_staged(stage.con, fresh)
        with StudyStore(fresh) as store:
            store._save_tables(quarantine=staged.quarantine, quality=staged.report.table,
                               extraction_date=pd.Timestamp(staged.extraction_date),
                               synthetic=staged.synthetic, metadata=staged.metadata)
    except BaseException:
        _remove_database(fresh)  # the old store stays as it was
        raise
    finally:
        stage.con.close()
        shutil.rmtree(spill, ignore_errors=True)
    target.with_name(target.name + ".wal").unlink(missing_ok=True)  # the old store's log
    os.replace(fresh, target)
    if load_log:
        with StudyStore(target, read_only=True) as store:
            log = store.load()
            identifiers = store.relation("identifiers").df().astype("string")
    else:
        from .schema import CASE_COLUMNS, EVENT_COLUMNS

        log = EventLog(
            cases=coerce(pd.DataFrame({c: [] for c in CASE_COLUMNS}), "cases"),
            events=coerce(pd.DataFrame({c: [] for c in EVENT_COLUMNS}), "events"),
            extraction_date=pd.Timestamp(staged.extraction_date),
            synthetic=staged.synthetic, metadata=dict(staged.metadata))
        identifiers = pd.DataFrame({c: pd.Series([], dtype="string")
                                    for c in ("case_id", "identifier", "pseudonym")})
    return IngestResult(log=log, quarantine=staged.quarantine, report=staged.report,
                        identifiers=identifiers)


def _remove_database(path: Path) -> None:
    """Remove a DuckDB file and its write-ahead log, if there."""
    for file in (path, path.with_name(path.name + ".wal")):
        file.unlink(missing_ok=True)


def _copy_staged(con: duckdb.DuckDBPyConnection, target: Path) -> None:
    """Write the staged ``_cases``, ``_events`` and ``_identifiers`` to a new store file."""
    name = str(target).replace("'", "''")
    con.execute(f"ATTACH '{name}' AS _store")
    try:
        for table in ("cases", "events", "identifiers"):
            con.execute(f'CREATE TABLE _store."{table}" AS SELECT * FROM _{table}')
    finally:
        con.execute("DETACH _store")


class StudyStore:
    """A study's EventLog and quarantine in a DuckDB file.

    Parameters
    ----------
    path : str or pathlib.Path
        The DuckDB file (created on :meth:`save`). ``":memory:"`` for a throw-away store.
    read_only : bool
        Open an existing file read-only (several processes may read it at once).
    """

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = path if str(path) == ":memory:" else Path(path)
        self.read_only = read_only
        self._con: duckdb.DuckDBPyConnection | None = None

    def __repr__(self) -> str:
        return f"StudyStore({str(self.path)!r})"

    def __enter__(self) -> StudyStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The open DuckDB connection (opened on first use)."""
        if self._con is None:
            import duckdb

            if self.read_only and not Path(str(self.path)).is_file():
                raise TrajectoryError(
                    f"study store {self.path} not found; run the ingest first "
                    "(StudyStore(path).save(read_study(config)))"
                )
            self._con = duckdb.connect(str(self.path), read_only=self.read_only)
        return self._con

    def close(self) -> None:
        """Close the connection (reopened on next use)."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def tables(self) -> list[str]:
        """Names of the tables in the store."""
        rows = self.connection.execute(
            "SELECT table_name FROM information_schema.tables ORDER BY table_name"
        ).fetchall()
        return [r[0] for r in rows]

    def relation(self, table: str) -> duckdb.DuckDBPyRelation:
        """A lazy DuckDB relation on one table (filter/aggregate before ``.df()``)."""
        if table not in self.tables():
            raise TrajectoryError(
                f"table {table!r} not in study store {self.path}; tables: {self.tables()}"
            )
        return self.connection.table(table)

    def save(self, result: IngestResult | EventLog) -> StudyStore:
        """Write an ingest result (or a bare EventLog), replacing what was stored.

        Returns the store, so that ``StudyStore(p).save(r).load()`` reads it back.
        """
        log = result if isinstance(result, EventLog) else result.log
        quarantine = None if isinstance(result, EventLog) else result.quarantine
        identifiers = None if isinstance(result, EventLog) else result.identifiers
        quality = None if isinstance(result, EventLog) else result.report.table
        con = self.connection
        con.execute("BEGIN TRANSACTION")
        try:
            self._write("cases", coerce(log.cases, "cases"),
                        dates=("extraction_date",))
            self._write("events", coerce(log.events, "events"), dates=("date",))
            self._write("identifiers", identifiers if identifiers is not None and len(
                identifiers.columns) else pd.DataFrame(
                {c: pd.Series([], dtype="string") for c in ("case_id", "identifier",
                                                            "pseudonym")}))
            self._save_tables(quarantine=quarantine, quality=quality,
                              extraction_date=log.extraction_date, synthetic=log.synthetic,
                              metadata=log.metadata, transaction=False)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        return self

    def _save_tables(self, *, quarantine: pd.DataFrame | None, quality: pd.DataFrame | None,
                     extraction_date: pd.Timestamp, synthetic: bool,
                     metadata: Any, transaction: bool = True) -> None:
        """Write the quarantine, quality and metadata tables (not the event log)."""
        con = self.connection
        if transaction:
            con.execute("BEGIN TRANSACTION")
        self._write("quarantine", quarantine if quarantine is not None else pd.DataFrame(
            {c: pd.Series([], dtype="string") for c in
             ("source", "file", "column", "value", "reason", "detail")}
        ).assign(row=pd.Series([], dtype="int64")))
        self._write("quality", quality if quality is not None else pd.DataFrame(
            {"source": pd.Series([], dtype="string")}))
        meta = {
            "extraction_date": pd.Timestamp(extraction_date).date().isoformat(),
            "synthetic": bool(synthetic),
            "metadata": _jsonable(metadata),
        }
        self._write("metadata", pd.DataFrame(
            {"key": list(meta), "value": [json.dumps(v) for v in meta.values()]}))
        if transaction:
            con.execute("COMMIT")

    def _write(self, table: str, frame: pd.DataFrame, *, dates: tuple[str, ...] = ()) -> None:
        con = self.connection
        name = f"_trajectory_{table}"
        con.register(name, frame)
        select = ", ".join(
            f'CAST("{c}" AS DATE) AS "{c}"' if c in dates else f'"{c}"' for c in frame.columns
        )
        con.execute(f'CREATE OR REPLACE TABLE "{table}" AS SELECT {select} FROM {name}')
        con.unregister(name)

    def load(self) -> EventLog:
        """Read the stored EventLog back with the contract's dtypes."""
        missing = [t for t in ("cases", "events", "metadata") if t not in self.tables()]
        if missing:
            raise TrajectoryError(
                f"study store {self.path} has no table(s) {missing}; save an ingest first"
            )
        con = self.connection
        meta = {k: json.loads(v) for k, v in con.execute(
            "SELECT key, value FROM metadata").fetchall()}
        cases = coerce(con.table("cases").df(), "cases")
        events = coerce(con.table("events").df(), "events")
        return EventLog(
            cases=cases,
            events=events,
            extraction_date=pd.Timestamp(meta["extraction_date"]),
            synthetic=bool(meta.get("synthetic", False)),
            metadata=meta.get("metadata", {}),
        )

    def key_fingerprint(self) -> str | None:
        """Key fingerprint of the stored extracts (None: no store or none recorded)."""
        if str(self.path) != ":memory:" and not Path(str(self.path)).is_file():
            return None
        if "metadata" not in self.tables():
            return None
        row = self.connection.execute(
            "SELECT value FROM metadata WHERE key = 'metadata'").fetchone()
        meta = json.loads(row[0]) if row else {}
        value = meta.get("key_fingerprint") if isinstance(meta, dict) else None
        return str(value) if value else None

    def load_quarantine(self) -> pd.DataFrame:
        """The stored quarantine table."""
        return self.relation("quarantine").df()

    def export_parquet(
        self,
        folder: str | Path,
        *,
        cases_by: tuple[str, ...] = ("offence_group",),
        events_by_year: bool = True,
    ) -> dict[str, Path]:
        """Export the EventLog as Hive-partitioned Parquet, the exchange format.

        Writes ``folder/cases/offence_group=<g>/*.parquet``,
        ``folder/events/year=<yyyy>/*.parquet`` (the year of the event date) and
        ``folder/metadata.json`` (extraction date, synthetic flag). DuckDB, Spark or
        any Parquet reader takes them where they lie (partition columns come back with
        ``hive_partitioning``); :func:`trajectory.engine.count_table` reads the folder.
        Case-level data: the folder must be a working folder, never under ``reports/``.

        Returns
        -------
        dict
            Paths of ``cases``, ``events`` and ``metadata``.

        Examples
        --------
        >>> import tempfile, pathlib, pandas as pd
        >>> from trajectory.schema import EventLog
        >>> cases = pd.DataFrame({"case_id": ["a", "b"], "offence_group": ["hate", "ifv"],
        ...                       "extraction_date": pd.to_datetime(["2024-12-31"] * 2)})
        >>> events = pd.DataFrame({"case_id": ["a", "b"], "event": ["E11", "E11"],
        ...                        "date": pd.to_datetime(["2023-01-05", "2024-02-01"])})
        >>> work = pathlib.Path(tempfile.mkdtemp())
        >>> store = StudyStore(":memory:").save(EventLog(cases, events, pd.Timestamp("2024-12-31")))
        >>> out = store.export_parquet(work / "parquet")
        >>> sorted(p.name for p in out["events"].iterdir())
        ['year=2023', 'year=2024']
        """
        target = Path(folder)
        if "reports" in target.resolve().parts:
            raise TrajectoryError(
                f"export_parquet: {target.name!r} is under a reports/ folder; case-level data "
                "go to a working folder, never into a report"
            )
        for t in ("cases", "events", "metadata"):
            if t not in self.tables():
                raise TrajectoryError(f"study store {self.path} has no table {t!r}; save first")
        con = self.connection
        target.mkdir(parents=True, exist_ok=True)
        out = {"cases": target / "cases", "events": target / "events",
               "metadata": target / "metadata.json"}

        def esc(p: Path) -> str:
            return str(p).replace("'", "''")

        by = ", ".join(f'"{c}"' for c in cases_by)
        part = f", PARTITION_BY ({by})" if cases_by else ""
        con.execute(f"COPY cases TO '{esc(out['cases'])}' "
                    f"(FORMAT parquet{part}, OVERWRITE_OR_IGNORE)")
        if events_by_year:
            con.execute("COPY (SELECT *, year(date) AS year FROM events) "
                        f"TO '{esc(out['events'])}' "
                        "(FORMAT parquet, PARTITION_BY (year), OVERWRITE_OR_IGNORE)")
        else:
            con.execute(f"COPY events TO '{esc(out['events'])}' "
                        "(FORMAT parquet, PER_THREAD_OUTPUT, OVERWRITE_OR_IGNORE)")
        meta = dict(con.execute("SELECT key, value FROM metadata").fetchall())
        out["metadata"].write_text(json.dumps({k: json.loads(v) for k, v in meta.items()},
                                              indent=2, sort_keys=True))
        return out


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
        return value
    except TypeError:
        if isinstance(value, dict):
            return {str(k): _jsonable(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [_jsonable(v) for v in value]
        return str(value)
