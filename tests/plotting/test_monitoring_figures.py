"""Monitoring figures: periods as each language writes them (never ``2021Q1``), and the
funnel's units where its limits are."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from trajectory.plotting.monitoring import plot_cusum, plot_indicator_series, plot_monitor_funnel
from trajectory.plotting.words import MONTHS, display_label, period_label

_MACHINE = re.compile(r"\d{4}Q[1-4]|\d{4}-\d{2}")


def _series() -> pd.DataFrame:
    periods = ["2023Q1", "2023Q2", "2023Q3", "2023Q4"]
    return pd.DataFrame({"indicator": "transmitted_30d", "group": "all", "period": periods,
                         "estimate": [0.6, 0.62, 0.65, 0.7], "lower": 0.5, "upper": 0.8,
                         "status": ["mature"] * 3 + ["immature"], "target": 0.65})


@pytest.mark.parametrize(("lang", "first"), [("en", "2023\u00a0Q1"), ("fr", "T1\u00a02023"),
                                             ("nl", "K1\u00a02023")])
def test_indicator_ticks_name_quarters_as_the_language_does(lang, first):
    ax = plot_indicator_series(_series(), lang=lang)
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks[0] == first and len(ticks) == 4
    assert not [t for t in ticks if _MACHINE.search(t)]


def _path(start: str, end: str) -> pd.DataFrame:
    dates = pd.date_range(start, end, freq="7D")
    rng = np.random.default_rng(1)
    return pd.DataFrame({"group": "5340", "date": dates,
                         "cusum": np.abs(rng.normal(size=len(dates))).cumsum() % 4})


@pytest.mark.parametrize("lang", ["en", "fr", "nl"])
def test_cusum_date_ticks_read_as_years_or_named_months(lang):
    ax = plot_cusum(_path("2021-01-01", "2024-12-31"), lang=lang)
    ax.figure.canvas.draw()
    years = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert years and all(re.fullmatch(r"\d{4}", t) for t in years), years
    ax = plot_cusum(_path("2023-01-01", "2023-12-31"), lang=lang)
    ax.figure.canvas.draw()
    months = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert months and not [t for t in months if _MACHINE.search(t)], months
    assert all(any(name in t for name in MONTHS[lang]) for t in months), months


def test_period_label_leaves_codes_and_years_alone():
    assert period_label("2021", "fr") == "2021"
    assert period_label("5340", "nl") == "5340"
    assert period_label("2021Q5", "fr") == "2021Q5"  # not a quarter
    assert period_label("2021-13", "fr") == "2021-13"  # not a month
    assert display_label("2022Q2", "nl") == "K2\u00a02022"  # the one lookup of labels
    assert display_label("5341", "nl") == "Zuid"


def test_funnel_units_sit_at_their_size_on_the_axis_of_the_limits():
    """A unit is drawn at its effective number of cases, where the limits are drawn (it
    was drawn at its expected share, 0.6, left of every limit)."""
    from types import SimpleNamespace

    table = pd.DataFrame({"group": ["5339", "5340"], "n": [4563, 3608],
                          "n_eff": [4563.0, 3608.0], "observed": [0.65, 0.31],
                          "expected": [0.59, 0.59], "ratio": [1.10, 0.52],
                          "signal": ["above 99.8% limit", "below 99.8% limit"]})
    grid = np.linspace(100, 7000, 50)
    sd = np.sqrt(0.59 * 0.41 / grid) / 0.59
    limits = pd.DataFrame({"expected": grid, "lower_95": 1 - 1.96 * sd,
                           "upper_95": 1 + 1.96 * sd, "lower_998": 1 - 3.09 * sd,
                           "upper_998": 1 + 3.09 * sd})
    ax = plot_monitor_funnel(SimpleNamespace(table=table, limits=limits, notes={}))
    points = ax.collections[0].get_offsets()
    np.testing.assert_allclose(np.asarray(points)[:, 0], [4563.0, 3608.0])
