"""French and Dutch figures write numbers with a decimal comma, whatever the machine's locale."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from trajectory.plotting import plot_forest
from trajectory.plotting.theme import decimal_text, format_decimal, localise_ticks

DECIMAL_POINT = re.compile(r"\d\.\d")


def _model() -> pd.DataFrame:
    est = np.log([2.0, 0.5, 1.3])
    se = np.array([0.1, 0.2, 0.3])
    return pd.DataFrame({"term": ["offence_group[T.hate]", "zone[T.5341]", "requalified"],
                         "estimate": est, "std_err": se, "lower": est - 1.96 * se,
                         "upper": est + 1.96 * se, "p": [0.0001, 0.02, 0.4]})


def _labels(ax) -> list[str]:
    ax.figure.canvas.draw()
    ticks = [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    return [t for t in ticks if t] + [t.get_text() for t in ax.texts]


@pytest.mark.parametrize("scale", ["ratio", "linear"])
@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_forest_ticks_and_annotations_take_the_decimal_comma(lang, scale):
    ax = plot_forest(_model(), scale=scale, lang=lang)
    shown = _labels(ax)
    numeric = [t for t in shown if re.search(r"\d", t)]
    assert [t for t in numeric if DECIMAL_POINT.search(t)] == []
    xticks = [t.get_text() for t in ax.get_xticklabels()]
    assert any(re.search(r"\d,\d", t) for t in xticks), xticks
    if scale == "ratio":
        assert any(t.startswith("2,00 (1,64\u20132,43)  p<0,001") for t in shown), shown
        assert any("p=0,400" in t for t in shown)
    plt.close("all")


def test_english_figures_keep_the_decimal_point():
    ax = plot_forest(_model(), scale="ratio", lang="en")
    shown = _labels(ax)
    assert any(t.startswith("2.00 (1.64\u20132.43)  p<0.001") for t in shown)
    assert not any(re.search(r"\d,\d", t) for t in shown)
    plt.close("all")


def test_helpers():
    assert format_decimal(0.875, ".2f", "fr") == "0,88"
    assert format_decimal(0.875, ".2f", "nl") == "0,88"
    assert format_decimal(12345.5, ",.1f", "fr") == "12\u202f345,5"
    assert decimal_text("$\\mathdefault{0.5}$", "nl") == "$\\mathdefault{0{,}5}$"
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 0.5])
    localise_ticks(ax, "nl")
    localise_ticks(ax, "nl")  # idempotent: wrapped once
    fig.canvas.draw()
    ys = [t.get_text() for t in ax.get_yticklabels()]
    assert "0,1" in ys and "0.1" not in ys
    plt.close(fig)


def test_the_flags_figure_takes_the_decimal_comma():
    from trajectory.bottlenecks import flags
    from trajectory.plotting import plot_flags
    from trajectory.synth import make_study

    log, _ = make_study(4_000, seed=2, scenario="slow_zone")
    found = flags(log)
    fig = plot_flags(found, lang="fr")
    fig.canvas.draw()
    shown = [t.get_text() for ax in fig.axes for t in ax.get_xticklabels() + ax.texts]
    assert any(re.search(r"\d,\d", t) for t in shown), shown
    assert [t for t in shown if DECIMAL_POINT.search(t)] == []
    plt.close(fig)


# ------------------------------------------------------------------ every figure


def _every_figure(lang: str) -> dict[str, object]:
    """Every figure kind of trajectory.plotting, to draw in ``lang`` from package estimators."""
    from trajectory.bottlenecks.flags import Flags
    from trajectory.estimators import breakdown_incidence, cumulative_incidence, logrank
    from trajectory.plotting import (
        gallery,
        plot_alluvial,
        plot_breakdown,
        plot_crosswalk,
        plot_curves,
        plot_delays,
        plot_flags,
        plot_funnel,
        plot_horizons,
        plot_stacked_incidence,
        plot_state_occupation,
    )
    from trajectory.plotting.monitoring import (
        plot_cusum,
        plot_event_study,
        plot_indicator_series,
        plot_monitor_funnel,
    )

    cohort = gallery.synthetic_cohort(n_cases=1_500)
    km = gallery.km_table(cohort)
    cif = cumulative_incidence(cohort, by="group")
    test = logrank(cohort.assign(event=cohort["outcome"] != "censored"), event="event",
                   by="group")
    breakdown_cohort = cohort.assign(victim_sex=np.where(cohort.index % 2, "F", "M"),
                                     origin_date=pd.Timestamp("2022-01-01"))
    flags = pd.DataFrame({
        "lens": "reception", "stage": "transmission", "by": "zone", "subgroup": "all",
        "group": ["5340", "5341"], "metric": ["median_ratio", "referral_rate_difference"],
        "effect": [1.37, 0.125], "effect_lower": [1.21, 0.085], "effect_upper": [1.55, 0.165],
        "threshold": [1.25, 0.05], "flagged": True, "severity": "high", "q": 0.001})
    periods = ["2023Q1", "2023Q2", "2023Q3"]
    return {
        "km": lambda: plot_curves(km, test=test, lang=lang, facet=False),
        "km_facets": lambda: plot_curves(km, test=test, lang=lang, facet=True),
        "cif": lambda: plot_curves(cif.table[cif.table["group"] == "hate"], lang=lang),
        "stacked": lambda: plot_stacked_incidence(cif, lang=lang),
        "states": lambda: plot_state_occupation(gallery.occupation_table(cohort), lang=lang),
        "horizons": lambda: plot_horizons(cif.at([182.5, 365, 730]), origin="E30", lang=lang),
        "breakdown": lambda: plot_breakdown(
            breakdown_incidence(breakdown_cohort, by=["victim_sex"]), horizon=182.5, lang=lang),
        "funnel": lambda: plot_funnel(gallery.funnel_table(cohort), lang=lang),
        "alluvial": lambda: plot_alluvial(gallery.flows_table(cohort), lang=lang),
        "crosswalk": lambda: plot_crosswalk(gallery.crosswalk_table(cohort), normalize="row",
                                    lang=lang),
        "forest": lambda: plot_forest(gallery.cox_table(cohort), lang=lang),
        "forest_linear": lambda: plot_forest(gallery.flag_table(cohort), lang=lang),
        "flags": lambda: plot_flags(Flags(table=flags, n=100), lang=lang),
        "delays": lambda: plot_delays(km, lang=lang),
        "indicator": lambda: plot_indicator_series(pd.DataFrame({
            "indicator": "transmitted_30d", "group": "all", "period": periods,
            "estimate": [0.615, 0.7, 0.725], "lower": [0.5, 0.6, 0.65],
            "upper": [0.7, 0.8, 0.8], "status": "mature", "target": 0.65}), lang=lang),
        "event_study": lambda: plot_event_study(pd.DataFrame({
            "event_time": [-2, 0, 1], "estimate": [0.01, 0.125, 0.15],
            "lower": [-0.05, 0.05, 0.1], "upper": [0.05, 0.2, 0.2]}), lang=lang),
        "monitor_funnel": lambda: plot_monitor_funnel(pd.DataFrame({
            "group": ["5340", "5341"], "expected": [12.5, 30.25], "ratio": [1.5, 0.75],
            "signal": ["", "low"]}), lang=lang),
        "cusum": lambda: plot_cusum(pd.DataFrame({
            "group": "5340", "date": pd.date_range("2023-01-01", periods=3, freq="MS"),
            "cusum": [0.0, 1.25, 2.5]}), lang=lang),
    }


def _shown_text(drawn) -> list[str]:
    """Every text a reader sees in the figure (ticks, labels, annotations, legend)."""
    from matplotlib.text import Text

    figure = drawn if hasattr(drawn, "savefig") else drawn.get_figure(root=True)
    figure.canvas.draw()
    return [t.get_text() for t in figure.findobj(Text) if t.get_visible() and t.get_text()]


def _tick_labels(drawn) -> list[str]:
    figure = drawn if hasattr(drawn, "savefig") else drawn.get_figure(root=True)
    return [t.get_text() for ax in figure.axes
            for t in ax.get_xticklabels() + ax.get_yticklabels() if t.get_text()]


def _read_every_figure(lang: str) -> dict[str, tuple[list[str], list[str], str]]:
    """Draw each figure, keep its shown texts, tick labels and alt text, close it."""
    from trajectory.plotting import figure_alt

    read = {}
    for name, draw in _every_figure(lang).items():
        drawn = draw()
        read[name] = (_shown_text(drawn), _tick_labels(drawn), figure_alt(drawn))
        plt.close("all")
    return read


def test_every_french_figure_writes_the_decimal_comma_in_ticks_texts_and_alt():
    figures = _read_every_figure("fr")
    found = {name: [t for t in shown + [alt] if DECIMAL_POINT.search(t)]
             for name, (shown, _, alt) in figures.items()}
    assert {name: points for name, points in found.items() if points} == {}
    # the figures do hold decimals: in ticks (curves, forest) and alt texts (monitoring)
    ticks = [t for _, labels, _ in figures.values() for t in labels]
    assert sum(bool(re.search(r"\d,\d", t)) for t in ticks) >= 20, ticks
    assert "0,615" in figures["indicator"][2]
    assert any("182,5 jours" in t for t in figures["breakdown"][0])


def test_the_same_figures_in_english_keep_the_decimal_point():
    figures = _read_every_figure("en")
    shown = [t for texts, _, alt in figures.values() for t in texts + [alt]]
    assert sum(bool(DECIMAL_POINT.search(t)) for t in shown) >= 20
    assert not [t for _, labels, _ in figures.values() for t in labels
                if re.search(r"\d,\d", t)]


def test_text_labels_of_ticks_keep_their_commas_and_points():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 0.5])
    ax.set_xticks([0, 1], labels=["Zone 1.5, south", "12.5"])
    localise_ticks(ax, "nl")
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Zone 1.5, south", "12.5"]
    plt.close(fig)
