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

import textwrap
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from ..errors import ConfigError
from ._base import (
    Source,
    finish,
    format_count,
    groups_in_order,
    level_of,
    new_axes,
    require_columns,
    rounding_of,
    small_count_text,
    source_of,
    suppressed_mask,
)
from .risk_table import numbers_at_risk
from .risk_table import risk_table as draw_risk_table
from .theme import (
    SUPPRESSED_COLOUR,
    SUPPRESSED_HATCH,
    colon,
    colours_for,
    display_label,
    format_decimal,
    format_percent,
    readable_text_colour,
    text,
    theme_context,
    time_label,
)
from .words import join_notes

__all__ = ["plot_curves", "numbers_at_risk", "comparison_caption"]

_LINESTYLES: tuple[Any, ...] = ("-", "--", ":", "-.")
_Y_LABELS = {"survival": "survival", "incidence": "cumulative_incidence",
             "hazard": "cumulative_hazard", "occupation": "state_occupation"}
#: Value of each kind of curve at time 0, prepended when the table starts later (an
#: occupation curve has none in common: the table's own first row is drawn).
_START: dict[str, float | None] = {"survival": 1.0, "incidence": 0.0, "hazard": 0.0,
                                   "occupation": None}
#: More groups than this are drawn as small multiples (one panel a group) by default.
FACET_ABOVE = 4


def _curve_kind(source: Source, kind: str) -> str:
    """The curve kind: given, declared by the result, else read from the columns.

    A ``state`` column holds competing outcomes (``CumulativeIncidenceResult``) or
    multi-state states (``StateOccupationResult``); without a declared kind, the
    probabilities tell: states are occupied with probability 1 in all at every time,
    cumulative incidences sum to less than 1 until every case is decided.
    """
    if kind in ("survival", "incidence", "hazard", "occupation"):
        return kind
    if kind != "auto":
        raise ConfigError(f"plot_curves: kind={kind!r}; use 'auto', 'survival', "
                          "'incidence', 'occupation' or 'hazard'")
    declared = source.figure.get("kind")
    if declared == "cumulative_hazard":
        return "hazard"
    if declared == "state_occupation":
        return "occupation"
    table = source.table
    if declared == "incidence" or "outcome" in table.columns:
        return "incidence"
    if "state" in table.columns:
        return "occupation" if _sums_to_one(table) else "incidence"
    return "survival"


def _sums_to_one(table: pd.DataFrame) -> bool:
    """True when, at the first time of each group, the estimates over states sum to 1."""
    t = table.assign(_g=table["group"].astype(str) if "group" in table.columns else "")
    first = t[t["time"] == t.groupby("_g")["time"].transform("min")]
    sums = first.groupby("_g")["estimate"].sum(min_count=1)
    return bool(len(sums)) and bool(np.all(np.abs(sums.to_numpy(float) - 1.0) < 1e-6))


def _p_words(p: float, lang: str = "en") -> str:
    if p < 0.001:
        return "p < " + format_decimal(0.001, ".3f", lang)
    return "p = " + format_decimal(p, ".3f", lang)


def comparison_caption(test: Any, lang: str = "en") -> str:
    """The caption line of a test comparing the curves (``ComparisonResult`` or mapping).

    Examples
    --------
    >>> comparison_caption({"statistic": 12.345, "df": 2, "p": 0.0021})
    'Log-rank test: χ² = 12.3, df = 2, p = 0.002'
    """
    if test is None:
        return ""
    def get(name: str) -> Any:
        return test[name] if isinstance(test, dict) else getattr(test, name)

    stat, df, p = float(get("statistic")), int(get("df")), float(get("p"))
    return text("logrank", lang, chisq=format_decimal(stat, ".1f", lang), df=df,
                p=_p_words(p, lang))


def _with_start(curve: pd.DataFrame, start: float | None) -> pd.DataFrame:
    """Prepend the curve's value at time 0 (1 for survival, 0 for incidence; None: none)."""
    curve = curve.sort_values("time", kind="stable")
    if start is None or (len(curve) and curve["time"].iloc[0] <= 0):
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
    censor_marks: bool = True,
    lw: float = 1.8,
) -> int:
    """Draw one step curve with its band; return the number of suppressed boxes drawn."""
    mask = suppressed_mask(curve, ["estimate"])
    t = curve["time"].to_numpy(float)
    est = np.where(mask, np.nan, curve["estimate"].to_numpy(float))
    # the curve ends at its last time (its last follow-up), as R's plot.survfit
    ax.step(t, est, where="post", color=colour, linestyle=linestyle, lw=lw, label=label)
    if censor_marks and "n_censor" in curve.columns:
        # a tick where cases left follow-up still open (censored), as R's mark.time
        cens = curve["n_censor"].fillna(0).to_numpy(float) > 0
        ax.plot(t[cens & ~mask], est[cens & ~mask], linestyle="none", marker="|", ms=4,
                mew=0.8, color=colour, label="_censored")
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


def _medians(table: pd.DataFrame, groups: list[Any], kind: str) -> dict[Any, float]:
    """Time each survival curve first reaches 0.5 or below (NaN when not reached)."""
    out: dict[Any, float] = {}
    if kind != "survival":
        return out
    for g in groups:
        c = table[table["group"] == g].sort_values("time", kind="stable")
        hit = c[c["estimate"].to_numpy(float) <= 0.5]
        out[g] = float(hit["time"].iloc[0]) if len(hit) else float("nan")
    return out


def _curves_alt(source: Source, table: pd.DataFrame, groups: list[Any], key: str | None,
                keys: list[Any], kind: str, lang: str, test: Any) -> str:
    """What the curves show, for whom, and the main number: medians, else the end values.

    Kaplan-Meier curves are named so; cumulative incidence (Aalen-Johansen) and
    cumulative hazard (Nelson-Aalen) curves by their own estimator.
    """
    unit = text(source.time_unit, lang) if source.time_unit in ("days", "months",
                                                                "years") else source.time_unit
    t_end = format_decimal(float(table["time"].max()) if len(table) else 0.0, ".0f", lang)
    medians = _medians(table, groups, kind)
    found = {g: m for g, m in medians.items() if np.isfinite(m)}
    if len(found) >= 2:
        lo, hi = min(found, key=found.get), max(found, key=found.get)  # type: ignore[arg-type]
        detail = text("alt_medians", lang, lo=format_decimal(found[lo], ".0f", lang),
                      hi=format_decimal(found[hi], ".0f", lang), unit=unit,
                      glo=display_label(lo, lang), ghi=display_label(hi, lang))
    elif len(found) == 1:
        detail = text("alt_median_one", lang,
                      m=format_decimal(next(iter(found.values())), ".0f", lang), unit=unit)
    else:
        parts = []
        for g in groups[:4]:
            for k in keys[:3]:
                c = table[table["group"] == g] if k is None else table[
                    (table["group"] == g) & (table[key] == k)]
                if len(c):
                    v = float(c.sort_values("time")["estimate"].iloc[-1])
                    # the group is named only when there are several
                    names = [x for x in ((g if len(groups) > 1 else None), k) if x is not None]
                    name = " ".join(display_label(x, lang) for x in names) or display_label(
                        g, lang)
                    shown = (format_decimal(v, ".2f", lang) if kind == "hazard"
                             else format_percent(v, lang))
                    parts.append(f"{name} {shown}")
        detail = text("alt_end_values", lang, t=t_end, unit=unit,
                      values="; ".join(parts)) if parts else ""
    n = format_count(source.n) if source.n else "?"
    if kind == "survival":
        alt = text("alt_survival", lang, what=text("alt_what_survival", lang), t=t_end,
                   unit=unit, k=len(groups), n=n, medians=detail)
    else:
        alt = text("alt_" + kind, lang, t=t_end, unit=unit, k=len(groups), n=n, values=detail)
    if test is not None:
        alt += " " + comparison_caption(test, lang) + "."
    return alt


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
    test: Any = None,
    facet: bool | str = "auto",
    censor_marks: bool = True,
) -> Axes | Figure:
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
        Print the number at risk at each x tick under the plot (needs ``n_risk``). A
        cell after a curve's last time is blank; numbers of a published result are
        rounded to its rounding base.
    bands : bool
        Shade the pointwise confidence band ``lower``-``upper``.
    kind : {"auto", "survival", "incidence", "occupation", "hazard"}
        Sets the start value at time 0 (1, 0, or the table's own first row for
        "occupation") and the y label. "auto" takes the result's declared figure kind
        (``"incidence"``, ``"state_occupation"``, ``"cumulative_hazard"``: unbounded
        axis), else the columns: ``outcome`` -> "incidence"; ``state`` -> "occupation"
        when the estimates sum to 1 over the states at the first time (multi-state),
        else "incidence" (competing outcomes); otherwise "survival".
    groups, outcomes : list, optional
        Subsets (and order) of groups and outcomes to draw.
    lang : {"en", "nl", "fr"}
        Language of the labels (group and outcome codes through the vocabularies).
    title, ylabel : str, optional
    max_time : float, optional
        Right end of the time axis (default: the last time in the table).
    min_count : int, optional
        Disclosure threshold k printed as ``<k`` in place of suppressed numbers
        (default: the k of the result's disclosure notes, else the letter k).
    test : ComparisonResult or mapping, optional
        A test of the curves (e.g. ``trajectory.logrank(...)``), written under the
        title: statistic, degrees of freedom and p-value.
    facet : {"auto", True, False}
        Small multiples: one panel a group, the group in colour with its band and
        risk row, the other groups in light grey behind it. "auto": when there are more
        than four groups and one curve a group. Returns the Figure.
    censor_marks : bool
        A tick on the curve where cases left follow-up still open (``n_censor > 0``),
        as R ``plot.survfit(mark.time=TRUE)``.

    Returns
    -------
    matplotlib.axes.Axes or Figure
        The curve Axes (one panel), or the Figure of the small multiples. An alt text
        written from the curves is attached (:func:`trajectory.plotting.figure_alt`).

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
    if facet == "auto":
        facet = len(key_list) == 1 and len(group_list) > FACET_ABOVE and ax is None
    if facet:
        if ax is not None:
            raise ConfigError("plot_curves: facet=True draws its own figure; pass ax=None")
        drawn: Axes | Figure = _plot_facets(
            source, table, group_list=group_list, key=key, key_list=key_list, kind=kind,
            lang=lang, bands=bands, risk_table=risk_table, max_time=max_time,
            min_count=min_count, test=test, censor_marks=censor_marks, title=title,
            ylabel=ylabel)
    else:
        drawn = _plot_one_panel(
            source, table, ax=ax, group_list=group_list, key=key, key_list=key_list,
            kind=kind, lang=lang, bands=bands, risk_table=risk_table, max_time=max_time,
            min_count=min_count, test=test, censor_marks=censor_marks, title=title,
            ylabel=ylabel, outcomes_given=outcomes is not None)
    finish(drawn, _curves_alt(source, table, group_list, key, key_list, kind, lang, test), lang)
    return drawn


def _plot_one_panel(
    source: Source,
    table: pd.DataFrame,
    *,
    ax: Axes | None,
    group_list: list[Any],
    key: str | None,
    key_list: list[Any],
    kind: str,
    lang: str,
    bands: bool,
    risk_table: bool,
    max_time: float | None,
    min_count: int | None,
    test: Any,
    censor_marks: bool,
    title: str | None,
    ylabel: str | None,
    outcomes_given: bool,
) -> Axes:
    """Every curve on one Axes, its legend, and the risk table under it (see plot_curves)."""
    many_keys = len(key_list) > 1
    colours = colours_for(key_list if many_keys else group_list)
    t_end = float(max_time) if max_time is not None else max(float(table["time"].max()), 1.0)
    small = small_count_text(source, min_count=min_count)
    with theme_context():
        ax = new_axes(ax, (7.0, 4.2 + (0.25 * len(group_list) if risk_table else 0)))
        risk_rows, n_suppressed = _draw_groups(
            ax, table, group_list=group_list, key=key, key_list=key_list, colours=colours,
            kind=kind, lang=lang, bands=bands, t_end=t_end, censor_marks=censor_marks,
            outcomes_given=outcomes_given)
        ax.set_xlim(0, t_end)
        if kind != "hazard":  # a cumulative hazard is not bounded by 1
            ax.set_ylim(-0.02, 1.02)
        ax.set_ylabel(ylabel or text(_Y_LABELS[kind], lang))
        ax.set_xlabel(time_label(source.time_unit, lang))
        if title:
            ax.set_title(title, loc="left")
        if test is not None:
            ax.set_title(comparison_caption(test, lang), loc="right", fontsize=8.5,
                         fontweight="normal", color="#333333")
        _legend(ax, source, table, group_list=group_list, key_list=key_list, colours=colours,
                lang=lang, bands=bands, censor_marks=censor_marks, small=small,
                n_suppressed=n_suppressed)
        if risk_table:
            draw_risk_table(ax, risk_rows, lang=lang, small=small, base=rounding_of(source))
    return ax


def _draw_groups(
    ax: Axes,
    table: pd.DataFrame,
    *,
    group_list: list[Any],
    key: str | None,
    key_list: list[Any],
    colours: dict[Any, str],
    kind: str,
    lang: str,
    bands: bool,
    t_end: float,
    censor_marks: bool,
    outcomes_given: bool,
) -> tuple[list[tuple[str, str, pd.DataFrame]], int]:
    """Draw one curve a group (and outcome); return the risk-table rows and the boxes drawn.

    With several outcomes, colour tells the outcome and the line style the group.
    """
    many_keys = len(key_list) > 1
    start = _START[kind]
    risk_rows: list[tuple[str, str, pd.DataFrame]] = []
    n_suppressed = 0
    for gi, g in enumerate(group_list):
        sub = table[table["group"] == g]
        for k in key_list:
            curve = sub if k is None else sub[sub[key] == k]
            if curve.empty:
                continue
            parts = [display_label(g, lang)] if len(group_list) > 1 or not many_keys else []
            if k is not None and (many_keys or outcomes_given):
                parts.append(display_label(k, lang))
            n_suppressed += _draw_curve(
                ax, _with_start(curve, start), colour=colours[k] if many_keys else colours[g],
                linestyle=_LINESTYLES[gi % len(_LINESTYLES)] if many_keys else "-",
                label=" \u2013 ".join(parts), bands=bands, kind=kind, t_end=t_end,
                censor_marks=censor_marks)
        first = sub if key is None else sub[sub[key] == key_list[0]]
        risk_rows.append((display_label(g, lang), "#333333" if many_keys else colours[g], first))
    return risk_rows, n_suppressed


def _legend(
    ax: Axes,
    source: Source,
    table: pd.DataFrame,
    *,
    group_list: list[Any],
    key_list: list[Any],
    colours: dict[Any, str],
    lang: str,
    bands: bool,
    censor_marks: bool,
    small: str,
    n_suppressed: int,
) -> None:
    """The legend right of the plot: curves, suppressed stretches, band, censoring marks."""
    handles, labels = ax.get_legend_handles_labels()
    if len(key_list) > 1 and len(group_list) > 1:
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
    if censor_marks and "n_censor" in table.columns:
        handles.append(Line2D([], [], color="#444444", marker="|", ls="none", ms=6))
        labels.append(text("censor_mark", lang))
    if len(labels) > 1 or n_suppressed:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0))


def _plot_facets(
    source: Source,
    table: pd.DataFrame,
    *,
    group_list: list[Any],
    key: str | None,
    key_list: list[Any],
    kind: str,
    lang: str,
    bands: bool,
    risk_table: bool,
    max_time: float | None,
    min_count: int | None,
    test: Any,
    censor_marks: bool,
    title: str | None,
    ylabel: str | None,
) -> Figure:
    """Small multiples: a panel a group, the others in grey behind (see plot_curves)."""
    colours = colours_for(group_list)
    start = _START[kind]
    t_end = float(max_time) if max_time is not None else max(float(table["time"].max()), 1.0)
    small = small_count_text(source, min_count=min_count)
    base = rounding_of(source)
    ncols = min(len(group_list), 3 if len(group_list) > 4 else 2)
    nrows = -(-len(group_list) // ncols)
    curves = {g: table[table["group"] == g] if key is None else
              table[(table["group"] == g) & (table[key] == key_list[0])] for g in group_list}
    with theme_context():
        fig, axes = plt.subplots(nrows, ncols, figsize=(3.3 * ncols + 0.6, 2.9 * nrows + 0.9),
                                 sharex=True, sharey=True, squeeze=False)
        panels = list(axes.ravel())
        for panel, g in zip(panels, group_list, strict=False):
            for other in group_list:  # the other groups, thin and grey, for comparison
                if other != g and not curves[other].empty:
                    _draw_curve(panel, _with_start(curves[other], start), colour="#C8C8C8",
                                linestyle="-", label="_other", bands=False, kind=kind,
                                t_end=t_end, censor_marks=False, lw=0.9)
            if not curves[g].empty:
                _draw_curve(panel, _with_start(curves[g], start), colour=colours[g],
                            linestyle="-", label=display_label(g, lang), bands=bands,
                            kind=kind, t_end=t_end, censor_marks=censor_marks)
            # long names on two lines, so that a title never runs into the next panel's
            panel.set_title(textwrap.fill(display_label(g, lang), 34), loc="left",
                            fontsize=9.5, color=readable_text_colour(colours[g]))
            panel.set_xlim(0, t_end)
            if kind != "hazard":
                panel.set_ylim(-0.02, 1.02)
            panel.tick_params(labelbottom=True)
        for panel in panels[len(group_list):]:
            fig.delaxes(panel)  # no empty frame, and no gap above the time label
        panels = panels[:len(group_list)]
        for panel in panels[::ncols]:
            panel.set_ylabel(ylabel or text(_Y_LABELS[kind], lang), fontsize=9)
        # the time label under the last panel of each column (as seaborn's FacetGrid),
        # right under the curves whatever the number of panels in the last row
        lowest = {i % ncols: i for i in range(len(panels))}
        for i in lowest.values():
            panels[i].set_xlabel(time_label(source.time_unit, lang), fontsize=9)
        caption = comparison_caption(test, lang) if test is not None else None
        heading = [h for h in (title, caption) if h]
        notes = [text("others_grey", lang)]
        if bands and {"lower", "upper"} <= set(table.columns):
            notes.append(text("ci", lang, level=level_of(source.alpha)) + colon(lang)
                         + text("band", lang))
        if censor_marks and "n_censor" in table.columns:
            notes.append("| " + text("censor_mark", lang))
        if risk_table and base:
            notes.append(text("at_risk_note", lang, base=base))
        heading.append(join_notes(notes, lang))
        fig.suptitle("\n".join(heading), x=0.01, ha="left", fontsize=9, fontweight="normal")
        fig.tight_layout(h_pad=2.6 if risk_table else 1.0)
        if risk_table:
            for i, (panel, g) in enumerate(zip(panels, group_list, strict=False)):
                # the row is named in the first column only (it would run into the panel
                # on its left)
                name = text("at_risk", lang) if i % ncols == 0 else ""
                draw_risk_table(panel, [(name, "#333333", curves[g])], lang=lang,
                                small=small, base=base, title=False,
                                pad=0.62 if panel.get_xlabel() else 0.42)
    return fig
