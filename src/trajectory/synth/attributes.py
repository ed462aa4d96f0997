"""Case attributes of the generator: offence, codes, place, victim, suspect, police flags.

The first step of :func:`~trajectory.synth.generate.simulate_latent` draws the
attributes of every case from the calibrated shares (:data:`~trajectory.synth.PARAMS`),
and the world knobs of a :class:`~trajectory.synth.Scenario` reshape them: zone
sizes, offence mix by zone, division shares, unknown-suspect share by zone. The last
step, :func:`_register_knobs`, degrades what the registers record (unmapped police
codes, missing divisions) without changing the trajectories.

Examples
--------
>>> from trajectory.synth.scenarios import get_scenario
>>> out: dict = {}
>>> index = _draw_attributes(np.random.default_rng(1), get_scenario("null"), 500, out)
>>> sum(len(i) for i in index), bool((out["zone"] == _MUNI_ZONE[out["municipality"]]).all())
(500, True)
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from .latent import (
    _CODE_GROUP,
    _MUNI_CODES,
    _MUNI_ZONE,
    CHARGE_CODES,
    ZONES,
    _cat,
    _index_of,
    _per_group,
)
from .params import OFFENCE_GROUPS, PARAMS
from .scenarios import Scenario


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
