"""Planted effects confined to a subgroup, world variations and requalification while open.

Checked by tabulation of uncensored 60,000-case studies; tolerances are binomial or
median standard errors at 4.5 standard errors (see test_calibration.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from trajectory.errors import ConfigError
from trajectory.synth import PARAMS, SCENARIOS, Effect, Scenario, make_study
from trajectory.synth.generate import CHARGE_CODES, UNMAPPED_CODE, simulate_latent
from trajectory.synth.params import OFFENCE_GROUPS

from .conftest import FAR, per_case_days

Z = 4.5
N = 60_000


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    names = ("null", "confined_slow_zone", "confined_hate_division", "confined_ifg_division",
             "null_uneven", "null_mix")
    return {s: per_case_days(make_study(N, seed=21, scenario=s, extraction_date=FAR).log)
            for s in names}


def _prop_ok(observed: float, p: float, n: int) -> bool:
    return abs(observed - p) <= Z * np.sqrt(p * (1 - p) / n) + 1e-12


# ---------------------------------------------------------------- the API
def test_effect_validates_its_arguments() -> None:
    with pytest.raises(ConfigError, match="kind"):
        Effect("nope", "zone", "5340", 2.0)
    with pytest.raises(ConfigError, match="by"):
        Effect("referral", "municipality", "21004", 0.1)
    with pytest.raises(ConfigError, match="out of range"):
        Effect("opportunity_hazard", "division", "NL", 0.5)
    with pytest.raises(ConfigError, match="unknown zone"):
        make_study(100, seed=1, scenario=Scenario(
            "bad", effects=(Effect("transmission_delay", "zone", "9999", 2.0),)))
    with pytest.raises(ConfigError, match="unknown offence group"):
        make_study(100, seed=1, scenario=Scenario(
            "bad", effects=(Effect("referral", "zone", "5340", 0.1, offence_group="sexual"),)))


def test_shorthand_fields_are_effects() -> None:
    sc = SCENARIOS["brussels"]
    kinds = [(e.kind, e.by, e.unit, e.size) for e in sc.all_effects]
    assert kinds == [("transmission_delay", "zone", "5340", 3.0),
                     ("hate_flag_loss", "offence_group", "hate", 0.6),
                     ("opportunity_hazard", "division", "NL", 2.0),
                     ("requalification_delay", "police_code", "601", 90.0)]
    assert SCENARIOS["null_uneven"].varied == (
        "zone_weights", "zone_offence_tilt", "police_only_share", "unmapped_code_share")


def test_shorthand_and_effect_give_the_same_study() -> None:
    a, _ = make_study(3_000, seed=5, scenario="slow_zone")
    b, _ = make_study(3_000, seed=5, scenario=Scenario(
        "slow_zone", effects=(Effect("transmission_delay", "zone", "5340", 3.0),)))
    pd.testing.assert_frame_equal(a.events, b.events)
    pd.testing.assert_frame_equal(a.cases, b.cases)


def test_observation_knobs_leave_every_trajectory_unchanged() -> None:
    """Unmapped codes and missing divisions draw from a child stream: the same cases."""
    base, _ = make_study(5_000, seed=2, scenario="null")
    sc = Scenario("obs", unmapped_code_share=0.10, missing_division_share=0.10)
    log, _ = make_study(5_000, seed=2, scenario=sc)
    pd.testing.assert_frame_equal(base.events, log.events)
    same = [c for c in base.cases.columns if c not in ("police_code", "division")]
    pd.testing.assert_frame_equal(base.cases[same], log.cases[same])
    changed = base.cases["police_code"] != log.cases["police_code"]
    assert set(log.cases.loc[changed.fillna(True), "police_code"].dropna()) == {UNMAPPED_CODE}
    assert _prop_ok(float(log.cases["police_code"].isna().mean()), 0.05, 5_000)
    assert _prop_ok(float(log.cases["division"].isna().mean()), 0.10, 5_000)
    kept = log.cases["division"].notna()
    assert (log.cases.loc[kept, "division"] == base.cases.loc[kept, "division"]).all()


# ------------------------------------------------------------ confined effects
def _transmission(t: pd.DataFrame) -> pd.DataFrame:
    sub = t[t["E23"].notna() & t["E22"].isna()]
    return sub.assign(delay=sub["E23"] - sub["E20"])


def test_confined_slow_zone_slows_only_sexual_violence_in_5340(tables: dict) -> None:
    t = _transmission(tables["confined_slow_zone"])
    sigma = PARAMS["transmission_sigma"].value
    for group in OFFENCE_GROUPS:
        g = t[t["offence_group"] == group]
        inside, outside = g.loc[g["zone"] == "5340", "delay"], g.loc[g["zone"] != "5340", "delay"]
        ratio = inside.median() / outside.median()
        expected = 2.0 if group == "sexual_violence" else 1.0
        rse = sigma * np.sqrt(np.pi / 2) * np.sqrt(1 / len(inside) + 1 / len(outside))
        tol = ratio * (Z * rse + 1 / inside.median() + 1 / outside.median())
        assert abs(ratio - expected) <= tol, (group, ratio, tol)


def test_confined_hate_division_lowers_referrals_of_hate_cases_in_nl(tables: dict) -> None:
    t = tables["confined_hate_division"]
    referred = t["E14"].notna()
    for group in ("hate", "partner_violence", "discrimination"):
        base = PARAMS["police_referral"].value[group]
        for division, drop in (("NL", 0.15 if group == "hate" else 0.0), ("FR", 0.0)):
            m = ((t["offence_group"] == group) & (t["division"] == division)).to_numpy()
            assert _prop_ok(float(referred[m].mean()), base - drop, int(m.sum())), (
                group, division)
    # the intake E60 follows the referral, so it drops too
    hate = t[t["offence_group"] == "hate"]
    nl = hate["division"] == "NL"
    p60 = PARAMS["support_intake"].value[0]
    base = PARAMS["police_referral"].value["hate"]
    assert _prop_ok(float(hate.loc[nl, "E60"].notna().mean()), (base - 0.15) * p60, int(nl.sum()))


def _nelson_aalen(times: np.ndarray, event: np.ndarray, horizon: float) -> tuple[float, int]:
    order = np.argsort(times, kind="stable")
    times, event = times[order], event[order]
    keep = event & (times <= horizon)
    at_risk = len(times) - np.searchsorted(times, times, side="left")
    return float((1.0 / at_risk[keep]).sum()), int(keep.sum())


def test_confined_hate_division_doubles_the_opportunity_hazard_of_hate_in_nl(
        tables: dict) -> None:
    t = tables["confined_hate_division"]
    t = t[t["E30"].notna()]
    times = t["dec_days"].fillna(np.inf).to_numpy()
    opp = (t["decision"] == "E41").to_numpy()
    for group, expected in (("hate", 2.0), ("partner_violence", 1.0)):
        stratum = ((t["offence_group"] == group) & t["suspect_known"].astype(bool)).to_numpy()
        nl = stratum & (t["division"] == "NL").to_numpy()
        fr = stratum & (t["division"] == "FR").to_numpy()
        h_nl, d_nl = _nelson_aalen(times[nl], opp[nl], 365)
        h_fr, d_fr = _nelson_aalen(times[fr], opp[fr], 365)
        se = np.sqrt(1 / d_nl + 1 / d_fr)
        assert abs(np.log(h_nl / h_fr) - np.log(expected)) <= Z * se, (group, h_nl / h_fr)


def test_general_hazard_ratio_is_exact_for_sizes_other_than_two() -> None:
    sc = Scenario("hr3", effects=(Effect("opportunity_hazard", "zone", "5339", 3.0),))
    t = per_case_days(make_study(N, seed=8, scenario=sc, extraction_date=FAR).log)
    t = t[t["E30"].notna() & t["suspect_known"].astype(bool)
          & (t["offence_group"] == "partner_violence")]
    times = t["dec_days"].fillna(np.inf).to_numpy()
    opp = (t["decision"] == "E41").to_numpy()
    inside = (t["zone"] == "5339").to_numpy()
    h_in, d_in = _nelson_aalen(times[inside], opp[inside], 365)
    h_out, d_out = _nelson_aalen(times[~inside], opp[~inside], 365)
    assert abs(np.log(h_in / h_out) - np.log(3.0)) <= Z * np.sqrt(1 / d_in + 1 / d_out)


def test_confined_ifg_division_loses_the_flag_of_partner_violence_in_nl(tables: dict) -> None:
    t = tables["confined_ifg_division"]
    flagged = t[t["E30"].notna() & t["ifg_police"].astype(bool)]
    lost = ~flagged["ifg_parquet"].astype(bool)
    base = PARAMS["ifg_loss"].value
    for group in ("partner_violence", "intrafamilial"):
        for division in ("NL", "FR"):
            m = (flagged["offence_group"] == group) & (flagged["division"] == division)
            p = 0.35 if (group, division) == ("partner_violence", "NL") else base
            assert _prop_ok(float(lost[m].mean()), p, int(m.sum())), (group, division)


# --------------------------------------------------------------- null worlds
def test_null_uneven_zone_sizes_mix_police_only_and_unmapped_codes(tables: dict) -> None:
    t = tables["null_uneven"]
    sc = SCENARIOS["null_uneven"]
    # zone weights: before the offence tilt, so check a group the tilt leaves alone
    weights = dict(sc.zone_weights)
    g = t[t["offence_group"] == "harassment"]
    tilt = {z: f for z, grp, f in sc.zone_offence_tilt if grp == "harassment"}
    w = pd.Series({z: weights[z] * tilt.get(z, 1.0) for z in weights})
    w = w / w.sum()
    share = g["zone"].value_counts(normalize=True)
    for zone, p in w.items():
        assert _prop_ok(float(share[zone]), p, len(g)), zone
    # the offence mix differs by zone; the overall offence shares do not
    hate_share = t.groupby("zone")["offence_group"].apply(lambda s: (s == "hate").mean())
    assert hate_share["5339"] > 3 * hate_share["5342"]
    p = PARAMS["offence_shares"].value["hate"]
    assert _prop_ok(float((t["offence_group"] == "hate").mean()), p, len(t))
    # police-only: 6% on top of the simplified PVs, in every offence group
    for group in OFFENCE_GROUPS:
        sub = t[t["offence_group"] == group]
        simp = PARAMS["simplified_pv"].value[group]
        p = simp + 0.06 * (1 - simp)
        assert _prop_ok(float(sub["E30"].isna().mean()), p, len(sub)), group
        assert sub.loc[sub["E30"].isna(), "E20"].notna().all()
    code = t["police_code"]
    assert _prop_ok(float((code == UNMAPPED_CODE).mean()), 0.01, len(t))
    assert _prop_ok(float(code.isna().mean()), 0.01, len(t))


def test_null_mix_divisions_and_unknown_suspects_by_zone(tables: dict) -> None:
    t = tables["null_mix"]
    div = t["division"]
    assert _prop_ok(float(div.isna().mean()), 0.03, len(t))
    assert _prop_ok(float((div[div.notna()] == "FR").mean()), 0.92, int(div.notna().sum()))
    sub = t[t["offence_group"] == "sexual_violence"]
    unknown = ~sub["suspect_known"].astype(bool)
    base = PARAMS["suspect_unknown"].value["sexual_violence"]
    for zone, factor in (("5339", 2.0), ("5342", 0.4), ("5340", 1.0)):
        m = sub["zone"] == zone
        assert _prop_ok(float(unknown[m].mean()), base * factor, int(m.sum())), zone


# ------------------------------------------------------ requalification while open
def test_requalification_is_independent_of_the_decision_time_in_the_null() -> None:
    """Landmark check: no immortal time is built in.

    Among cases still undecided 60 days after parquet registration, those
    requalified by then and those not have the same distribution of the remaining
    time to decision (requalification is drawn independently of the decision and
    does not change it). The former rule (E32 at a fraction of the case's own
    decision time) fails this test.
    """
    rng = np.random.default_rng(np.random.SeedSequence([31, 0]))
    lat = simulate_latent(200_000, rng, "null", start_day=18628, extraction_day=40_000)
    decided = lat["dec"] < 2**30
    e30, dec, e32 = lat["e30"].astype(np.int64), lat["dec"].astype(np.int64), lat["e32"]
    landmark = 60
    g = lat["group"] == OFFENCE_GROUPS.index("sexual_violence")
    open_at = g & decided & (dec - e30 > landmark)
    by_then = (e32 < 2**30) & (e32.astype(np.int64) - e30 <= landmark)
    remaining = dec - e30 - landmark
    a, b = remaining[open_at & by_then], remaining[open_at & ~by_then]
    assert len(a) > 500
    assert stats.ks_2samp(a, b).pvalue > 1e-4


def test_requalification_delay_comes_after_the_requalification() -> None:
    rng = np.random.default_rng(np.random.SeedSequence([32, 0]))
    lat = simulate_latent(200_000, rng, "requalification_delay", start_day=18628,
                          extraction_day=40_000)
    code = lat["police_code"] == CHARGE_CODES.index("601")
    req = lat["requalified"] & (lat["dec"] < 2**30)
    gap = lat["dec"].astype(np.int64) - lat["e32"]
    assert (gap[req & code] >= 89).all()  # at least the planted 90 days, whole-day rounding
    assert (gap[req & ~code] >= 0).all()
