"""Forest plot of model terms: hazard ratios (log scale) or additive flag effects.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> m = pd.DataFrame({"term": ["hate", "zone[T.5341]"], "estimate": [-0.4, 0.2],
...                   "std_err": [0.1, 0.1], "lower": [-0.6, 0.0], "upper": [-0.2, 0.4],
...                   "p": [0.0001, 0.05]})
>>> ax = plot_forest(m, scale="ratio")
>>> ax.get_xscale(), [t.get_text() for t in ax.get_yticklabels()]
('log', ['Hate crime and hate speech', 'Zone: South (Midi)'])
>>> import matplotlib.pyplot as plt; plt.close("all")
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

from ..errors import ConfigError
from ._base import (
    axes_height_inches,
    finish,
    groups_in_order,
    level_of,
    new_axes,
    require_columns,
    source_of,
)
from .theme import (
    BY_LABELS,
    colon,
    colours_for,
    display_label,
    format_decimal,
    text,
    theme_context,
)

__all__ = ["plot_forest", "term_label"]

_FORMULA_LEVEL = re.compile(r"^(?P<var>[^\[]+)\[T\.(?P<level>.+)\]$")
_VARIABLE_NAMES = {"zone": "Zone", "offence_group": "", "outcome": ""}


def term_label(term: str, lang: str = "en") -> str:
    """Readable label of a model term: ``zone[T.5341]`` -> ``Zone: South (Midi)``.

    Examples
    --------
    >>> term_label("offence_group[T.hate]", "nl")
    'Haatmisdrijf en haatspraak'
    >>> term_label("age")
    'age'
    """
    match = _FORMULA_LEVEL.match(str(term))
    if not match:
        return display_label(term, lang)
    var, level = match["var"], match["level"]
    wrapped = re.match(r"^C\(\s*(\w+)\s*(,.*)?\)$", var)  # patsy's C(var, Treatment(...))
    if wrapped:
        var = wrapped.group(1)
    prefix = _VARIABLE_NAMES.get(var, var)
    if var in BY_LABELS:
        prefix = BY_LABELS[var][lang]
    level_label = display_label(level, lang)
    return f"{prefix}{colon(lang)}{level_label}" if prefix else level_label


def _ratio_ticks(ax: Axes, lo: np.ndarray, hi: np.ndarray) -> None:
    """Plain tick labels (0.5, 1, 2) on a log axis, chosen from 1-2-5 steps in range."""
    finite = np.concatenate([lo[np.isfinite(lo) & (lo > 0)], hi[np.isfinite(hi) & (hi > 0)], [1]])
    left, right = finite.min() / 1.15, finite.max() * 1.15
    steps = [m * 10.0**e for e in range(-3, 4) for m in (1, 2, 5)]
    ticks = [t for t in steps if left <= t <= right]
    if len(ticks) < 3:
        steps = [m * 10.0**e for e in range(-3, 4) for m in (1, 1.5, 2, 3, 5, 7)]
        ticks = [t for t in steps if left <= t <= right]
    if len(ticks) > 7:  # a wide range: 1-3 steps, then powers of ten, so labels never touch
        steps = [m * 10.0**e for e in range(-3, 4) for m in (1, 3)]
        ticks = [t for t in steps if left <= t <= right]
        if len(ticks) > 7:
            ticks = [10.0**e for e in range(-3, 4) if left <= 10.0**e <= right]
    ax.set_xlim(left, right)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def _unbounded(est: float, lo: float, hi: float, scale: str) -> bool:
    """True for an estimate that is no finding: an infinite limit, or a ratio off the scale.

    A ratio beyond 1000 or below 1/1000 means the fit ran off (a level without events).
    """
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return True
    return scale == "ratio" and not (1e-3 < est < 1e3)


def _p_text(p: float, lang: str = "en") -> str:
    if not np.isfinite(p):
        return ""
    if p < 0.001:
        return "p<" + format_decimal(0.001, ".3f", lang)
    return "p=" + format_decimal(p, ".3f", lang)


def plot_forest(
    data: Any,
    *,
    scale: str = "auto",
    by: str | None = None,
    ax: Axes | None = None,
    lang: str = "en",
    annotate: bool = True,
    title: str | None = None,
    xlabel: str | None = None,
    quantity: str | None = None,
) -> Axes:
    """Draw point estimates with confidence intervals, one row a term.

    Parameters
    ----------
    data : DataFrame or TidyResult
        Model table ``term, estimate, lower, upper`` (``std_err``, ``p`` optional), on
        the linear-predictor scale (log hazard ratio for Cox), optionally with
        ``hazard_ratio, hr_lower, hr_upper``. A NaN estimate is written, not drawn: "not
        estimable" for a term of the result's ``notes["non_estimable"]`` (a level
        without events, as R ``coxph`` reports NA), else "suppressed" (the disclosure
        gate withheld it).
    scale : {"auto", "ratio", "linear"}
        ``"ratio"``: hazard ratios on a log axis with a reference line at 1, taken from
        ``hazard_ratio, hr_lower, hr_upper`` when present, else ``exp`` of ``estimate,
        lower, upper``. ``"linear"``: ``estimate`` with a reference line at 0 (e.g.
        flag effects as differences in proportions). ``"auto"``: "ratio" when the
        table has ``hazard_ratio``, else "linear".
    by : str, optional
        Column splitting the estimates of one term (e.g. ``"outcome"`` for
        cause-specific models); estimates are dodged and coloured (outcomes keep their
        fixed colours). Default: ``"outcome"`` or ``"model"`` when present.
    ax : Axes, optional
    lang : {"en", "nl", "fr"}
    annotate : bool
        Write the estimate, interval and p-value at the right of each row.
    title, xlabel : str, optional
        Title; label of the x axis (default: the ``quantity``'s label).
    quantity : str, optional
        What the ratios are: ``"hazard_ratio"`` (default on the ratio scale),
        ``"subdistribution_hazard_ratio"``, ``"rate_ratio"``, ``"median_ratio"``...
        (keys ``q_<quantity>`` of :data:`trajectory.plotting.theme.TEXT`); the result's
        ``figure["quantity"]`` when drawn through ``result.plot()``.

    Returns
    -------
    matplotlib.axes.Axes
    """
    source = source_of(data, function="plot_forest")
    table = source.table
    require_columns(table, ["term", "estimate", "lower", "upper"], function="plot_forest")
    if scale == "auto":
        scale = "ratio" if "hazard_ratio" in table.columns else "linear"
    if scale not in ("ratio", "linear"):
        raise ConfigError(f"plot_forest: scale={scale!r}; use 'auto', 'ratio' or 'linear'")
    est, lo, hi = _estimates(table, scale)
    if by is None:
        by = next((c for c in ("outcome", "model") if c in table.columns), None)
    series = groups_in_order(table[by]) if by else [None]
    terms = groups_in_order(table["term"])
    colours = colours_for(series) if by else {None: "#222222"}
    with theme_context():
        ax = new_axes(ax, (7.5, 0.32 * len(terms) * len(series) + 1.4))
        _draw_rows(ax, table, (est, lo, hi), by=by, series=series, terms=terms,
                   colours=colours, scale=scale, lang=lang, annotate=annotate,
                   non_estimable=non_estimable_terms(source.notes))
        _scale_axis(ax, (est, lo, hi), scale=scale, lang=lang, xlabel=xlabel,
                    quantity=quantity)
        ax.set_yticks(range(len(terms)), labels=[term_label(t, lang) for t in terms])
        ax.set_ylim(len(terms) - 0.5, -0.5)
        ax.grid(axis="y", visible=False)
        ax.tick_params(axis="y", length=0)
        if annotate:
            ax.text(1.02, -0.5, f"({text('ci', lang, level=level_of(source.alpha))})",
                    transform=ax.get_yaxis_transform(), ha="left", va="bottom", fontsize=8,
                    color="#555555")
        if by:
            handles = [Line2D([], [], color=colours[s], marker="s", lw=1.6) for s in series]
            ax.legend(handles, [display_label(s, lang) for s in series],
                      loc="upper center", bbox_to_anchor=(0.5, -0.55 / axes_height_inches(ax)),
                      ncol=min(len(series), 3))
        if title:
            ax.set_title(title, loc="left")
    finish(ax, _forest_alt(terms, table, (est, lo, hi), scale, ax.get_xlabel(), lang,
                           level_of(source.alpha)), lang)
    return ax


Estimates = tuple[np.ndarray, np.ndarray, np.ndarray]


def non_estimable_terms(notes: Mapping[str, Any]) -> frozenset[str]:
    """Terms a model reported as not estimable (``notes["non_estimable"]``: term -> reason).

    Examples
    --------
    >>> sorted(non_estimable_terms({"non_estimable": {"zone[T.b]": "no events"}}))
    ['zone[T.b]']
    >>> non_estimable_terms({})
    frozenset()
    """
    reasons = notes.get("non_estimable") or {}
    return frozenset(str(term) for term in reasons)


def _estimates(table: Any, scale: str) -> Estimates:
    """Estimate, lower and upper limit on the drawn scale (ratios: ``exp`` of the model's)."""
    if scale == "ratio" and "hazard_ratio" in table.columns:
        require_columns(table, ["hr_lower", "hr_upper"], function="plot_forest")
        est, lo, hi = (table[c].to_numpy(float) for c in ("hazard_ratio", "hr_lower", "hr_upper"))
        return est, lo, hi
    est, lo, hi = (table[c].to_numpy(float) for c in ("estimate", "lower", "upper"))
    if scale == "ratio":
        return np.exp(est), np.exp(lo), np.exp(hi)
    return est, lo, hi


def _draw_rows(ax: Axes, table: Any, values: Estimates, *, by: str | None,
               series: list[Any], terms: list[Any], colours: dict[Any, str], scale: str,
               lang: str, annotate: bool, non_estimable: frozenset[str] = frozenset()) -> None:
    """One row a term (dodged by ``by``): interval, square, and "est (lo-hi)  p" at the right.

    A term the model could not estimate (in ``non_estimable``, or run off to 0 or
    infinity), or one the disclosure gate suppressed (any other NaN), is a plain
    statement instead of a point.
    """
    est, lo, hi = values
    p = table["p"].to_numpy(float) if "p" in table.columns else np.full(len(table), np.nan)
    finite = np.abs(np.concatenate([est, lo, hi]))
    finite = finite[np.isfinite(finite)]
    spec = ".2f" if scale == "ratio" or (finite.size and finite.max() >= 1) else ".3f"
    height = 0.8 / len(series)
    trans = ax.get_yaxis_transform()
    for k, s in enumerate(series):
        for i in range(len(table)):
            if by and table[by].iloc[i] != s:
                continue
            y = terms.index(table["term"].iloc[i]) + (k - (len(series) - 1) / 2) * height
            if not np.isfinite(est[i]) or _unbounded(est[i], lo[i], hi[i], scale):
                words = "suppressed" if not np.isfinite(est[i]) and str(
                    table["term"].iloc[i]) not in non_estimable else "not_estimable"
                ax.text(0.5, y, text(words, lang), transform=trans, ha="center",
                        va="center", fontsize=8, color="#777777")
                continue
            ax.plot([lo[i], hi[i]], [y, y], color=colours[s], lw=1.6, solid_capstyle="butt")
            ax.plot([est[i]], [y], marker="s", ms=5, color=colours[s], lw=0)
            if annotate:
                ax.text(1.02, y, f"{format_decimal(est[i], spec, lang)} "
                        f"({format_decimal(lo[i], spec, lang)}\u2013"
                        f"{format_decimal(hi[i], spec, lang)})  {_p_text(p[i], lang)}",
                        transform=trans, ha="left", va="center", fontsize=8)


def _scale_axis(ax: Axes, values: Estimates, *, scale: str, lang: str, xlabel: str | None,
                quantity: str | None) -> None:
    """The reference line (1 or 0), the log axis of ratios with plain ticks, the x label."""
    est, lo, hi = values
    ax.axvline(1.0 if scale == "ratio" else 0.0, color="#555555", lw=0.8, ls="--")
    if scale == "ratio":
        ax.set_xscale("log")
        ok = np.array([not _unbounded(e, a, b, scale) for e, a, b in zip(est, lo, hi,
                                                                         strict=True)])
        _ratio_ticks(ax, lo[ok] if ok.any() else np.array([1.0]),
                     hi[ok] if ok.any() else np.array([1.0]))
        ax.set_xlabel(xlabel or text("q_" + (quantity or "hazard_ratio"), lang))
    else:
        ax.set_xlabel(xlabel or (text("q_" + quantity, lang) if quantity
                                 else text("effect", lang)))


def _forest_alt(terms: list[Any], table: Any, values: Estimates, scale: str, quantity: str,
                lang: str, level: str) -> str:
    est, lo, hi = values
    ref = 1.0 if scale == "ratio" else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        size = np.abs(np.log(est)) if scale == "ratio" else np.abs(est - ref)
    size = np.where(np.isfinite(size), size, -1.0)
    if not len(size) or size.max() < 0:
        return text("alt_withheld", lang)
    # an estimate that ran off to 0 or infinity (separation in sparse data) is no
    # finding to describe; the largest finite, bounded one is
    bounded = np.isfinite(lo) & np.isfinite(hi) & (np.abs(np.log(np.where(
        est > 0, est, 1.0))) < np.log(1e3) if scale == "ratio" else np.isfinite(hi))
    size = np.where(bounded, size, -1.0)
    if size.max() < 0:
        return text("alt_forest_none", lang, k=len(terms))
    i = int(np.argmax(size))
    return text("alt_forest", lang, k=len(terms), quantity=quantity.split(" (")[0].lower(),
                ref=format_decimal(ref, "g", lang), term=term_label(table["term"].iloc[i], lang),
                est=format_decimal(est[i], ".2f", lang), lo=format_decimal(lo[i], ".2f", lang),
                hi=format_decimal(hi[i], ".2f", lang), ci=text("ci", lang, level=level))


