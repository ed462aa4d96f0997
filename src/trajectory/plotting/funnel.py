"""Attrition funnel: cases left at each stage, with conditional and cumulative rates.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> f = pd.DataFrame({"stage": ["E11", "E30", "E45"], "n": [1000, 800, 120]})
>>> ax = plot_funnel(f)
>>> len(ax.patches)
3
>>> import matplotlib.pyplot as plt; plt.close("all")
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from ._base import (
    finish,
    format_count,
    level_of,
    new_axes,
    require_columns,
    small_count_text,
    source_of,
)
from ._base import suppressed_mask as _suppressed_mask
from .theme import (
    OKABE_ITO,
    SUPPRESSED_COLOUR,
    SUPPRESSED_HATCH,
    display_label,
    format_percent,
    text,
    theme_context,
)

__all__ = ["plot_funnel"]


def _pct(value: float, lang: str = "en") -> str:
    return format_percent(value, lang)


def _two_lines(words: str) -> str:
    """Break a heading at the space nearest its middle."""
    spaces = [i for i, c in enumerate(words) if c == " "]
    if not spaces:
        return words
    cut = min(spaces, key=lambda i: abs(i - len(words) / 2))
    return words[:cut] + "\n" + words[cut + 1:]


def _funnel_alt(stages: list[str], n: np.ndarray, conditional: np.ndarray, lang: str) -> str:
    shown = np.flatnonzero(np.isfinite(n))
    if shown.size == 0:
        return text("alt_withheld", lang)
    first, last = shown[0], shown[-1]
    steps = conditional[1:]
    # the largest loss only when every step is shown: a hidden step may hold it
    worst = (int(np.argmin(steps)) + 1) if len(steps) and np.isfinite(steps).all() else None
    alt = text("alt_funnel", lang, n0=format_count(n[first]), first=stages[first],
               n1=format_count(n[last]), share=_pct(n[last] / n[first], lang),
               last=stages[last], k=len(stages))
    if worst is not None:
        alt += " " + text("alt_funnel_loss", lang, prev=stages[worst - 1],
                          stage=stages[worst], share=_pct(conditional[worst], lang))
    hidden = int(np.sum(~np.isfinite(n)))
    if hidden:
        alt += " " + text("alt_stages_hidden", lang, n=hidden)
    return alt


def plot_funnel(
    data: Any,
    *,
    ax: Axes | None = None,
    lang: str = "en",
    colour: str = OKABE_ITO["blue"],
    title: str | None = None,
    min_count: int | None = None,
) -> Axes:
    """Draw an attrition funnel, one centred bar a stage, annotated with its rates.

    Parameters
    ----------
    data : DataFrame or TidyResult
        Attrition table, one row a stage, first stage first, with columns

        ``stage``
            stage name or code (labelled through the vocabularies: events, outcome groups);
        ``n``
            cases reaching the stage (NaN when suppressed);
        ``conditional`` (optional)
            ``n / n`` of the previous stage; computed from ``n`` when absent;
        ``cumulative`` (optional)
            ``n / n`` of the first stage; computed from ``n`` when absent;
        ``lower``, ``upper`` (optional)
            confidence interval of ``conditional``;
        ``suppressed`` (optional, bool)
            row hidden by the disclosure gate.
    ax : Axes, optional
    lang : {"en", "nl", "fr"}
    colour : str
        Bar colour.
    title : str, optional
    min_count : int, optional
        Disclosure threshold k, printed ``<k`` on suppressed bars.

    Returns
    -------
    matplotlib.axes.Axes

    Notes
    -----
    A suppressed stage is drawn as a hatched outline as wide as the previous shown
    stage (an upper bound, since a funnel never rises), labelled ``<k``, never as zero.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> f = pd.DataFrame({"stage": ["E11", "E30"], "n": [50, 40], "conditional": [1, 0.8],
    ...                   "cumulative": [1, 0.8], "lower": [np.nan, 0.66],
    ...                   "upper": [np.nan, 0.9]})
    >>> ax = plot_funnel(f, lang="nl")
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['Aangifte of klacht neergelegd', 'Inschrijving op het parket']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    source = source_of(data, function="plot_funnel")
    table = source.table.reset_index(drop=True)
    require_columns(table, ["stage", "n"], function="plot_funnel")
    n = table["n"].to_numpy(float)
    hidden = _suppressed_mask(table, ["n"])
    n = np.where(hidden, np.nan, n)
    previous = np.concatenate([[np.nan], n[:-1]])
    conditional = (table["conditional"].to_numpy(float) if "conditional" in table.columns
                   else n / previous)
    cumulative = (table["cumulative"].to_numpy(float) if "cumulative" in table.columns
                  else n / n[0])
    lower = table["lower"].to_numpy(float) if "lower" in table.columns else np.full(len(n), np.nan)
    upper = table["upper"].to_numpy(float) if "upper" in table.columns else np.full(len(n), np.nan)
    widest = float(np.nanmax(n)) if np.isfinite(n).any() else 1.0
    small = small_count_text(source, min_count=min_count)
    level = level_of(source.alpha)
    with theme_context():
        ax = new_axes(ax, (6.0, 0.5 * len(table) + 1.2))
        last_shown = widest
        for i in range(len(table)):
            if hidden[i]:
                ax.add_patch(Rectangle((-last_shown / 2, i - 0.4), last_shown, 0.8, fill=False,
                                       hatch=SUPPRESSED_HATCH, edgecolor=SUPPRESSED_COLOUR,
                                       lw=0.8))
                ax.text(0, i, small, ha="center", va="center", fontsize=9, color="#333333")
                continue
            ax.add_patch(Rectangle((-n[i] / 2, i - 0.4), n[i], 0.8, facecolor=colour,
                                   edgecolor="none", alpha=0.85))
            inside = n[i] > 0.18 * widest
            ax.text(0 if inside else n[i] / 2 + 0.01 * widest, i, format_count(n[i]),
                    ha="center" if inside else "left", va="center", fontsize=9,
                    color="white" if inside else "#222222")
            last_shown = n[i]
        trans = ax.get_yaxis_transform()
        # column headings on two lines each, so that no language runs into the next column
        ax.text(1.02, -0.75, f"{text('conditional', lang)}\n({text('ci', lang, level=level)})",
                transform=trans, ha="left", va="center", fontsize=8.5, color="#555555",
                linespacing=1.1)
        ax.text(1.50, -0.75, _two_lines(text("cumulative", lang)), transform=trans,
                ha="left", va="center", fontsize=8.5, color="#555555", linespacing=1.1)
        for i in range(1, len(table)):
            ci = (f" ({_pct(lower[i], lang)}\u2013{_pct(upper[i], lang)})"
                  if np.isfinite(lower[i]) and np.isfinite(upper[i]) else "")
            ax.text(1.02, i, _pct(conditional[i], lang) + ci, transform=trans, ha="left",
                    va="center", fontsize=9)
            ax.text(1.50, i, _pct(cumulative[i], lang), transform=trans, ha="left",
                    va="center", fontsize=9)
        ax.set_xlim(-widest / 2 * 1.02, widest / 2 * 1.02)
        ax.set_ylim(len(table) - 0.5, -1.1)
        ax.set_yticks(range(len(table)))
        ax.set_yticklabels([display_label(s, lang) for s in table["stage"]])
        ax.tick_params(axis="y", length=0)
        ax.set_xticks([])
        ax.grid(False)
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        ax.set_xlabel(text("count", lang))
        if title:
            ax.set_title(title, loc="left")
    stages = [display_label(st, lang) for st in table["stage"]]
    finish(ax, _funnel_alt(stages, n, conditional, lang), lang)
    return ax
