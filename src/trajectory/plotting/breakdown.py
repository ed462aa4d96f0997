"""Breakdowns by victim sex, age band and year of complaint: where cases stand at day t.

The curves come from :func:`trajectory.estimators.breakdown_incidence` (re-exported
here): the Aalen-Johansen cumulative incidence of every outcome by the levels of each
dimension, published through the disclosure gate as any curve result.
:func:`plot_breakdown` reads the published curves at a horizon (default 365 days) and
draws one panel a dimension, one stacked bar a level. A level whose follow-up ends
before the horizon (a recent year of complaint) is drawn as "follow-up too short",
never as its last value.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> from trajectory.synth import make_study
>>> from trajectory import build_cohort
>>> cohort = build_cohort(make_study(1500, seed=3).log).table
>>> fig = plot_breakdown(breakdown_incidence(cohort))
>>> len(fig.axes)
3
>>> import matplotlib.pyplot as plt; plt.close("all")
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..estimators.breakdown import BREAKDOWNS, MISSING, BreakdownResult, breakdown_incidence
from ..results import curve_at
from ._base import Source, finish, groups_in_order, require_columns, small_count_text, source_of
from .bars import draw_stacked_bars, finish_bar_figure, outcome_order
from .horizons import origin_label
from .theme import (
    TEXT,
    colon,
    display_label,
    format_decimal,
    format_percent,
    text,
    theme_context,
)

__all__ = ["BREAKDOWNS", "BreakdownResult", "breakdown_incidence", "plot_breakdown"]

#: A bar: (label, {outcome: share}, status "ok" | "hidden" | "short").
Bar = tuple[str, dict[Any, float], str]


def _level_label(dim: str, level: Any, lang: str) -> str:
    value = str(level)
    if value in (MISSING, "unknown", "nan", "<NA>"):
        return text("unknown", lang)
    if dim == "victim_sex" and f"sex_{value}" in TEXT:
        return text(f"sex_{value}", lang)
    return display_label(value, lang)


def _shares_at(table: pd.DataFrame, horizon: float) -> tuple[dict[tuple[Any, Any], float],
                                                             pd.Series]:
    """Each (group, outcome)'s published incidence at ``horizon``, and each group's last time.

    A suppressed step reads as NaN (never as the value before it).
    """
    curves = table.copy()
    if "suppressed" in curves.columns:
        curves["estimate"] = curves["estimate"].mask(
            curves["suppressed"].fillna(False).astype(bool))
    read = curve_at(curves.fillna({"lower": np.nan, "upper": np.nan, "n_risk": 0,
                                   "n_event": 0}), [horizon], keys=("group", "state"),
                    start=0.0)
    shares = {(g, s): v for g, s, v in zip(read["group"], read["state"], read["estimate"],
                                           strict=True)}
    return shares, curves.groupby("group")["time"].max()


def _dimension_bars(table: pd.DataFrame, dim: str, order: list[Any], horizon: float,
                    shares: dict[tuple[Any, Any], float], ends: pd.Series,
                    lang: str) -> list[Bar]:
    """One bar a level of ``dim``: short follow-up, hidden (a share withheld), or ok."""
    bars = []
    for level in groups_in_order(table.loc[table["dimension"] == dim, "level"]):
        g = f"{dim}={level}"
        values = {s: shares.get((g, s), np.nan) for s in order}
        if float(ends.get(g, 0)) < horizon:
            status = "short"
        elif any(not np.isfinite(v) for v in values.values()):
            status = "hidden"
        else:
            status = "ok"
        bars.append((_level_label(dim, level, lang), values, status))
    return bars


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
        With an alt text naming the levels with the lowest and highest share going to
        court.
    """
    source = source_of(data, function="plot_breakdown")
    table = source.table
    require_columns(table, ["dimension", "level", "group", "state", "time", "estimate"],
                    function="plot_breakdown")
    if ax is not None:
        raise ValueError("plot_breakdown draws one panel a dimension; pass ax=None")
    dims = list(dimensions) if dimensions is not None else groups_in_order(table["dimension"])
    order = outcome_order(groups_in_order(table["state"]))
    shares, ends = _shares_at(table, horizon)
    panels = {d: _dimension_bars(table, d, order, horizon, shares, ends, lang) for d in dims}
    fig = _draw_panels(source, panels, order, horizon=horizon, lang=lang, title=title,
                       min_count=min_count)
    finish(fig, _breakdown_alt(dims, panels, horizon, lang), lang)
    return fig


def _draw_panels(source: Source, panels: dict[str, list[Bar]], order: list[Any], *,
                 horizon: float, lang: str, title: str | None, min_count: int | None) -> Figure:
    """One panel of stacked bars a dimension, the horizon under the last, the legend."""
    small = small_count_text(source, min_count=min_count)
    sizes = [len(bars) for bars in panels.values()]
    hidden = any(status == "hidden" for bars in panels.values() for _, _, status in bars)
    with theme_context():
        fig, axes = plt.subplots(len(panels), 1, squeeze=False,
                                 figsize=(7.6, 0.34 * sum(sizes) + 1.0 * len(panels) + 0.9),
                                 height_ratios=[s + 1.2 for s in sizes])
        for panel, (dim, bars) in zip(axes[:, 0], panels.items(), strict=True):
            draw_stacked_bars(panel, bars, order=order, lang=lang, small=small)
            panel.set_title(text(dim, lang) if dim in TEXT else dim.replace("_", " "),
                            loc="left", fontsize=10)
        axes[-1, 0].set_xlabel(text("where_cases_stand", lang) + " \u2013 "
                               + text("after_days", lang, days=format_decimal(horizon, "g", lang),
                                      origin=origin_label("E11", lang)), fontsize=9)
        finish_bar_figure(fig, order, lang=lang, hidden=hidden, small=small, title=title)
    return fig


def _breakdown_alt(dims: list[str], panels: dict[str, list[Bar]], horizon: float,
                   lang: str) -> str:
    names = ", ".join(text(d, lang).lower() if d in TEXT else d for d in dims)
    finite = [(label, values.get("court", np.nan)) for bars in panels.values()
              for label, values, status in bars if status == "ok"]
    finite = [(label, v) for label, v in finite if np.isfinite(v)]
    court = display_label("court", lang).lower()
    values = ""
    if finite:
        lo = min(finite, key=lambda r: r[1])
        hi = max(finite, key=lambda r: r[1])
        values = (f"{court}{colon(lang)}{format_percent(lo[1], lang)} ({lo[0]}) \u2013 "
                  f"{format_percent(hi[1], lang)} ({hi[0]}).")
    return text("alt_breakdown", lang, days=format_decimal(horizon, "g", lang), dims=names,
                values=values)
