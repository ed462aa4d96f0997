"""The event chain of the generator: reception, nomenclature, decision, court and support.

Each step draws from the random stream in a fixed order (same seed, same cases) and
adds its arrays of event days (:data:`~trajectory.synth.generate.NA_DAY` for "no such
event") and detail codes to the latent arrays of
:func:`~trajectory.synth.generate.simulate_latent`:

1. reception: facts (E00) -> complaint (E11) -> PV (E12) -> police registration
   (E20) -> [APO E22] -> transmission (E23) -> parquet registration (E30), each an
   independent log-normal (or same-day/log-normal mixture) rounded down to days;
   simplified PVs never leave the police;
2. nomenclature: qualification E31 (may differ from the police code), requalification
   candidates, IFG and hate flags lost police -> parquet;
3. decision: a mixture of decision kinds times log-normal durations from E30, the
   planted opportunity hazard, and the requalification (E32) that may precede it;
4. court (E48, E50, E51, E52, E53) and victim support (E14, E60, E61, E62, E37, E63).

Scenario effects apply to the cases :func:`~trajectory.synth.effects._effect_mask`
selects.

Examples
--------
>>> from trajectory.synth.attributes import _draw_attributes
>>> from trajectory.synth.scenarios import get_scenario
>>> rng, sc, out = np.random.default_rng(1), get_scenario("null"), {}
>>> index = _draw_attributes(rng, sc, 300, out)
>>> cols, aux = _draw_reception(rng, sc, 300, out, index, start_day=18628,
...                             extraction_day=20269)
>>> bool((out["e12"] >= out["e11"]).all()), bool((out["e11"] >= out["e00"]).all())
(True, True)
"""

from __future__ import annotations

import numpy as np

from .effects import _Cols, _effect_mask, _opportunity_extra_time
from .latent import (
    _CODE_GROUP,
    _DETAIL,
    _KIND,
    _MAX_FACTS_DELAY,
    _MOTIVES_OI,
    _MOTIVES_OO,
    _MOTIVES_T,
    _SANCTIONS,
    _VERDICTS,
    CHANNELS,
    CHARGE_CODES,
    DIVISIONS,
    NA_DAY,
    ZONES,
    _cat,
    _days,
    _lognormal,
    _per_group,
)
from .params import (
    DECISION_KINDS,
    OFFENCE_GROUPS,
    PARAMS,
    decision_probabilities,
    requalification_candidate_probability,
)
from .scenarios import Scenario


def _draw_reception(rng: np.random.Generator, sc: Scenario, n: int,
                    out: dict[str, np.ndarray], index: list[np.ndarray], *, start_day: int,
                    extraction_day: int) -> tuple[_Cols, np.random.Generator | None]:
    """Reception: facts, complaint, PV, transmission and parquet registration days.

    Returns the columns effects select cases by, and the child stream of the world knobs.
    """
    group, channel = out["group"], out["channel"]
    zone, division, police_code = out["zone"], out["division"], out["police_code"]
    entry_days = int(min(round(PARAMS["entry_years"].value * 365.25),
                         extraction_day - start_day + 1))
    e11 = (start_day + rng.integers(0, max(entry_days, 1), n)).astype(np.int32)
    f2c = np.array([PARAMS["facts_to_complaint"].value[g] for g in OFFENCE_GROUPS])
    short = rng.random(n) < f2c[group, 0]
    z = rng.standard_normal(n)
    delay = np.where(short, f2c[group, 1] * np.exp(f2c[group, 2] * z),
                     f2c[group, 3] * np.exp(f2c[group, 4] * z))
    zsg = channel == CHANNELS.index("zsg")
    zm, zs = PARAMS["zsg_facts_to_complaint"].value
    delay = np.where(zsg, zm * np.exp(zs * z), delay)
    e00 = e11 - _days(np.minimum(delay, _MAX_FACTS_DELAY))
    p_same, med, sig = PARAMS["complaint_to_pv"].value
    same = rng.random(n) < p_same
    e12 = e11 + np.where(same, 0, _days(_lognormal(rng, med, sig, n)))
    p_same, med, sig = PARAMS["pv_to_registration"].value
    same = rng.random(n) < p_same
    e20 = e12 + np.where(same, 0, _days(_lognormal(rng, med, sig, n)))
    apo = rng.random(n) < _per_group("apo_share")[group]
    trans = np.where(
        apo, _lognormal(rng, 90.0, 0.4, n),
        _lognormal(rng, _per_group("transmission")[group], PARAMS["transmission_sigma"].value, n),
    )
    cols = {"zone": (zone, ZONES), "division": (division, DIVISIONS),
            "police_code": (police_code, CHARGE_CODES), "offence_group": (group, OFFENCE_GROUPS),
            "e11": (e11, ())}
    effects = sc.all_effects
    for e in effects:
        if e.kind == "transmission_delay":
            trans = np.where(_effect_mask(e, cols, group), trans * e.size, trans)
    simplified = rng.random(n) < _per_group("simplified_pv")[group]
    # draws of the world knobs come from a child stream: the main stream is unchanged
    aux = rng.spawn(1)[0] if (sc.police_only_share or sc.unmapped_code_share
                              or sc.missing_division_share) else None
    if sc.police_only_share:
        assert aux is not None
        simplified = simplified | (aux.random(n) < sc.police_only_share)
    e23 = np.where(simplified, NA_DAY, e20 + _days(trans)).astype(np.int32)
    p_same, med, sig = PARAMS["receipt_to_registration"].value
    same = rng.random(n) < p_same
    e30 = np.where(simplified, NA_DAY,
                   e23 + np.where(same, 0, _days(_lognormal(rng, med, sig, n)))).astype(np.int32)
    transmitted = ~simplified
    out.update(e00=e00, e11=e11, e12=e12, e20=e20,
               e22=np.where(apo, e20, NA_DAY).astype(np.int32), e23=e23, e30=e30,
               e31=e30.copy(), transmitted=transmitted, apo=apo)
    return cols, aux


def _draw_nomenclature(rng: np.random.Generator, sc: Scenario, n: int,
                       out: dict[str, np.ndarray], cols: _Cols) -> np.ndarray:
    """Parquet qualification, requalification candidates and lost flags.

    Returns the cases that are candidates for a requalification.
    """
    group, police_code, transmitted = out["group"], out["police_code"], out["transmitted"]
    ifg_police, hate_police = out["ifg_police"], out["hate_police"]
    effects = sc.all_effects
    differs = rng.random(n) < PARAMS["qualification_differs"].value
    other = _other_code(rng, police_code, group, n)
    q1 = np.where(differs, other, police_code).astype(np.int8)
    # candidates for a requalification; requalified only if it comes before the decision
    candidate = transmitted & (rng.random(n) < requalification_candidate_probability()[group])
    q2 = _other_code(rng, q1, group, n)
    ifg_loss = np.full(n, PARAMS["ifg_loss"].value)
    loss = np.full(n, PARAMS["hate_loss"].value)
    for e in effects:
        if e.kind == "ifg_flag_loss":
            ifg_loss[_effect_mask(e, cols, group)] = e.size
        elif e.kind == "hate_flag_loss":
            loss[_effect_mask(e, cols, group)] = e.size
    ifg_lost = rng.random(n) < ifg_loss
    hate_lost = rng.random(n) < loss
    out.update(ifg_parquet=ifg_police & ~ifg_lost, hate_parquet=hate_police & ~hate_lost,
               q1=q1, q2=q2)
    return candidate


def _draw_decision(rng: np.random.Generator, sc: Scenario, n: int, out: dict[str, np.ndarray],
                   cols: _Cols, candidate: np.ndarray) -> None:
    """The parquet decision (kind and day) and the requalification that may precede it."""
    G = len(OFFENCE_GROUPS)
    group, unknown = out["group"], ~out["suspect_known"]
    transmitted, e30 = out["transmitted"], out["e30"]
    effects = sc.all_effects
    probs = decision_probabilities()
    table = np.concatenate([probs["unknown"], probs["known"]])  # row = known * G + group
    stratum = (~unknown).astype(np.int64) * G + group
    order_s = np.argsort(stratum, kind="stable")
    b = np.searchsorted(stratum[order_s], np.arange(2 * G + 1))
    sindex = [order_s[b[s]:b[s + 1]] for s in range(2 * G)]
    kind = _cat(rng, table, stratum, sindex, n)
    medians = np.array([[PARAMS["decision_median"].value[k][g] for g in OFFENCE_GROUPS]
                        for k in DECISION_KINDS[:-1]] + [[np.inf] * G])
    dur = _lognormal(rng, medians[kind, group], PARAMS["decision_sigma"].value, n)
    u_extra = rng.random(n)
    opp_mult = np.ones(n)
    for e in effects:
        if e.kind == "opportunity_hazard":
            opp_mult[_effect_mask(e, cols, group)] *= e.size
    planted = opp_mult > 1.0
    if planted.any():
        # An independent extra latent time whose cumulative hazard is (HR - 1) times the
        # baseline cause-specific cumulative hazard of E41 multiplies that hazard by HR
        # exactly within each stratum (offence group x suspect status) and leaves the
        # other cause-specific hazards unchanged; the first of the two times wins.
        extra = _opportunity_extra_time(u_extra, opp_mult, sindex, n)
        wins = extra < dur
        kind = np.where(wins, _KIND["opportunity"], kind).astype(np.int8)
        dur = np.where(wins, extra, dur)
    decided = transmitted & (kind != _KIND["none"])
    kind = np.where(transmitted, kind, _KIND["none"]).astype(np.int8)
    # Requalification is a process while the case is open: a time drawn independently
    # of the decision; the case is requalified only if that time comes first. The
    # uniform draw of the former positioning rule is kept so the stream stays aligned.
    rng.uniform(0.0, 1.0, n)
    med_r, sig_r = PARAMS["requalification_time"].value
    t_req = _lognormal(rng, med_r, sig_r, n)
    requal = candidate & (t_req < dur)
    for e in effects:
        if e.kind == "requalification_delay":
            # the decision comes e.size days later than it would have, counted after E32
            dur = np.where(requal & _effect_mask(e, cols, group), dur + e.size, dur)
    dec = np.where(decided, e30 + _days(dur), NA_DAY).astype(np.int32)
    e32 = np.where(requal, e30 + _days(t_req), NA_DAY).astype(np.int32)
    out["requalified"] = requal
    out.update(kind=kind, dec=dec, e32=e32, decision_days=np.where(decided, dec - e30, -1))


def _draw_decision_details(rng: np.random.Generator, n: int, out: dict[str, np.ndarray]) -> None:
    """Detail codes of the decision (motives) and of the qualifications."""
    group, unknown, kind = out["group"], ~out["suspect_known"], out["kind"]
    transmitted, requal, q1, q2 = out["transmitted"], out["requalified"], out["q1"], out["q2"]
    d_dec = np.full(n, -1, np.int16)
    tech = kind == _KIND["technical"]
    tm = _cat(rng, list(PARAMS["technical_motives"].value.values()), None, None, n)
    t_codes = np.array([_DETAIL[c] for c in _MOTIVES_T], np.int16)
    d_dec[tech] = np.where(unknown[tech], _DETAIL["T03"], t_codes[tm[tech]])
    ifg_like = np.isin(group, [0, 1, 5])
    oi = _cat(rng, list(PARAMS["opportunity_motives_ifg"].value.values()), None, None, n)
    oo = _cat(rng, list(PARAMS["opportunity_motives_other"].value.values()), None, None, n)
    oi_codes = np.array([_DETAIL[c] for c in _MOTIVES_OI], np.int16)
    oo_codes = np.array([_DETAIL[c] for c in _MOTIVES_OO], np.int16)
    opp = kind == _KIND["opportunity"]
    d_dec[opp] = np.where(ifg_like[opp], oi_codes[oi[opp]], oo_codes[oo[opp]])
    d_dec[kind == _KIND["mediation"]] = _DETAIL["succeeded"]
    d_dec[kind == _KIND["transaction"]] = _DETAIL["paid"]
    out.update(d_dec=d_dec, d_e31=np.where(transmitted, q1, -1).astype(np.int16),
               d_e32=np.where(requal, q2, -1).astype(np.int16))


def _other_code(rng: np.random.Generator, code: np.ndarray, group: np.ndarray,
                n: int) -> np.ndarray:
    """A charge code of the same offence group, different from ``code``."""
    first = np.array([np.flatnonzero(_CODE_GROUP == g)[0] for g in range(len(OFFENCE_GROUPS))])
    size = np.bincount(_CODE_GROUP, minlength=len(OFFENCE_GROUPS))
    pos = code - first[group]
    shift = 1 + np.floor(rng.random(n) * (size[group] - 1)).astype(np.int64)
    return (first[group] + (pos + shift) % size[group]).astype(np.int8)


def _court(rng: np.random.Generator, out: dict[str, np.ndarray], n: int, group: np.ndarray,
           kind: np.ndarray, dec: np.ndarray) -> None:
    direct = kind == _KIND["direct_summons"]
    by_pv = kind == _KIND["summons_pv"]
    judge = kind == _KIND["investigating_judge"]
    med, sig = PARAMS["summons_to_hearing"].value
    h_direct = dec + _days(_lognormal(rng, med, sig, n))
    lo, hi = PARAMS["pv_summons_hearing_days"].value
    h_pv = dec + rng.integers(lo, hi + 1, n).astype(np.int32)
    chamber = dec + _days(_lognormal(rng, _per_group("chamber_median")[group], 0.4, n))
    referral = rng.random(n) < PARAMS["chamber_referral"].value
    med, sig = PARAMS["referral_to_hearing"].value
    h_judge = chamber + _days(_lognormal(rng, med, sig, n))
    e48 = np.where(judge, chamber, NA_DAY).astype(np.int32)
    e50 = np.select([direct, by_pv, judge & referral], [h_direct, h_pv, h_judge], NA_DAY)
    p_same, med, sig = PARAMS["hearing_to_judgment"].value
    same = rng.random(n) < p_same
    gap = np.where(same, 0, _days(_lognormal(rng, med, sig, n)))
    lo, hi = PARAMS["pv_summons_judgment_days"].value
    gap = np.where(by_pv, rng.integers(lo, hi + 1, n), gap)
    judged = e50 != NA_DAY
    e51 = np.where(judged, e50 + gap, NA_DAY).astype(np.int32)
    verdict = _cat(rng, list(PARAMS["verdict_probs"].value.values()), None, None, n)
    sentenced = judged & np.isin(verdict, [_VERDICTS.index("V01"), _VERDICTS.index("V05")])
    sp = list(PARAMS["sanction_probs"].value.values())
    s1 = _cat(rng, sp, None, None, n).astype(np.int16)
    s2 = ((s1 + 1 + np.floor(rng.random(n) * (len(sp) - 1))) % len(sp)).astype(np.int16)
    two = sentenced & (rng.random(n) < PARAMS["two_sanctions"].value)
    appeal = judged & (rng.random(n) < PARAMS["appeal"].value)
    e53 = np.where(appeal, e51 + rng.integers(1, 31, n), NA_DAY).astype(np.int32)
    s0 = _DETAIL[_SANCTIONS[0]]
    out.update(
        e48=e48, e50=e50.astype(np.int32), e51=e51, e53=e53,
        e52a=np.where(sentenced, e51, NA_DAY).astype(np.int32),
        e52b=np.where(two, e51, NA_DAY).astype(np.int32),
        d_e48=np.where(judge, np.where(referral, _DETAIL["referral"], _DETAIL["no_referral"]),
                       -1).astype(np.int16),
        d_e51=np.where(judged, _DETAIL[_VERDICTS[0]] + verdict, -1).astype(np.int16),
        d_e52a=np.where(sentenced, s0 + s1, -1).astype(np.int16),
        d_e52b=np.where(two, s0 + s2, -1).astype(np.int16),
    )


def _support(rng: np.random.Generator, out: dict[str, np.ndarray], n: int, group: np.ndarray,
             channel: np.ndarray, e11: np.ndarray, e12: np.ndarray, e30: np.ndarray,
             transmitted: np.ndarray, decided: np.ndarray, dec: np.ndarray,
             ref_drop: np.ndarray) -> None:
    ref = rng.random(n) < _per_group("police_referral")[group] - ref_drop
    later = rng.random(n) < 0.2
    e14 = np.where(ref, e12 + np.where(later, rng.integers(1, 8, n), 0), NA_DAY)
    p, med, sig = PARAMS["support_intake"].value
    intake = ref & (rng.random(n) < p)
    e60 = np.where(intake, e14 + _days(_lognormal(rng, med, sig, n)), NA_DAY)
    e61 = np.where(channel == CHANNELS.index("fjc"), e11, NA_DAY)
    e62 = np.where(channel == CHANNELS.index("zsg"), e11, NA_DAY)
    rec = transmitted & (rng.random(n) < _per_group("parquet_reception")[group])
    e37 = np.where(rec, e30 + _days(_lognormal(rng, 40.0, 1.0, n)), NA_DAY)
    p, med, sig = PARAMS["victim_informed"].value
    informed = decided & (rng.random(n) < p)
    e63 = np.where(informed, dec + _days(_lognormal(rng, med, sig, n)), NA_DAY)
    for name, arr in (("e14", e14), ("e60", e60), ("e61", e61), ("e62", e62), ("e37", e37),
                      ("e63", e63)):
        out[name] = arr.astype(np.int32)
