"""Count tables: the small input every count-based estimator accepts instead of case rows.

A :class:`CountTable` holds one row per distinct ``(keys..., [entry], time, outcome)``
with ``n`` (number of cases, or sum of case weights) and ``n2`` (sum of squared case
weights; equal to ``n`` for unweighted cases). Its size depends on the number of
distinct days, groups and outcomes, not on the number of cases. The engine that holds
the data builds it (:func:`trajectory.engine.count_table`, on pandas, DuckDB or Spark)
and only it travels to Python.

Estimators that accept a count table give the same results as on the case rows it
counts: :func:`~trajectory.estimators.kaplan_meier`,
:func:`~trajectory.estimators.nelson_aalen`,
:func:`~trajectory.estimators.cumulative_incidence` (with its variance),
:func:`~trajectory.estimators.logrank`, :func:`~trajectory.estimators.gray_test`,
:func:`~trajectory.estimators.cox` (``ties="breslow"``, covariates among the keys) and
:func:`~trajectory.estimators.poisson_rates` (covariates among the keys). Functions that
need case rows (Efron ties, robust or clustered variance, Fine-Gray, continuous
covariates that are not keys) raise :class:`~trajectory.errors.EstimationError`
saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import EstimationError

__all__ = ["CountTable", "unwrap_counts"]

VALUE_COLUMNS: tuple[str, ...] = ("time", "outcome", "n", "n2")


@dataclass(frozen=True, eq=False)
class CountTable:
    """Cases counted by ``(keys..., [entry], time, outcome)``.

    Attributes
    ----------
    table : pandas.DataFrame
        Columns ``keys``, then ``entry`` (when ``has_entry``), ``time``, ``outcome``
        (the outcome label, ``censored`` for an open case), ``n`` and ``n2``.
    keys : tuple of str
        Grouping columns (strata, groups, categorical covariates).
    has_entry : bool
        Whether rows carry a delayed-entry time (then cells are ``(entry, time)`` pairs,
        which the Aalen-Johansen variance needs).
    censored : str
        The outcome label of an open (censored) case.

    Examples
    --------
    >>> import pandas as pd
    >>> from trajectory.estimators import kaplan_meier
    >>> cases = pd.DataFrame({"time": [1, 2, 2, 3], "outcome": ["court", "court",
    ...                       "censored", "court"], "zone": ["a", "a", "b", "b"]})
    >>> ct = CountTable.from_cases(cases, keys=["zone"])
    >>> len(ct.table), ct.n_cases
    (4, 4)
    >>> kaplan_meier(ct, by="zone").table.equals(kaplan_meier(cases, by="zone").table)
    True
    """

    table: pd.DataFrame
    keys: tuple[str, ...] = ()
    has_entry: bool = False
    censored: str = "censored"

    def __post_init__(self) -> None:
        need = [*self.keys, *(["entry"] if self.has_entry else []), *VALUE_COLUMNS]
        missing = [c for c in need if c not in self.table.columns]
        if missing:
            raise EstimationError(
                f"count table is missing column(s) {missing}; it needs {need}"
            )
        n = self.table["n"].to_numpy(float)
        if not np.all(np.isfinite(n) & (n > 0)):
            raise EstimationError(
                "count table column 'n' must be finite and > 0 on every row (a case weight "
                "was missing, infinite or not positive)"
            )

    @property
    def n_cases(self) -> int:
        """Number of cases counted (sum of ``n``, rounded)."""
        return int(round(float(self.table["n"].sum())))

    @property
    def weighted(self) -> bool:
        """True when the counts are sums of case weights (``n2 != n`` somewhere)."""
        return not np.array_equal(self.table["n"].to_numpy(float), self.table["n2"].to_numpy(float))

    @classmethod
    def from_cases(
        cls,
        cases: pd.DataFrame,
        *,
        keys: list[str] | tuple[str, ...] = (),
        time: str = "time",
        event: str = "outcome",
        entry: str | None = None,
        weights: str | None = None,
        censored: str = "censored",
    ) -> CountTable:
        """Count case rows in pandas (small studies, tests).

        This is the pandas engine of :func:`trajectory.engine.count_table`, which
        runs the same aggregation in DuckDB or Spark.
        """
        cols = {k: cases[k] for k in keys}
        if entry is not None:
            cols["entry"] = cases[entry]
        cols["time"] = cases[time]
        cols["outcome"] = _outcome_labels(cases[event], censored)
        w = np.ones(len(cases)) if weights is None else cases[weights].to_numpy(float)
        if not np.isfinite(w).all():
            bad = int(np.flatnonzero(~np.isfinite(w))[0])
            raise EstimationError(
                f"weights column {weights!r} has a missing or infinite value (row "
                f"{cases.index[bad]!r}); fix or drop it before counting"
            )
        frame = pd.DataFrame(cols).assign(n=w, n2=w * w)
        by = [*keys, *(["entry"] if entry else []), "time", "outcome"]
        table = frame.groupby(by, sort=True, observed=True, dropna=False)[["n", "n2"]].sum()
        return cls(table.reset_index(), tuple(keys), entry is not None, censored)


def _outcome_labels(col: pd.Series, censored: str) -> pd.Series:
    """Outcome labels as strings; a 0/1 or boolean event becomes ``event``/``censored``."""
    if pd.api.types.is_bool_dtype(col) or (
        pd.api.types.is_numeric_dtype(col) and col.isin([0, 1]).all()
    ):
        return pd.Series(np.where(col.to_numpy().astype(bool), "event", censored),
                         index=col.index)
    return col.astype(str)


def unwrap_counts(
    data: Any, *, weights: str | None, entry: str | None, role: str
) -> tuple[Any, str | None, str | None, str | None]:
    """``(frame, weights, entry, w2)`` for an estimator given case rows or a count table.

    Case rows pass through (``w2`` None). A count table gives its frame with
    ``weights="n"``, ``w2="n2"`` and its entry column; ``weights=`` is refused (the
    counts are the weights).
    """
    if not isinstance(data, CountTable):
        return data, weights, entry, None
    if weights is not None:
        raise EstimationError(
            f"{role}: weights= applies to case rows; a count table carries its (weighted) "
            "counts in column 'n'"
        )
    if entry is not None and (not data.has_entry or entry != "entry"):
        raise EstimationError(
            f"{role}: entry={entry!r} is not a column of this count table; build it with "
            "entry= to count delayed entries"
        )
    return data.table, "n", ("entry" if data.has_entry else None), "n2"


def needs_case_rows(data: Any, role: str, why: str) -> None:
    """Raise when ``data`` is a count table and ``role`` needs case rows."""
    if isinstance(data, CountTable):
        raise EstimationError(
            f"{role} needs case rows ({why}); pass the cohort's case table, a sample of it, "
            "or a design matrix pushed down by the engine"
        )
