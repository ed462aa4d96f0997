"""GroundTruth: what was planted in a synthetic study, so that analyses can be scored.

A :class:`GroundTruth` holds

* ``parameters``: every calibration parameter (:func:`~trajectory.synth.params.parameter_table`)
  plus the scenario's planted settings;
* ``planted``: one row a planted bottleneck (lens, stage, group column and value,
  metric, true effect, baseline), the table a bottleneck detector is scored on;
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
from .params import DECISION_OUTCOME, OFFENCE_GROUPS, parameter_table
from .scenarios import Scenario, get_scenario

__all__ = ["GroundTruth", "PLANTED_COLUMNS", "true_cumulative_incidence", "OUTCOMES"]

PLANTED_COLUMNS: tuple[str, ...] = (
    "bottleneck", "lens", "stage", "group_column", "group_value", "metric", "true_effect",
    "baseline", "condition",
)
#: Competing outcomes (trajectory.schema.default_endpoints order, without "censored").
OUTCOMES: tuple[str, ...] = (
    "court", "alternative", "dismissal_technical", "dismissal_opportunity", "administrative",
)
_TIMES = (90, 180, 365, 730)


def planted_table(scenario: str | Scenario) -> pd.DataFrame:
    """The planted bottlenecks of a scenario (columns :data:`PLANTED_COLUMNS`).

    Examples
    --------
    >>> planted_table("brussels")["bottleneck"].tolist()
    ['slow_zone', 'lost_hate_flag', 'opportunity_division', 'requalification_delay']
    >>> len(planted_table("null"))
    0
    """
    sc = get_scenario(scenario)
    rows = []
    if sc.slow_zone is not None:
        rows.append(("slow_zone", "reception", "E20->E23", "zone", sc.slow_zone,
                     "median_delay_ratio", float(sc.slow_factor), 1.0,
                     "PV transmission delay of transmitted cases, this zone vs the others; "
                     "exact on continuous latent times, approximate after rounding to days"))
    if sc.hate_loss_group is not None:
        rows.append(("lost_hate_flag", "nomenclature", "E20->E31", "offence_group",
                     sc.hate_loss_group, "hate_flag_loss_rate", float(sc.hate_loss_rate),
                     0.15, "share of cases with hate_police true and registered at the "
                     "parquet whose hate_parquet is false"))
    if sc.opportunity_division is not None:
        rows.append(("opportunity_division", "sanctioning", "E30->E41", "division",
                     sc.opportunity_division, "cause_specific_hazard_ratio",
                     float(sc.opportunity_hr), 1.0,
                     "hazard of E41 on the time since E30, this division vs the other, "
                     "within offence group x suspect_known strata"))
    if sc.requalification_code is not None:
        rows.append(("requalification_delay", "nomenclature", "E30->decision", "police_code",
                     sc.requalification_code, "decision_delay_days",
                     float(sc.requalification_days), 0.0,
                     "requalified cases (E32 present): every decision time is shifted by "
                     "this many days (so is its median)"))
    return pd.DataFrame(rows, columns=list(PLANTED_COLUMNS))


def hazard_ratio_table(scenario: str | Scenario) -> pd.DataFrame:
    """True cause-specific hazard ratios of the other division vs the reference FR.

    The decision model is a mixture whose cause-specific hazards are identical in
    both divisions, except where ``opportunity_division`` is planted: there the
    hazard of E41 is multiplied by ``opportunity_hr`` within each offence group x
    suspect status stratum (a stratified Cox model recovers it; a marginal model
    differs slightly because hazard ratios are not collapsible).

    Examples
    --------
    >>> hazard_ratio_table("null")["estimate"].tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0]
    """
    sc = get_scenario(scenario)
    rows = []
    for outcome in OUTCOMES:
        hr = 1.0
        if sc.opportunity_division is not None and outcome == "dismissal_opportunity":
            hr = float(sc.opportunity_hr)
        planted = sc.opportunity_division or "NL"
        reference = "NL" if planted == "FR" else "FR"
        rows.append((f"division[{planted}]", outcome, reference, "E30", hr,
                     "offence_group, suspect_known (strata)"))
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
        settings = pd.DataFrame(
            [("scenario." + k, "", str(v), "planted", f"scenario {sc.name!r}")
             for k, v in vars(sc).items()],
            columns=["name", "key", "value", "status", "source"],
        )
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
