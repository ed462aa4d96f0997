"""Survival and cumulative-incidence step curves with bands and a number-at-risk table.

Input is a curve table (``trajectory.results.CURVE_COLUMNS``: ``group, time, estimate,
lower, upper, n_risk, n_event, n_censor``), optionally with an ``outcome`` column
(competing risks) or a ``state`` column (multi-state), as a DataFrame or a TidyResult.
Rows flagged by the disclosure gate (``suppressed`` True, or a missing ``estimate``) are
drawn as a hatched box between the neighbouring shown values, never as zero; a
suppressed number at risk is printed ``<k``.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> table = pd.DataFrame({
...     "group": ["a"] * 3, "time": [0.0, 5.0, 9.0], "estimate": [1.0, 0.8, 0.5],
...     "lower": [1.0, 0.6, 0.3], "upper": [1.0, 0.95, 0.7],
...     "n_risk": [10, 10, 6], "n_event": [0, 2, 3], "n_censor": [0, 2, 3]})
>>> ax = plot_curves(table)
>>> [t.get_text() for t in ax.figure.axes[1].texts][:2]
['10', '10']
>>> import matplotlib.pyplot as plt; plt.close("all")
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from mpl_toolkits.axes_grid1 import make_axes_locatable

from ..errors import ConfigError
from ._base import (
    Source,
    format_count,
    groups_in_order,
    level_of,
    new_axes,
    require_columns,
    small_count_text,
    source_of,
    suppressed_mask,
)
from .theme import (
    SUPPRESSED_COLOUR,
    SUPPRESSED_HATCH,
    colours_for,
    display_label,
    readable_text_colour,
    text,
    theme_context,
    time_label,
)

__all__ = ["plot_curves", "numbers_at_risk"]

_LINESTYLES: tuple[Any, ...] = ("-", "--", ":", "-.")


def _curve_kind(source: Source, kind: str) -> str:
    if kind in ("survival", "incidence"):
        return kind
    if kind != "auto":
        raise ConfigError(f"plot_curves: kind={kind!r}; use 'auto', 'survival' or 'incidence'")
    if "outcome" in source.table.columns or "Incidence" in source.kind:
        return "incidence"
    return "survival"


def numbers_at_risk(curve: pd.DataFrame, times: np.ndarray) -> list[float]:
    """Number at risk of one curve at each of ``times``.

    At a time ``t`` it is ``n_risk`` of the first row with ``time >= t`` (the table lists
    every distinct time, as R's ``survfit`` does); after the last row it is that row's
    ``n_risk - n_event - n_censor``. A suppressed ``n_risk`` gives NaN.

    Examples
    --------
    >>> c = pd.DataFrame({"time": [2.0, 5.0], "n_risk": [10, 7], "n_event": [3, 1],
    ...                   "n_censor": [0, 2]})
    >>> numbers_at_risk(c, np.array([0.0, 2.0, 3.0, 6.0]))
    [10.0, 10.0, 7.0, 4.0]
    """
    curve = curve.sort_values("time", kind="stable")
    t = curve["time"].to_numpy(float)
    risk = curve["n_risk"].to_numpy(float)
    idx = np.searchsorted(t, np.asarray(times, float), side="left")
    out: list[float] = []
    for i in idx:
        if i < len(t):
            out.append(float(risk[i]))
        elif {"n_event", "n_censor"} <= set(curve.columns) and len(t):
            last = curve.iloc[-1]
            out.append(float(last["n_risk"] - last["n_event"] - last["n_censor"]))
        else:
            out.append(float("nan"))
    return out


def _with_start(curve: pd.DataFrame, start: float) -> pd.DataFrame:
    """Prepend the curve's value at time 0 (1 for survival, 0 for incidence)."""
    curve = curve.sort_values("time", kind="stable")
    if len(curve) and curve["time"].iloc[0] <= 0:
        return curve
    first = {c: np.nan for c in curve.columns}
    first.update(time=0.0, estimate=start, lower=start, upper=start)
    if "suppressed" in curve.columns:
        first["suppressed"] = False
    head = pd.DataFrame([first]).astype(curve.dtypes.to_dict(), errors="ignore")
    out = curve.iloc[[0] * 1].copy() if len(curve) else pd.DataFrame([first])
    if len(curve):
        out.iloc[0] = head.iloc[0].reindex(out.columns).to_numpy()
        return pd.concat([out, curve], ignore_index=True)
    return head


def _draw_curve(
    ax: Axes,
    curve: pd.DataFrame,
    *,
    colour: str,
    linestyle: str,
    label: str,
    bands: bool,
    kind: str,
    t_end: float,
) -> int:
    """Draw one step curve with its band; return the number of suppressed boxes drawn."""
    mask = suppressed_mask(curve, ["estimate"])
    t = curve["time"].to_numpy(float)
    est = np.where(mask, np.nan, curve["estimate"].to_numpy(float))
    # the curve ends at its last time (its last follow-up), as R's plot.survfit
    ax.step(t, est, where="post", color=colour, linestyle=linestyle, lw=1.8, label=label)
    if bands and {"lower", "upper"} <= set(curve.columns):
        lo = np.where(mask, np.nan, curve["lower"].to_numpy(float))
        hi = np.where(mask, np.nan, curve["upper"].to_numpy(float))
        ax.fill_between(t, lo, hi, step="post", color=colour, alpha=0.15, lw=0)
    boxes = 0
    i = 0
    while i < len(mask):
        if not mask[i]:
            i += 1
            continue
        j = i
        while j < len(mask) and mask[j]:
            j += 1
        before = est[i - 1] if i > 0 else (1.0 if kind == "survival" else 0.0)
        after = est[j] if j < len(mask) else (0.0 if kind == "survival" else 1.0)
        x1 = t[j] if j < len(mask) else (t[-1] if t[-1] > t[i] else t_end)
        y0, y1 = sorted((before, after))
        # the hidden stretch of a monotone curve lies between its shown neighbours
        ax.add_patch(Rectangle((t[i], y0), x1 - t[i], y1 - y0, fill=False, hatch=SUPPRESSED_HATCH,
                               edgecolor=colour, lw=0.6, alpha=0.6 if j < len(mask) else 0.35,
                               label="_suppressed"))
        boxes += 1
        i = j
    return boxes


def _risk_table(
    ax: Axes,
    rows: list[tuple[str, str, pd.DataFrame]],
    *,
    lang: str,
    small: str,
) -> Axes:
    """Add the number-at-risk table under ``ax``, one row a curve, at the x ticks."""
    lo, hi = ax.get_xlim()
    ticks = np.array([t for t in ax.get_xticks() if lo - 1e-9 <= t <= hi + 1e-9])
    ax.set_xticks(ticks)
    ax.set_xlim(lo, hi)
    divider = make_axes_locatable(ax)
    table_ax = divider.append_axes("bottom", size=0.24 * len(rows) + 0.05, pad=0.78, sharex=ax)
    table_ax.set_label("risk_table")
    table_ax.set_ylim(len(rows) - 0.5, -0.5)
    table_ax.set_yticks(range(len(rows)))
    table_ax.set_yticklabels([label for label, _, _ in rows])
    for tick_label, (_, colour, _) in zip(table_ax.get_yticklabels(), rows, strict=True):
        tick_label.set_color(readable_text_colour(colour))
    table_ax.tick_params(axis="both", length=0, labelbottom=False)
    table_ax.tick_params(axis="y", pad=16)
    table_ax.grid(False)
    for spine in table_ax.spines.values():
        spine.set_visible(False)
    table_ax.set_title(text("at_risk", lang), loc="left", fontsize=9, fontweight="normal")
    for r, (_, _, curve) in enumerate(rows):
        for t, value in zip(ticks, numbers_at_risk(curve, ticks), strict=True):
            shown = small if np.isnan(value) else format_count(value)
            table_ax.text(t, r, shown, ha="center", va="center", fontsize=8.5)
    return table_ax


def plot_curves(
    data: Any,
    *,
    ax: Axes | None = None,
    risk_table: bool = True,
    bands: bool = True,
    kind: str = "auto",
    groups: list[Any] | None = None,
    outcomes: list[Any] | None = None,
    lang: str = "en",
    title: str | None = None,
    ylabel: str | None = None,
    max_time: float | None = None,
    min_count: int | None = None,
) -> Axes:
    """Draw survival or cumulative-incidence step curves by group, with a risk table.

    Parameters
    ----------
    data : DataFrame or TidyResult
        Curve table with columns ``group, time, estimate`` (required), ``lower, upper``
        (bands), ``n_risk`` (risk table; ``n_event, n_censor`` for ticks after the last
        row), optional ``outcome`` or ``state`` (one curve per group and outcome) and
        ``suppressed`` (bool, from the disclosure gate).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None. The risk table is a second Axes, labelled
        ``"risk_table"``, appended below ``ax`` and sharing its x axis.
    risk_table : bool
        Print the number at risk at each x tick under the plot (needs ``n_risk``).
    bands : bool
        Shade the pointwise confidence band ``lower``-``upper``.
    kind : {"auto", "survival", "incidence"}
        Sets the start value at time 0 (1 or 0) and the y label; "auto" chooses
        "incidence" when the table has an ``outcome`` column or the result is a
        ``*Incidence*`` class.
    groups, outcomes : list, optional
        Subsets (and order) of groups and outcomes to draw.
    lang : {"en", "nl", "fr"}
        Language of the labels (group and outcome codes through the vocabularies).
    title, ylabel : str, optional
    max_time : float, optional
        Right end of the time axis (default: the last time in the table).
    min_count : int, optional
        Disclosure threshold k printed as ``<k`` in place of suppressed numbers
        (default: ``notes["min_count"]`` of the result, else the letter k).

    Returns
    -------
    matplotlib.axes.Axes
        The curve Axes.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> t = pd.DataFrame({"group": "all", "time": [3.0, 8.0], "estimate": [0.7, 0.4],
    ...                   "lower": [0.5, 0.2], "upper": [0.9, 0.6], "n_risk": [10, 6],
    ...                   "n_event": [3, 3], "n_censor": [1, 3]})
    >>> ax = plot_curves(t, lang="nl")
    >>> ax.get_ylabel()
    'Aandeel zonder gebeurtenis'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    source = source_of(data, function="plot_curves")
    table = source.table
    require_columns(table, ["time", "estimate"], function="plot_curves")
    if risk_table:
        require_columns(table, ["n_risk"], function="plot_curves (risk_table=True)")
    kind = _curve_kind(source, kind)
    key = next((c for c in ("outcome", "state") if c in table.columns), None)
    table = table if "group" in table.columns else table.assign(group="all")
    group_list = groups if groups is not None else groups_in_order(table["group"])
    key_list: list[Any] = [None]
    if key is not None:
        key_list = outcomes if outcomes is not None else groups_in_order(table[key])
    many_keys = len(key_list) > 1
    colours = colours_for(key_list if many_keys else group_list)
    start = 1.0 if kind == "survival" else 0.0
    t_end = float(max_time) if max_time is not None else max(float(table["time"].max()), 1.0)
    small = small_count_text(source, min_count=min_count)
    risk_rows: list[tuple[str, str, pd.DataFrame]] = []
    n_suppressed = 0
    with theme_context():
        ax = new_axes(ax, (7.0, 4.2 + (0.25 * len(group_list) if risk_table else 0)))
        for gi, g in enumerate(group_list):
            sub = table[table["group"] == g]
            for k in key_list:
                curve = sub if k is None else sub[sub[key] == k]
                if curve.empty:
                    continue
                colour = colours[k] if many_keys else colours[g]
                parts = [display_label(g, lang)] if len(group_list) > 1 or not many_keys else []
                if k is not None and (many_keys or outcomes is not None):
                    parts.append(display_label(k, lang))
                n_suppressed += _draw_curve(
                    ax,
                    _with_start(curve, start),
                    colour=colour,
                    linestyle=_LINESTYLES[gi % len(_LINESTYLES)] if many_keys else "-",
                    label=" \u2013 ".join(parts),
                    bands=bands,
                    kind=kind,
                    t_end=t_end,
                )
            first = sub if key is None else sub[sub[key] == key_list[0]]
            row_colour = "#333333" if many_keys else colours[g]
            risk_rows.append((display_label(g, lang), row_colour, first))
        ax.set_xlim(0, t_end)
        ax.set_ylim(-0.02, 1.02)
        ax.set_ylabel(ylabel or text("survival" if kind == "survival" else "cumulative_incidence",
                                     lang))
        ax.set_xlabel(time_label(source.time_unit, lang))
        if title:
            ax.set_title(title, loc="left")
        handles, labels = ax.get_legend_handles_labels()
        if many_keys and len(group_list) > 1:
            # groups x outcomes: one legend entry a colour (outcome), one a line style (group)
            handles = [Line2D([], [], color=colours[k], lw=1.8) for k in key_list]
            labels = [display_label(k, lang) for k in key_list]
            handles += [Line2D([], [], color="#444444", lw=1.4,
                               linestyle=_LINESTYLES[gi % len(_LINESTYLES)])
                        for gi in range(len(group_list))]
            labels += [display_label(g, lang) for g in group_list]
        if n_suppressed:
            handles.append(Rectangle((0, 0), 1, 1, fill=False, hatch=SUPPRESSED_HATCH,
                                     edgecolor=SUPPRESSED_COLOUR))
            labels.append(f"{text('suppressed', lang)} ({small})")
        if bands and {"lower", "upper"} <= set(table.columns):
            handles.append(Rectangle((0, 0), 1, 1, facecolor="#777777", alpha=0.2, lw=0))
            labels.append(text("ci", lang, level=level_of(source.alpha)))
        if len(labels) > 1 or n_suppressed:
            ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        if risk_table:
            _risk_table(ax, risk_rows, lang=lang, small=small)
    return ax
