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

This module runs the steps in order (:func:`simulate_latent`) and re-exports the
generator's public names. The steps live in one module each:

* :mod:`~trajectory.synth.latent`: vocabulary of the latent arrays, shared draws;
* :mod:`~trajectory.synth.attributes`: step 1, and what the registers record;
* :mod:`~trajectory.synth.chain`: steps 2 to 5;
* :mod:`~trajectory.synth.effects`: the cases a planted effect applies to, and the
  exact opportunity hazard ratio;
* :mod:`~trajectory.synth.eventlog`: step 6, the censored EventLog.

Examples
--------
>>> import numpy as np
>>> lat = simulate_latent(200, np.random.default_rng(1), "null",
...                       start_day=18628, extraction_day=20269)
>>> bool(lat["e11"].min() >= 18628), bool((lat["e12"] >= lat["e11"]).all())
(True, True)
"""

from __future__ import annotations

import numpy as np

from .attributes import _draw_attributes, _register_knobs
from .chain import (
    _court,
    _draw_decision,
    _draw_decision_details,
    _draw_nomenclature,
    _draw_reception,
    _support,
)
from .effects import _effect_mask, opportunity_cumulative_hazard
from .eventlog import case_ids, latent_to_eventlog
from .latent import (
    _KIND,
    AGE_BANDS,
    CHANNELS,
    CHARGE_CODES,
    DETAIL_CODES,
    DIVISIONS,
    EVENT_SLOTS,
    NA_DAY,
    RELATIONSHIPS,
    SEXES,
    UNMAPPED_CODE,
    ZONES,
)
from .scenarios import Scenario, get_scenario

__all__ = [
    "NA_DAY",
    "CHARGE_CODES",
    "DETAIL_CODES",
    "EVENT_SLOTS",
    "simulate_latent",
    "latent_to_eventlog",
    "opportunity_cumulative_hazard",
    # re-exported from the step modules, importable from here as before the split
    "ZONES",
    "DIVISIONS",
    "UNMAPPED_CODE",
    "CHANNELS",
    "SEXES",
    "AGE_BANDS",
    "RELATIONSHIPS",
    "case_ids",
]


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

    Examples
    --------
    >>> lat = simulate_latent(500, np.random.default_rng(3), "brussels",
    ...                       start_day=18628, extraction_day=20269)
    >>> len(lat["e11"]), bool((lat["e23"][~lat["transmitted"]] == NA_DAY).all())
    (500, True)
    >>> sorted(k for k in lat if k.startswith("d_"))
    ['d_dec', 'd_e31', 'd_e32', 'd_e48', 'd_e51', 'd_e52a', 'd_e52b']
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
