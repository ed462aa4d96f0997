"""survival_quantiles against R quantile.survfit; plot_delays from Kaplan-Meier quartiles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trajectory.errors import ConfigError
from trajectory.plotting import plot_delays, survival_quantiles

from .conftest import km_by_hand

REFERENCE = Path(__file__).parents[1] / "reference"


def test_quantiles_match_R_quantile_survfit():
    # tests/reference/plotting_km_quantiles.R: ties, censoring, a curve flat at exactly
    # 0.5 (midpoint rule) and a median not reached
    curve = pd.read_csv(REFERENCE / "plotting_km_curve.csv", comment="#")
    expected = pd.read_csv(REFERENCE / "plotting_km_quantiles.csv", comment="#")
    got = survival_quantiles(curve)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_flat_at_exactly_half_gives_the_midpoint():
    # S = 0.5 from day 4 to the event at day 10: median (4 + 10) / 2
    curve = km_by_hand([2, 4, 10, 10], [1, 1, 1, 1])
    q = survival_quantiles(curve, probs=[0.5])
    assert q["estimate"].item() == 7.0


def test_crossing_inside_a_suppressed_stretch_is_unknown():
    curve = km_by_hand([1, 2, 3, 4, 5, 6, 7, 8], [1] * 8)
    median_shown = survival_quantiles(curve, probs=[0.25])["estimate"].item()
    assert median_shown == 2.5  # exactly 0.75 at day 2 -> midpoint with day 3
    curve.loc[curve["time"].isin([2.0, 3.0]), "estimate"] = np.nan
    q = survival_quantiles(curve, probs=[0.25, 0.75])
    assert np.isnan(q["estimate"].iloc[0])
    assert q["estimate"].iloc[1] == 6.5  # a crossing after the hidden stretch is still known


def test_plot_delays_draws_quartiles_and_median():
    a = km_by_hand([5, 10, 20, 30, 40, 60, 80, 100], [1] * 8, "hate")
    b = km_by_hand([3, 6, 9, 12, 15, 18, 200, 300], [1, 1, 1, 0, 0, 0, 0, 0], "harassment")
    table = pd.concat([a, b], ignore_index=True)
    ax = plot_delays(table)
    q = survival_quantiles(table)
    bars = [p for p in ax.patches if p.get_label() == "_iqr"]
    q1 = q[(q["group"] == "hate") & (q["quantile"] == 0.25)]["estimate"].item()
    q3 = q[(q["group"] == "hate") & (q["quantile"] == 0.75)]["estimate"].item()
    assert (q1, q3) == (15.0, 70.0)
    assert bars[0].get_x() == q1 and bars[0].get_x() + bars[0].get_width() == q3
    medians = [line for line in ax.get_lines() if line.get_label() == "_median"]
    assert medians[0].get_xdata()[0] == 35.0
    # harassment: 5/8 still open at the end -> median not reached, said so
    assert len(medians) == 1
    assert "not reached" in [t.get_text() for t in ax.texts]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Hate crime and hate speech",
                                                            "Harassment and stalking"]


def test_plot_delays_accepts_a_quantile_table_and_refuses_cif():
    q = pd.DataFrame({"group": "all", "quantile": [0.25, 0.5, 0.75],
                      "estimate": [10.0, 20.0, 40.0], "lower": [8.0, 15.0, 30.0],
                      "upper": [12.0, 26.0, np.nan]})
    ax = plot_delays(q, lang="nl")
    assert ax.get_xlabel() == "Doorlooptijd (dagen)"
    arrows = [line for line in ax.get_lines() if line.get_marker() == ">"]
    assert len(arrows) == 1  # upper limit of the 75% quantile not reached
    with pytest.raises(ConfigError, match="outcome"):
        plot_delays(pd.DataFrame({"outcome": ["court"], "time": [1.0], "estimate": [0.1]}))


def test_quantile_column_named_q_is_accepted():
    q = pd.DataFrame({"group": "all", "q": [0.25, 0.5, 0.75], "estimate": [10.0, 20.0, 40.0],
                      "lower": [8.0, 15.0, 30.0], "upper": [12.0, 26.0, 50.0]})
    ax = plot_delays(q)
    medians = [line for line in ax.get_lines() if line.get_label() == "_median"]
    assert medians[0].get_xdata()[0] == 20.0
