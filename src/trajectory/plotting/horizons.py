"""Where cases stand at fixed horizons (6, 12, 24 months): stacked bars, never steps.

A table of cumulative incidence read at a few horizons (the sanctioning lens's outcome
profile) holds values at those days only; drawing them as step curves from day 0 would
show nothing decided before the first horizon. Each horizon is a panel; each group a
horizontal bar split into outcomes (fixed colours) and the cases still open (grey).
The origin the horizons are counted from is written in every panel title, from the
result's declared figure spec (``figure["origin"]``, e.g. ``"E30"``) or ``origin=``.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> t = pd.DataFrame({"group": "all", "outcome": ["court", "dismissal_technical"] * 2,
...                   "time": [182, 182, 365, 365], "estimate": [0.05, 0.3, 0.1, 0.5]})
>>> fig = plot_horizons(t, origin="E30")
>>> [" ".join(a.get_title(loc="left").split()) for a in fig.axes]
['6 months after parquet registration', '12 months after parquet registration']
>>> import matplotlib.pyplot as plt; plt.close("all")
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ._base import finish, groups_in_order, require_columns, small_count_text, source_of
from .bars import draw_stacked_bars, finish_bar_figure, legend_handles, outcome_order
from .theme import colon, display_label, format_decimal, format_percent, text, theme_context

__all__ = ["plot_horizons", "draw_stacked_bars", "legend_handles", "outcome_order",
           "origin_label", "horizon_label"]


def origin_label(origin: Any, lang: str = "en") -> str:
    """Label of the event time zero is counted from, for use inside a sentence.

    Examples
    --------
    >>> origin_label("E30", "fr")
    "l'enregistrement au parquet"
    """
    if origin is None:
        return {"en": "entry", "nl": "instroom", "fr": "l'entrée"}[lang]
    fixed = {
        "E11": {"en": "the complaint", "nl": "de aangifte", "fr": "la plainte"},
        "E30": {"en": "parquet registration", "nl": "de inschrijving op het parket",
                "fr": "l'enregistrement au parquet"},
        "E45": {"en": "the summons", "nl": "de dagvaarding", "fr": "la citation"},
    }
    if str(origin) in fixed:
        return fixed[str(origin)][lang]
    label = display_label(origin, lang)
    return label[:1].lower() + label[1:]


def horizon_label(days: float, origin: Any, lang: str = "en") -> str:
    """``"6 months after parquet registration"`` (whole months), else in days.

    Examples
    --------
    >>> horizon_label(730, "E11")
    '24 months after the complaint'
    >>> horizon_label(90, None, "nl")
    '90 dagen na instroom'
    """
    months = float(days) / (365.25 / 12)
    where = origin_label(origin, lang)
    if float(days) >= 180 and abs(months - round(months)) < 0.06:
        return text("after_horizon", lang, months=int(round(months)), origin=where)
    return text("after_days", lang, days=format_decimal(days, "g", lang), origin=where)


def plot_horizons(
    data: Any,
    *,
    origin: Any = None,
    horizons: Sequence[float] | None = None,
    ax: Any = None,
    lang: str = "en",
    title: str | None = None,
    min_count: int | None = None,
) -> Figure:
    """Draw where cases stand at each horizon, one panel a horizon, one bar a group.

    Parameters
    ----------
    data : DataFrame or TidyResult
        ``group, outcome, time, estimate`` with ``time`` the horizons (e.g. 182, 365,
        730 days); NaN (or ``suppressed``) marks a share withheld by the disclosure gate.
    origin : str, optional
        Event code time zero is counted from (``"E30"``: parquet registration); default
        the result's ``figure["origin"]``. Written in each panel title.
    horizons : sequence of float, optional
        Horizons to draw (default: every ``time`` of the table).
    ax : None
        Not used: one panel a horizon in a figure of its own.
    lang : {"en", "nl", "fr"}
    title : str, optional
    min_count : int, optional
        Disclosure threshold printed in suppressed stretches.

    Returns
    -------
    matplotlib.figure.Figure
        With an alt text giving, at the last horizon, the main outcome shares of all
        cases and the share still open.
    """
    source = source_of(data, function="plot_horizons")
    table = source.table
    key = "outcome" if "outcome" in table.columns else "state"
    require_columns(table, ["time", "estimate", key], function="plot_horizons")
    if ax is not None:
        raise ValueError("plot_horizons draws one panel a horizon in its own figure; "
                         "pass ax=None")
    table = table if "group" in table.columns else table.assign(group="all")
    origin = origin if origin is not None else source.figure.get(
        "origin", source.notes.get("origin"))
    table = table[table["time"].notna()]  # rows of withheld groups carry no time
    times = list(horizons) if horizons is not None else sorted(table["time"].unique())
    groups = groups_in_order(table["group"])
    order = outcome_order(groups_in_order(table[key]))
    small = small_count_text(source, min_count=min_count)
    hidden_any = False
    values: dict[tuple[Any, float], dict[Any, float]] = {}
    for (g, t), part in table.groupby(["group", "time"], sort=False):
        est = part["estimate"].astype(float)
        if "suppressed" in part.columns:
            est = est.mask(part["suppressed"].fillna(False).astype(bool))
        values[(g, float(t))] = dict(zip(part[key], est, strict=True))  # type: ignore[arg-type]
    with theme_context():
        fig, axes = plt.subplots(1, len(times), figsize=(2.9 * len(times) + 2.6,
                                                         0.36 * len(groups) + 1.9),
                                 sharey=True, squeeze=False)
        for panel, t in zip(axes[0], times, strict=True):
            bars = []
            for g in groups:
                shares = values.get((g, float(t)), {})
                hidden = any(not np.isfinite(v) for v in shares.values())
                hidden_any |= hidden
                bars.append((display_label(g, lang), shares, "hidden" if hidden else "ok"))
            draw_stacked_bars(panel, bars, order=order, lang=lang, small=small)
            # on two lines when long, so that no language runs into the next panel
            panel.set_title(textwrap.fill(horizon_label(t, origin, lang), 30), loc="left",
                            fontsize=9.5)
            panel.set_xlabel(text("where_cases_stand", lang), fontsize=9)
        finish_bar_figure(fig, order, lang=lang, hidden=hidden_any, small=small, title=title)
    finish(fig, _horizons_alt(values, groups, times, order, origin, lang), lang)
    return fig


def _horizons_alt(values: dict[tuple[Any, float], dict[Any, float]], groups: list[Any],
                  times: list[float], order: list[Any], origin: Any, lang: str) -> str:
    names = ", ".join(horizon_label(t, origin, lang).split(" ")[0] + " "
                      + horizon_label(t, origin, lang).split(" ")[1] for t in times)
    last = float(times[-1]) if times else 0.0
    focus = "all" if ("all", last) in values else (groups[0] if groups else None)
    parts = []
    shares = values.get((focus, last), {})
    finite = {k: v for k, v in shares.items() if np.isfinite(v)}
    for k in sorted(finite, key=finite.get, reverse=True)[:3]:  # type: ignore[arg-type]
        parts.append(f"{display_label(k, lang).lower()} {format_percent(finite[k], lang)}")
    if finite and len(finite) == len(shares):
        parts.append(text("alt_open", lang, share=format_percent(1 - sum(finite.values()), lang)))
    head = f"{horizon_label(last, origin, lang)}, {display_label(focus, lang)}{colon(lang)}"
    return text("alt_horizons", lang, horizons=names, origin=origin_label(origin, lang),
                k=len(groups), values=head + "; ".join(parts) + ".")
