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
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from ._base import groups_in_order, require_columns, set_alt, small_count_text, source_of
from .stacked import OUTCOME_STACK_ORDER
from .theme import (
    SUPPRESSED_COLOUR,
    SUPPRESSED_HATCH,
    colour_for,
    display_label,
    readable_text_colour,
    text,
    theme_context,
)

__all__ = ["plot_horizons", "draw_stacked_bars", "origin_label", "horizon_label"]


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
    return text("after_days", lang, days=f"{float(days):g}", origin=where)


def draw_stacked_bars(
    ax: Axes,
    bars: Sequence[tuple[str, dict[Any, float], str]],
    *,
    order: Sequence[Any],
    lang: str,
    small: str,
) -> None:
    """Horizontal bars of outcome shares, bottom to top of ``order``, then open cases.

    ``bars``: (label, {outcome: share}, status) with status ``"ok"``, ``"hidden"`` (some
    share suppressed: the rest of the bar is hatched and labelled ``<k``) or ``"short"``
    (follow-up shorter than the horizon: an empty hatched bar).
    """
    for i, (_, shares, status) in enumerate(bars):
        if status == "short":
            ax.add_patch(Rectangle((0, i - 0.38), 1, 0.76, fill=False, hatch="..",
                                   edgecolor="#BBBBBB", lw=0.6))
            ax.text(0.5, i, text("short_follow_up", lang), ha="center", va="center",
                    fontsize=8, color="#555555")
            continue
        left = 0.0
        for outcome in order:
            v = shares.get(outcome, 0.0)
            if not np.isfinite(v) or v <= 0:
                continue
            colour = colour_for(outcome)
            ax.barh(i, v, left=left, height=0.76, color=colour, lw=0)
            if v >= 0.07:
                ax.text(left + v / 2, i, f"{100 * v:.0f}", ha="center", va="center",
                        fontsize=7.5, color="white" if readable_text_colour(colour) == colour
                        else "#222222")
            left += v
        rest = max(1.0 - left, 0.0)
        if status == "hidden":
            ax.add_patch(Rectangle((left, i - 0.38), rest, 0.76, facecolor="white",
                                   hatch=SUPPRESSED_HATCH, edgecolor=SUPPRESSED_COLOUR, lw=0))
            ax.text(left + rest / 2, i, small, ha="center", va="center", fontsize=7.5)
        elif rest > 0:
            ax.barh(i, rest, left=left, height=0.76, color=colour_for("censored"), lw=0)
            if rest >= 0.07:
                ax.text(left + rest / 2, i, f"{100 * rest:.0f}", ha="center", va="center",
                        fontsize=7.5, color="#222222")
    ax.set_xlim(0, 1)
    ax.set_ylim(len(bars) - 0.5, -0.5)
    ax.set_yticks(range(len(bars)), labels=[label for label, _, _ in bars])
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], labels=["0", "25", "50", "75", "100%"])
    ax.grid(axis="y", visible=False)
    ax.tick_params(axis="y", length=0)


def legend_handles(order: Sequence[Any], lang: str, *, hidden: bool, small: str
                   ) -> tuple[list[Any], list[str]]:
    """Legend of the stacked bars: outcomes in order, open cases, suppressed."""
    handles: list[Any] = [Patch(color=colour_for(o)) for o in order]
    labels = [display_label(o, lang) for o in order]
    handles.append(Patch(color=colour_for("censored")))
    labels.append(display_label("censored", lang))
    if hidden:
        handles.append(Patch(facecolor="white", hatch=SUPPRESSED_HATCH,
                             edgecolor=SUPPRESSED_COLOUR))
        labels.append(f"{text('suppressed', lang)} ({small})")
    return handles, labels


def outcome_order(present: Sequence[Any]) -> list[Any]:
    """Outcomes bottom-to-top: court first, dismissals last, then any other."""
    present = [p for p in present if str(p) != "censored"]
    return [o for o in OUTCOME_STACK_ORDER if o in present] + [
        o for o in present if o not in OUTCOME_STACK_ORDER]


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
        handles, labels = legend_handles(order, lang, hidden=hidden_any, small=small)
        fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 4),
                   fontsize=8.5, bbox_to_anchor=(0.5, 0.0))
        rows = -(-len(labels) // 4)
        if title:
            fig.suptitle(title, x=0.01, ha="left")
        fig.tight_layout(rect=(0, (0.28 * rows + 0.1) / fig.get_figheight(), 1, 1))
    set_alt(fig, _horizons_alt(values, groups, times, order, origin, lang))
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
        parts.append(f"{display_label(k, lang).lower()} {100 * finite[k]:.0f}%")
    if finite and len(finite) == len(shares):
        parts.append(text("alt_open", lang, share=f"{100 * (1 - sum(finite.values())):.0f}%"))
    head = f"{horizon_label(last, origin, lang)}, {display_label(focus, lang)}: "
    return text("alt_horizons", lang, horizons=names, origin=origin_label(origin, lang),
                k=len(groups), values=head + "; ".join(parts) + ".")
