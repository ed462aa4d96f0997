"""Stacked areas: where cases stand on day t (competing outcomes) and multi-state occupation.

Both take a long curve table (``time, estimate`` and an ``outcome`` or ``state`` column,
optionally ``group`` and ``suppressed``) and stack the step functions. At a time where
a layer is suppressed by the disclosure gate, the layers under it are drawn and the
stack from the hidden layer up is hatched: what lies above a hidden value is unknown,
so nothing is drawn there, and nothing as zero.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> cif = pd.DataFrame({"outcome": ["court", "court", "dismissal_technical"],
...                     "time": [10.0, 30.0, 20.0], "estimate": [0.1, 0.2, 0.5]})
>>> wide = stack_on_common_times(cif, key="outcome")
>>> wide.round(2).to_dict("list")
{'court': [0.0, 0.1, 0.1, 0.2], 'dismissal_technical': [0.0, 0.0, 0.5, 0.5]}
>>> ax = plot_stacked_incidence(cif)
>>> len(ax.collections)  # two outcomes and the open remainder
3
>>> import matplotlib.pyplot as plt; plt.close("all")
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ..errors import ConfigError
from ._base import finish, groups_in_order, require_columns, small_count_text, source_of
from ._base import suppressed_mask as _suppressed_mask
from .theme import (
    SUPPRESSED_COLOUR,
    SUPPRESSED_HATCH,
    colours_for,
    display_label,
    format_decimal,
    format_percent,
    text,
    theme_context,
    time_label,
)

__all__ = ["plot_stacked_incidence", "plot_state_occupation", "stack_on_common_times"]

#: Bottom-to-top order of the outcome layers (the open remainder goes on top).
OUTCOME_STACK_ORDER: tuple[str, ...] = (
    "court",
    "alternative",
    "administrative",
    "dismissal_opportunity",
    "dismissal_technical",
)


#: Bottom-to-top order of multi-state layers: open stages first, then decisions, so that
#: rare late states (hidden early by the disclosure gate) sit on top of the stack.
STATE_STACK_ORDER: tuple[str, ...] = (
    "complaint", "police", "parquet", "dismissal_technical", "dismissal_opportunity",
    "administrative", "alternative", "court", "judged",
)


def stack_on_common_times(table: pd.DataFrame, *, key: str) -> pd.DataFrame:
    """Evaluate each step curve of ``table`` (one per ``key`` value) on all its times.

    Returns a wide DataFrame indexed by time (starting at 0, where every layer is 0),
    one column a ``key`` value. At time t a layer takes the value of its last row with
    ``time <= t``; that value is NaN when the row was suppressed.

    Examples
    --------
    >>> t = pd.DataFrame({"state": ["a", "b", "a"], "time": [0.0, 0.0, 5.0],
    ...                   "estimate": [1.0, 0.0, 0.6]})
    >>> stack_on_common_times(t, key="state").to_dict("list")
    {'a': [1.0, 0.6], 'b': [0.0, 0.0]}
    """
    times = np.union1d([0.0], table["time"].to_numpy(float))
    wide: dict[Any, np.ndarray] = {}
    for k in groups_in_order(table[key]):
        layer = table[table[key] == k].sort_values("time", kind="stable")
        values = np.where(_suppressed_mask(layer, ["estimate"]), np.nan,
                          layer["estimate"].to_numpy(float))
        pos = np.searchsorted(layer["time"].to_numpy(float), times, side="right") - 1
        wide[k] = np.where(pos >= 0, values[np.clip(pos, 0, None)], 0.0)
    return pd.DataFrame(wide, index=pd.Index(times, name="time"))


def _draw_stack(
    ax: Axes,
    wide: pd.DataFrame,
    *,
    order: list[Any],
    remainder: str | None,
    lang: str,
    t_end: float,
) -> int:
    """Fill the layers bottom to top; return the number of suppressed spans hatched."""
    times = np.append(wide.index.to_numpy(float), t_end)
    colours = colours_for([*order, *([remainder] if remainder else [])])
    # an outcome with no published step (events held back below k) stays at 0, as the
    # disclosure gate publishes it: a held-back curve starts flat at 0
    wide = wide.reindex(columns=[*order, *[c for c in wide.columns if c not in order]],
                        fill_value=0.0)
    values = wide[order].to_numpy(float)
    hidden = np.isnan(values).any(axis=1)
    # at a time where a layer is hidden, the layers under it are still known: draw them,
    # and hatch from the first hidden layer up (the stack above a hidden value is unknown)
    known = np.cumprod(~np.isnan(values), axis=1).astype(bool)
    shown = np.where(known, values, 0.0)
    bottom = np.zeros(len(wide))
    for col, k in enumerate(order):
        top = bottom + shown[:, col]
        ax.fill_between(times, np.append(bottom, bottom[-1]), np.append(top, top[-1]),
                        step="post", color=colours[k], lw=0, label=display_label(k, lang))
        bottom = top
    if remainder is not None:
        rest_top = np.where(hidden, bottom, 1.0)
        ax.fill_between(times, np.append(bottom, bottom[-1]), np.append(rest_top, rest_top[-1]),
                        step="post", color=colours[remainder], lw=0,
                        label=display_label(remainder, lang))
    spans = 0
    if hidden.any():
        ax.fill_between(times, np.append(bottom, bottom[-1]), 1.0,
                        where=np.append(hidden, hidden[-1]), step="post", facecolor="white",
                        hatch=SUPPRESSED_HATCH, edgecolor=SUPPRESSED_COLOUR, lw=0, zorder=2,
                        label="_suppressed")
        spans = int(np.sum(np.diff(np.concatenate([[0], hidden.astype(int)])) == 1))
    return spans


def _panels(
    data: Any,
    *,
    key: str,
    function: str,
    group: Any,
    ax: Axes | None,
    ylabel: str,
    order: list[Any] | None,
    default_order: tuple[str, ...],
    remainder: str | None,
    lang: str,
    min_count: int | None,
) -> Axes | Figure:
    source = source_of(data, function=function)
    table = source.table
    require_columns(table, ["time", "estimate", key], function=function)
    table = table if "group" in table.columns else table.assign(group="all")
    all_groups = groups_in_order(table["group"])
    if group is not None:
        if group not in all_groups:
            raise ConfigError(f"{function}: group {group!r} not in the table; it has {all_groups}")
        all_groups = [group]
    if len(all_groups) > 1 and ax is not None:
        raise ConfigError(
            f"{function}: the table has {len(all_groups)} groups and one Axes was given; "
            "pass group=... to draw one, or ax=None for one panel a group"
        )
    present = groups_in_order(table[key])
    if order is None:
        order = [k for k in default_order if k in present] + [
            k for k in present if k not in default_order
        ]
    t_end = max(float(table["time"].max()), 1.0)
    small = small_count_text(source, min_count=min_count)
    with theme_context():
        if ax is None:
            ncols = min(len(all_groups), 3)
            nrows = -(-len(all_groups) // ncols)
            # one panel: a wider plot and the legend under it, never wider than the plot
            size = ((7.2, 4.6) if len(all_groups) == 1
                    else (3.4 * ncols + 3.2, 2.9 * nrows + 0.4))
            fig, axes = plt.subplots(nrows, ncols, figsize=size,
                                     sharex=True, sharey=True, squeeze=False,
                                     layout="constrained")
            axes_list = list(axes.ravel())
        else:
            fig, axes_list = ax.get_figure(root=True), [ax]  # type: ignore[assignment]
        spans = 0
        for panel, g in zip(axes_list, all_groups, strict=False):
            wide = stack_on_common_times(table[table["group"] == g], key=key)
            spans += _draw_stack(panel, wide, order=order, remainder=remainder, lang=lang,
                                 t_end=t_end)
            panel.set_xlim(0, t_end)
            panel.set_ylim(0, 1)
            panel.grid(False)
            if len(all_groups) > 1:
                panel.set_title(display_label(g, lang), loc="left", fontsize=10)
        for panel in axes_list[len(all_groups):]:
            panel.set_visible(False)
        for panel in axes_list[: len(all_groups)]:
            panel.tick_params(labelbottom=True)
        first = axes_list[0]
        handles, labels = first.get_legend_handles_labels()
        handles, labels = handles[::-1], labels[::-1]  # top layer first, as stacked
        # a layer that never holds 0.5% of the cases is not worth a legend entry
        peak = table.groupby(key)["estimate"].max()
        tiny = {display_label(k, lang) for k, v in peak.items() if v < 0.005}
        kept = [(h, lab) for h, lab in zip(handles, labels, strict=True) if lab not in tiny]
        handles, labels = [h for h, _ in kept], [lab for _, lab in kept]
        if spans:
            handles.append(Rectangle((0, 0), 1, 1, facecolor="white", hatch=SUPPRESSED_HATCH,
                                     edgecolor=SUPPRESSED_COLOUR))
            labels.append(f"{text('suppressed', lang)} ({small})")
        for panel in axes_list[: len(all_groups)]:
            if panel.get_subplotspec() is None or panel.get_subplotspec().is_first_col():
                panel.set_ylabel(ylabel)
            if panel.get_subplotspec() is None or panel.get_subplotspec().is_last_row():
                panel.set_xlabel(time_label(source.time_unit, lang))
        alt = _stack_alt(table, key, all_groups, order, remainder, t_end, source.time_unit,
                         function, lang)
        if len(all_groups) == 1:
            if ax is None:
                fig.legend(handles, labels, loc="outside lower center", ncol=3, fontsize=8)
            else:
                first.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                             fontsize=8)
            finish(first, alt, lang)
            return first
        fig.legend(handles, labels, loc="outside right upper")
        finish(fig, alt, lang)
        return fig


def _stack_alt(table: pd.DataFrame, key: str, groups: list[Any], order: list[Any],
               remainder: str | None, t_end: float, unit: str, function: str,
               lang: str) -> str:
    """Alt text: the layers at the last time, for the first panel (or the whole cohort)."""
    focus = "all" if "all" in groups else groups[0]
    wide = stack_on_common_times(table[table["group"] == focus], key=key)
    last = wide.ffill().iloc[-1] if len(wide) else pd.Series(dtype=float)
    top = last.dropna().sort_values(ascending=False)
    parts = [f"{display_label(k, lang).lower()} {format_percent(v, lang)}"
             for k, v in top.iloc[:3].items() if v > 0]
    if remainder is not None and len(top) and last.notna().all():
        parts.append(text("alt_open", lang, share=format_percent(max(0.0, 1 - last.sum()), lang)))
    unit_word = text(unit, lang) if unit in ("days", "months", "years") else unit
    head = (display_label(focus, lang) + ", " if len(groups) > 1 else "")
    values = text("alt_end_values", lang, t=format_decimal(t_end, ".0f", lang), unit=unit_word,
                  values=head + "; ".join(parts))
    if function == "plot_state_occupation":
        return text("alt_states", lang, t=format_decimal(t_end, ".0f", lang), unit=unit_word,
                    values=values)
    return text("alt_stacked", lang, k=len(groups), values=values)


def plot_stacked_incidence(
    data: Any,
    *,
    group: Any = None,
    order: list[Any] | None = None,
    show_open: bool = True,
    ax: Axes | None = None,
    lang: str = "en",
    min_count: int | None = None,
) -> Axes | Figure:
    """Stack the cumulative incidence of every outcome: where cases stand on day t.

    Parameters
    ----------
    data : DataFrame or TidyResult
        Cumulative-incidence table with ``outcome, time, estimate`` (outcome codes of
        vocabulary ``outcome_groups``), optional ``group`` and ``suppressed``. A table
        without ``outcome`` may name the outcome ``state`` (as
        ``CumulativeIncidenceResult`` does).
    group : optional
        Draw only this group. By default one panel a group (a Figure is returned when
        there are several).
    order : list, optional
        Outcomes bottom to top; default court, alternative, administrative, dismissal
        (opportunity), dismissal (technical), then any other.
    show_open : bool
        Add the remainder ``1 - sum`` on top, in the colour of open (censored) cases.
    ax : Axes, optional
        Needs a single group (or ``group=``).
    lang : {"en", "nl", "fr"}
    min_count : int, optional
        Disclosure threshold shown in the legend of suppressed spans.

    Returns
    -------
    Axes (one group) or Figure (one panel a group).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> cif = pd.DataFrame({"outcome": ["court", "alternative"], "time": [10.0, 20.0],
    ...                     "estimate": [0.1, 0.3]})
    >>> ax = plot_stacked_incidence(cif, lang="fr")
    >>> print(ax.figure.legends[0].get_texts()[0].get_text())
    Ouvert à la date d'extraction
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    columns = source_of(data, function="plot_stacked_incidence").table.columns
    return _panels(
        data,
        key="outcome" if "outcome" in columns or "state" not in columns else "state",
        function="plot_stacked_incidence",
        group=group,
        ax=ax,
        ylabel=text("where_cases_stand", lang),
        order=order,
        default_order=OUTCOME_STACK_ORDER,
        remainder="censored" if show_open else None,
        lang=lang,
        min_count=min_count,
    )


def plot_state_occupation(
    data: Any,
    *,
    group: Any = None,
    order: list[Any] | None = None,
    ax: Axes | None = None,
    lang: str = "en",
    min_count: int | None = None,
) -> Axes | Figure:
    """Stacked area of multi-state occupation probabilities over time.

    Parameters
    ----------
    data : DataFrame or TidyResult
        State-occupation table with ``state, time, estimate`` (probability of being in
        the state at ``time``; states sum to 1), optional ``group`` and ``suppressed``.
        States named after outcome groups or event stages get their fixed colours.
    group, order, ax, lang, min_count
        As in :func:`plot_stacked_incidence`; ``order`` is bottom to top, default
        :data:`STATE_STACK_ORDER` (open stages, then decisions), then any other state.

    Returns
    -------
    Axes (one group) or Figure (one panel a group).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> occ = pd.DataFrame({"state": ["parquet", "court", "parquet", "court"],
    ...                     "time": [0.0, 0.0, 50.0, 50.0], "estimate": [1.0, 0.0, 0.7, 0.3]})
    >>> ax = plot_state_occupation(occ)
    >>> len(ax.collections)
    2
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    return _panels(
        data,
        key="state",
        function="plot_state_occupation",
        group=group,
        ax=ax,
        ylabel=text("state_occupation", lang),
        order=order,
        default_order=STATE_STACK_ORDER,
        remainder=None,
        lang=lang,
        min_count=min_count,
    )
