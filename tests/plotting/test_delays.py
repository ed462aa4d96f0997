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


# --- one search for both layers: survival_quantiles is the estimators' findq -------------

# ties, censoring, plateaus at exactly 0.75, 0.5 and 0.25 (group "flat": S = 3/4, 1/2,
# 1/4 held between events), a median not reached ("open"), and a log upper band that
# rises again ("rising": 1 - upper is not monotone; R's findq takes the smallest level
# reaching p, not the first time)
_CASES = pd.DataFrame({
    "group": ["ties"] * 12 + ["flat"] * 8 + ["open"] * 8 + ["rising"] * 20,
    "time": [3, 3, 5, 7, 7, 7, 10, 12, 15, 15, 20, 22,
             2, 2, 4, 4, 6, 6, 8, 8,
             1, 2, 4, 4, 6, 9, 9, 11,
             1, 2, 1, 3, 3, 4, 3, 3, 3, 3, 4, 3, 1, 2, 3, 1, 1, 3, 2, 3],
    "outcome": [1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 0, 1,
                1, 1, 1, 1, 1, 1, 1, 1,
                1, 0, 1, 0, 0, 0, 0, 0,
                1, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1],
})


@pytest.mark.parametrize("conf_type", ["log", "log-log", "plain"])
def test_quantiles_are_the_estimators_on_ties_and_plateaus(conf_type):
    from trajectory.estimators import kaplan_meier

    km = kaplan_meier(_CASES, by="group", conf_type=conf_type)
    probs = [0.1, 0.25, 0.5, 0.75, 0.9]
    got = survival_quantiles(km.table, probs=probs)
    want = km.quantiles(q=probs).rename(columns={"q": "quantile"})
    pd.testing.assert_frame_equal(got, want[got.columns], check_dtype=False)
    flat = got[got["group"] == "flat"].set_index("quantile")["estimate"]
    assert flat[0.25] == 3.0 and flat[0.5] == 5.0 and flat[0.75] == 7.0  # midpoints


def test_rising_band_follows_R_not_the_first_crossing():
    # R 4.2.2, survival 3.5-3: quantile(survfit(Surv(time, outcome) ~ 1, conf.type = "log",
    # data = subset(_CASES, group == "rising")), 0.25)$upper is 4, although 1 - upper
    # first passes 0.25 at day 3 (upper: 0.966 0.933 0.546 0.593)
    from trajectory.estimators import kaplan_meier

    km = kaplan_meier(_CASES[_CASES["group"] == "rising"])
    assert np.diff(km.table["upper"].to_numpy())[-1] > 0  # the band does rise
    q = survival_quantiles(km.table, probs=[0.25])
    assert q["upper"].item() == 4.0


def _curve(times, surv, hidden=()):
    tab = pd.DataFrame({"time": np.asarray(times, float), "estimate": np.asarray(surv, float)})
    tab.loc[tab["time"].isin(hidden), "estimate"] = np.nan
    return tab


@pytest.mark.parametrize(("hidden", "expected"), [
    ((), [2.0, 4.0, 5.5]),              # nothing hidden: midpoints on the 0.5 and 0.25 plateaus
    ((3.0,), [2.0, np.nan, 5.5]),       # the 0.5 crossing (day 3) may be at the hidden day
    ((2.0, 3.0), [np.nan, np.nan, 5.5]),
    ((1.0,), [np.nan, 4.0, 5.5]),       # day 1 hidden: S may already be 0.75 there
    ((4.0,), [2.0, 4.0, np.nan]),       # day 4 may hold the drop to 0.25
    ((5.0,), [2.0, 4.5, np.nan]),       # plateau at 0.5 read up to the next shown drop
    ((6.0,), [2.0, 4.0, 5.5]),          # hidden tail: the last plateau runs to the end
])
def test_suppressed_steps(hidden, expected):
    from trajectory.estimators._curves import findq

    times = [1, 2, 3, 4, 5, 6]
    surv = [0.9, 0.7, 0.5, 0.5, 0.25, 0.25]  # flat at exactly 0.5 (3-5) and 0.25 (5-6)
    got = survival_quantiles(_curve(times, surv, hidden), probs=[0.25, 0.5, 0.75])
    np.testing.assert_array_equal(got["estimate"].to_numpy(), expected)
    # where known, the value is the estimators' search on the shown rows (a hidden tail
    # keeps the last time as the end of follow-up)
    x = np.r_[0.0, times]
    y = np.r_[0.0, 1 - np.asarray(surv)]
    keep = ~np.isin(x, hidden)
    shown_x, shown_y = x[keep], y[keep]
    if not keep[-1]:
        shown_x, shown_y = np.r_[shown_x, x[-1]], np.r_[shown_y, shown_y[-1]]
    ref = findq(shown_x, shown_y, np.array([0.25, 0.5, 0.75]))
    known = np.isfinite(got["estimate"].to_numpy())
    np.testing.assert_array_equal(got["estimate"].to_numpy()[known], ref[known])
