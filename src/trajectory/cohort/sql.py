"""Private DuckDB engine of the stage table and transitions of :mod:`trajectory.cohort`.

(The cohort itself runs in DuckDB or Spark as one SQL definition,
:mod:`trajectory.cohort.query`.)

The ``events`` table is scanned and aggregated inside DuckDB (per case x event code:
first and last day within follow-up); only those per-case aggregates and the case
columns come back to Python, where :mod:`trajectory.cohort.rules` applies the same
rules as for the in-memory engine. The tables therefore match the pandas engine
exactly (tested in ``tests/test_cohort_sql.py``).

The connection must hold tables (or views) ``cases`` and ``events`` with the data
contract's columns (:data:`trajectory.schema.CASE_COLUMNS`, ``EVENT_COLUMNS``).

Examples
--------
>>> import duckdb, pandas as pd
>>> con = duckdb.connect()
>>> _ = con.execute("CREATE TABLE cases AS SELECT 'a' AS case_id, "
...                 "TIMESTAMP '2024-12-31' AS extraction_date")
>>> _ = con.execute("CREATE TABLE events AS SELECT 'a' AS case_id, 'E11' AS event, "
...                 "TIMESTAMP '2024-01-05' AS date")
>>> src = DuckSource(con)
>>> src.case_ids.tolist(), int(src.extraction[0])
(['a'], 20088)
>>> first, _ = src.first_last(["E11", "E30"], None, want_last=False)
>>> first.tolist()
[[19727, 1073741824]]
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import SchemaError
from .rules import MISSING, to_days

_DAY = "datediff('day', DATE '1970-01-01', CAST({col} AS DATE))"
_counter = itertools.count()


class DuckSource:
    """Per-case arrays computed by DuckDB from tables ``cases`` and ``events`` of ``con``.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Connection holding ``cases`` and ``events``.
    default_extraction : date-like, optional
        Censoring date of cases whose ``extraction_date`` is missing; by default the
        latest ``extraction_date`` of ``cases``.
    """

    def __init__(self, con: Any, default_extraction: Any = None) -> None:
        self.con = con
        self._tag = f"_traj_{next(_counter)}"
        for table, required in (("cases", ("case_id",)), ("events", ("case_id", "event", "date"))):
            try:
                cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
            except Exception as exc:  # duckdb.CatalogException and friends
                raise SchemaError(
                    f"DuckDB connection has no table {table!r} ({exc}); create tables "
                    "'cases' and 'events' with the contract's columns"
                ) from exc
            missing = [c for c in required if c not in cols]
            if missing:
                raise SchemaError(f"{table}: required column(s) {missing} missing in DuckDB")
            if table == "cases":
                self._case_columns = cols
        has_ext = "extraction_date" in self._case_columns
        ext_sql = _DAY.format(col="extraction_date") if has_ext else "NULL"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {self._tag}_ci AS SELECT case_id, "
            f"CAST(row_number() OVER (ORDER BY case_id) - 1 AS BIGINT) AS i, "
            f"{ext_sql} AS ext FROM cases"
        ).fetchall()
        n, n_distinct = con.execute(
            f"SELECT count(*), count(DISTINCT case_id) FROM {self._tag}_ci"
        ).fetchall()[0]
        if n != n_distinct:
            raise SchemaError(
                f"cases: {n - n_distinct} duplicated case_id value(s); each case must appear once"
            )
        got = con.execute(f"SELECT case_id, ext FROM {self._tag}_ci ORDER BY i").fetchnumpy()
        self.case_ids = np.asarray(got["case_id"], dtype=object)
        ext = np.ma.filled(np.ma.asarray(got["ext"]).astype(np.int64), MISSING)
        if default_extraction is None:
            known = ext[ext < MISSING]
            if len(known) == 0:
                raise SchemaError(
                    "cases: no extraction_date to censor at; add the column or pass "
                    "an EventLog (its extraction_date is the default)"
                )
            default = int(known.max())
        else:
            default = int(to_days(np.array([pd.Timestamp(default_extraction)]))[0])
        self.extraction = np.where(ext < MISSING, ext, default)
        # one pass joining events to cases on the string key; later scans use integers
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {self._tag}_ev AS SELECT ci.i, e.event, "
            f"{_DAY.format(col='e.date')} AS day, "
            f"{_DAY.format(col='e.date')} > coalesce(ci.ext, {default}) AS late "
            f"FROM events e LEFT JOIN {self._tag}_ci ci USING (case_id)"
        ).fetchall()
        n_orphans = con.execute(
            f"SELECT count(*) FROM {self._tag}_ev WHERE i IS NULL"
        ).fetchall()[0][0]
        if n_orphans:
            example = con.execute(
                f"SELECT any_value(case_id) FROM events ANTI JOIN {self._tag}_ci USING (case_id)"
            ).fetchall()[0][0]
            self.close()
            raise SchemaError(
                f"events: {n_orphans} event(s) belong to no case in cases, "
                f"e.g. case_id {example!r}; remove them or add the case"
            )

    @property
    def n(self) -> int:
        """Number of cases."""
        return len(self.case_ids)

    def _table(self, name: str, frame: pd.DataFrame) -> None:
        """Copy a small pandas frame into a DuckDB temporary table (fast parallel joins)."""
        self.con.register(f"{self._tag}_df", frame)
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {self._tag}_{name} AS SELECT * FROM {self._tag}_df"
        ).fetchall()
        self.con.unregister(f"{self._tag}_df")

    def quality_flags(self) -> tuple[np.ndarray, np.ndarray]:
        """(has an event after its extraction date, has an undated event) per case."""
        got = self.con.execute(
            f"SELECT i, bool_or(late) AS after, bool_or(day IS NULL) AS undated "
            f"FROM {self._tag}_ev GROUP BY i HAVING after OR undated"
        ).fetchnumpy()
        after = np.zeros(self.n, dtype=bool)
        undated = np.zeros(self.n, dtype=bool)
        idx = np.asarray(got["i"], dtype=np.int64)
        after[idx] = np.ma.filled(np.ma.asarray(got["after"]), False)
        undated[idx] = np.ma.filled(np.ma.asarray(got["undated"]), False)
        return after, undated

    def first_last(
        self, codes: Sequence[str], limit: np.ndarray | None, want_last: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """First and last day per case x code among events dated on or before ``limit``."""
        n, k = self.n, len(codes)
        self._table("codes", pd.DataFrame({"event": list(codes), "j": np.arange(k)}))
        where = "ev.day IS NOT NULL"
        join = ""
        if limit is not None:
            self._table("lim", pd.DataFrame({"i": np.arange(n), "lim": limit}))
            join = f"JOIN {self._tag}_lim l USING (i)"
            where += " AND ev.day <= l.lim"
        got = self.con.execute(
            f"SELECT ev.i, c.j, min(ev.day) AS lo, max(ev.day) AS hi "
            f"FROM {self._tag}_ev ev JOIN {self._tag}_codes c USING (event) {join} "
            f"WHERE {where} GROUP BY ev.i, c.j"
        ).fetchnumpy()
        key = np.asarray(got["i"], dtype=np.int64) * k + np.asarray(got["j"], dtype=np.int64)
        first = np.full(n * k, MISSING, dtype=np.int64)
        first[key] = np.asarray(got["lo"], dtype=np.int64)
        last = np.full(n * k if want_last else 0, -MISSING, dtype=np.int64)
        if want_last:
            last[key] = np.asarray(got["hi"], dtype=np.int64)
        return first.reshape(n, k), last.reshape(n, k if want_last else 0)

    def covariates(self, columns: Sequence[str] | None) -> pd.DataFrame:
        """Case columns (all but ``case_id`` when ``columns`` is None), in case order."""
        cols = [c for c in self._case_columns if c != "case_id"] if columns is None else columns
        missing = [c for c in cols if c not in self._case_columns]
        if missing:
            raise SchemaError(
                f"covariates {missing} are not columns of cases; available: {self._case_columns}"
            )
        if not cols:
            return pd.DataFrame(index=pd.RangeIndex(self.n))
        select = ", ".join(f'c."{c}"' for c in cols)
        return self.con.execute(
            f"SELECT {select} FROM cases c JOIN {self._tag}_ci ci USING (case_id) ORDER BY ci.i"
        ).fetchdf()

    def close(self) -> None:
        """Drop the temporary tables of this source."""
        for name in ("ev", "ci", "codes", "lim"):
            self.con.execute(f"DROP TABLE IF EXISTS {self._tag}_{name}").fetchall()
