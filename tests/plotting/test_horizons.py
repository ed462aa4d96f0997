"""plot_horizons (outcome profile at 6/12/24 months) and the breakdowns by victim and year."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from trajectory.bottlenecks.sanctioning import SanctioningResult
from trajectory.estimators import cumulative_incidence
from trajectory.plotting import (
    breakdown_incidence,
    figure_alt,
    plot_breakdown,
    plot_horizons,
    plot_result,
)
from trajectory.privacy import disclose


def profile() -> pd.DataFrame:
    rows = []
    for g, court, tech in (("all", (0.05, 0.10, 0.12), (0.30, 0.45, 0.50)),
                           ("hate", (0.01, 0.02, 0.04), (0.50, 0.60, 0.62))):
        for t, c, d in zip((182, 365, 730), court, tech, strict=True):
            rows += [{"group": g, "outcome": "court", "time": t, "estimate": c},
                     {"group": g, "outcome": "dismissal_technical", "time": t, "estimate": d}]
    return pd.DataFrame(rows)


def bars(ax) -> list[tuple[float, float, float]]:
    """(y, left, width) of the bars of a panel."""
    return [(round(p.get_y() + p.get_height() / 2, 6), p.get_x(), p.get_width())
            for p in ax.patches if p.get_width() > 0 and p.get_fill()]


def test_values_at_horizons_are_bars_not_steps_from_day_zero():
    fig = plot_horizons(profile(), origin="E30")
    assert len(fig.axes) == 3
    assert [a.get_title(loc="left").replace("\n", " ") for a in fig.axes] == [
        "6 months after parquet registration", "12 months after parquet registration",
        "24 months after parquet registration"]
    assert not any(a.get_lines() for a in fig.axes)  # no step curve anywhere
    # 12 months, "all" (row 0): court 0.10 from 0, technical 0.45 from 0.10, open 0.45
    got = sorted((left, width) for y, left, width in bars(fig.axes[1]) if y == 0)
    np.testing.assert_allclose(got, [(0.0, 0.10), (0.10, 0.45), (0.55, 0.45)])
    assert figure_alt(fig).startswith("Where cases stand 6 months, 12 months, 24 months after "
                                      "parquet registration")
    assert "38% still open" in figure_alt(fig)  # 1 - 0.12 - 0.50 at 24 months


def test_the_sanctioning_result_declares_its_origin():
    @dataclass(frozen=True, repr=False)
    class Renamed(SanctioningResult):
        pass

    fig = plot_result(Renamed(table=profile()), lang="nl")
    title = fig.axes[0].get_title(loc="left")
    assert title.replace("\n", " ") == "6 maanden na de inschrijving op het parket"


def test_a_suppressed_share_hatches_the_rest_of_the_bar():
    t = profile()
    t.loc[(t["group"] == "hate") & (t["outcome"] == "court"), "estimate"] = np.nan
    fig = plot_horizons(t, origin="E30", min_count=5)
    hatched = [p for p in fig.axes[0].patches if p.get_hatch()]
    assert len(hatched) == 1
    assert hatched[0].get_x() == pytest.approx(0.50) and hatched[0].get_width() == (
        pytest.approx(0.50))
    assert "<5" in [t.get_text() for t in fig.axes[0].texts]


def cohort(n: int = 600, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    year = rng.choice([2022, 2023, 2024], n)
    follow = np.where(year == 2024, 200, 900)  # the last year cannot reach day 365
    time = rng.integers(1, 900, n)
    out = rng.choice(["court", "dismissal_technical", "alternative"], n)
    censored = time >= follow
    return pd.DataFrame({
        "time": np.minimum(time, follow), "outcome": np.where(censored, "censored", out),
        "victim_sex": rng.choice(["F", "M", None], n, p=[0.6, 0.35, 0.05]),
        "victim_age_band": rng.choice(["0-17", "18-29", "30-44"], n),
        "origin_date": pd.to_datetime([f"{y}-03-01" for y in year]),
    })


def test_breakdown_reads_each_level_at_the_horizon():
    data = cohort()
    b = breakdown_incidence(data)
    assert b.figure["kind"] == "breakdown"
    fig = plot_breakdown(b, horizon=365)
    assert [a.get_title(loc="left") for a in fig.axes] == [
        "Victim's sex", "Victim's age", "Year of complaint"]
    sex = fig.axes[0]
    labels = [t.get_text() for t in sex.get_yticklabels()]
    assert set(labels) == {"Women", "Men", "Not recorded"}
    women = data[data["victim_sex"] == "F"]
    by_hand = cumulative_incidence(women).at([365]).set_index("state")["estimate"]
    row = labels.index("Women")
    widths = {round(left, 6): width for y, left, width in bars(sex) if y == row}
    assert widths[0.0] == pytest.approx(by_hand["court"])  # court at the bottom
    # 2024 complaints have 200 days of follow-up: no bar, a "follow-up too short" note
    year = fig.axes[2]
    ylabels = [t.get_text() for t in year.get_yticklabels()]
    r2024 = ylabels.index("2024")
    assert not [b for b in bars(year) if b[0] == r2024]
    assert "follow-up too short" in [t.get_text() for t in year.texts]


def test_breakdown_goes_through_the_disclosure_gate():
    data = cohort()
    data.loc[data.index[:3], "victim_age_band"] = "75+"  # a level of 3 cases
    safe = disclose(breakdown_incidence(data), k=5)
    assert "victim_age_band=75+" not in set(safe.table.dropna(subset=["estimate"])["group"])
    fig = plot_result(safe)
    assert "75+" not in [t.get_text() for t in fig.axes[1].get_yticklabels()]
