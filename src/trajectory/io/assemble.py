"""The final tables of an ingest, built by SQL from the staged files.

After the cross-row checks (:mod:`.linking`), :func:`build_tables` creates a
temporary table (``_cases``) and two views (``_events``, ``_identifiers``, sorted when
read) in the staging database, with the contract's column names and SQL types (those
a :class:`~trajectory.store.StudyStore` holds):

* ``_cases``: one row a case: the first value of each case column in config and file
  order, the sources of the case, ``offence_group`` derived from the charge codes when
  no source gives it; sorted by ``case_id``;
* ``_events``: the dated events of the accepted records; sorted by case, date, event;
* ``_identifiers``: every pseudonymised identifier of the accepted records.

The quarantine (small) and the per-file counts come back to Python
(:func:`quarantine_frame`, :func:`file_rows`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import IngestError
from ..schema import CASE_COLUMNS, vocabulary
from .linking import _sql_text
from .staging import Staged, Staging

__all__ = ["build_tables", "quarantine_frame", "file_rows", "display_path", "sql_type"]

_ORDER = 1 << 40  # record order across files: source index * _ORDER + record position


def sql_type(dtype: str) -> str:
    """The DuckDB type of a contract dtype (``string``, ``boolean``, ``datetime64[s]``).

    Examples
    --------
    >>> sql_type("boolean"), sql_type("datetime64[s]"), sql_type("string")
    ('BOOLEAN', 'DATE', 'VARCHAR')
    """
    if dtype == "boolean":
        return "BOOLEAN"
    if dtype.startswith("datetime"):
        return "DATE"
    return "VARCHAR"


def build_tables(stage: Staging, extraction_date: dt.date) -> dict[str, int]:
    """Create ``_cases``, ``_events`` and ``_identifiers``; return the conflicts per column.

    A conflict is a case whose sources give different values of one case column (only
    counted for columns that more than one source provides).
    """
    conflicts = _build_cases(stage, extraction_date)
    _build_events(stage)
    _build_identifiers(stage)
    return conflicts


def _case_records(stage: Staging) -> tuple[str, list[str]]:
    """Accepted records of the case-record files (one query) and the case columns met."""
    parts, names = [], []
    for s in stage.sources:
        if not s.case_record:
            continue
        attrs = "".join(f', "a_{c}" AS "{c}"' for c in s.attr_columns)
        parts.append(f"SELECT case_id, {s.index} AS _src, pos{attrs} FROM {s.rows} "
                     "WHERE reason IS NULL")
        names += [c for c in s.attr_columns if c not in names]
    if not parts:
        return "SELECT NULL::VARCHAR AS case_id, 0 AS _src, 0::BIGINT AS pos WHERE false", []
    return " UNION ALL BY NAME ".join(parts), names


def _build_cases(stage: Staging, extraction_date: dt.date) -> dict[str, int]:
    con = stage.con
    records, names = _case_records(stage)
    attr_cols = [c for c in CASE_COLUMNS if c in names]
    con.execute(f"CREATE OR REPLACE TEMP TABLE _records AS {records}")
    conflicts: dict[str, int] = {}
    for col in attr_cols:
        providers = stage.count(f'SELECT count(DISTINCT _src) FROM _records WHERE "{col}" '
                                "IS NOT NULL")
        if providers > 1:
            conflicts[col] = stage.count(
                f'SELECT count(*) FROM (SELECT case_id FROM _records GROUP BY case_id '
                f'HAVING count(DISTINCT "{col}") > 1)')
    firsts = "".join(f', arg_min("{c}", _src * {_ORDER} + pos) FILTER (WHERE "{c}" IS NOT '
                     f'NULL) AS "{c}"' for c in attr_cols)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _merged AS SELECT case_id{firsts}, "
                f"bit_or(1::BIGINT << _src) AS _bits FROM _records GROUP BY case_id")
    con.execute("DROP TABLE _records")
    bits = [int(b[0]) for b in con.execute("SELECT DISTINCT _bits FROM _merged").fetchall()]
    labels = pd.DataFrame({"_bits": np.array(bits, dtype=np.int64), "label": [
        "+".join(s.name for s in stage.sources if b >> s.index & 1) for b in bits]})
    codes = vocabulary("charge_codes")["offence_group"]
    code_table = pd.DataFrame({"code": codes.index.astype(str),
                               "offence_group": codes.to_numpy(dtype=object)})
    joins = "".join(f" LEFT JOIN _codes AS {alias} ON {alias}.code = m.{col}"
                    for alias, col in (("cp", "parquet_code"), ("cq", "police_code"))
                    if col in attr_cols)
    con.register("_labels", labels)
    con.register("_codes", code_table)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE _cases AS SELECT "
                    f"{_case_select(attr_cols, extraction_date)} FROM _merged AS m "
                    f"JOIN _labels AS lb ON lb._bits = m._bits{joins} ORDER BY m.case_id")
    finally:
        con.unregister("_labels")
        con.unregister("_codes")
    con.execute("DROP TABLE _merged")
    return conflicts


def _case_select(attr_cols: list[str], extraction_date: dt.date) -> str:
    """The contract's case columns, in order, from ``_merged`` (``m``) and its joins."""
    out = []
    for col, (dtype, _) in CASE_COLUMNS.items():
        if col == "case_id":
            expr = "m.case_id"
        elif col == "source":
            expr = "lb.label"
        elif col == "extraction_date":
            expr = f"DATE '{extraction_date.isoformat()}'"
        elif col == "offence_group":
            derived = [f"{alias}.offence_group" for alias, code in
                       (("cp", "parquet_code"), ("cq", "police_code")) if code in attr_cols]
            own = ['m."offence_group"'] if col in attr_cols else []
            expr = f"coalesce({', '.join(own + derived + ['NULL::VARCHAR'])})"
        elif col not in attr_cols:
            expr = f"NULL::{sql_type(dtype)}"
        elif dtype == "boolean":
            expr = f"CASE m.\"{col}\" WHEN 'true' THEN true WHEN 'false' THEN false END"
        else:
            expr = f'm."{col}"'
        out.append(f'{expr} AS "{col}"')
    return ", ".join(out)


def _build_events(stage: Staging) -> None:
    parts = [f"SELECT r.case_id, e.event, e.date, e.code, {_sql_text(s.name)} AS source, "
             f"{s.index} AS _src, e.seq FROM {s.events} AS e JOIN {s.rows} AS r "
             "ON r.pos = e.pos WHERE r.reason IS NULL AND e.date IS NOT NULL"
             for s in stage.sources]
    union = " UNION ALL ".join(parts) or (
        "SELECT NULL::VARCHAR AS case_id, NULL::VARCHAR AS event, NULL::DATE AS date, "
        "NULL::VARCHAR AS code, NULL::VARCHAR AS source, 0 AS _src, 0::BIGINT AS seq "
        "WHERE false")
    stage.con.execute(f"CREATE OR REPLACE TEMP VIEW _events_unsorted AS {union}")
    stage.con.execute("CREATE OR REPLACE TEMP VIEW _events AS SELECT case_id, event, date, "
                      "code, source FROM _events_unsorted ORDER BY case_id, date, event, _src, "
                      "seq")


def _build_identifiers(stage: Staging) -> None:
    parts = []
    for s in stage.sources:
        for k, kind in enumerate(s.id_kinds):
            parts.append(
                f"SELECT case_id, {_sql_text(kind)} AS identifier, id_{kind} AS pseudonym, "
                f"{s.index} * {_ORDER * 16} + {k} * {_ORDER} + pos AS o FROM {s.rows} "
                f"WHERE reason IS NULL AND id_{kind} IS NOT NULL")
    union = " UNION ALL ".join(parts) or (
        "SELECT NULL::VARCHAR AS case_id, NULL::VARCHAR AS identifier, "
        "NULL::VARCHAR AS pseudonym, 0::BIGINT AS o WHERE false")
    stage.con.execute(
        "CREATE OR REPLACE TEMP VIEW _identifiers AS SELECT case_id, identifier, pseudonym "
        f"FROM ({union}) GROUP BY case_id, identifier, pseudonym "
        "ORDER BY case_id, identifier, min(o)")


def display_path(path: Path, folder: Path) -> str:
    """``path`` relative to the study folder (POSIX), never an absolute machine path.

    Examples
    --------
    >>> from pathlib import Path
    >>> display_path(Path("/data/study/extracts/police.csv"), Path("/data/study"))
    'extracts/police.csv'
    >>> display_path(Path("/elsewhere/police.csv"), Path("/data/study"))
    '../../elsewhere/police.csv'
    """
    import os

    path, folder = Path(path), Path(folder)
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return Path(os.path.relpath(path, folder)).as_posix()


def quarantine_frame(stage: Staging, folder: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """Every rejected record (values not yet redacted), in file and line order."""
    parts = []
    for s in stage.sources:
        name, file = s.name, display_path(s.cfg.path, folder)
        staged = stage.con.execute(
            f"SELECT row, col AS \"column\", value, reason, detail FROM {s.rows} "
            "WHERE reason IS NOT NULL ORDER BY pos").df()
        parts.append(staged.assign(source=name, file=file))
        reader = s.reader
        if reader.bad_records:
            rows, texts = zip(*reader.bad_records, strict=True)
            parts.append(pd.DataFrame({
                "source": name, "file": file, "row": list(rows), "column": None,
                "value": None, "reason": "malformed_record", "detail": list(texts)}))
        if reader.cell_rejects:
            rows, reasons, cols, texts = zip(*reader.cell_rejects, strict=True)
            parts.append(pd.DataFrame({
                "source": name, "file": file, "row": list(rows), "column": list(cols),
                "value": None, "reason": list(reasons), "detail": list(texts)}))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series([], dtype="int64" if c == "row" else "string")
                             for c in columns})
    frame = pd.concat(parts, ignore_index=True)
    frame["row"] = frame["row"].astype("int64")
    for col in ("source", "file", "column", "value", "reason", "detail"):
        frame[col] = frame[col].astype(object).where(frame[col].notna(), None).astype("string")
    order = {s.name: s.index for s in stage.sources}
    frame["_o"] = frame["source"].map(order)
    frame = frame.sort_values(["_o", "row"], kind="stable").drop(columns="_o")
    return frame.reset_index(drop=True)[list(columns)]


def file_rows(stage: Staging, folder: Path) -> list[dict[str, object]]:
    """Counts of every file; raises if a physical line is unaccounted for."""
    return [_file_row(stage, s, folder) for s in stage.sources]


def _file_row(stage: Staging, s: Staged, folder: Path) -> dict[str, object]:
    reader = s.reader
    rejected = len(reader.bad_records) + len(reader.cell_rejects)
    accepted = stage.count(f"SELECT count(*) FROM {s.rows} WHERE reason IS NULL")
    quarantined = s.n_rows - accepted + rejected
    t = reader.tally
    row: dict[str, object] = {
        "source": s.name, "file": display_path(s.cfg.path, folder), "format": s.cfg.format,
        "encoding": reader.encoding or None, "delimiter": reader.delimiter or None,
        "lines": reader.lines, "header": t.header, "blank": reader.blank_records,
        "continued": t.continued, "read": s.n_rows + rejected, "accepted": accepted,
        "quarantined": quarantined,
    }
    counted = t.header + reader.blank_records + t.continued + accepted + quarantined
    if counted != reader.lines:
        raise IngestError(
            f"{reader.lines} lines in the file but {counted} accounted for (header, blank, "
            "records); please report this as a bug of trajectory with the file's shape",
            file=str(s.cfg.path))
    return row
