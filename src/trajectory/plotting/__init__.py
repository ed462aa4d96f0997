"""Figures for the study: curves, stacked incidence, funnels, alluvials, heatmaps, forests.

Every function takes a tidy table (or a :class:`~trajectory.results.TidyResult`) first,
then keyword-only options, draws on ``ax`` (a new figure when None), returns the Axes
(or a Figure for small multiples), and never calls ``show``. Labels come in English,
Dutch or French (``lang="en" | "nl" | "fr"``) from the project vocabularies; colours from
:mod:`trajectory.plotting.theme`, where each outcome has one fixed colour.

Cells suppressed by the disclosure gate (NaN, or ``suppressed`` True) are drawn as
hatched boxes labelled ``<k``, never as zero.

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
from .alluvial import plot_alluvial
from .curves import numbers_at_risk, plot_curves
from .delays import plot_delays, survival_quantiles
from .forest import plot_forest
from .funnel import plot_funnel
from .heatmap import crosswalk_matrix, plot_crosswalk
from .stacked import plot_stacked_incidence, plot_state_occupation
from .theme import OUTCOME_COLOURS, colour_for, display_label, theme_context

__all__ = [
    "plot_result",
    "plot_curves",
    "plot_stacked_incidence",
    "plot_state_occupation",
    "plot_funnel",
    "plot_alluvial",
    "plot_crosswalk",
    "plot_forest",
    "plot_delays",
    "survival_quantiles",
    "numbers_at_risk",
    "crosswalk_matrix",
    "OUTCOME_COLOURS",
    "colour_for",
    "display_label",
    "theme_context",
]

#: Class-name fragments -> plot function (checked in order, before the columns).
_BY_CLASS: tuple[tuple[str, Any], ...] = (
    ("StateOccupation", plot_state_occupation),
    ("MultiState", plot_state_occupation),
    ("Quantile", plot_delays),
    ("Delay", plot_delays),
    ("Attrition", plot_funnel),
    ("Funnel", plot_funnel),
    ("Crosswalk", plot_crosswalk),
    ("Flow", plot_alluvial),
    ("Transition", plot_alluvial),
    ("KaplanMeier", plot_curves),
    ("Incidence", plot_curves),
    ("NelsonAalen", plot_curves),
    ("Cox", plot_forest),
    ("FineGray", plot_forest),
    ("Poisson", plot_forest),
    ("Model", plot_forest),
)

#: Required columns -> plot function, for DataFrames and unknown result classes.
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
    """Draw a result with the matching ``plot_*`` function (used by ``TidyResult.plot``).

    A cumulative incidence of several outcomes in several groups goes to
    :func:`plot_stacked_incidence` (one panel a group). Otherwise the function is chosen
    by the result's class name (e.g. ``KaplanMeierResult`` -> :func:`plot_curves`,
    ``CoxResult`` -> :func:`plot_forest`, ``AttritionResult`` -> :func:`plot_funnel`), else
    by the table's columns (``state`` -> state occupation,
    ``time, estimate`` -> curves, ``term`` -> forest, ``stage, n`` -> funnel,
    ``source, target, count`` -> alluvial, ``police_code, parquet_code`` -> crosswalk,
    ``quantile`` -> delays). Keyword arguments are passed on.

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
    if _many_groups_and_outcomes(source.table) and (
        "Incidence" in source.kind or "outcome" in columns
    ):
        # one axes of groups x outcomes is unreadable: one stacked panel a group
        return plot_stacked_incidence(result, ax=ax, **kwargs)
    for fragment, function in _BY_CLASS:
        if fragment in source.kind:
            return function(result, ax=ax, **kwargs)
    for needed, function in _BY_COLUMNS:
        if needed <= columns:
            return function(result, ax=ax, **kwargs)
    raise SchemaError(
        f"plot_result: no figure for a {source.kind or 'DataFrame'} with columns "
        f"{', '.join(map(str, source.table.columns))}; call one of the plot_* functions "
        "of trajectory.plotting directly"
    )
