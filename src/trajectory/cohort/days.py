"""Per-case event days: the cohort layer's one reading of an event log's dates.

Every layer above the cohort (attrition, the bottleneck lenses, the flags) needs the
same few things of each case: the first (or last) day of some event codes, the case's
extraction day, the time from one event to another with open cases censored, and
the first decision by the endpoint rules. :class:`CaseDays` computes them once from
an :class:`~trajectory.schema.EventLog` with the cohort's own source
(:class:`~trajectory.cohort.source.PandasSource`) and rules
(:func:`~trajectory.cohort.rules.resolve_decisions`), so the cohort, the stage table
and the lenses cannot disagree on a date. Nothing is cached between calls: build one
:class:`CaseDays` and pass it around.

Days are integers since 1970-01-01; "no such event" is :data:`MISSING` in first-day
arrays (``-MISSING`` in last-day arrays). Events dated after the case's extraction
date, and undated events, are ignored (cohort rules ``events_after_extraction`` and
``undated_events``).

Examples
--------
>>> import pandas as pd
>>> from trajectory.schema import EventLog
>>> cases = pd.DataFrame({"case_id": ["a", "b"], "zone": ["5339", None]})
>>> events = pd.DataFrame({"case_id": ["a", "a", "b"], "event": ["E11", "E30", "E11"],
...     "date": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-02-01"])})
>>> days = CaseDays(EventLog(cases, events, pd.Timestamp("2024-12-31")))
>>> d = days.duration("E11", "E30")
>>> d.time.tolist(), d.event.tolist()
([10, 334], [True, False])
>>> days.column("zone").tolist()
['5339', 'missing']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import SchemaError
from ..schema import EventLog
from .rules import MISSING, Decisions, resolve_decisions, to_days
from .source import PandasSource

__all__ = ["CaseDays", "Durations", "MISSING", "UNKNOWN_VALUES"]

#: Values of a case column that mean "not known": never a group of their own.
UNKNOWN_VALUES: frozenset[str] = frozenset({"missing", "unknown", "", "nan", "<NA>", "None"})


@dataclass(frozen=True)
class Durations:
    """Time from a start event to an end event for the cases that have the start.

    ``rows`` indexes the cases (positions in :attr:`CaseDays.case_ids`); ``time`` is in
    days; ``event`` is False for cases censored at their extraction date; ``negative``
    counts cases whose end precedes their start (left out, as the stage table's
    ``end_before_start`` rule skips them).
    """

    rows: np.ndarray
    time: np.ndarray
    event: np.ndarray
    start: np.ndarray
    negative: int


class CaseDays:
    """First and last day of every event code of each case, read once.

    Parameters
    ----------
    log : EventLog
        The study's event log.

    Attributes
    ----------
    case_ids : ndarray
        Case identifiers, sorted (the row order of every array here).
    extraction : ndarray
        Each case's extraction day (its own ``extraction_date``, else the log's).
    codes : tuple of str
        The event codes found in the log.
    """

    def __init__(self, log: EventLog) -> None:
        self.log = log
        src = PandasSource(log.cases, log.events, log.extraction_date)
        self._src = src
        self.case_ids = src.case_ids
        self.extraction = src.extraction
        self.codes = tuple(sorted(str(v) for v in set(src._event_values) if v is not None))
        self._col = {c: j for j, c in enumerate(self.codes)}
        self._first, self._last = src.first_last(self.codes, self.extraction)
        self._cases = src.covariates(None)  # a copy, sorted by case_id: later edits of
        self._columns: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # the log: not seen

    @property
    def n(self) -> int:
        """Number of cases."""
        return len(self.case_ids)

    def first(self, codes: Sequence[str]) -> np.ndarray:
        """Earliest day over ``codes`` per case (``MISSING`` when none)."""
        cols = [self._col[c] for c in codes if c in self._col]
        if not cols:
            return np.full(self.n, MISSING, dtype=np.int64)
        return self._first[:, cols].min(axis=1)

    def last(self, codes: Sequence[str]) -> np.ndarray:
        """Latest day over ``codes`` per case (``-MISSING`` when none)."""
        cols = [self._col[c] for c in codes if c in self._col]
        if not cols:
            return np.full(self.n, -MISSING, dtype=np.int64)
        return self._last[:, cols].max(axis=1)

    def has(self, codes: Sequence[str]) -> np.ndarray:
        """Whether each case has any of ``codes`` (dated, by its extraction date)."""
        return self.first(codes) < MISSING

    def duration(self, start: str | Sequence[str], end: str | Sequence[str]) -> Durations:
        """Time from the first ``start`` event to the first ``end`` event, open cases censored.

        Cases without a start are left out; cases without an end by their extraction
        date are censored there; an end before the start is counted in ``negative``
        and left out.
        """
        s = self.first([start] if isinstance(start, str) else list(start))
        e = self.first([end] if isinstance(end, str) else list(end))
        has_s = s < MISSING
        has_e = e < MISSING
        negative = has_s & has_e & (e < s)
        keep = has_s & ~negative & (self.extraction >= s)
        rows = np.flatnonzero(keep)
        event = has_e[rows]
        time = np.where(event, e[rows], self.extraction[rows]) - s[rows]
        return Durations(rows, time.astype(np.int64), event, s[rows], int(negative.sum()))

    def decisions(self, endpoints: Mapping[str, Sequence[str]]) -> Decisions:
        """First decision of each case by the cohort's endpoint rules (ties: endpoint order)."""
        codes = [c for cs in endpoints.values() for c in cs]
        col = {c: j for j, c in enumerate(codes)}
        first = np.column_stack([self.first([c]) for c in codes]) if codes else np.full(
            (self.n, 0), MISSING)
        last = np.column_stack([self.last([c]) for c in codes]) if codes else np.full(
            (self.n, 0), -MISSING)
        return resolve_decisions(first, last, col, {k: tuple(v) for k, v in endpoints.items()})

    def column_codes(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """A case column as integer codes in case order and the names of the codes.

        Unknown values (missing, ``"unknown"``, empty) share the code of ``"missing"``.
        """
        if name in self._columns:
            return self._columns[name]
        if name not in self._cases.columns:
            raise SchemaError(
                f"{name!r} is not a column of cases; available: "
                f"{[c for c in self._cases.columns]}"
            )
        raw, uniques = pd.factorize(self._cases[name], use_na_sentinel=True)
        labels = [("missing" if str(u) in UNKNOWN_VALUES else str(u)) for u in uniques]
        names, remap = np.unique(np.array(labels + ["missing"], dtype=object),
                                 return_inverse=True)
        codes = remap[raw].astype(np.int64)  # raw -1 (missing) -> the appended "missing"
        codes.flags.writeable = False
        self._columns[name] = (codes, names)
        return codes, names

    def column(self, name: str) -> np.ndarray:
        """A case column as strings in case order; unknown values read ``"missing"``."""
        codes, names = self.column_codes(name)
        return names[codes]

    def flag(self, name: str) -> np.ndarray:
        """A boolean case column (missing as False); all False when the column is absent."""
        if name not in self._cases.columns:
            return np.zeros(self.n, dtype=bool)
        return self._cases[name].astype("boolean").fillna(False).to_numpy(dtype=bool)

    def known(self, name: str) -> np.ndarray:
        """Whether a case column holds a value (not missing or unknown)."""
        if name not in self._cases.columns:
            return np.zeros(self.n, dtype=bool)
        return self.column(name) != "missing"

    def detail(self, event: str) -> np.ndarray:
        """The ``code`` of each case's first ``event`` (None when absent or no code).

        Events of one day are taken in code order (a coded event before an uncoded one),
        so the result does not depend on the order of the event rows.
        """
        out = np.full(self.n, None, dtype=object)
        ev = self.log.events
        if "code" not in ev.columns:
            return out
        sub = ev.loc[ev["event"] == event, ["case_id", "date", "code"]].dropna(subset=["date"])
        if sub.empty:
            return out
        pos = np.searchsorted(self.case_ids, sub["case_id"].to_numpy(dtype=object))
        frame = pd.DataFrame({"pos": pos, "date": sub["date"].to_numpy(),
                              "code": sub["code"].to_numpy(dtype=object)})
        frame = frame.sort_values(["pos", "date", "code"], kind="stable",
                                  na_position="last").drop_duplicates("pos")
        out[frame["pos"].to_numpy()] = frame["code"].to_numpy()
        return out

    def first_coded(self, event: str, values: Sequence[str], *, matching: bool = True
                    ) -> np.ndarray:
        """Earliest day of ``event`` whose ``code`` is (``matching``) or is not in ``values``.

        Events after the case's extraction date are ignored; ``MISSING`` when none.
        """
        out = np.full(self.n, MISSING, dtype=np.int64)
        ev = self.log.events
        if "code" not in ev.columns:
            raise SchemaError(f"events: column 'code' is needed to select {event} by its code")
        hit = (ev["event"] == event).to_numpy() & (
            ev["code"].isin(list(values)).to_numpy() == matching)
        sub = ev.loc[hit, ["case_id", "date"]]
        day = to_days(sub["date"])
        pos = np.searchsorted(self.case_ids, sub["case_id"].to_numpy(dtype=object))
        keep = (day < MISSING) & (day <= self.extraction[pos])
        np.minimum.at(out, pos[keep], day[keep])
        return out

    def series(self, days: np.ndarray) -> pd.Series:
        """Per-case days as floats (NaN when absent), by case_id in ``log.cases`` order."""
        arr = np.asarray(days).astype(float)
        arr[np.abs(arr) >= MISSING] = np.nan
        out = pd.Series(arr, index=pd.Index(self.case_ids, name="case_id"))
        return out.reindex(pd.Index(self.log.cases["case_id"].astype(object), name="case_id"))
