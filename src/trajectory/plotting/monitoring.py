"""Figures of the monitoring results: indicator series, event study, funnel, CUSUM.

Every function takes the result (or its table), draws on ``ax`` (a new figure when
None) in the project theme, labels in English, Dutch or French, and attaches an alt
text written from the data (:func:`trajectory.plotting._base.get_alt`).

Examples
--------
>>> import pandas as pd
>>> tab = pd.DataFrame({"indicator": "transmitted_30d", "group": "all",
...     "period": ["2023Q1", "2023Q2"], "estimate": [0.6, 0.7], "lower": [0.5, 0.6],
...     "upper": [0.7, 0.8], "status": ["mature", "immature"], "target": 0.65})
>>> ax = plot_indicator_series(tab)
>>> get_alt(ax)[:40]
'transmitted_30d by entry cohort: 2 perio'
"""

from __future__ import annotations

from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ._base import finish, get_alt, new_axes, source_of
from .formatting import LanguageFormatter
from .labels import place_labels
from .theme import (
    OKABE_ITO,
    TEXT,
    colours_for,
    display_label,
    format_decimal,
    text,
    theme_context,
)
from .words import period_label

__all__ = ["plot_indicator_series", "plot_event_study", "plot_monitor_funnel", "plot_cusum",
           "get_alt", "WORDS"]

#: Words of these figures in the three languages (the ``monitor_*`` keys of
#: :data:`trajectory.plotting.words.TEXT`, without their prefix).
WORDS: dict[str, dict[str, str]] = {
    key.removeprefix("monitor_"): words for key, words in TEXT.items()
    if key.startswith("monitor_")
}


def _w(key: str, lang: str) -> str:
    return text("monitor_" + key, lang)


def plot_indicator_series(
    data: Any, *, indicator: str | None = None, ax: Axes | None = None, lang: str = "en",
    label: str | None = None,
) -> Axes:
    """One indicator over entry cohorts: estimate, confidence band, target line.

    Immature cohorts are drawn with hollow markers (their value will be revised);
    cohorts not yet observed are left out. One line a ``group``.
    """
    src = source_of(data, function="plot_indicator_series")
    tab = src.table
    names = list(dict.fromkeys(tab["indicator"]))
    name = indicator or names[0]
    tab = tab[(tab["indicator"] == name) & tab["estimate"].notna()]
    labels = (src.notes.get("labels") or {}).get(name, {})
    title = label or labels.get(lang) or labels.get("en") or name
    with theme_context():
        ax = new_axes(ax, (7.0, 3.6))
        groups = list(dict.fromkeys(tab["group"]))
        colours = colours_for(groups) if len(groups) > 1 else {groups[0]: OKABE_ITO["blue"]} \
            if groups else {}
        periods = sorted(set(tab["period"]))
        x_of = {p: i for i, p in enumerate(periods)}
        for g in groups:
            sub = tab[tab["group"] == g]
            x = sub["period"].map(x_of).to_numpy()
            c = colours[g]
            ax.fill_between(x, sub["lower"], sub["upper"], color=c, alpha=0.18, lw=0)
            ax.plot(x, sub["estimate"], color=c, lw=1.6,
                    label=display_label(g, lang) if len(groups) > 1 else None)
            mature = (sub["status"] == "mature").to_numpy()
            ax.plot(x[mature], sub["estimate"].to_numpy()[mature], "o", color=c, ms=4)
            ax.plot(x[~mature], sub["estimate"].to_numpy()[~mature], "o", mfc="white",
                    color=c, ms=5, label=_w("immature", lang) if (~mature).any()
                    and g == groups[0] else None)
        target = tab["target"].dropna()
        if len(target):
            ax.axhline(float(target.iloc[0]), color=OKABE_ITO["vermillion"], ls="--", lw=1.2,
                       label=_w("target", lang))
        ax.set_xticks(range(len(periods)))
        ax.set_xticklabels([period_label(p, lang) for p in periods], rotation=60, ha="right",
                           fontsize=7)
        ax.set_xlabel(_w("cohort", lang))
        units = set(tab["unit"].dropna().astype(str)) if "unit" in tab.columns else set()
        if units == {"share"}:  # a share of the cohort's cases (else the title says it)
            ax.set_ylabel(text("where_cases_stand", lang))
        ax.set_title(title, fontsize=10)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, frameon=False)
    shown = tab.dropna(subset=["estimate"])
    alt = text("alt_indicator", lang, name=title, k=len(periods), g=len(groups))
    if len(shown):
        alt += " " + text("alt_indicator_range", lang,
                          lo=format_decimal(shown["estimate"].min(), ".3g", lang),
                          hi=format_decimal(shown["estimate"].max(), ".3g", lang))
    if len(target):
        alt += " " + text("alt_indicator_target", lang,
                          target=format_decimal(float(target.iloc[0]), ".3g", lang))
    finish(ax, alt, lang)
    return ax


def plot_event_study(data: Any, *, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Effects by period relative to the start, with limits, and the zero line."""
    tab = data.event_study if hasattr(data, "event_study") else data
    with theme_context():
        ax = new_axes(ax, (6.0, 3.4))
        ax.axhline(0.0, color="grey", lw=0.8)
        ax.axvline(-0.5, color="grey", lw=0.8, ls=":")
        pre = tab["event_time"] < 0
        for mask, colour in ((pre, OKABE_ITO["sky_blue"]), (~pre, OKABE_ITO["vermillion"])):
            sub = tab[mask]
            est = sub["estimate"].to_numpy(float)
            ax.errorbar(sub["event_time"].to_numpy(float), est,
                        yerr=[est - sub["lower"].to_numpy(float),
                              sub["upper"].to_numpy(float) - est],
                        fmt="o", color=colour, capsize=2, ms=4)
        ax.plot([-1], [0.0], "o", mfc="white", color="grey", ms=5)  # the reference period
        ax.set_xlabel(_w("event_time", lang))
        ax.set_ylabel(_w("effect", lang))
    post = tab[tab["event_time"] >= 0]["estimate"]
    if len(post):
        alt = text("alt_event_study", lang, pre=int((tab["event_time"] < 0).sum()),
                   post=len(post), lo=format_decimal(post.min(), ".3g", lang),
                   hi=format_decimal(post.max(), ".3g", lang))
    else:
        alt = text("alt_event_study_none", lang)
    finish(ax, alt, lang)
    return ax


def plot_monitor_funnel(data: Any, *, ax: Axes | None = None, lang: str = "en") -> Axes:
    """Observed/expected ratio against each unit's size, with 95% and 99.8% limits.

    A unit sits at its effective number of cases (``n_eff``, else ``n``): the axis of
    the limits (``limits["expected"]``), never its expected share.
    """
    src = source_of(data, function="plot_monitor_funnel")
    tab = src.table
    limits = getattr(data, "limits", None)
    with theme_context():
        ax = new_axes(ax, (6.0, 4.0))
        if limits is not None and len(limits):
            for lo, hi, ls in (("lower_95", "upper_95", "--"), ("lower_998", "upper_998", ":")):
                ax.plot(limits["expected"], limits[lo], color="grey", ls=ls, lw=1)
                ax.plot(limits["expected"], limits[hi], color="grey", ls=ls, lw=1)
        ax.axhline(1.0, color="black", lw=0.8)
        out = tab["signal"].fillna("") != "" if "signal" in tab else np.zeros(len(tab), bool)
        size = next(c for c in ("n_eff", "n", "expected") if c in tab.columns)
        ax.scatter(tab[size], tab["ratio"], c=np.where(out, OKABE_ITO["vermillion"],
                                                       OKABE_ITO["blue"]), s=22, zorder=3)
        ax.set_xlabel(_w("cases", lang))
        ax.set_ylabel(_w("ratio", lang))
        # labels never overlap: units outside the limits first, the most extreme first;
        # room above and below the points for a label line
        ax.margins(y=0.12)
        z = np.abs(tab["z"].to_numpy(float)) if "z" in tab else np.zeros(len(tab))
        place_labels(ax, tab[size].to_numpy(float), tab["ratio"].to_numpy(float),
                     [display_label(g, lang) for g in tab["group"]],
                     order=np.lexsort((-np.nan_to_num(z), ~np.asarray(out))).tolist())
    finish(ax, text("alt_monitor_funnel", lang, n=len(tab), out=int(np.sum(out))), lang)
    return ax


def plot_cusum(data: Any, *, ax: Axes | None = None, lang: str = "en") -> Axes:
    """CUSUM paths by unit with the alarm threshold."""
    tab = data.path if hasattr(data, "path") else data
    h = float(getattr(data, "threshold", np.nan))
    with theme_context():
        ax = new_axes(ax, (7.0, 3.4))
        # a sparse study can leave no publishable path (every unit withheld by the gate)
        groups = list(dict.fromkeys(tab["group"])) if "group" in tab.columns else []
        if not groups:
            ax.text(0.5, 0.5, _w("no_data", lang), ha="center", va="center",
                    transform=ax.transAxes, color="grey")
        colours = colours_for(groups)
        for g in groups:
            sub = tab[tab["group"] == g]
            ax.step(pd.to_datetime(sub["date"]), sub["cusum"], where="post", color=colours[g],
                    label=display_label(g, lang), lw=1.2)
        if np.isfinite(h):
            ax.axhline(h, color=OKABE_ITO["vermillion"], ls="--", lw=1.2,
                       label=_w("threshold", lang))
        if groups:
            _date_ticks(ax, pd.to_datetime(tab["date"]), lang)
        ax.set_xlabel(_w("date", lang))
        ax.set_ylabel(_w("cusum", lang))
        if groups:
            ax.legend(fontsize=7, frameon=False, ncol=2)
    alarms = getattr(data, "alarms", pd.DataFrame())
    if np.isfinite(h):
        alt = text("alt_cusum", lang, n=len(groups), h=format_decimal(h, ".3g", lang),
                   a=len(alarms))
    else:
        alt = text("alt_cusum_alarms", lang, n=len(groups), a=len(alarms))
    finish(ax, alt, lang)
    return ax


def _date_ticks(ax: Axes, dates: pd.Series, lang: str) -> None:
    """Date ticks in the reader's words: years over three years or more, else months.

    At most seven ticks; month names are slanted so that they never overlap.
    """
    locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(_MonthFormatter(mdates.AutoDateFormatter(locator), lang))
    if len(dates) and (dates.max() - dates.min()).days < 3 * 365:
        ax.tick_params(axis="x", labelrotation=30)


class _MonthFormatter(LanguageFormatter):
    """Date ticks as the language writes them: years, or months with the month's name.

    Ticks on the first of January read as the year (``2022``), ticks on the first of a
    month as :func:`~trajectory.plotting.words.period_label` writes the month
    (``mars 2022``); other ticks (days) keep matplotlib's own labels.
    """

    def format_ticks(self, values: Any) -> list[str]:
        days = [mdates.num2date(v) for v in values]
        if any(d.day != 1 or d.hour or d.minute for d in days):
            return list(self.inner.format_ticks(values))
        if all(d.month == 1 for d in days):
            return [str(d.year) for d in days]
        return [period_label(f"{d.year}-{d.month:02d}", self.lang) for d in days]

    def __call__(self, x: float, pos: int | None = None) -> str:
        return self.format_ticks([x])[0]
