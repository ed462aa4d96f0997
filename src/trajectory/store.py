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
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .errors import TrajectoryError
from .schema import CASE_COLUMNS, EVENT_COLUMNS, EventLog

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

    from .io import IngestResult

__all__ = ["StudyStore", "TABLES"]

#: Tables a saved study holds.
TABLES: tuple[str, ...] = ("cases", "events", "quarantine", "identifiers", "quality", "metadata")


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
            self._write("cases", _contract_frame(log.cases, CASE_COLUMNS),
                        dates=("extraction_date",))
            self._write("events", _contract_frame(log.events, EVENT_COLUMNS), dates=("date",))
            self._write("quarantine", quarantine if quarantine is not None else pd.DataFrame(
                {c: pd.Series([], dtype="string") for c in
                 ("source", "file", "column", "value", "reason", "detail")}
            ).assign(row=pd.Series([], dtype="int64")))
            self._write("identifiers", identifiers if identifiers is not None and len(
                identifiers.columns) else pd.DataFrame(
                {c: pd.Series([], dtype="string") for c in ("case_id", "identifier",
                                                            "pseudonym")}))
            self._write("quality", quality if quality is not None else pd.DataFrame(
                {"source": pd.Series([], dtype="string")}))
            meta = {
                "extraction_date": pd.Timestamp(log.extraction_date).date().isoformat(),
                "synthetic": bool(log.synthetic),
                "metadata": _jsonable(log.metadata),
            }
            self._write("metadata", pd.DataFrame(
                {"key": list(meta), "value": [json.dumps(v) for v in meta.values()]}))
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        return self

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
        cases = _contract_frame(con.table("cases").df(), CASE_COLUMNS)
        events = _contract_frame(con.table("events").df(), EVENT_COLUMNS)
        return EventLog(
            cases=cases,
            events=events,
            extraction_date=pd.Timestamp(meta["extraction_date"]),
            synthetic=bool(meta.get("synthetic", False)),
            metadata=meta.get("metadata", {}),
        )

    def load_quarantine(self) -> pd.DataFrame:
        """The stored quarantine table."""
        return self.relation("quarantine").df()


def _contract_frame(frame: pd.DataFrame, columns: dict[str, tuple[str, str]]) -> pd.DataFrame:
    out = {}
    for col, (dtype, _) in columns.items():
        if col not in frame:
            continue
        values = frame[col].reset_index(drop=True)
        if dtype.startswith("datetime"):
            values = pd.to_datetime(values).astype(dtype)  # type: ignore[call-overload]
        elif dtype == "boolean":
            values = values.astype("boolean")
        else:
            values = values.astype(object).where(values.notna(), None).astype(dtype)  # type: ignore[call-overload]
        out[col] = values
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


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
