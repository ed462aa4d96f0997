"""flags(): Benjamini-Hochberg, rules and sentences; planted truth recovered, null clean.

Definition of the false-flag rate used here (see docs/flags.md): for one run, the false
discovery proportion is ``false flags / max(flags, 1)``, a flag being false when no
planted bottleneck has its lens, grouping column and group. The false-flag rate is its
mean over seeds (an estimate of the FDR). On the null scenario every flag is false, so
this mean is exactly the share of seeds with at least one flag: under the complete null
the FDR that Benjamini-Hochberg controls *is* the probability of any flag.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from trajectory.bottlenecks import FLAG_COLUMNS, ReceptionResult, flags
from trajectory.bottlenecks._stats import TEST_COLUMNS
from trajectory.errors import ConfigError
from trajectory.synth import make_study

N_CASES = 20_000  #: the documented sample size of the detection guarantees
FDR = 0.05


def _tests(rows):
    base = {c: np.nan for c in TEST_COLUMNS}
    base.update(lens="reception", stage="transmission", events="E20->E23", by="zone",
                test="log-rank", adjusted_for="offence_group", n_group=100, n_rest=400,
                value=40.0, reference=20.0, effect_lower=np.nan, effect_upper=np.nan)
    return pd.DataFrame([{**base, **r} for r in rows], columns=list(TEST_COLUMNS))


def _result(rows):
    return ReceptionResult(table=pd.DataFrame(), tests=_tests(rows), n=500)


def test_benjamini_hochberg_rules_and_severity():
    rows = [
        {"group": "5340", "metric": "median_ratio", "effect": 2.0, "effect_lower": 1.5,
         "effect_upper": 2.5, "p": 0.001},  # flagged, CI beyond 1.25: high
        {"group": "5341", "metric": "median_ratio", "effect": 1.3, "effect_lower": 1.1,
         "effect_upper": 1.5, "p": 0.004},  # flagged, CI crosses 1.25: moderate
        {"group": "5342", "metric": "median_ratio", "effect": 1.1, "effect_lower": 1.05,
         "effect_upper": 1.15, "p": 1e-9},  # significant but too small
        {"group": "5343", "metric": "median_ratio", "effect": 0.5, "effect_lower": 0.4,
         "effect_upper": 0.6, "p": 1e-9},  # faster: not a bottleneck
        {"group": "5344", "metric": "median_ratio", "effect": 3.0, "effect_lower": 1.0,
         "effect_upper": 9.0, "p": 0.2},  # large but not significant after BH
        {"group": "FR", "by": "division", "metric": "referral_rate_difference",
         "stage": "victim_support", "effect": -0.2, "effect_lower": -0.3,
         "effect_upper": -0.15, "p": 0.01, "value": 0.3, "reference": 0.5},
    ]
    f = flags(_result(rows), fdr=FDR)
    assert list(f.table.columns) == list(FLAG_COLUMNS)
    p = np.array([r["p"] for r in rows])
    expected_q = multipletests(p, method="fdr_bh")[1]
    got = f.table.set_index("group")["q"]
    for r, q in zip(rows, expected_q, strict=False):
        assert got[r["group"]] == pytest.approx(q)
    sev = f.table.set_index("group")["severity"].to_dict()
    assert sev == {"5340": "high", "5341": "moderate", "5342": "none", "5343": "none",
                   "5344": "none", "FR": "high"}
    assert f.flagged()["group"].tolist() == ["5340", "FR", "5341"]
    s = f.table.set_index("group").loc["5340", "sentence"]
    assert s.startswith("In police zone Brussels-West (5340), the median time from police "
                        "registration to transmission of the PV to the parquet is 2.0x")
    assert "95% CI 1.5-2.5" in s


def test_flags_errors():
    with pytest.raises(ConfigError, match="fdr"):
        flags(_result([]), fdr=0)
    with pytest.raises(ConfigError, match="no comparisons"):
        flags(ReceptionResult(table=pd.DataFrame()).replace(tests=None))


def _score(f, truth):
    planted = {(r.lens, r.group_column, str(r.group_value)) for r in truth.planted.itertuples()}
    hit = f.flagged()
    keys = list(zip(hit["lens"], hit["by"], hit["group"].astype(str), strict=False))
    detected = {k: k in keys for k in planted}
    false = sum(k not in planted for k in keys)
    return detected, false, len(keys)


@pytest.fixture(scope="module")
def brussels():
    return make_study(N_CASES, seed=1, scenario="brussels")


def test_planted_bottlenecks_flagged_one_seed(brussels):
    """All four planted bottlenecks (brussels scenario) are flagged, and nothing else."""
    log, truth = brussels
    f = flags(log, fdr=FDR)
    detected, false, n_flags = _score(f, truth)
    assert all(detected.values()), (detected, f.summary().to_string())
    assert false == 0, f.summary().to_string()
    t = f.flagged()
    slow = t.loc[(t["group"] == "5340") & (t["stage"] == "transmission")].iloc[0]
    assert slow["effect"] == pytest.approx(3.0, rel=0.1)  # planted ratio 3
    hr = t.loc[(t["by"] == "division") & (t["group"] == "NL")].iloc[0]
    assert hr["effect"] == pytest.approx(2.0, rel=0.1)  # planted hazard ratio 2


def test_null_scenario_no_flag_one_seed():
    log, _ = make_study(N_CASES, seed=1, scenario="null")
    f = flags(log, fdr=FDR)
    assert f.notes["n_tests"] > 100
    assert len(f.flagged()) == 0, f.summary().to_string()


SEEDS = range(20)


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["brussels", "slow_zone", "lost_hate_flag",
                                      "opportunity_division", "requalification_delay"])
def test_detection_rate_over_20_seeds(scenario):
    found, fdp = [], []
    for seed in SEEDS:
        log, truth = make_study(N_CASES, seed=seed, scenario=scenario)
        detected, false, n_flags = _score(flags(log, fdr=FDR), truth)
        found.append(detected)
        fdp.append(false / max(n_flags, 1))
    rates = pd.DataFrame(found).mean()
    print(f"{scenario}: detection rates {rates.to_dict()}, false-flag rate {np.mean(fdp):.3f}")
    assert (rates >= 0.9).all(), rates
    assert np.mean(fdp) <= FDR


@pytest.mark.slow
def test_null_false_flag_rate_over_20_seeds():
    any_flag = []
    for seed in SEEDS:
        log, _ = make_study(N_CASES, seed=seed, scenario="null")
        any_flag.append(len(flags(log, fdr=FDR).flagged()) > 0)
    rate = float(np.mean(any_flag))
    print(f"null: share of seeds with a (false) flag {rate:.3f}")
    assert rate <= FDR


def test_every_result_plots(brussels):
    """Each lens result draws through trajectory.plotting (dispatch by shape)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from trajectory.attrition import attrition_table
    from trajectory.bottlenecks import nomenclature, reception, sanctioning

    log, _ = brussels
    small = type(log)(log.cases.iloc[:3000], log.events.loc[
        log.events["case_id"].isin(log.cases["case_id"].iloc[:3000])], log.extraction_date)
    rec = reception(small)
    for result in (attrition_table(small, time_aware=False), rec, nomenclature(small),
                   sanctioning(small), flags(rec)):
        ax = result.plot()
        # a cumulative incidence of several outcomes by group is one panel a group
        assert isinstance(ax, (Axes, Figure)), type(result).__name__
    plt.close("all")


def test_docs_flags_md_documents_every_rule():
    from pathlib import Path

    from trajectory.bottlenecks import RULES

    text = (Path(__file__).parents[2] / "docs" / "flags.md").read_text(encoding="utf-8")
    for metric in RULES:
        assert f"`{metric.split(':')[0]}`" in text, metric
        rule = RULES[metric]
        assert f"{abs(rule.threshold):g}" in text.replace("−", "-"), metric
