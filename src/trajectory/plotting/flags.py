"""Forest plot of the flags: one panel a metric, each labelled with its own quantity.

The flags of the three lenses measure different things: ratios of median (or 75th,
90th percentile) delays, hazard ratios of an outcome, differences of shares in
percentage points, distances between codings. Each metric gets its own panel and axis
label, so a ratio of medians is never read as a hazard ratio. It draws the strongest
``max_flagged`` flagged comparisons of a metric in
colour (vermillion: high, the whole interval beyond the practical minimum; orange:
moderate), with at most ``context`` unflagged comparisons closest to a flag in grey for
scale; the rest are counted under the panel, not drawn (the flags table lists them all).

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> f = pd.DataFrame({
...     "lens": ["reception", "reception", "sanctioning"],
...     "stage": ["transmission", "transmission", "court"], "by": "zone",
...     "subgroup": "all", "group": ["5340", "5341", "5342"],
...     "metric": ["median_ratio", "median_ratio", "cause_specific_hazard_ratio"],
...     "effect": [3.2, 1.1, 0.5], "effect_lower": [2.9, 0.9, 0.4],
...     "effect_upper": [3.6, 1.3, 0.6], "threshold": [1.5, 1.5, 0.8],
...     "flagged": [True, False, True], "severity": ["high", "none", "high"]})
>>> fig = plot_flags(f)
>>> [a.get_xlabel() for a in fig.axes]
['Ratio of median delays (log scale)', 'Hazard ratio of the outcome (log scale)']
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

from ._base import finish, level_of, require_columns, source_of
from .forest import _ratio_ticks
from .theme import (
    BY_LABELS,
    OKABE_ITO,
    TEXT,
    colon,
    display_label,
    format_decimal,
    text,
    theme_context,
)

__all__ = ["plot_flags", "flag_label", "effect_text", "METRIC_QUANTITY"]

#: Metric of the flags -> the quantity on its axis (key ``q_<quantity>`` of the texts).
METRIC_QUANTITY: dict[str, str] = {
    "median_ratio": "median_ratio",
    "q75_ratio": "q75_ratio",
    "q90_ratio": "q90_ratio",
    "cause_specific_hazard_ratio": "cause_specific_hazard_ratio",
    "requalification_hazard_ratio": "requalification_hazard_ratio",
    "referral_rate_difference": "difference_points",
    "informed_rate_difference": "difference_points",
    "hate_flag_loss_difference": "difference_points",
    "ifg_flag_loss_difference": "difference_points",
    "division_code_distance": "division_code_distance",
}
_SEVERITY_COLOURS = {"high": OKABE_ITO["vermillion"], "moderate": OKABE_ITO["orange"]}
_CONTEXT_COLOUR = "#B5B5B5"
#: Characters of a row label before it wraps onto a second line.
LABEL_WIDTH = 56
#: Distance between rows of a panel whose labels fit on one line, or take two (inches).
_ROW_INCHES, _TWO_LINE_INCHES = 0.22, 0.32


def _is_ratio(metric: str) -> bool:
    return metric.endswith("ratio")


def _is_points(metric: str) -> bool:
    return METRIC_QUANTITY.get(metric) == "difference_points"


def flag_label(row: pd.Series, lang: str = "en") -> str:
    """Short label of a comparison: group, stage (or outcome), subgroup.

    Examples
    --------
    >>> flag_label(pd.Series({"by": "zone", "group": "5340", "stage": "transmission",
    ...                       "subgroup": "hate", "metric": "median_ratio"}))
    'Zone Brussels-West: police registration to transmission, Hate crime and hate speech'
    """
    by, group = str(row.get("by", "")), row.get("group", "")
    prefix = BY_LABELS.get(by, {}).get(lang, "")
    where = display_label(group, lang)
    where = f"{prefix} {where}".strip() if prefix else where
    stage = str(row.get("stage", ""))
    parts = [where]
    if stage and stage not in ("all", "nan"):
        stage_label = display_label(stage, lang)
        parts.append(stage_label if stage_label != stage else stage.replace("_", " "))
    label = colon(lang).join(parts)
    sub = str(row.get("subgroup", "all"))
    if sub not in ("all", "", "nan", "None"):
        label += ", " + display_label(sub.split("=", 1)[-1], lang)
    return label


def effect_text(metric: str, effect: Any, lower: Any, upper: Any, lang: str = "en") -> str:
    """A flag's effect and interval as the flags figure and the flags table write them.

    A difference of shares reads in percentage points without decimals (the unit of
    the figure's axis and of the flag's sentence), a ratio or a distance with two
    decimals; the language's decimal comma and the minus sign (U+2212) come from
    :func:`~trajectory.plotting.formatting.format_decimal`. A missing bound gives the
    estimate alone, a missing estimate ``"–"``.

    Examples
    --------
    >>> effect_text("hate_flag_loss_difference", 0.4268, 0.3822, 0.4713, "fr")
    '43 (38–47)'
    >>> effect_text("median_ratio", 3.0873, 2.9303, 3.2528)
    '3.09 (2.93–3.25)'
    >>> effect_text("referral_rate_difference", -0.081, -0.12, float("nan"), "nl")
    '−8'
    """
    points = _is_points(metric)
    spec = ".0f" if points else ".2f"

    def shown(value: Any) -> str | None:
        if value is None or pd.isna(value) or not np.isfinite(float(value)):
            return None
        return format_decimal(100 * float(value) if points else float(value), spec, lang)

    est, lo, hi = shown(effect), shown(lower), shown(upper)
    if est is None:
        return "\u2013"
    return est if lo is None or hi is None else f"{est} ({lo}\u2013{hi})"


def _scaled(values: pd.Series, metric: str) -> np.ndarray:
    v = values.to_numpy(float)
    return 100 * v if _is_points(metric) else v


def _run_sorted(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows grouped by (by, group, stage), the whole-study comparison first in a run."""
    if rows.empty:
        return rows
    keys = [c for c in ("by", "group", "stage") if c in rows.columns]
    first_seen = {k: i for i, k in reversed(list(enumerate(
        rows[keys].astype(str).agg("|".join, axis=1))))}
    run = rows[keys].astype(str).agg("|".join, axis=1).map(first_seen)
    whole = (rows["subgroup"].astype(str) != "all") if "subgroup" in rows.columns else 0
    return rows.assign(_run=run.to_numpy(), _whole=np.asarray(whole, dtype=int)).sort_values(
        ["_run", "_whole"], kind="stable").drop(columns=["_run", "_whole"])


def _closest_first(rows: pd.DataFrame, metric: str) -> np.ndarray:
    """Order of ``rows``, strongest evidence first.

    The smallest ``q`` (else ``p``) first; without either, the largest effect.
    """
    score_col = next((c for c in ("q", "p") if c in rows.columns), None)
    if score_col is not None:
        score = rows[score_col].to_numpy(float)
        return np.argsort(np.where(np.isfinite(score), score, np.inf), kind="stable")
    effect = rows["effect"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        size = np.abs(np.log(effect)) if _is_ratio(metric) else np.abs(effect)
    return np.argsort(-np.where(np.isfinite(size), size, -np.inf), kind="stable")


def _panel_rows(table: pd.DataFrame, metric: str, context: int,
                max_flagged: int | None = None) -> tuple[pd.DataFrame, int, int]:
    """Flagged rows of a metric, then the ``context`` unflagged ones closest to a flag.

    "Closest" is the smallest ``q`` (else ``p``, else the largest effect): the near
    misses, not the noisiest estimates of small groups. At most ``max_flagged`` flagged
    rows are drawn, the strongest; returns the rows, the number of unflagged rows left
    out and the number of flagged rows left out (all are in the flags table).
    """
    rows = table[table["metric"] == metric]
    flagged = rows[rows["flagged"].astype(bool)]
    flagged_left = 0
    if max_flagged is not None and len(flagged) > max_flagged:
        keep = np.sort(_closest_first(flagged, metric)[:max_flagged])
        flagged_left = len(flagged) - max_flagged
        flagged = flagged.iloc[keep]
    rest = rows[~rows["flagged"].astype(bool)]
    rest = rest[np.isfinite(rest["effect"].to_numpy(float))]
    shown_rest = rest.iloc[_closest_first(rest, metric)[:context]]
    flagged = _run_sorted(flagged.assign(_flag=True))
    shown_rest = shown_rest.assign(_flag=False)
    out = pd.concat([flagged, shown_rest], ignore_index=True)
    return out, len(rest) - len(shown_rest), flagged_left


def _row_labels(rows: pd.DataFrame, lang: str) -> list[str]:
    """Tree-like labels: a run's first row names the place and stage, the others a subgroup.

    The next rows of the same place and stage show only their subgroup ("… Hate").
    """
    labels, previous = [], None
    for _, r in rows.iterrows():
        head = flag_label(r.drop(labels=["subgroup"], errors="ignore"), lang)
        sub = str(r.get("subgroup", "all"))
        if head == previous and sub not in ("all", "", "nan", "None"):
            labels.append("\u2026 " + display_label(sub.split("=", 1)[-1], lang))
        else:
            labels.append(flag_label(r, lang))
        previous = head
    # long places and stages on two lines, so that the plot keeps its width
    return [textwrap.fill(label, LABEL_WIDTH, max_lines=2, placeholder=" \u2026")
            for label in labels]


def _flags_alt(table: pd.DataFrame, metrics: list[str], lang: str, alpha: float) -> str:
    """Number of flags and panels, and the first flag in words with its interval.

    A difference of shares is written in percentage points, a ratio as a plain number,
    each with its confidence interval ("+12 percentage points (95% CI: 8 to 16)").
    """
    flagged = table[table["flagged"].astype(bool)]
    if flagged.empty:
        return text("alt_flags", lang, k=0, m=0, metrics="-", top="-")
    top = flagged.iloc[0]
    metric = str(top["metric"])
    values = [float(top[c]) for c in ("effect", "effect_lower", "effect_upper")]
    ci = text("ci", lang, level=level_of(alpha))
    if _is_points(metric):
        value, lo, hi = (format_decimal(100 * v, spec, lang)
                         for v, spec in zip(values, ("+.0f", ".0f", ".0f"), strict=True))
        shown = text("alt_flag_points", lang, value=value, ci=ci, lo=lo, hi=hi)
    else:
        value, lo, hi = (format_decimal(v, ".2f", lang) for v in values)
        shown = text("alt_flag_ratio", lang, value=value, ci=ci, lo=lo, hi=hi)
    top_text = f"{flag_label(top, lang)}, {text('m_' + metric, lang).lower()} {shown}"
    names = ", ".join(text("m_" + m, lang).lower() for m in metrics)
    return text("alt_flags", lang, k=len(flagged), m=len(metrics), metrics=names, top=top_text)


def plot_flags(
    data: Any,
    *,
    metrics: list[str] | None = None,
    context: int = 2,
    max_flagged: int | None = 5,
    ax: Any = None,
    lang: str = "en",
    title: str | None = None,
) -> Figure:
    """Draw the flagged comparisons, one panel a metric, each on its own scale.

    Parameters
    ----------
    data : Flags or DataFrame
        The flags table (``metric, effect, effect_lower, effect_upper, flagged``, and
        ``by, group, stage, subgroup, severity, threshold`` when present).
    metrics : list of str, optional
        Metrics to draw (default: every metric with a flagged comparison, in the order
        of the table; every metric when nothing is flagged).
    context : int
        Unflagged comparisons of the same metric drawn in grey (the largest effects);
        0 for none. The others are counted under the panel.
    max_flagged : int or None
        Flagged comparisons drawn per metric, the strongest (smallest ``q``); the others
        are counted under the panel and listed in the flags table. None draws them all.
        Together with ``context`` this caps the figure's height.
    ax : None
        Not used: the figure has one panel a metric (an Axes given raises an error).
    lang : {"en", "nl", "fr"}
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        With an alt text naming the number of flags and the largest.
    """
    source = source_of(data, function="plot_flags")
    table = source.table.reset_index(drop=True)
    require_columns(table, ["metric", "effect", "effect_lower", "effect_upper", "flagged"],
                    function="plot_flags")
    if ax is not None:
        raise ValueError("plot_flags draws one panel a metric in its own figure; pass ax=None")
    flagged = table[table["flagged"].astype(bool)]
    if metrics is None:
        base = flagged if len(flagged) else table
        metrics = list(dict.fromkeys(base["metric"].astype(str)))
    if not len(flagged):
        context = max(context, 5)
    panels = [(m, *_panel_rows(table, m, context, max_flagged)) for m in metrics]
    heights = [_panel_inches(rows, lang, notes=(hidden > 0) + (left > 0))
               for _, rows, hidden, left in panels]
    with theme_context():
        fig, axes = plt.subplots(len(panels), 1, figsize=(8.6, sum(heights) + 0.6),
                                 height_ratios=heights, squeeze=False)
        for panel, (metric, rows, hidden, flagged_left) in zip(axes[:, 0], panels,
                                                                strict=True):
            _draw_panel(panel, metric, rows, hidden, lang, flagged_left=flagged_left)
        handles = [Line2D([], [], color=_SEVERITY_COLOURS["high"], marker="s", lw=1.8),
                   Line2D([], [], color=_SEVERITY_COLOURS["moderate"], marker="s", lw=1.8),
                   Line2D([], [], color=_CONTEXT_COLOUR, marker="s", lw=1.8),
                   Line2D([], [], color=OKABE_ITO["vermillion"], lw=0.8, ls=":")]
        labels = [text("flag_high", lang), text("flag_moderate", lang),
                  text("not_flagged", lang), text("practical_minimum", lang)]
        # two columns: four entries on one line run off a narrow page
        fig.legend(handles, labels, loc="upper left", ncol=2, fontsize=8,
                   bbox_to_anchor=(0.0, 1.0))
        if title:
            fig.suptitle(title, x=0.01, ha="left")
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.45 / fig.get_figheight()))
    finish(fig, _flags_alt(table, metrics, lang, source.alpha), lang)
    return fig


def _panel_inches(rows: pd.DataFrame, lang: str, *, notes: int = 0) -> float:
    """Height of a metric's panel in inches.

    Its rows (wider apart when a label takes two lines), title, axis and the ``notes``
    lines under its axis label.
    """
    wrapped = any("\n" in label for label in _row_labels(rows, lang))
    pitch = _TWO_LINE_INCHES if wrapped else _ROW_INCHES
    return pitch * max(len(rows), 1) + 0.7 + 0.14 * notes


def _draw_panel(panel: Axes, metric: str, rows: pd.DataFrame, hidden: int, lang: str, *,
                flagged_left: int = 0) -> None:
    """One metric: a row a comparison (flagged in colour, context in grey) on its own scale."""
    est = _scaled(rows["effect"], metric)
    lo = _scaled(rows["effect_lower"], metric)
    hi = _scaled(rows["effect_upper"], metric)
    for i in range(len(rows)):
        sev = str(rows["severity"].iloc[i]) if "severity" in rows.columns else "high"
        colour = (_SEVERITY_COLOURS.get(sev, OKABE_ITO["vermillion"])
                  if rows["_flag"].iloc[i] else _CONTEXT_COLOUR)
        if np.isfinite(lo[i]) and np.isfinite(hi[i]):
            panel.plot([lo[i], hi[i]], [i, i], color=colour, lw=1.8,
                       solid_capstyle="butt")
        panel.plot([est[i]], [i], marker="s", ms=5.5, color=colour, lw=0)
        shown = effect_text(metric, rows["effect"].iloc[i], rows["effect_lower"].iloc[i],
                            rows["effect_upper"].iloc[i], lang)
        panel.text(1.01, i, shown, transform=panel.get_yaxis_transform(),
                   ha="left", va="center", fontsize=8,
                   color="#222222" if rows["_flag"].iloc[i] else "#777777")
    ratio = _is_ratio(metric)
    panel.axvline(1.0 if ratio else 0.0, color="#555555", lw=0.8, ls="--")
    if "threshold" in rows.columns and len(rows):
        thr = _scaled(rows["threshold"].dropna().iloc[:1], metric)
        if len(thr) and np.isfinite(thr[0]):
            panel.axvline(thr[0], color=OKABE_ITO["vermillion"], lw=0.8, ls=":",
                          alpha=0.8)
    if ratio:
        panel.set_xscale("log")
        finite_lo = np.concatenate([lo, est])
        finite_hi = np.concatenate([hi, est])
        _ratio_ticks(panel, finite_lo, finite_hi)
    panel.set_yticks(range(len(rows)), labels=_row_labels(rows, lang), fontsize=8.5)
    panel.set_ylim(max(len(rows), 1) - 0.5, -0.6)
    panel.grid(axis="y", visible=False)
    panel.tick_params(axis="y", length=0)
    panel.set_title(text("m_" + metric, lang) if ("m_" + metric) in TEXT
                    else metric.replace("_", " "), loc="left", fontsize=10)
    quantity = "q_" + METRIC_QUANTITY.get(metric, metric)
    xlabel = text(quantity, lang) if quantity in TEXT else metric.replace("_", " ")
    if flagged_left > 0:
        xlabel += "\n" + text("flagged_not_shown", lang, n=flagged_left)
    if hidden > 0:
        xlabel += "\n" + text("not_shown", lang, n=hidden)
    panel.set_xlabel(xlabel, fontsize=9)
