"""flags(): TreeBH over the comparison tree, practical minimums, sentences, config.

Detection and false-flag guarantees on generator variations and on permutation nulls are
in ``test_flags_evidence.py``; this file checks the decision rule itself on hand-built
comparison tables, and one generated study of each kind.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from trajectory.bottlenecks import FLAG_COLUMNS, TEST_COLUMNS, FlagRules, ReceptionResult, flags
from trajectory.config import from_dict
from trajectory.errors import ConfigError
from trajectory.estimators.multiplicity import tree_bh
from trajectory.synth import make_study

N_CASES = 20_000  #: the documented sample size of the detection guarantees


def _tests(rows):
    base = {c: np.nan for c in TEST_COLUMNS}
    base.update(lens="reception", stage="transmission", events="E20->E23", by="zone",
                subgroup="all", reference_group="rest", metric="median_ratio",
                test="Wald", adjusted_for="offence_group", n_group=100, n_rest=400,
                value=40.0, reference=20.0)
    return pd.DataFrame([{**base, **r} for r in rows], columns=list(TEST_COLUMNS))


def _result(rows):
    return ReceptionResult(table=pd.DataFrame(), tests=_tests(rows), n=500)


ROWS = [
    {"group": "5340", "effect": 2.0, "effect_lower": 1.5, "effect_upper": 2.5, "p": 1e-6},
    {"group": "5341", "effect": 1.3, "effect_lower": 1.1, "effect_upper": 1.5, "p": 0.001},
    {"group": "5342", "effect": 1.1, "effect_lower": 1.05, "effect_upper": 1.15, "p": 1e-9},
    {"group": "5343", "effect": 0.5, "effect_lower": 0.4, "effect_upper": 0.6, "p": 1e-9},
    {"group": "5344", "effect": 3.0, "effect_lower": 1.0, "effect_upper": 9.0, "p": 0.2},
    {"group": "5339", "effect": 1.5, "effect_lower": 1.3, "effect_upper": 1.7, "p": 1e-8,
     "value": 4.5, "reference": 3.0},  # 1.5x but only 1.5 days longer: not a bottleneck
    {"group": "5345", "effect": 1.6, "effect_lower": 0.9, "effect_upper": 2.8, "p": 1e-7},
    # the test rejects but the interval covers 1: the two disagree, no flag
    {"group": "FR", "by": "division", "stage": "victim_support",
     "metric": "referral_rate_difference", "effect": -0.2, "effect_lower": -0.3,
     "effect_upper": -0.1, "p": 0.001, "value": 0.3, "reference": 0.5,
     "reference_group": "NL"},
]


def test_decision_tree_bh_practical_minimum_and_severity():
    f = flags(_result(ROWS))
    assert list(f.table.columns) == list(FLAG_COLUMNS)
    t = f.table.set_index("group")
    # q is the tree-adjusted value of TreeBH on the same table
    tab = _tests(ROWS).assign(family=lambda d: d["lens"] + ":" + d["stage"] + ":" + d["metric"])
    tree = tree_bh(tab, levels=["by", "family", "subgroup", "group"], q=0.05)
    expected = dict(zip(tab["group"], tree["q_tree"], strict=True))
    for g, q in expected.items():
        assert t.loc[g, "q"] == pytest.approx(q)
    sev = t["severity"].to_dict()
    assert sev == {"5340": "high", "5341": "moderate", "5342": "none", "5343": "none",
                   "5344": "none", "5339": "none", "5345": "none", "FR": "high"}
    assert f.flagged()["group"].tolist()[:2] == ["5340", "FR"]


def test_a_flag_never_has_an_interval_covering_no_difference():
    f = flags(_result(ROWS))
    for r in f.flagged().itertuples():
        neutral = 1.0 if r.metric.endswith("ratio") else 0.0
        assert not (r.effect_lower <= neutral <= r.effect_upper)


def test_sentences_only_on_flagged_rows_and_name_everything():
    f = flags(_result(ROWS))
    t = f.table.set_index("group")
    assert (t.loc[~t["flagged"], "sentence"] == "").all()
    s = t.loc["5340", "sentence"]
    assert s.startswith("In police zone Brussels-West (5340), the median time from police "
                        "registration to transmission of the PV to the parquet is 2.0x")
    assert "95% CI 1.5-2.5" in s and "within offence group" in s
    assert "about 500 cases compared" in s
    fr = t.loc["FR", "sentence"]
    assert "the NL division" in fr and "-20 points" in fr
    for text in f.table["sentence"]:
        assert not re.search(r"\bnan\b", text) and "the the" not in text.lower()


def test_subgroup_sentence_names_the_subgroup():
    rows = [dict(ROWS[0], subgroup="sexual_violence")]
    s = flags(_result(rows)).flagged()["sentence"].iloc[0]
    assert s.startswith("Among sexual violence cases, in police zone")


def test_rules_change_the_decision():
    strict = FlagRules(delay_ratio=2.5)
    f = flags(_result(ROWS), rules=strict)
    assert f.flagged()["group"].tolist() == ["FR"]
    loose_days = flags(_result(ROWS), rules=FlagRules(delay_days=1))
    assert "5339" in loose_days.flagged()["group"].tolist()


def test_flags_errors():
    with pytest.raises(ConfigError, match="fdr"):
        flags(_result([]), fdr=0)
    with pytest.raises(ConfigError, match="no comparisons"):
        flags(ReceptionResult(table=pd.DataFrame()).replace(tests=None))
    with pytest.raises(ConfigError, match="delay_ratio"):
        FlagRules(delay_ratio=0.5)


def test_config_flags_table_is_read():
    base = {"study": {"name": "x", "extraction_date": "2024-12-31"}}
    cfg = from_dict({**base, "flags": {"fdr": 0.01, "delay_days": 14, "share_points": 8,
                                       "subgroups": ["offence_group", "victim_sex"],
                                       "outcomes": {"court": "less"}}})
    assert cfg.flags.fdr == 0.01 and cfg.flags.delay_days == 14
    assert cfg.flags.subgroups == ("offence_group", "victim_sex")
    with pytest.raises(ConfigError, match="flags"):
        from_dict({**base, "flags": {"fdr_typo": 0.1}})
    with pytest.raises(ConfigError, match="not endpoints"):
        from_dict({**base, "flags": {"outcomes": {"nowhere": "less"}}})
    with pytest.raises(ConfigError, match=r"\[flags\] must be a table"):
        from_dict({**base, "flags": 5})


@pytest.fixture(scope="module")
def brussels():
    return make_study(N_CASES, seed=1, scenario="brussels")


def test_planted_bottlenecks_flagged_one_seed(brussels):
    """All four planted bottlenecks of ``brussels`` are flagged, and nothing else."""
    log, truth = brussels
    f = flags(log)
    planted = {(r.lens, r.group_column, str(r.group_value)) for r in truth.planted.itertuples()}
    hit = f.flagged()
    keys = set(zip(hit["lens"], hit["by"], hit["group"].astype(str), strict=True))
    assert planted <= keys, f.summary().to_string()
    assert keys <= planted, f.summary().to_string()
    slow = hit.loc[(hit["group"] == "5340") & (hit["stage"] == "transmission")
                   & (hit["subgroup"] == "all")].iloc[0]
    assert slow["effect"] == pytest.approx(3.0, rel=0.1)  # planted ratio 3
    hr = hit.loc[(hit["by"] == "division") & (hit["subgroup"] == "all")].iloc[0]
    assert (hr["group"], hr["reference_group"]) == ("NL", "FR")  # the contrast, not a culprit
    assert hr["effect"] == pytest.approx(2.0, rel=0.1)  # planted hazard ratio 2
    assert "missing" not in set(f.table.loc[f.table["by"] == "division", "group"])
    assert {"all", "hate", "sexual_violence"} <= set(f.table["subgroup"])
    # within one offence group, offence group is no longer an adjustment
    within = f.table.loc[f.table["subgroup"] != "all"]
    assert not within["adjusted_for"].str.contains("offence_group").any()
    pooled = f.table.loc[(f.table["subgroup"] == "all") & (f.table["by"] == "zone")]
    assert pooled["adjusted_for"].str.contains("offence_group").all()


def test_config_drives_the_lenses(brussels):
    """[groupings], [flags] and [endpoints] change what flags() compares and decides."""
    log, _ = brussels
    base = {"study": {"name": "x", "extraction_date": "2024-12-31"}}
    only_division = from_dict({**base, "groupings": {"by": ["offence_group", "division"]},
                               "flags": {"subgroups": []}})
    f = flags(log, config=only_division)
    assert set(f.table["by"]) <= {"division", "offence_group", "police_code"}
    assert set(f.table["subgroup"]) == {"all"}
    strict = from_dict({**base, "flags": {"hazard_ratio": 3.0}})
    g = flags(log, config=strict)
    assert not (g.flagged()["metric"] == "cause_specific_hazard_ratio").any()


def test_null_scenario_no_flag_one_seed():
    log, _ = make_study(N_CASES, seed=1, scenario="null")
    f = flags(log)
    assert f.notes["n_tests"] > 300
    assert len(f.flagged()) == 0, f.summary().to_string()


def test_every_result_plots(brussels):
    """Each lens result draws through trajectory.plotting (dispatch by shape)."""
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
        drawn = result.plot()
        name = type(result).__name__
        assert isinstance(drawn, (Axes, Figure)), name
        axes = drawn.axes if isinstance(drawn, Figure) else [drawn]
        # something was drawn from the result's data, and it is labelled
        assert any(ax.has_data() for ax in axes), f"{name}: empty figure"
        labels = [t for ax in axes for t in (ax.get_title(), ax.get_xlabel(), ax.get_ylabel())]
        assert any(t.strip() for t in labels), f"{name}: no title or axis label"
    plt.close("all")


def test_docs_flags_md_documents_every_rule():
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "flags.md").read_text(encoding="utf-8")
    for metric in ("median_ratio", "q75_ratio", "q90_ratio", "referral_rate_difference",
                   "hate_flag_loss_difference", "ifg_flag_loss_difference",
                   "informed_rate_difference", "cause_specific_hazard_ratio",
                   "requalification_hazard_ratio", "division_code_distance"):
        assert f"`{metric}`" in text, metric
    defaults = FlagRules()
    for key in ("fdr", "delay_ratio", "delay_days", "share_points", "hazard_ratio",
                "code_distance", "min_n"):
        assert f"`{key}`" in text and f"{getattr(defaults, key):g}" in text, key
    assert "Bogomolov" in text and "TreeBH" in text


def test_replace_keeps_rules_frozen():
    r = replace(FlagRules(), fdr=0.1)
    assert r.fdr == 0.1 and FlagRules().fdr == 0.05


def test_published_group_sizes_are_rounded_and_sentences_agree():
    """Through the gate n_group/n_rest are rounded as curve counts; sentences state their sum."""
    from trajectory.privacy import disclose, rounded_to_base
    from trajectory.privacy.release import release_gate

    sizes = [(103, 397), (44, 46), (38, 401), (99, 3), (57, 120), (72, 222), (3, 300), (61, 11)]
    rows = [dict(r, n_group=g, n_rest=n) for r, (g, n) in zip(ROWS, sizes, strict=True)]
    raw = flags(_result(rows)).table.set_index("group")
    for k, rounding in ((5, None), (5, 10), (7, None)):
        safe = disclose(flags(_result(rows)), k=k, rounding=rounding)
        t = safe.table.set_index("group")
        base = rounding or k
        for column in ("n_group", "n_rest"):
            shown = t[column].notna()
            expected = rounded_to_base(raw.loc[shown, column].to_numpy(float), base=base, k=k)
            assert t.loc[shown, column].tolist() == expected.tolist()
            assert not ((t[column] > 0) & (t[column] < k)).any()
        assert t.loc["5341", "n_group"] != 38  # the true size is not published
        assert np.isnan(t.loc["5345", "n_group"]) and t.loc["5345", "withheld"]
        for group in ("5340", "5341", "FR"):
            n = t.loc[group, "n_group"] + t.loc[group, "n_rest"]
            assert f"about {n:,.0f} cases compared" in t.loc[group, "sentence"]
    # a flagged row whose rest is too small to show loses its numbers and its sentence
    small = dict(ROWS[0], n_group=120, n_rest=3)
    t = disclose(flags(_result([small, ROWS[1]])), k=5).table.set_index("group")
    assert flags(_result([small, ROWS[1]])).table.set_index("group").loc["5340", "flagged"]
    assert np.isnan(t.loc["5340", "effect"]) and t.loc["5340", "sentence"] == ""
    # a share that would give a count away (0.1 x 40 = 4) is shown on the grid of the
    # shown size (multiples of k / 40), so share x size is a multiple of k; the sentence
    # states the shown share
    fr = dict(ROWS[-1], n_group=41, n_rest=62, value=0.1)
    safe = release_gate(disclose(flags(_result([ROWS[0], fr])), k=5), "flags", None, k=5)
    t = safe.table.set_index("group")
    share, size = t.loc["FR", "value"], t.loc["FR", "n_group"]
    assert size == 40 and share != 0.1
    assert abs(share * size / 5 - round(share * size / 5)) < 1e-9
    assert f"{share:.0%}" in t.loc["FR", "sentence"]
    assert "about 500 cases compared" in t.loc["5340", "sentence"]
    # the language of the sentences is kept
    french = disclose(flags(_result(rows), lang="fr"), k=5).table.set_index("group")
    assert french.loc["5340", "sentence"].startswith("Pour la zone de police")
