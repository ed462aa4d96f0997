"""Stage the mapped chunks of a study's files in DuckDB, one table pair a file.

An ingest streams: each chunk of a file is read, mapped and pseudonymised
(:func:`trajectory.io.mapping.map_chunk`), then appended to two DuckDB tables and
dropped from memory, so no file and no event log needs to fit in memory. The
cross-row checks (:mod:`.linking`) and the final tables (:mod:`.assemble`) are SQL
on these tables.

Tables of source ``i`` (config order):

* ``s{i}_rows``: one row a record: ``pos`` (0-based record number in the file),
  ``row`` (its line or sheet row), ``reason``, ``col``, ``value``, ``detail`` (the
  record's first problem, NULL while it is accepted), ``row_hash``, one ``id_<kind>``
  column a pseudonymised identifier, one ``a_<column>`` column a case column, and
  ``case_id`` (the record's own PV, else notice, else case number, until
  :func:`~trajectory.io.linking.link_cases` gives a notice the PV it stands for);
* ``s{i}_events``: one row an event: ``pos`` (its record), ``seq`` (order in the
  file), ``event``, ``date``, ``code``, ``col`` (the extract column of the date).

``spellings`` holds (unkeyed 64-bit hash of a PV spelling, pseudonym) pairs, to count
the spellings merged by PV normalisation; it never leaves the staging database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from ..config import SourceConfig
from .csvfile import LineTally
from .mapping import LINK_IDENTIFIERS, MappedChunk
from .readers import SourceReader

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

__all__ = ["Staged", "Staging", "ChunkTables", "ReadSummary", "chunk_tables"]

#: Memory DuckDB may use for an ingest before it spills to disk.
MEMORY_LIMIT = "3GB"


@dataclass
class ReadSummary:
    """What a finished :class:`~trajectory.io.readers.SourceReader` found in its file.

    The same attributes as the reader's, for a file read in a worker process.
    """

    encoding: str
    delimiter: str
    lines: int
    blank_records: int
    tally: LineTally
    bad_records: list[tuple[int, str]]
    cell_rejects: list[tuple[int, str, str | None, str]]
    notes: list[str]

    @classmethod
    def empty(cls) -> ReadSummary:
        """The summary of a file not read yet."""
        return cls("", "", 0, 0, LineTally(), [], [], [])

    @classmethod
    def of(cls, reader: SourceReader) -> ReadSummary:
        """The summary of a reader that has yielded all its chunks."""
        return cls(reader.encoding, reader.delimiter, reader.lines, reader.blank_records,
                   reader.tally, list(reader.bad_records), list(reader.cell_rejects),
                   list(reader.notes))


@dataclass
class Staged:
    """One file of a study in the staging database."""

    index: int
    cfg: SourceConfig
    reader: SourceReader | ReadSummary
    id_kinds: list[str]
    attr_columns: list[str]
    n_rows: int = 0
    n_events: int = 0
    unmapped: list[pd.DataFrame] = field(default_factory=list)

    @property
    def rows(self) -> str:
        """Name of the records table."""
        return f"s{self.index}_rows"

    @property
    def events(self) -> str:
        """Name of the events table."""
        return f"s{self.index}_events"

    @property
    def name(self) -> str:
        """The source's name in the config."""
        return self.cfg.name

    @property
    def wide(self) -> bool:
        """One row a case (events in columns)."""
        return self.cfg.long is None

    @property
    def case_record(self) -> bool:
        """Each accepted record makes or completes a case (wide, or with case columns)."""
        return self.wide or bool(self.cfg.columns)

    @property
    def link_kind(self) -> str:
        """The first case identifier the source maps (names its column in messages)."""
        return next(k for k in LINK_IDENTIFIERS if k in self.cfg.identifiers)

    def has(self, kind: str) -> bool:
        """True when the source maps the identifier ``kind``."""
        return kind in self.id_kinds


@dataclass
class ChunkTables:
    """One mapped chunk as the Arrow tables appended to the staging tables."""

    rows: pa.Table
    events: pa.Table
    spellings: pa.Table
    unmapped: pd.DataFrame


def chunk_tables(part: MappedChunk, id_kinds: list[str], attr_columns: list[str],
                 first_row: int, first_event: int) -> ChunkTables:
    """The records, events and spellings of a mapped chunk as Arrow tables.

    ``first_row`` and ``first_event`` are the numbers of records and events of the
    file staged before this chunk (its ``pos`` and ``seq`` start there).
    """
    n = len(part.rows)
    columns: dict[str, pa.Array] = {
        "pos": pa.array(np.arange(first_row, first_row + n, dtype=np.int64)),
        "row": pa.array(np.asarray(part.rows, dtype=np.int64)),
        "reason": _text(part.reason), "col": _text(part.column),
        "value": _text(part.value), "detail": pa.nulls(n, pa.string()),
        "row_hash": pa.array(np.asarray(part.row_hash, dtype=np.uint64)),
    }
    for kind in id_kinds:
        columns[f"id_{kind}"] = _text(part.ids[kind].to_numpy(dtype=object))
    for col in attr_columns:
        columns[f"a_{col}"] = _few_texts(part.attrs[col].to_numpy(dtype=object))
    ev = part.events
    m = len(ev)
    dates = ev["date"].to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    events = pa.table({
        "pos": pa.array(ev["pos"].to_numpy(dtype=np.int64) + first_row),
        "seq": pa.array(np.arange(first_event, first_event + m, dtype=np.int64)),
        "event": _few_texts(ev["event"].to_numpy(dtype=object)),
        "date": pa.array(dates, type=pa.date32(), mask=np.isnat(dates)),
        "code": _few_texts(ev["code"].to_numpy(dtype=object)),
        "col": _few_texts(ev["column"].to_numpy(dtype=object)),
    })
    spellings = pa.table({
        "spelling": pa.array(part.spellings["spelling"].to_numpy(dtype=np.uint64)),
        "pseudonym": _text(part.spellings["pseudonym"].to_numpy(dtype=object))})
    return ChunkTables(pa.table(columns), events, spellings, part.unmapped)


class Staging:
    """A DuckDB database holding the staged files of one ingest.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Connection to an in-memory database, or to a scratch file for large studies.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.sources: list[Staged] = []
        con.execute("CREATE TABLE spellings (spelling UBIGINT, pseudonym VARCHAR)")

    def add_source(self, cfg: SourceConfig, reader: SourceReader | ReadSummary) -> Staged:
        """Create the tables of a file; return its :class:`Staged` handle."""
        staged = Staged(len(self.sources), cfg, reader, list(cfg.identifiers),
                        list(cfg.columns))
        ids = "".join(f", id_{k} VARCHAR" for k in staged.id_kinds)
        attrs = "".join(f', "a_{c}" VARCHAR' for c in staged.attr_columns)
        self.con.execute(
            f"CREATE TABLE {staged.rows} (pos BIGINT, row BIGINT, reason VARCHAR, col VARCHAR, "
            f"value VARCHAR, detail VARCHAR, row_hash UBIGINT{ids}{attrs}, case_id VARCHAR)")
        self.con.execute(
            f"CREATE TABLE {staged.events} (pos BIGINT, seq BIGINT, event VARCHAR, date DATE, "
            "code VARCHAR, col VARCHAR)")
        self.sources.append(staged)
        return staged

    def append(self, staged: Staged, part: MappedChunk) -> None:
        """Append one mapped chunk to the file's tables."""
        self.append_tables(staged, chunk_tables(part, staged.id_kinds, staged.attr_columns,
                                                staged.n_rows, staged.n_events))

    def append_tables(self, staged: Staged, tables: ChunkTables) -> None:
        """Append one chunk, as Arrow tables (:func:`chunk_tables`), to the file's tables."""
        own = [f"id_{k}" for k in LINK_IDENTIFIERS if k in staged.id_kinds]
        key = f"coalesce({', '.join(own)})" if own else "NULL::VARCHAR"
        self._insert(staged.rows, tables.rows, extra=f", {key}")
        self._insert(staged.events, tables.events)
        if tables.spellings.num_rows:
            self._insert("spellings", tables.spellings)
        if len(tables.unmapped):
            staged.unmapped.append(tables.unmapped)
        staged.n_rows += tables.rows.num_rows
        staged.n_events += tables.events.num_rows

    def _insert(self, table: str, data: pa.Table, extra: str = "") -> None:
        self.con.register("_staged_chunk", data)
        try:
            self.con.execute(f"INSERT INTO {table} SELECT *{extra} FROM _staged_chunk")
        finally:
            self.con.unregister("_staged_chunk")

    def count(self, sql: str) -> int:
        """The single integer a ``SELECT count(*) ...`` query returns."""
        row = self.con.execute(sql).fetchone()
        return int(row[0]) if row and row[0] is not None else 0


def _text(values: np.ndarray | pd.Series) -> pa.Array:
    """Object values (strings, None, or numbers from typed sources) as Arrow strings."""
    array = np.asarray(values, dtype=object)
    try:
        return pa.array(array, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        text = pd.Series(array).astype(str).where(pd.notna(array), None)
        return pa.array(text.to_numpy(dtype=object), type=pa.string(), from_pandas=True)


def _few_texts(values: np.ndarray) -> pa.Array:
    """:func:`_text` for a column of few distinct values (codes, event labels).

    A dictionary array: each distinct value is converted once, and the chunk travels
    from a worker process and into DuckDB (which reads it as text) as small integers.
    Values that are not all strings are converted one by one (a hash takes
    1 == 1.0 == True).
    """
    codes, uniques = pd.factorize(values)
    distinct = np.asarray(uniques, dtype=object)
    if not all(isinstance(v, str) for v in distinct):
        return _text(values)
    indices = pa.array(codes.astype(np.int32), mask=codes < 0)
    return pa.DictionaryArray.from_arrays(indices, _text(distinct))
