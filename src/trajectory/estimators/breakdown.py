"""Breakdowns by victim sex, age band and year of complaint: incidence of each outcome by level.

:func:`breakdown_incidence` runs the Aalen-Johansen estimator
(:func:`trajectory.estimators.cumulative_incidence`) once a breakdown dimension, by its
levels, and returns every curve in one :class:`BreakdownResult`, which the disclosure
gate treats as any other curve result (small levels withheld, steps coarsened) and
:func:`trajectory.plotting.plot_breakdown` draws at a horizon.

Examples
--------
>>> from trajectory.synth import make_study
>>> from trajectory import build_cohort
>>> cohort = build_cohort(make_study(1500, seed=3).log).table
>>> b = breakdown_incidence(cohort)
>>> sorted(b.table["dimension"].unique())
['complaint_year', 'victim_age_band', 'victim_sex']
>>> b.table.groupby("dimension")["group"].first().tolist()
['complaint_year=2021', 'victim_age_band=0-17', 'victim_sex=F']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from ..errors import SchemaError
from .nonparametric import CumulativeIncidenceResult, cumulative_incidence

__all__ = ["BREAKDOWNS", "MISSING", "BreakdownResult", "breakdown_incidence"]

#: The default breakdown dimensions (columns of the cohort; ``complaint_year`` is
#: derived from ``origin_date``).
BREAKDOWNS: tuple[str, ...] = ("victim_sex", "victim_age_band", "complaint_year")
#: The level of a case whose value is missing.
MISSING = "not_recorded"


@dataclass(frozen=True, repr=False)
class BreakdownResult(CumulativeIncidenceResult):
    """Cumulative incidence of each outcome by the levels of several dimensions.

    ``table``: the curve columns with ``state`` (outcome), plus ``dimension`` and
    ``level``; ``group`` is ``"<dimension>=<level>"`` (unique across dimensions).
    """

    figure: ClassVar[Mapping[str, Any]] = {"kind": "breakdown"}


def breakdown_incidence(
    cohort: pd.DataFrame,
    *,
    by: Sequence[str] = BREAKDOWNS,
    time: str = "time",
    event: str = "outcome",
    date: str = "origin_date",
    alpha: float = 0.05,
) -> BreakdownResult:
    """Aalen-Johansen cumulative incidence of every outcome, by each dimension of ``by``.

    Parameters
    ----------
    cohort : pandas.DataFrame
        One row a case (``trajectory.build_cohort(...).table``).
    by : sequence of str
        Columns to break down by; ``"complaint_year"`` is the year of ``date`` when the
        cohort has no such column. A missing value is its own level, ``not_recorded``.
    time, event : str
        Time from the complaint and outcome (``"censored"`` when open).
    date : str
        Date of time zero, for ``complaint_year``.
    alpha : float

    Returns
    -------
    BreakdownResult
        Curves (``group = "<dimension>=<level>"``), with ``dimension`` and ``level``;
        ``n`` is the number of cases (each dimension partitions the same cohort).

    References
    ----------
    .. [1] Aalen OO, Johansen S (1978). An empirical transition matrix for non-homogeneous
       Markov chains based on censored observations. Scand J Stat 5(3):141-150.
    """
    frames = []
    n = 0
    for dim in by:
        level = _levels(cohort, dim, date)
        data = pd.DataFrame({"time": cohort[time].to_numpy(), "outcome": cohort[event].to_numpy(),
                             "_by": (dim + "=" + level).to_numpy()})
        result = cumulative_incidence(data, by="_by", alpha=alpha)
        t = result.table.copy()
        t.insert(1, "dimension", dim)
        t.insert(2, "level", t["group"].str.split("=", n=1).str[1])
        frames.append(t)
        n = result.n
    return BreakdownResult(
        table=pd.concat(frames, ignore_index=True), alpha=alpha,
        method="Aalen-Johansen cumulative incidence by " + ", ".join(by), n=n,
        notes={"conf_type": "log", "dimensions": list(by)},
    )


def _levels(cohort: pd.DataFrame, dim: str, date: str) -> pd.Series:
    """The level of each case on ``dim`` as text; a missing value is :data:`MISSING`."""
    if dim == "complaint_year" and dim not in cohort.columns:
        if date not in cohort.columns:
            raise SchemaError(f"breakdown_incidence: no column {date!r} to derive the "
                              "year of complaint; pass date=<column of time zero>")
        level = pd.to_datetime(cohort[date]).dt.year.astype("Int64").astype(str)
    elif dim in cohort.columns:
        level = cohort[dim].astype("string")
    else:
        raise SchemaError(f"breakdown_incidence: the cohort has no column {dim!r}; it has "
                          f"{', '.join(map(str, cohort.columns))}")
    return level.fillna(MISSING).replace({"<NA>": MISSING})
