"""Private sources of :mod:`trajectory.cohort`: per-case day arrays from an engine.

A source exposes ``case_ids`` (sorted), ``extraction`` (days), ``n``,
``quality_flags()``, ``first_last(codes, limit)`` and ``covariates(columns)``.
:class:`PandasSource` works in memory (the DuckDB and Spark engines run SQL instead:
:mod:`trajectory.cohort.query`, :mod:`trajectory.cohort.stage_query`,
:mod:`trajectory.cohort.transition_query`).

Examples
--------
>>> import pandas as pd
>>> cases = pd.DataFrame({"case_id": ["b", "a"]})
>>> events = pd.DataFrame({"case_id": ["a", "a", "b"], "event": ["E11", "E11", "E30"],
...                        "date": pd.to_datetime(["1970-01-05", "1970-01-03", "1970-01-02"])})
>>> src = PandasSource(cases, events, "1970-12-31")
>>> src.case_ids.tolist(), src.extraction.tolist()
(['a', 'b'], [364, 364])
>>> first, last = src.first_last(["E11"], None)
>>> first.ravel().tolist(), last.ravel().tolist()
([2, 1073741824], [4, -1073741824])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ConfigError, SchemaError
from ..schema import EventLog, coerce, require
from .rules import MISSING, to_days


def _arrow_strings(column: pd.Series) -> pa.Array:
    """A string column as one Arrow string array (chunks combined)."""
    arr = pa.array(column, type=pa.string(), from_pandas=True) if not isinstance(
        column.dtype, pd.ArrowDtype) else pa.chunked_array(column.array).cast(pa.string())
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


class PandasSource:
    """Per-case arrays computed from in-memory ``cases`` and ``events`` tables."""

    def __init__(self, cases: pd.DataFrame, events: pd.DataFrame, default_extraction) -> None:
        require(cases, "cases", ("case_id",))
        require(events, "events")
        ids = cases["case_id"].to_numpy(dtype=object)
        order = np.argsort(ids, kind="stable")
        self._cases = cases.iloc[order]
        self.case_ids = ids[order]
        dup = self.case_ids[1:][self.case_ids[1:] == self.case_ids[:-1]]
        if len(dup):
            raise SchemaError(
                f"cases: case_id {dup[0]!r} appears more than once; each case must appear once"
            )
        # string matching in Arrow (C++ hashing, zero-copy for string[pyarrow] columns)
        idx = (
            pc.index_in(_arrow_strings(events["case_id"]),
                        value_set=pa.array(self.case_ids, type=pa.string()))
            .fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        )
        if (idx < 0).any():
            bad = events["case_id"].to_numpy()[idx < 0][0]
            raise SchemaError(
                f"events: {int((idx < 0).sum())} event(s) belong to no case in cases, "
                f"e.g. case_id {bad!r}; remove them or add the case"
            )
        self._idx = idx
        # one hash pass over the event codes (their few distinct values are mapped later)
        encoded = pc.dictionary_encode(_arrow_strings(events["event"]))
        self._event_codes = encoded.indices.fill_null(-1).to_numpy(
            zero_copy_only=False).astype(np.int64)
        self._event_values = encoded.dictionary.to_pylist()
        self._days = to_days(events["date"])
        ext = (
            to_days(self._cases["extraction_date"])
            if "extraction_date" in self._cases.columns
            else np.full(len(ids), MISSING, dtype=np.int64)
        )
        default = to_days(np.array([pd.Timestamp(default_extraction)], dtype="datetime64[ns]"))
        self.extraction = np.where(ext < MISSING, ext, default[0])

    @property
    def n(self) -> int:
        """Number of cases."""
        return len(self.case_ids)

    def _code_index(self, codes: Sequence[str]) -> np.ndarray:
        """Position of each event's code in ``codes`` (-1 when not listed)."""
        where = {c: j for j, c in enumerate(codes)}
        lookup = np.array([where.get(u, -1) for u in self._event_values] + [-1], dtype=np.int64)
        return lookup[self._event_codes]  # code -1 (missing event) -> last item, -1

    def quality_flags(self) -> tuple[np.ndarray, np.ndarray]:
        """(has an event after its extraction date, has an undated event) per case."""
        undated = self._days >= MISSING
        after = ~undated & (self._days > self.extraction[self._idx])
        n = self.n
        return (
            np.bincount(self._idx[after], minlength=n) > 0,
            np.bincount(self._idx[undated], minlength=n) > 0,
        )

    def first_last(
        self, codes: Sequence[str], limit: np.ndarray | None, want_last: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """First and last day per case x code among events dated on or before ``limit``."""
        n, k = self.n, len(codes)
        cat = self._code_index(codes)
        keep = (cat >= 0) & (self._days < MISSING)
        if limit is not None:
            keep &= self._days <= limit[self._idx]
        key = self._idx[keep] * k + cat[keep]
        days = self._days[keep]
        first = np.full(n * k, MISSING, dtype=np.int64)
        np.minimum.at(first, key, days)
        last = np.full(n * k if want_last else 0, -MISSING, dtype=np.int64)
        if want_last:
            np.maximum.at(last, key, days)
        return first.reshape(n, k), last.reshape(n, k if want_last else 0)

    def covariates(self, columns: Sequence[str] | None) -> pd.DataFrame:
        """Case columns (all but ``case_id`` when ``columns`` is None), in case order."""
        cols = [c for c in self._cases.columns if c != "case_id"] if columns is None else columns
        missing = [c for c in cols if c not in self._cases.columns]
        if missing:
            raise SchemaError(
                f"covariates {missing} are not columns of cases; "
                f"available: {list(self._cases.columns)}"
            )
        return self._cases[list(cols)].reset_index(drop=True)




def open_source(log: EventLog | None, engine: str) -> PandasSource:
    """The in-memory source of ``log`` (``engine="pandas"``).

    DuckDB and Spark do not go through per-case arrays: the cohort, the stage table and
    the transitions run there as one SQL definition each
    (:mod:`trajectory.cohort.pushdown`, :mod:`trajectory.cohort.pushstages`).
    """
    if engine == "pandas":
        if log is None:
            raise ConfigError("engine='pandas' needs an EventLog as first argument")
        return PandasSource(log.cases, log.events, log.extraction_date)
    raise ConfigError(f"engine={engine!r} is not allowed; use 'pandas', 'duckdb' or 'spark'")


def coerce_cases(frame: pd.DataFrame) -> pd.DataFrame:
    """Cast the contract's case columns to their contract dtypes (engine-independent)."""
    return coerce(frame, "cases", keep_other=True)


