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
