"""Stacked bars of outcome shares: the panel shared by the horizon and breakdown figures.

One horizontal bar a group (or level), split into outcomes (fixed colours, court
first) and the cases still open (grey); a share withheld by the disclosure gate is a
hatched stretch labelled ``<k``, never a zero; a group followed up for less than the
horizon is an empty dotted bar, never its last value.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import matplotlib.pyplot as plt
>>> fig, ax = plt.subplots()
>>> draw_stacked_bars(ax, [("A", {"court": 0.25, "alternative": 0.5}, "ok")],
...                   order=["court", "alternative"], lang="fr", small="<5")
>>> sorted(t.get_text() for t in ax.texts)
['25', '25', '50']
>>> plt.close(fig)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from .stacked import OUTCOME_STACK_ORDER
from .theme import (
    SUPPRESSED_COLOUR,
    SUPPRESSED_HATCH,
    colour_for,
    display_label,
    format_percent,
    readable_text_colour,
    text,
)

__all__ = ["draw_stacked_bars", "legend_handles", "outcome_order", "finish_bar_figure"]

#: Outcomes per row of the legend under a figure of stacked bars.
_LEGEND_COLUMNS = 4


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
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0],
                  labels=["0", "25", "50", "75", format_percent(1.0, lang)])
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


def finish_bar_figure(fig: Figure, order: Sequence[Any], *, lang: str, hidden: bool,
                      small: str, title: str | None) -> None:
    """The legend under the panels (outcomes, open, suppressed), the title, the layout."""
    handles, labels = legend_handles(order, lang, hidden=hidden, small=small)
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), _LEGEND_COLUMNS),
               fontsize=8.5, bbox_to_anchor=(0.5, 0.0))
    rows = -(-len(labels) // _LEGEND_COLUMNS)
    if title:
        fig.suptitle(title, x=0.01, ha="left")
    fig.tight_layout(rect=(0, (0.28 * rows + 0.1) / fig.get_figheight(), 1, 1))
