"""GroundTruth: what was planted in a synthetic study, so that analyses can be scored.

A :class:`GroundTruth` holds

* ``parameters``: every calibration parameter (:func:`~trajectory.synth.params.parameter_table`)
  plus the scenario's planted settings;
* ``planted``: one row a planted effect (lens, stage, group column and value, the
  offence group it is confined to, metric, true effect, baseline), the table a
  bottleneck detector is scored on;
* ``hazard_ratios``: the true cause-specific hazard ratios the model defines;
* ``malformed`` / ``malformed_cases``: the malformed rows :func:`write_extracts`
  writes on purpose, by kind;
* ``cumulative_incidence`` (computed on first access): the true cumulative
  incidence of each outcome at 90/180/365/730 days from the complaint (E11),
  ignoring censoring, overall and by offence group, zone, division and police
  code, by a large-sample simulation of the same model (``n_truth`` cases,
  Monte Carlo standard error in ``std_err``).

Examples
--------
>>> truth = GroundTruth.from_scenario("slow_zone", seed=1)
>>> truth.planted[["lens", "group_column", "group_value", "metric", "true_effect"]]
        lens group_column group_value              metric  true_effect
0  reception         zone        5340  median_delay_ratio          3.0
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .generate import CHARGE_CODES, DIVISIONS, ZONES, simulate_latent
from .params import DECISION_OUTCOME, OFFENCE_GROUPS, PARAMS, parameter_table
from .scenarios import EFFECT_KINDS, Effect, Scenario, get_scenario

__all__ = ["GroundTruth", "PLANTED_COLUMNS", "true_cumulative_incidence", "OUTCOMES"]

PLANTED_COLUMNS: tuple[str, ...] = (
    "bottleneck", "lens", "stage", "group_column", "group_value", "subgroup", "metric",
    "true_effect", "baseline", "condition",
)
#: Competing outcomes (trajectory.schema.default_endpoints order, without "censored").
OUTCOMES: tuple[str, ...] = (
    "court", "alternative", "dismissal_technical", "dismissal_opportunity", "administrative",
)
_TIMES = (90, 180, 365, 730)


def _baseline_referral(group: str | None) -> float:
    value = PARAMS["police_referral"].value
    if group is not None:
        return float(value[group])
    shares = PARAMS["offence_shares"].value
    return float(sum(shares[g] * value[g] for g in OFFENCE_GROUPS) / sum(shares.values()))


def _planted_row(e: Effect) -> tuple:
    lens, stage, metric = EFFECT_KINDS[e.kind]
    where = f"cases with {e.by} {e.unit}" + (
        f" in offence group {e.offence_group}" if e.offence_group else "")
    size = float(e.size)
    if e.kind == "transmission_delay":
        effect, baseline = size, 1.0
        condition = (f"PV transmission time E20->E23 of transmitted {where} is multiplied by "
                     "this factor (ratio of medians, vs the same cases otherwise; transmission "
                     "hazard ratio about 1/factor); exact on continuous latent times, "
                     "approximate after rounding to days")
    elif e.kind == "referral":
        effect, baseline = -size, _baseline_referral(e.offence_group)
        condition = (f"probability of a police referral to victim support (E14, hence of the "
                     f"intake E60) of {where} is lowered by this much (absolute); baseline = "
                     "referral probability of those cases otherwise")
    elif e.kind == "opportunity_hazard":
        effect, baseline = size, 1.0
        condition = (f"cause-specific hazard of E41 on the time since E30 of {where} vs the "
                     "same cases otherwise, within offence group x suspect_known strata")
    elif e.kind in ("ifg_flag_loss", "hate_flag_loss"):
        flag = e.kind.split("_")[0]
        effect = size
        baseline = float(PARAMS[f"{flag}_loss"].value)
        condition = (f"share of {where} with {flag}_police true and registered at the parquet "
                     f"whose {flag}_parquet is false")
    else:  # requalification_delay
        effect, baseline = size, 0.0
        condition = (f"requalified {where} (E32 before the decision; requalification is drawn "
                     "independently of the decision time): the decision comes this many days "
                     "later than it would have, counted after E32")
    if e.start is not None:
        condition += f"; only for complaints on or after {e.start} (planted intervention)"
    return (e.label, lens, stage, e.by, str(e.unit), e.offence_group or "all", metric, effect,
            baseline, condition)


def planted_table(scenario: str | Scenario) -> pd.DataFrame:
    """The planted bottlenecks of a scenario (columns :data:`PLANTED_COLUMNS`).

    One row a planted effect (:attr:`Scenario.all_effects`): ``lens`` and ``stage``
    in the vocabulary of the flags, ``group_column``/``group_value`` the unit,
    ``subgroup`` the offence group it is confined to (``"all"``: not confined).

    Examples
    --------
    >>> planted_table("brussels")["bottleneck"].tolist()
    ['slow_zone', 'lost_hate_flag', 'opportunity_division', 'requalification_delay']
    >>> len(planted_table("null"))
    0
    >>> planted_table("confined_slow_zone")[["stage", "group_value", "subgroup"]]
              stage group_value         subgroup
    0  transmission        5340  sexual_violence
    """
    sc = get_scenario(scenario)
    rows = [_planted_row(e) for e in sc.all_effects]
    return pd.DataFrame(rows, columns=list(PLANTED_COLUMNS))


def hazard_ratio_table(scenario: str | Scenario) -> pd.DataFrame:
    """True cause-specific hazard ratios of the other division vs the reference FR.

    The decision model is a mixture whose cause-specific hazards are identical in
    both divisions, except where an ``opportunity_hazard`` effect is planted on a
    whole division: there the hazard of E41 is multiplied by its size within each
    offence group x suspect status stratum (a stratified Cox model recovers it; a
    marginal model differs slightly because hazard ratios are not collapsible).
    Every other opportunity-hazard effect (confined to an offence group, or by zone)
    adds one row for its own unit, ``adjusted_for`` naming the restriction.

    Examples
    --------
    >>> hazard_ratio_table("null")["estimate"].tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0]
    """
    sc = get_scenario(scenario)
    opp = [e for e in sc.all_effects if e.kind == "opportunity_hazard"]
    whole = [e for e in opp if e.by == "division" and e.offence_group is None]
    planted = whole[0].unit if whole else "NL"
    reference = "NL" if planted == "FR" else "FR"
    rows = []
    for outcome in OUTCOMES:
        hr = float(whole[0].size) if whole and outcome == "dismissal_opportunity" else 1.0
        rows.append((f"division[{planted}]", outcome, reference, "E30", hr,
                     "offence_group, suspect_known (strata)"))
    for e in opp:
        if e in whole:
            continue
        within = f"cases of offence group {e.offence_group}; " if e.offence_group else ""
        rows.append((f"{e.by}[{e.unit}]", "dismissal_opportunity", f"other {e.by} values",
                     "E30", float(e.size), f"{within}offence_group, suspect_known (strata)"))
    return pd.DataFrame(rows, columns=["term", "outcome", "reference", "time_origin",
                                       "estimate", "adjusted_for"])


def true_cumulative_incidence(
    scenario: str | Scenario,
    *,
    seed: int,
    n: int = 1_000_000,
    times: tuple[int, ...] = _TIMES,
    start: str = "2021-01-01",
) -> pd.DataFrame:
    """True cumulative incidence from the complaint (E11), ignoring censoring.

    Simulates ``n`` complete trajectories of the same model (independent stream
    derived from ``seed``) and tabulates, for each outcome ``k`` and time ``t``, the
    share of cases whose first decision is ``k`` within ``t`` days of E11. Cases
    never transmitted to the parquet and cases never decided count as event-free.

    Returns
    -------
    pandas.DataFrame
        Columns ``by`` (``"all"``, ``"offence_group"``, ``"zone"``, ``"division"``,
        ``"police_code"``), ``group``, ``outcome``, ``time`` (days), ``estimate``,
        ``std_err`` (Monte Carlo) and ``n`` (simulated cases in the group).

    Examples
    --------
    >>> ci = true_cumulative_incidence("null", seed=1, n=20_000)
    >>> row = ci[(ci["by"] == "all") & (ci["outcome"] == "dismissal_technical")]
    >>> bool(row["estimate"].is_monotonic_increasing)
    True
    """
    start_day = int(np.datetime64(start, "D").astype(np.int64))
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1_000_003]))
    lat = simulate_latent(n, rng, scenario, start_day=start_day,
                          extraction_day=start_day + 10 * 366)
    decided = lat["dec"] < 2**30
    t = np.where(decided, lat["dec"] - lat["e11"], np.iinfo(np.int32).max)
    outcome_of_kind = np.array([OUTCOMES.index(o) if o in OUTCOMES else -1
                                for o in DECISION_OUTCOME])
    outcome = np.where(decided, outcome_of_kind[lat["kind"]], -1)
    groupings = {
        "all": (np.zeros(n, np.int64), ("all",)),
        "offence_group": (lat["group"].astype(np.int64), OFFENCE_GROUPS),
        "zone": (lat["zone"].astype(np.int64), ZONES),
        "division": (lat["division"].astype(np.int64), DIVISIONS),
        "police_code": (lat["police_code"].astype(np.int64), CHARGE_CODES),
    }
    frames = []
    for by, (gidx, names) in groupings.items():
        size = np.bincount(gidx, minlength=len(names)).astype(float)
        for k, name in enumerate(OUTCOMES):
            for time in times:
                hit = (outcome == k) & (t <= time)
                count = np.bincount(gidx[hit], minlength=len(names))
                p = np.divide(count, size, out=np.zeros(len(names)), where=size > 0)
                se = np.sqrt(np.divide(p * (1 - p), size, out=np.zeros(len(names)),
                                       where=size > 0))
                frames.append(pd.DataFrame({
                    "by": by, "group": list(names), "outcome": name, "time": time,
                    "estimate": p, "std_err": se, "n": size.astype(np.int64),
                }))
    return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class GroundTruth:
    """The known truth of a synthetic study (see the module docstring).

    Attributes
    ----------
    scenario : Scenario
    seed : int
    start : str
        First complaint date (ISO).
    parameters : pandas.DataFrame
        Columns ``name, key, value, status, source``.
    planted : pandas.DataFrame
        Columns :data:`PLANTED_COLUMNS`; empty for the null scenario.
    hazard_ratios : pandas.DataFrame
        Columns ``term, outcome, reference, time_origin, estimate, adjusted_for``.
    malformed : Mapping[str, int]
        Malformed rows written by ``write_extracts(..., malformed=True)``, by kind.
    malformed_cases : pandas.DataFrame
        Columns ``kind, file, case_id`` (``case_id`` missing for orphan court rows).
    n_truth : int
        Size of the simulation behind :attr:`cumulative_incidence`.
    """

    scenario: Scenario
    seed: int
    start: str = "2021-01-01"
    parameters: pd.DataFrame = field(default_factory=parameter_table, repr=False)
    planted: pd.DataFrame = field(default_factory=lambda: planted_table("null"))
    hazard_ratios: pd.DataFrame = field(default_factory=lambda: hazard_ratio_table("null"))
    malformed: Mapping[str, int] = field(default_factory=dict)
    malformed_cases: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["kind", "file", "case_id"]), repr=False
    )
    n_truth: int = 1_000_000

    @classmethod
    def from_scenario(
        cls, scenario: str | Scenario, *, seed: int, start: str = "2021-01-01",
        malformed: Mapping[str, int] | None = None,
        malformed_cases: pd.DataFrame | None = None, n_truth: int = 1_000_000,
    ) -> GroundTruth:
        """Assemble the truth of ``scenario`` (the cumulative incidence stays lazy)."""
        sc = get_scenario(scenario)
        rows = [("scenario." + k, "", str(v), "planted", f"scenario {sc.name!r}")
                for k, v in vars(sc).items() if k != "effects"]
        rows += [("scenario.effect", e.label, str(e), "planted", f"scenario {sc.name!r}")
                 for e in sc.effects]
        settings = pd.DataFrame(rows, columns=["name", "key", "value", "status", "source"])
        return cls(
            scenario=sc, seed=seed, start=start,
            parameters=pd.concat([parameter_table(), settings], ignore_index=True),
            planted=planted_table(sc), hazard_ratios=hazard_ratio_table(sc),
            malformed=dict(malformed or {}),
            malformed_cases=(malformed_cases if malformed_cases is not None
                             else pd.DataFrame(columns=["kind", "file", "case_id"])),
            n_truth=n_truth,
        )

    @functools.cached_property
    def cumulative_incidence(self) -> pd.DataFrame:
        """True cumulative incidence (see :func:`true_cumulative_incidence`), cached."""
        return true_cumulative_incidence(self.scenario, seed=self.seed, n=self.n_truth,
                                         start=self.start)

    @property
    def n_malformed(self) -> int:
        """Total number of malformed rows written on purpose."""
        return int(sum(self.malformed.values()))
