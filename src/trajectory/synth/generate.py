"""Vectorised generator of synthetic case trajectories (latent arrays -> EventLog).

The generator draws every case at once with numpy (no per-case Python loop):

1. case attributes (offence group, charge code, municipality -> zone, division,
   channel, victim and suspect attributes, flags);
2. reception: facts (E00) -> complaint (E11) -> PV (E12) -> police registration
   (E20) -> [APO E22] -> transmission (E23) -> parquet registration (E30), each an
   independent log-normal (or same-day/log-normal mixture) rounded down to days;
   simplified PVs never leave the police;
3. nomenclature: qualification E31 (may differ from the police code), IFG and hate
   flags lost police -> parquet;
4. decision: a *mixture* of decision kinds (shares of domain.md §5.1, exact per
   offence group) times log-normal durations from E30 (medians of §5.2); a planted
   opportunity-hazard effect adds an independent latent time whose cumulative
   hazard is (HR - 1) times the cause-specific cumulative hazard of E41, which
   multiplies that cause-specific hazard by exactly HR and leaves the others
   unchanged; requalification (E32) is a process while the case is open: a
   requalification time drawn independently of the decision, kept only when it
   comes first (a planted requalification delay then postpones the decision);
5. court (E50, E51 verdict, E52 sentence components, E53 appeal, E48 chamber
   order) and victim support (E14, E60, E61, E62, E37, E63);
6. right censoring: events after the extraction date are not in the log.

All dates are whole days; :data:`NA_DAY` marks "no such event".

Examples
--------
>>> import numpy as np
>>> lat = simulate_latent(200, np.random.default_rng(1), "null",
...                       start_day=18628, extraction_day=20269)
>>> bool(lat["e11"].min() >= 18628), bool((lat["e12"] >= lat["e11"]).all())
(True, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy import special

from ..errors import ConfigError
from ..schema import CASE_COLUMNS, EVENT_COLUMNS, VALUE_SETS, EventLog, vocabulary
from .params import (
    DECISION_EVENTS,
    DECISION_KINDS,
    OFFENCE_GROUPS,
    PARAMS,
    decision_probabilities,
    requalification_candidate_probability,
)
from .scenarios import Effect, Scenario, get_scenario

__all__ = [
    "NA_DAY",
    "CHARGE_CODES",
    "DETAIL_CODES",
    "EVENT_SLOTS",
    "simulate_latent",
    "latent_to_eventlog",
    "opportunity_cumulative_hazard",
]

NA_DAY = np.int32(2**30)  #: "no such event" (later than any real day)
_CAP = 60_000.0  #: durations are capped (days) so that day arithmetic stays in int32
_MAX_FACTS_DELAY = 3652.0  #: facts at most 10 years before the complaint [assumed]

_CHARGES = vocabulary("charge_codes")
#: Project charge codes, in vocabulary order; index = code index in the latent arrays.
CHARGE_CODES: tuple[str, ...] = tuple(_CHARGES["code"])
_CODE_GROUP = np.array([OFFENCE_GROUPS.index(g) for g in _CHARGES["offence_group"]], np.int8)
_MUNIS = vocabulary("municipalities")
_MUNI_CODES: tuple[str, ...] = tuple(_MUNIS["code"])
ZONES: tuple[str, ...] = tuple(vocabulary("police_zones")["code"])
_MUNI_ZONE = np.array([ZONES.index(z) for z in _MUNIS["zone"]], np.int8)
DIVISIONS: tuple[str, ...] = ("FR", "NL")
#: Police code recorded for the unmapped cases of ``Scenario.unmapped_code_share``.
UNMAPPED_CODE = "999"
CHANNELS: tuple[str, ...] = VALUE_SETS["channel"]
SEXES: tuple[str, ...] = VALUE_SETS["victim_sex"]
AGE_BANDS: tuple[str, ...] = VALUE_SETS["victim_age_band"]
RELATIONSHIPS: tuple[str, ...] = VALUE_SETS["relationship"]
_MOTIVES_T = tuple(PARAMS["technical_motives"].value)
_MOTIVES_OI = tuple(PARAMS["opportunity_motives_ifg"].value)
_MOTIVES_OO = tuple(PARAMS["opportunity_motives_other"].value)
_VERDICTS = tuple(PARAMS["verdict_probs"].value)
_SANCTIONS = tuple(PARAMS["sanction_probs"].value)
_STATUS = ("succeeded", "paid", "referral", "no_referral")
#: Vocabulary of the events ``code`` column: charge codes, motives, verdicts, sanctions,
#: mediation/transaction status and chamber-order outcome.
DETAIL_CODES: tuple[str, ...] = (
    CHARGE_CODES + _MOTIVES_T + ("T03",) + tuple(dict.fromkeys(_MOTIVES_OI + _MOTIVES_OO))
    + _VERDICTS + _SANCTIONS + _STATUS
)
_DETAIL = {c: i for i, c in enumerate(DETAIL_CODES)}
_KIND = {k: i for i, k in enumerate(DECISION_KINDS)}

#: Event slots of the latent arrays, in canonical (near-chronological) order:
#: (slot name, event code or "decision", source).
EVENT_SLOTS: tuple[tuple[str, str, str], ...] = (
    ("e00", "E00", "police"), ("e61", "E61", "victim_services"),
    ("e62", "E62", "victim_services"), ("e11", "E11", "police"), ("e12", "E12", "police"),
    ("e14", "E14", "police"), ("e20", "E20", "police"), ("e22", "E22", "police"),
    ("e60", "E60", "victim_services"), ("e23", "E23", "police"), ("e30", "E30", "parquet"),
    ("e31", "E31", "parquet"), ("e32", "E32", "parquet"), ("e37", "E37", "victim_services"),
    ("dec", "decision", "parquet"), ("e63", "E63", "parquet"), ("e48", "E48", "court"),
    ("e50", "E50", "court"), ("e51", "E51", "court"), ("e52a", "E52", "court"),
    ("e52b", "E52", "court"), ("e53", "E53", "court"),
)
_SOURCES = ("police", "parquet", "court", "victim_services")


def _days(x: np.ndarray) -> np.ndarray:
    """Continuous durations -> whole days (floor), capped, int32."""
    return np.floor(np.minimum(x, _CAP)).astype(np.int32)


def _lognormal(rng: np.random.Generator, median: Any, sigma: Any, n: int) -> np.ndarray:
    return np.asarray(median, float) * np.exp(np.asarray(sigma, float) * rng.standard_normal(n))


def _cat(rng: np.random.Generator, probs: Any, group: np.ndarray | None,
         index: list[np.ndarray] | None, n: int) -> np.ndarray:
    """Draw category indices; ``probs`` is (K,) or per group (G, K) with ``index`` per group."""
    u = rng.random(n)
    probs = np.asarray(probs, float)
    if probs.ndim == 1:
        cum = np.cumsum(probs / probs.sum())
        return np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1).astype(np.int8)
    out = np.zeros(n, np.int8)
    assert index is not None
    for g, idx in enumerate(index):
        cum = np.cumsum(probs[g] / probs[g].sum())
        out[idx] = np.minimum(np.searchsorted(cum, u[idx], side="right"), len(cum) - 1)
    return out


def _per_group(name: str) -> np.ndarray:
    value = PARAMS[name].value
    return np.array([value[g] for g in OFFENCE_GROUPS], float)


def opportunity_cumulative_hazard(
    grid_step: float = 0.5, horizon: float = 20_000.0
) -> tuple[np.ndarray, np.ndarray]:
    """Cause-specific cumulative hazard of opportunity dismissal (E41) in the baseline.

    For a mixture model (decision kind ``k`` with probability ``p_k`` and duration
    density ``f_k``), the cause-specific hazard of ``k`` at ``t`` (time since E30) is
    ``p_k f_k(t) / S(t)`` with ``S(t) = 1 - sum_j p_j F_j(t)``. Integrated on a
    grid for each offence group and suspect status.

    Returns
    -------
    grid : ndarray, shape (m,)
        Times in days.
    cumhaz : ndarray, shape (groups, 2, m)
        ``[g, known]`` cumulative hazard (``known`` = 1 for a known suspect).

    Examples
    --------
    >>> grid, H = opportunity_cumulative_hazard(grid_step=1.0, horizon=3000.0)
    >>> H.shape[:2], bool((np.diff(H, axis=2) >= 0).all())
    ((7, 2), True)
    """
    probs = decision_probabilities()
    med = PARAMS["decision_median"].value
    sigma = PARAMS["decision_sigma"].value
    grid = np.arange(0.0, horizon + grid_step, grid_step)
    out = np.zeros((len(OFFENCE_GROUPS), 2, len(grid)))
    opp = _KIND["opportunity"]
    kinds = DECISION_KINDS[:-1]
    with np.errstate(divide="ignore"):
        logt = np.log(grid)
    for g, group in enumerate(OFFENCE_GROUPS):
        logm = np.log([med[k][group] for k in kinds])[:, None]
        z = (logt[None, :] - logm) / sigma
        cdf = special.ndtr(z)
        for known, table in ((0, probs["unknown"]), (1, probs["known"])):
            surv = 1.0 - table[g, : len(kinds)] @ cdf
            zo = z[opp, 1:]
            dens = np.zeros_like(grid)
            dens[1:] = (table[g, opp] * np.exp(-0.5 * zo**2 - logt[1:])
                        / (sigma * np.sqrt(2 * np.pi)))
            haz = dens / np.maximum(surv, 1e-300)
            cum = np.concatenate([[0.0], np.cumsum((haz[1:] + haz[:-1]) / 2 * grid_step)])
            out[g, known] = cum
    return grid, out


_HAZARD_CACHE: dict[str, tuple[np.ndarray, np.ndarray]] = {}


def simulate_latent(
    n: int,
    rng: np.random.Generator,
    scenario: str | Scenario,
    *,
    start_day: int,
    extraction_day: int,
) -> dict[str, np.ndarray]:
    """Draw ``n`` complete (uncensored) trajectories as latent per-case arrays.

    Parameters
    ----------
    n : int
        Number of cases.
    rng : numpy.random.Generator
        The random stream (consumed in a fixed order: same seed, same cases).
    scenario : str or Scenario
        Which bottlenecks are planted (:mod:`trajectory.synth.scenarios`).
    start_day, extraction_day : int
        Days since 1970-01-01 of the first complaint date and of the extraction;
        complaints (E11) are uniform over ``entry_years`` from ``start_day``, never
        after ``extraction_day``.

    Returns
    -------
    dict of ndarray
        Categorical indices (``group``, ``police_code``, ``zone``...), flags, event
        days ``e00``... (:data:`NA_DAY` when the event never happens), ``kind``
        (index in :data:`DECISION_KINDS`), ``dec`` (decision day) and detail codes
        (``d_<slot>``, index in :data:`DETAIL_CODES`, -1 for none).
    """
    sc = get_scenario(scenario)
    out: dict[str, np.ndarray] = {}
    # each step draws from ``rng`` in a fixed order and adds its arrays to ``out``
    index = _draw_attributes(rng, sc, n, out)
    cols, aux = _draw_reception(rng, sc, n, out, index, start_day=start_day,
                                extraction_day=extraction_day)
    candidate = _draw_nomenclature(rng, sc, n, out, cols)
    _draw_decision(rng, sc, n, out, cols, candidate)
    _draw_decision_details(rng, n, out)
    group, kind, dec = out["group"], out["kind"], out["dec"]
    _court(rng, out, n, group, kind, dec)
    ref_drop = np.zeros(n)
    for e in sc.all_effects:
        if e.kind == "referral":
            ref_drop[_effect_mask(e, cols, group)] += e.size
    _support(rng, out, n, group, out["channel"], out["e11"], out["e12"],
             out["e30"], out["transmitted"], out["kind"] != _KIND["none"], dec, ref_drop)
    _register_knobs(sc, n, out, aux)
    return out


_Cols = dict[str, tuple[np.ndarray, tuple[str, ...]]]


def _draw_attributes(rng: np.random.Generator, sc: Scenario, n: int,
                     out: dict[str, np.ndarray]) -> list[np.ndarray]:
    """Case attributes (offence group, codes, place, victim, suspect, police flags).

    Returns the row indices of each offence group (for drawing per group).
    """
    G = len(OFFENCE_GROUPS)
    shares = np.array([PARAMS["offence_shares"].value[g] for g in OFFENCE_GROUPS])
    group = _cat(rng, shares, None, None, n)
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(G + 1))
    index = [order[bounds[g]:bounds[g + 1]] for g in range(G)]
    code_probs = np.array([(_CODE_GROUP == g) / (_CODE_GROUP == g).sum() for g in range(G)])
    police_code = _cat(rng, code_probs, group, index, n)
    weights = np.array([PARAMS["municipality_weights"].value[m] for m in _MUNI_CODES], float)
    if sc.zone_offence_tilt:
        muni = _cat(rng, _municipality_probs(sc, weights), group, index, n)
    else:
        muni = _cat(rng, _municipality_probs(sc, weights)[0] if sc.zone_weights else weights,
                    None, None, n)
    zone = _MUNI_ZONE[muni]
    fr = (PARAMS["division_fr_share"].value if sc.division_fr_share is None
          else sc.division_fr_share)
    division = (rng.random(n) >= fr).astype(np.int8)  # 0 FR, 1 NL
    chan_p = np.array([PARAMS["channel_probs"].value[g] for g in OFFENCE_GROUPS])
    channel = _cat(rng, chan_p, group, index, n)
    vsex_p = np.array([PARAMS["victim_sex_probs"].value[g] for g in OFFENCE_GROUPS])
    victim_sex = _cat(rng, vsex_p, group, index, n)
    vage_p = np.array([PARAMS["victim_age_probs"].value[g] for g in OFFENCE_GROUPS])
    victim_age = _cat(rng, vage_p, group, index, n)
    p_unknown = _per_group("suspect_unknown")[group]
    if sc.suspect_unknown_by_zone:
        factor = np.ones(len(ZONES))
        for z_code, f in sc.suspect_unknown_by_zone:
            factor[_index_of(ZONES, z_code, "zone")] *= float(f)
        p_unknown = np.minimum(p_unknown * factor[zone], 0.95)
    unknown = rng.random(n) < p_unknown
    male = rng.random(n) < _per_group("suspect_male")[group]
    suspect_sex = np.where(unknown, 3, np.where(male, 1, 0)).astype(np.int8)  # F, M, X, unk
    sage_p = np.array([PARAMS["suspect_age_probs"].value[g] for g in OFFENCE_GROUPS])
    suspect_age = np.where(unknown, 5, _cat(rng, sage_p, group, index, n)).astype(np.int8)
    rel_p = np.array([PARAMS["relationship_probs"].value[g] for g in OFFENCE_GROUPS])
    relationship = np.where(unknown, 5, _cat(rng, rel_p, group, index, n)).astype(np.int8)
    ifg_group = np.isin(group, [0, 1])
    ifg_rel = np.isin(relationship, [0, 1, 2]) & np.isin(group, [2, 5, 6])
    ifg_police = ifg_group | ifg_rel
    hate_police = rng.random(n) < _per_group("hate_police_prob")[group]
    out.update(group=group, police_code=police_code, municipality=muni, zone=zone,
               division=division, channel=channel, victim_sex=victim_sex,
               victim_age=victim_age, suspect_sex=suspect_sex, suspect_age=suspect_age,
               relationship=relationship, suspect_known=~unknown, ifg_police=ifg_police,
               hate_police=hate_police, sexual=group == 2)
    return index


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
        if "opp" not in _HAZARD_CACHE:
            _HAZARD_CACHE["opp"] = opportunity_cumulative_hazard()
        grid, H = _HAZARD_CACHE["opp"]
        target = -np.log(u_extra)
        extra = np.full(n, np.inf)
        for s, idx in enumerate(sindex):
            sel = idx[planted[idx]]
            cum = H[s % G, s // G]
            t_sel = target[sel] / (opp_mult[sel] - 1.0)
            ok = t_sel < cum[-1]
            extra[sel[ok]] = np.interp(t_sel[ok], cum, grid)
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


def _register_knobs(sc: Scenario, n: int, out: dict[str, np.ndarray],
                    aux: np.random.Generator | None) -> None:
    """What the registers record: unmapped police codes and missing divisions (knobs)."""
    police_code, division = out["police_code"], out["division"]
    if sc.unmapped_code_share:
        assert aux is not None
        u = aux.random(n)
        share = sc.unmapped_code_share
        # half outside the vocabulary ("999", index len(CHARGE_CODES)), half missing (-1)
        out["police_code_obs"] = np.where(
            u < share / 2, len(CHARGE_CODES), np.where(u < share, -1, police_code)
        ).astype(np.int8)
    if sc.missing_division_share:
        assert aux is not None
        out["division_obs"] = np.where(aux.random(n) < sc.missing_division_share, -1,
                                       division).astype(np.int8)


def _index_of(vocab: tuple[str, ...], value: str, what: str) -> int:
    if str(value) not in vocab:
        raise ConfigError(f"synthetic scenario: unknown {what} {value!r}; allowed: "
                          f"{', '.join(vocab)}")
    return vocab.index(str(value))


def _effect_mask(effect: Effect, cols: dict[str, tuple[np.ndarray, tuple[str, ...]]],
                 group: np.ndarray) -> np.ndarray:
    """Cases an effect applies to: ``by == unit`` (and the offence group, if given).

    An effect with a ``start`` date (a planted intervention) applies only to the cases
    whose complaint (E11) is on or after it: exposure by complaint date.
    """
    values, vocab = cols[effect.by]
    mask = values == _index_of(vocab, effect.unit, effect.by)
    if effect.start is not None:
        mask &= cols["e11"][0] >= int(np.datetime64(effect.start, "D").astype(np.int64))
    if effect.offence_group is not None:
        mask &= group == _index_of(OFFENCE_GROUPS, effect.offence_group, "offence group")
    return mask


def _municipality_probs(sc: Scenario, weights: np.ndarray) -> np.ndarray:
    """Municipality probabilities per offence group, shape (groups, municipalities).

    ``zone_weights`` rescales each zone to the given share (its municipalities keep
    their relative populations); ``zone_offence_tilt`` multiplies a zone's weight for
    one offence group.
    """
    w = np.asarray(weights, float) / np.sum(weights)
    if sc.zone_weights:
        target = np.zeros(len(ZONES))
        for z_code, value in sc.zone_weights:
            target[_index_of(ZONES, z_code, "zone")] = float(value)
        if (target <= 0).any():
            raise ConfigError("zone_weights: give a positive weight to every zone "
                              f"({', '.join(ZONES)})")
        current = np.bincount(_MUNI_ZONE, weights=w, minlength=len(ZONES))
        w = w * (target / target.sum() / current)[_MUNI_ZONE]
    probs = np.tile(w, (len(OFFENCE_GROUPS), 1))
    for z_code, g_name, factor in sc.zone_offence_tilt:
        z = _index_of(ZONES, z_code, "zone")
        g = _index_of(OFFENCE_GROUPS, g_name, "offence group")
        probs[g, _MUNI_ZONE == z] *= float(factor)
    return probs / probs.sum(axis=1, keepdims=True)


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


# ------------------------------------------------------------------ EventLog
def _fixed_strings(chars: np.ndarray) -> pd.arrays.ArrowStringArray:
    """Large-string Arrow array from a byte matrix of fixed-width values (one row a value)."""
    n, width = chars.shape
    offsets = np.arange(n + 1, dtype=np.int64) * width
    data = np.ascontiguousarray(chars).ravel()
    arr = pa.Array.from_buffers(pa.large_string(), n,
                                [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    return pd.arrays.ArrowStringArray(arr)


def _strings(vocab: tuple[str, ...] | list[str], idx: np.ndarray) -> pd.arrays.ArrowStringArray:
    """Strings from a small vocabulary by index (-1 -> missing), without Python objects."""
    values = pa.array(list(vocab), pa.large_string())
    idx = np.asarray(idx).astype(np.int32)
    missing = idx < 0
    indices = pa.array(idx, mask=missing) if missing.any() else pa.array(idx)
    return pd.arrays.ArrowStringArray(values.take(indices))


def _dates(days: np.ndarray) -> np.ndarray:
    return (days.astype(np.int64) * 86400).astype("datetime64[s]")


def _boolean(values: np.ndarray, missing: np.ndarray) -> pd.arrays.BooleanArray:
    return pd.arrays.BooleanArray(values.astype(bool), missing.astype(bool))


def _id_matrix(n: int) -> np.ndarray:
    width = max(7, len(str(n)))
    numbers = np.arange(1, n + 1, dtype=np.int64)
    mat = np.empty((n, width + 1), np.uint8)
    mat[:, 0] = ord("S")
    for k in range(width):
        mat[:, width - k] = (numbers // 10**k) % 10 + ord("0")
    return mat


def case_ids(n: int) -> pd.arrays.ArrowStringArray:
    """Synthetic case keys ``S0000001``... (zero-padded to at least 7 digits).

    Examples
    --------
    >>> list(case_ids(2))
    ['S0000001', 'S0000002']
    """
    return _fixed_strings(_id_matrix(n))


def latent_to_eventlog(
    lat: dict[str, np.ndarray], *, extraction_day: int, metadata: dict[str, Any]
) -> EventLog:
    """Build the censored :class:`~trajectory.schema.EventLog` from latent arrays.

    Events dated after ``extraction_day`` are dropped; parquet attributes
    (``parquet_code``, ``ifg_parquet``, ``hate_parquet``) are missing for cases not
    registered at the parquet by then, and ``parquet_code`` is the E31 code until a
    requalification (E32) is recorded.
    """
    n = len(lat["group"])
    id_mat = _id_matrix(n)
    events, case, source = _events_table(lat, extraction_day, id_mat)
    cases = _cases_table(lat, extraction_day, id_mat, case, source)
    assert list(cases.columns) == list(CASE_COLUMNS)
    assert list(events.columns) == list(EVENT_COLUMNS)
    return EventLog(
        cases=cases, events=events,
        extraction_date=pd.Timestamp(np.datetime64(int(extraction_day), "D")),
        synthetic=True, metadata=dict(metadata),
    )


def _events_table(lat: dict[str, np.ndarray], extraction_day: int,
                  id_mat: np.ndarray) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The events observed by ``extraction_day``, sorted by case and day.

    Returns the events table and, for each of its rows, the case index and source index.
    """
    n = len(lat["group"])
    slots = [s for s, _, _ in EVENT_SLOTS]
    days = np.empty((n, len(slots)), np.int32)
    details = np.full((n, len(slots)), -1, np.int16)
    for j, s in enumerate(slots):
        days[:, j] = lat[s]
        if f"d_{s}" in lat:
            details[:, j] = lat[f"d_{s}"]
    flat = np.flatnonzero((days <= extraction_day).ravel())
    case = (flat // len(slots)).astype(np.int32)
    slot = (flat % len(slots)).astype(np.int8)
    day = days.ravel()[flat]
    detail = details.ravel()[flat]
    del days, details, flat
    event_vocab = sorted({e for _, e, _ in EVENT_SLOTS if e != "decision"}
                         | {e for e in DECISION_EVENTS if e})
    ev_index = {e: i for i, e in enumerate(event_vocab)}
    slot_event = np.array([ev_index.get(e, -1) for _, e, _ in EVENT_SLOTS], np.int8)
    kind_event = np.array([ev_index.get(e, -1) for e in DECISION_EVENTS], np.int8)
    event = slot_event[slot]
    is_dec = slot == slots.index("dec")
    event[is_dec] = kind_event[lat["kind"][case[is_dec]]]
    slot_source = np.array([_SOURCES.index(src) for _, _, src in EVENT_SLOTS], np.int8)
    source = slot_source[slot]
    del slot, is_dec
    base = int(day.min()) if len(day) else 0
    # events are case-major and near-chronological already: a stable sort on
    # (case, day) only reorders the few same-case events out of date order
    key = (case.astype(np.int64) << 20) | (day - base).astype(np.int64)
    order = np.argsort(key, kind="stable")
    del key
    case, day, event = case[order], day[order], event[order]
    detail, source = detail[order], source[order]
    del order
    events = pd.DataFrame({
        "case_id": _fixed_strings(id_mat[case]),
        "event": _strings(event_vocab, event),
        "date": _dates(day),
        "code": _strings(DETAIL_CODES, detail),
        "source": _strings(_SOURCES, source),
    })
    return events, case, source


def _cases_table(lat: dict[str, np.ndarray], extraction_day: int, id_mat: np.ndarray,
                 case: np.ndarray, source: np.ndarray) -> pd.DataFrame:
    """One row a case: attributes, parquet attributes as known by ``extraction_day``."""
    n = len(lat["group"])
    at_parquet = lat["e30"] <= extraction_day
    requal_seen = lat["e32"] <= extraction_day
    pcode = np.where(requal_seen, lat["q2"], lat["q1"])
    pcode = np.where(at_parquet, pcode, -1)
    bits = np.zeros(n, np.int8)
    for b in range(len(_SOURCES)):
        has = np.zeros(n, bool)
        has[case[source == b]] = True
        bits |= (has.astype(np.int8) << b)
    combos = [
        "+".join(s for b, s in enumerate(_SOURCES) if (m >> b) & 1) for m in range(16)
    ]
    extraction = np.full(n, np.int64(extraction_day) * 86400).astype("datetime64[s]")
    cases = pd.DataFrame({
        "case_id": _fixed_strings(id_mat),
        "offence_group": _strings(OFFENCE_GROUPS, lat["group"]),
        "police_code": _strings(CHARGE_CODES + (UNMAPPED_CODE,),
                                lat.get("police_code_obs", lat["police_code"])),
        "parquet_code": _strings(CHARGE_CODES, pcode),
        "ifg_police": _boolean(lat["ifg_police"], np.zeros(n, bool)),
        "ifg_parquet": _boolean(lat["ifg_parquet"], ~at_parquet),
        "hate_police": _boolean(lat["hate_police"], np.zeros(n, bool)),
        "hate_parquet": _boolean(lat["hate_parquet"], ~at_parquet),
        "sexual": _boolean(lat["sexual"], np.zeros(n, bool)),
        "zone": _strings(ZONES, lat["zone"]),
        "municipality": _strings(_MUNI_CODES, lat["municipality"]),
        "division": _strings(DIVISIONS, lat.get("division_obs", lat["division"])),
        "channel": _strings(CHANNELS, lat["channel"]),
        "victim_sex": _strings(SEXES, lat["victim_sex"]),
        "victim_age_band": _strings(AGE_BANDS, lat["victim_age"]),
        "suspect_sex": _strings(SEXES, lat["suspect_sex"]),
        "suspect_age_band": _strings(AGE_BANDS, lat["suspect_age"]),
        "relationship": _strings(RELATIONSHIPS, lat["relationship"]),
        "suspect_known": _boolean(lat["suspect_known"], np.zeros(n, bool)),
        "source": _strings(combos, bits),
        "extraction_date": extraction,
    })
    return cases
