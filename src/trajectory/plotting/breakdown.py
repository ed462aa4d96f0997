"""Breakdowns by victim sex, age band and year of complaint: where cases stand at day t.

:func:`breakdown_incidence` computes, for each breakdown dimension, the Aalen-Johansen
cumulative incidence of every outcome by level (one estimator,
:func:`trajectory.estimators.cumulative_incidence`, run once a dimension), in one curve
result that the disclosure gate treats as any other (``ctx.publish(...)``: small levels
withheld, steps coarsened). :func:`plot_breakdown` reads the published curves at a
horizon (default 365 days) and draws one panel a dimension, one stacked bar a level. A
level whose follow-up ends before the horizon (a recent year of complaint) is drawn as
"follow-up too short", never as its last value.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from trajectory.synth import make_study
>>> from trajectory import build_cohort
>>> cohort = build_cohort(make_study(1500, seed=3).log).table
>>> b = breakdown_incidence(cohort)
>>> sorted(b.table["dimension"].unique())
['complaint_year', 'victim_age_band', 'victim_sex']
>>> fig = plot_breakdown(b)
>>> len(fig.axes)
3
>>> import matplotlib.pyplot as plt; plt.close("all")
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..errors import SchemaError
from ..estimators.nonparametric import CumulativeIncidenceResult, cumulative_incidence
from ..results import curve_at
from ._base import groups_in_order, require_columns, set_alt, small_count_text, source_of
from .horizons import draw_stacked_bars, legend_handles, outcome_order
from .theme import TEXT, display_label, text, theme_context

__all__ = ["BREAKDOWNS", "BreakdownResult", "breakdown_incidence", "plot_breakdown"]

#: The default breakdown dimensions (columns of the cohort; ``complaint_year`` is
#: derived from ``origin_date``).
BREAKDOWNS: tuple[str, ...] = ("victim_sex", "victim_age_band", "complaint_year")
_MISSING = "not_recorded"


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
        Curves (``group = "<dimension>=<level>"``), with ``dimension`` and ``level``.
    """
    frames = []
    n = 0
    for dim in by:
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
        level = level.fillna(_MISSING).replace({"<NA>": _MISSING})
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


def _level_label(dim: str, level: Any, lang: str) -> str:
    value = str(level)
    if value in (_MISSING, "unknown", "nan", "<NA>"):
        return text("unknown", lang)
    if dim == "victim_sex" and f"sex_{value}" in TEXT:
        return text(f"sex_{value}", lang)
    return display_label(value, lang)


def plot_breakdown(
    data: Any,
    *,
    horizon: float = 365,
    dimensions: Sequence[str] | None = None,
    ax: Any = None,
    lang: str = "en",
    title: str | None = None,
    min_count: int | None = None,
) -> Figure:
    """Draw where cases stand ``horizon`` days after the complaint, by each dimension.

    Parameters
    ----------
    data : BreakdownResult or DataFrame
        Curves with ``dimension, level, group, state, time, estimate`` (published
        through the disclosure gate: withheld levels are absent or NaN).
    horizon : float
        Day at which the curves are read (default 365).
    dimensions : sequence of str, optional
        Panels, top down (default: the table's dimensions in order).
    ax : None
        Not used: one panel a dimension in a figure of its own.
    lang : {"en", "nl", "fr"}
    title : str, optional
    min_count : int, optional

    Returns
    -------
    matplotlib.figure.Figure
        With an alt text naming the levels with the highest share going to court.
    """
    source = source_of(data, function="plot_breakdown")
    table = source.table
    require_columns(table, ["dimension", "level", "group", "state", "time", "estimate"],
                    function="plot_breakdown")
    if ax is not None:
        raise ValueError("plot_breakdown draws one panel a dimension; pass ax=None")
    dims = list(dimensions) if dimensions is not None else groups_in_order(table["dimension"])
    order = outcome_order(groups_in_order(table["state"]))
    small = small_count_text(source, min_count=min_count)
    curves = table.copy()
    if "suppressed" in curves.columns:
        curves["estimate"] = curves["estimate"].mask(
            curves["suppressed"].fillna(False).astype(bool))
    ends = curves.groupby("group")["time"].max()
    read = curve_at(curves.fillna({"lower": np.nan, "upper": np.nan, "n_risk": 0,
                                   "n_event": 0}), [horizon], keys=("group", "state"),
                    start=0.0)
    shares = {(g, s): v for g, s, v in zip(read["group"], read["state"], read["estimate"],
                                           strict=True)}
    sizes = [len(groups_in_order(table.loc[table["dimension"] == d, "level"])) for d in dims]
    hidden_any = False
    alt_rows: list[tuple[str, float]] = []
    with theme_context():
        fig, axes = plt.subplots(len(dims), 1, figsize=(7.6, 0.34 * sum(sizes) + 1.0 * len(dims)
                                                        + 0.9),
                                 height_ratios=[s + 1.2 for s in sizes], squeeze=False)
        for panel, dim in zip(axes[:, 0], dims, strict=True):
            levels = groups_in_order(table.loc[table["dimension"] == dim, "level"])
            bars = []
            for level in levels:
                g = f"{dim}={level}"
                values = {s: shares.get((g, s), np.nan) for s in order}
                if float(ends.get(g, 0)) < horizon:
                    status = "short"
                elif any(not np.isfinite(v) for v in values.values()):
                    status, hidden_any = "hidden", True
                else:
                    status = "ok"
                    alt_rows.append((f"{_level_label(dim, level, lang)}",
                                     values.get("court", np.nan)))
                bars.append((_level_label(dim, level, lang), values, status))
            draw_stacked_bars(panel, bars, order=order, lang=lang, small=small)
            panel.set_title(text(dim, lang) if dim in TEXT else dim.replace("_", " "),
                            loc="left", fontsize=10)
        axes[-1, 0].set_xlabel(text("where_cases_stand", lang) + " \u2013 "
                               + text("after_days", lang, days=f"{horizon:g}",
                                      origin=_complaint(lang)), fontsize=9)
        handles, labels = legend_handles(order, lang, hidden=hidden_any, small=small)
        fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 4), fontsize=8.5)
        rows = -(-len(labels) // 4)
        if title:
            fig.suptitle(title, x=0.01, ha="left")
        fig.tight_layout(rect=(0, (0.28 * rows + 0.1) / fig.get_figheight(), 1, 1))
    set_alt(fig, _breakdown_alt(dims, alt_rows, horizon, lang))
    return fig


def _complaint(lang: str) -> str:
    return {"en": "the complaint", "nl": "de aangifte", "fr": "la plainte"}[lang]


def _breakdown_alt(dims: list[str], rows: list[tuple[str, float]], horizon: float,
                   lang: str) -> str:
    names = ", ".join(text(d, lang).lower() if d in TEXT else d for d in dims)
    finite = [(name, v) for name, v in rows if np.isfinite(v)]
    court = display_label("court", lang).lower()
    if finite:
        lo = min(finite, key=lambda r: r[1])
        hi = max(finite, key=lambda r: r[1])
        values = f"{court}: {100 * lo[1]:.0f}% ({lo[0]}) - {100 * hi[1]:.0f}% ({hi[0]})."
    else:
        values = ""
    return text("alt_breakdown", lang, days=f"{horizon:g}", dims=names, values=values)
