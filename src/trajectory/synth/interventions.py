"""True values of indicators and of planted interventions, on the estimand evaluated.

A planted intervention is an :class:`~trajectory.synth.Effect` with a ``start`` date:
it changes the trajectory of the complaints made on or after that date in its units.
Its *true effect* is defined on the estimand :func:`trajectory.monitoring.evaluate`
reports, not as the planted multiplier: the difference in cumulative incidence of
the outcome at the horizon, for the cases of a treated unit, between the world where
the intervention applies to them and the world where it does not. Both worlds are
simulated from the same random stream (common random numbers), so the difference is
exact case by case and its Monte Carlo error small. Hazard ratios are not
collapsible: a transmission time halved is not "a hazard ratio of 2" on the
cumulative incidence at 30 days, and the incidence difference depends on the horizon.

Examples
--------
>>> spec = {"origin": "E11", "endpoints": {"transmitted": ("E23", "E30")},
...         "state": "transmitted", "horizon": 30}
>>> eff = true_intervention_effect("intervention", "reception_protocol", **spec,
...                                seed=1, n=20_000)
>>> row = eff.iloc[0]
>>> row["unit"], bool(row["estimate"] > 0.1)
('5340', True)
>>> float(true_intervention_effect("intervention_null", "reception_protocol", **spec,
...                                seed=1, n=5_000)["estimate"].iloc[0])
0.0
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .generate import DIVISIONS, EVENT_SLOTS, NA_DAY, ZONES, simulate_latent
from .params import DECISION_EVENTS, OFFENCE_GROUPS
from .scenarios import Scenario, get_scenario

__all__ = ["latent_first_day", "latent_incidence", "true_incidence", "true_intervention_effect"]

_UNIT_VOCAB = {"zone": ZONES, "division": DIVISIONS, "offence_group": OFFENCE_GROUPS}
_UNIT_KEY = {"zone": "zone", "division": "division", "offence_group": "group"}


def latent_first_day(lat: Mapping[str, np.ndarray], codes: Sequence[str]) -> np.ndarray:
    """First day of any of ``codes`` per latent case (``NA_DAY`` when none happens)."""
    n = len(lat["group"])
    out = np.full(n, int(NA_DAY), np.int64)
    for slot, code, _ in EVENT_SLOTS:
        if code in codes and slot in lat:
            out = np.minimum(out, lat[slot].astype(np.int64))
    dec_codes = np.asarray(DECISION_EVENTS, dtype=object)[lat["kind"]]
    hit = np.isin(dec_codes, list(codes)) & (lat["dec"] < NA_DAY)
    return np.where(hit, np.minimum(out, lat["dec"].astype(np.int64)), out)


def _origin_day(lat: Mapping[str, np.ndarray], origin: str) -> np.ndarray:
    if origin == "decision":
        return np.where(lat["dec"] < NA_DAY, lat["dec"], NA_DAY).astype(np.int64)
    return latent_first_day(lat, (origin,))


def latent_incidence(
    lat: Mapping[str, np.ndarray], *, origin: str, endpoints: Mapping[str, Sequence[str]],
    state: str, horizon: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Per latent case: (has the origin, reached ``state`` first within ``horizon`` days).

    Competing endpoint groups: the first reached wins (ties: ``endpoints`` order, as
    the cohort's rule). Cases without the origin, or with an endpoint before it, are
    not in the population (as the cohort excludes them).
    """
    o = _origin_day(lat, origin)
    groups = list(endpoints)
    days = np.column_stack([latent_first_day(lat, tuple(endpoints[g])) for g in groups])
    first = days.min(axis=1)
    winner = days.argmin(axis=1)
    valid = (o < NA_DAY) & ~((first < NA_DAY) & (first < o))
    hit = valid & (first < NA_DAY) & (winner == groups.index(state)) & (first - o <= horizon)
    return valid, hit


@functools.lru_cache(maxsize=32)
def _latent(scenario: Scenario, seed: int, n: int, start: str) -> dict[str, np.ndarray]:
    start_day = int(np.datetime64(start, "D").astype(np.int64))
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1_000_017]))
    return simulate_latent(n, rng, scenario, start_day=start_day,
                           extraction_day=start_day + 10 * 366)


def true_incidence(
    scenario: str | Scenario, *, origin: str, endpoints: Mapping[str, Sequence[str]],
    state: str, horizon: int, seed: int, n: int = 400_000, start: str = "2021-01-01",
) -> pd.DataFrame:
    """True cumulative incidence of ``state`` at ``horizon`` (no censoring), overall and by zone.

    Returns columns ``by, group, estimate, std_err`` (Monte Carlo), ``n``. Effects with
    a ``start`` apply as in the study (by complaint date over the four entry years).
    """
    lat = _latent(get_scenario(scenario), int(seed), int(n), start)
    valid, hit = latent_incidence(lat, origin=origin, endpoints=endpoints, state=state,
                                  horizon=horizon)
    rows = []
    for by, codes, names in (("all", np.zeros(len(valid), np.int64), ("all",)),
                             ("zone", lat["zone"].astype(np.int64), ZONES)):
        size = np.bincount(codes[valid], minlength=len(names)).astype(float)
        count = np.bincount(codes[hit], minlength=len(names)).astype(float)
        p = count / np.maximum(size, 1)
        for g, name in enumerate(names):
            rows.append((by, name, p[g], np.sqrt(p[g] * (1 - p[g]) / max(size[g], 1)),
                         int(size[g])))
    return pd.DataFrame(rows, columns=["by", "group", "estimate", "std_err", "n"])


def true_intervention_effect(
    scenario: str | Scenario, name: str, *, origin: str,
    endpoints: Mapping[str, Sequence[str]], state: str, horizon: int, seed: int,
    n: int = 400_000, start: str = "2021-01-01", **_: Any,
) -> pd.DataFrame:
    """True effect of the planted intervention ``name`` on the incidence at ``horizon``.

    For each treated unit: the mean over its cases of (reached ``state`` within
    ``horizon`` with the intervention) minus (the same without it), both worlds drawn
    from one stream. The model does not change with calendar time, so this is the
    effect on every exposed cohort of the unit: the average treatment effect on the
    treated of a difference-in-differences on the incidence.

    Returns
    -------
    pandas.DataFrame
        ``unit, by, start, estimate, std_err`` (Monte Carlo, paired), ``incidence_with``,
        ``incidence_without``, ``n`` (simulated cases of the unit).
    """
    sc = get_scenario(scenario)
    mine = [e for e in sc.all_effects if e.label == name and e.start is not None]
    if not mine:
        raise ValueError(f"scenario {sc.name!r} plants no intervention named {name!r}")
    others = tuple(e for e in sc.effects if e not in mine)
    on = dataclasses.replace(sc, effects=others + tuple(
        dataclasses.replace(e, start=None) for e in mine))
    off = dataclasses.replace(sc, effects=others)
    lat_on = _latent(on, int(seed), int(n), start)
    lat_off = _latent(off, int(seed), int(n), start)
    v_on, h_on = latent_incidence(lat_on, origin=origin, endpoints=endpoints, state=state,
                                  horizon=horizon)
    v_off, h_off = latent_incidence(lat_off, origin=origin, endpoints=endpoints, state=state,
                                    horizon=horizon)
    rows = []
    for e in mine:
        values = lat_on[_UNIT_KEY[e.by]]
        in_unit = (values == _UNIT_VOCAB[e.by].index(e.unit)) & v_on & v_off
        d = h_on[in_unit].astype(float) - h_off[in_unit].astype(float)
        m = max(int(in_unit.sum()), 1)
        rows.append((e.unit, e.by, e.start, float(d.mean()), float(d.std(ddof=1) / np.sqrt(m))
                     if m > 1 else 0.0, float(h_on[in_unit].mean()),
                     float(h_off[in_unit].mean()), m))
    return pd.DataFrame(rows, columns=["unit", "by", "start", "estimate", "std_err",
                                       "incidence_with", "incidence_without", "n"])
