"""Figures for the study: curves, stacked incidence, funnels, alluvials, heatmaps, forests.

Every function takes a tidy table (or a :class:`~trajectory.results.TidyResult`) first,
then keyword-only options, draws on ``ax`` (a new figure when None), returns the Axes
(or a Figure for small multiples), and never calls ``show``. Labels come in English,
Dutch or French (``lang="en" | "nl" | "fr"``) from the project vocabularies; colours from
:mod:`trajectory.plotting.theme`, where each outcome has one fixed colour.

Cells suppressed by the disclosure gate (NaN, or ``suppressed`` True) are drawn as
hatched boxes labelled ``<k``, never as zero. Every figure carries an alt text written
from its data (:func:`figure_alt`); :func:`save_figure` writes it as SVG and 300-dpi PNG.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> table = pd.DataFrame({"term": ["hate"], "estimate": [0.3], "lower": [0.1],
...                       "upper": [0.5], "hazard_ratio": [1.35], "hr_lower": [1.1],
...                       "hr_upper": [1.65]})
>>> plot_result(table).get_xscale()
'log'
>>> import matplotlib.pyplot as plt; plt.close("all")
"""

from __future__ import annotations

from typing import Any

from ..errors import SchemaError
from ._base import source_of
from .alluvial import FlowsResult, plot_alluvial, trajectory_flows
from .breakdown import BREAKDOWNS, breakdown_incidence, plot_breakdown
from .curves import comparison_caption, numbers_at_risk, plot_curves
from .delays import plot_delays, survival_quantiles
from .export import PRINT_DPI, SavedFigure, figure_alt, save_figure
from .flags import plot_flags
from .forest import plot_forest
from .funnel import plot_funnel
from .heatmap import crosswalk_matrix, plot_crosswalk
from .horizons import plot_horizons
from .stacked import plot_stacked_incidence, plot_state_occupation
from .theme import OUTCOME_COLOURS, colour_for, display_label, theme_context

__all__ = [
    "plot_result",
    "plot_curves",
    "plot_stacked_incidence",
    "plot_state_occupation",
    "plot_horizons",
    "plot_breakdown",
    "breakdown_incidence",
    "BREAKDOWNS",
    "plot_funnel",
    "plot_alluvial",
    "trajectory_flows",
    "FlowsResult",
    "plot_crosswalk",
    "plot_forest",
    "plot_flags",
    "plot_delays",
    "survival_quantiles",
    "numbers_at_risk",
    "comparison_caption",
    "crosswalk_matrix",
    "save_figure",
    "figure_alt",
    "SavedFigure",
    "PRINT_DPI",
    "OUTCOME_COLOURS",
    "colour_for",
    "display_label",
    "theme_context",
]

#: Figure kind (a result class's ``figure["kind"]``) -> plot function.
BY_KIND: dict[str, Any] = {
    "survival": plot_curves,
    "cumulative_hazard": plot_curves,
    "incidence": plot_curves,
    "state_occupation": plot_state_occupation,
    "horizons": plot_horizons,
    "breakdown": plot_breakdown,
    "forest": plot_forest,
    "flags": plot_flags,
    "funnel": plot_funnel,
    "alluvial": plot_alluvial,
    "crosswalk": plot_crosswalk,
    "delays": plot_delays,
}

#: Required columns -> plot function, for DataFrames and results without a figure kind.
_BY_COLUMNS: tuple[tuple[frozenset[str], Any], ...] = (
    (frozenset({"state", "time", "estimate"}), plot_state_occupation),
    (frozenset({"time", "estimate"}), plot_curves),
    (frozenset({"term", "estimate", "lower", "upper"}), plot_forest),
    (frozenset({"stage", "n"}), plot_funnel),
    (frozenset({"source", "target", "count"}), plot_alluvial),
    (frozenset({"police_code", "parquet_code"}), plot_crosswalk),
    (frozenset({"quantile", "estimate"}), plot_delays),
)


def _many_groups_and_outcomes(table: Any) -> bool:
    key = next((c for c in ("outcome", "state") if c in table.columns), None)
    return bool(key and "group" in table.columns and table["group"].nunique() > 1
                and table[key].nunique() > 1)


def plot_result(result: Any, ax: Any = None, **kwargs: Any) -> Any:
    """Draw a result with the ``plot_*`` function of its declared figure kind.

    A result class declares ``figure = {"kind": ..., options}`` (see
    :data:`trajectory.results.FIGURE_KINDS`); the options (e.g. ``origin``) are passed
    to the plot function unless given here. A cumulative incidence of several outcomes
    in several groups goes to :func:`plot_stacked_incidence` (one panel a group). A
    DataFrame, or a result without a kind, is drawn by its columns (``state`` -> state
    occupation, ``time, estimate`` -> curves, ``term`` -> forest, ``stage, n`` ->
    funnel, ``source, target, count`` -> alluvial, ``police_code, parquet_code`` ->
    crosswalk, ``quantile`` -> delays). Keyword arguments are passed on.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> ax = plot_result(pd.DataFrame({"stage": ["E11", "E30"], "n": [10, 8]}))
    >>> ax.get_xlabel()
    'Number of cases'
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    source = source_of(result, function="plot_result")
    columns = set(source.table.columns)
    spec = dict(source.figure)
    kind = spec.pop("kind", None)
    if kind == "none":
        raise SchemaError(
            "plot_result: this result has no figure of its own (a test is written in a "
            "figure's caption: plot_curves(..., test=result))"
        )
    options = {k: v for k, v in spec.items() if k != "quantity"}
    if kind == "forest" and "quantity" in spec:
        options["quantity"] = spec["quantity"]
    options.update(kwargs)
    if kind in (None, "incidence") and _many_groups_and_outcomes(source.table) and (
        kind == "incidence" or "outcome" in columns
    ):
        # one axes of groups x outcomes is unreadable: one stacked panel a group
        return plot_stacked_incidence(result, ax=ax, **kwargs)
    if kind is not None:
        if kind not in BY_KIND:
            raise SchemaError(f"plot_result: unknown figure kind {kind!r}; known: "
                              f"{', '.join(sorted(BY_KIND))}")
        return BY_KIND[kind](result, ax=ax, **options)
    for needed, function in _BY_COLUMNS:
        if needed <= columns:
            return function(result, ax=ax, **kwargs)
    raise SchemaError(
        f"plot_result: no figure for a {source.kind or 'DataFrame'} with columns "
        f"{', '.join(map(str, source.table.columns))}; call one of the plot_* functions "
        "of trajectory.plotting directly"
    )
