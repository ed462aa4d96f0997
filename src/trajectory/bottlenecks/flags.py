"""Flags: the bottlenecks of the three lenses in one table, with false-discovery control.

Every lens (:func:`~trajectory.bottlenecks.reception`,
:func:`~trajectory.bottlenecks.nomenclature`,
:func:`~trajectory.bottlenecks.sanctioning`) compares each group with the rest of the
cases (one-vs-rest), censoring-aware. :func:`flags` gathers all those comparisons,
adjusts their p-values together (Benjamini-Hochberg, ``q``), and flags a comparison
when **both** ``q < fdr`` **and** the effect goes beyond a documented minimum relevant
size in the harmful direction (:data:`RULES`; see ``docs/flags.md``). Each row carries
a plain-language sentence.

Severity: ``high`` when the whole confidence interval of the effect lies beyond the
minimum relevant size, ``moderate`` when only the estimate does, ``none`` when not
flagged.

Examples
--------
>>> from trajectory.synth import make_study
>>> log, truth = make_study(4000, seed=2, scenario="slow_zone")
>>> f = flags(log)
>>> top = f.flagged().iloc[0]
>>> top["by"], top["group"]
('zone', '5340')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from ..errors import ConfigError
from ..results import TidyResult
from ..schema import EventLog, labels
from ._stats import TEST_COLUMNS

__all__ = ["Flags", "Rule", "RULES", "FLAG_COLUMNS", "flags"]


@dataclass(frozen=True)
class Rule:
    """How a metric is flagged: harmful direction and minimum relevant effect."""

    direction: str  # "greater" or "less"
    threshold: float
    scale: str  # "ratio", "difference", "days", "distance"
    description: str


#: Metric -> rule. Hazard-ratio rules depend on the outcome (see :func:`rule_for`).
RULES: dict[str, Rule] = {
    "median_ratio": Rule("greater", 1.25, "ratio",
                         "median delay at least 25% longer than in the other groups"),
    "q75_ratio": Rule("greater", 1.25, "ratio", "75th percentile of the delay 25% longer"),
    "q90_ratio": Rule("greater", 1.25, "ratio", "90th percentile of the delay 25% longer"),
    "referral_rate_difference": Rule("less", -0.10, "difference",
                                     "referral to victim support 10 points lower"),
    "hate_flag_loss_difference": Rule("greater", 0.10, "difference",
                                      "hate flag lost 10 points more often"),
    "ifg_flag_loss_difference": Rule("greater", 0.10, "difference",
                                     "intrafamilial flag lost 10 points more often"),
    "requalification_delay_days": Rule("greater", 30.0, "days",
                                       "requalified cases decided 30 days later (median)"),
    "division_code_distance": Rule("greater", 0.10, "distance",
                                   "divisions' parquet codes differ for 10% more of the "
                                   "cases than chance alone gives"),
    "cause_specific_hazard_ratio:greater": Rule(
        "greater", 1.25, "ratio", "hazard of a dismissal 25% higher"),
    "cause_specific_hazard_ratio:less": Rule(
        "less", 0.80, "ratio", "hazard of reaching court 20% lower"),
    "informed_rate_difference": Rule("less", -0.10, "difference",
                                     "victims informed of the decision 10 points less often"),
}

FLAG_COLUMNS: tuple[str, ...] = (
    "lens", "stage", "events", "by", "group", "metric", "value", "reference", "effect",
    "effect_lower", "effect_upper", "p", "q", "threshold", "direction", "flagged", "severity",
    "sentence", "n_group", "n_rest", "test", "adjusted_for",
)


def rule_for(metric: str, stage: str, rules: Mapping[str, Rule] = RULES) -> Rule:
    """The rule of a metric (hazard ratios: by the outcome's harmful direction)."""
    if metric == "cause_specific_hazard_ratio":
        from .sanctioning import OUTCOME_DIRECTION

        return rules[f"{metric}:{OUTCOME_DIRECTION.get(stage, 'greater')}"]
    if metric not in rules:
        raise ConfigError(f"flags: no rule for metric {metric!r}; known: {sorted(rules)}")
    return rules[metric]


@dataclass(frozen=True, repr=False)
class Flags(TidyResult):
    """One row a comparison (columns :data:`FLAG_COLUMNS`), flagged rows first."""

    disclosure: ClassVar[Mapping[str, Any]] = {"withhold_by": "n_group"}

    def flagged(self) -> pd.DataFrame:
        """Only the flagged comparisons."""
        return self.table.loc[self.table["flagged"]].reset_index(drop=True)

    def plot(self, ax=None, metric: str | None = None, **kwargs):
        """Forest plot of one metric's comparisons (default: the top flag's metric)."""
        from .. import plotting  # lazy: results never import plotting at import time

        t = self.table
        if metric is None:
            metric = t["metric"].iloc[0]
        t = t.loc[t["metric"] == metric]
        label = t["by"].astype(str) + " " + t["group"].astype(str) + " (" + t["stage"] + ")"
        ratio = metric.endswith("ratio")
        frame = pd.DataFrame({
            "term": label.to_numpy(),
            "estimate": np.log(t["effect"]) if ratio else t["effect"],
            "lower": np.log(t["effect_lower"]) if ratio else t["effect_lower"],
            "upper": np.log(t["effect_upper"]) if ratio else t["effect_upper"],
        })
        kwargs.setdefault("scale", "ratio" if ratio else "linear")
        return plotting.plot_forest(frame, ax=ax, **kwargs)

    def summary(self) -> pd.DataFrame:
        """Flagged rows with the columns a reader needs."""
        cols = ["lens", "stage", "by", "group", "metric", "effect", "effect_lower",
                "effect_upper", "q", "severity", "sentence"]
        return self.flagged()[cols]


# ---------------------------------------------------------------------- sentences

_STAGE_TEXT = {
    "reporting": "time from the facts to the complaint",
    "complaint_to_pv": "time from the complaint to the written record (PV)",
    "pv_to_police_registration": "time from the PV to its police registration",
    "transmission": "time from police registration to transmission of the PV to the parquet",
    "transmission_to_registration": "time from transmission to parquet registration",
    "pv_to_registration": "time from the PV to parquet registration",
}
_OUTCOME_TEXT = {
    "dismissal_opportunity": "dismissal for opportunity reasons",
    "dismissal_technical": "dismissal for technical reasons",
    "court": "a summons or judicial investigation",
}
_PLURAL = {"zone": "police zones", "division": "division", "offence_group": "offence groups",
           "police_code": "codes", "channel": "channels"}


def _where(by: str, group: Any) -> str:
    g = str(group)
    if by == "zone":
        return f"police zone {labels('police_zones').get(g, g)} ({g})"
    if by == "division":
        return f"the {g} division of the parquet"
    if by == "offence_group":
        return labels("offence_groups").get(g, g).lower()
    if by == "police_code":
        return f"police code {g} ({labels('charge_codes').get(g, g)})"
    return f"{by} {g}"


def _sentence(row: pd.Series, level: str) -> str:
    m, by, where = row["metric"], row["by"], _where(row["by"], row["group"])
    others = _PLURAL.get(by, "groups")
    e, lo, hi = row["effect"], row["effect_lower"], row["effect_upper"]
    adj = f", within {row['adjusted_for'].replace('+', ' x ').replace('_', ' ')}" \
        if row.get("adjusted_for") else ""
    if m.endswith("_ratio") and m != "cause_specific_hazard_ratio":
        qname = "median" if m == "median_ratio" else f"{m[1:3]}th percentile of the"
        stage = _STAGE_TEXT.get(row["stage"], row["stage"].replace("_", " "))
        return (f"In {where}, the {qname} {stage} is {e:.1f}x that of the other {others} "
                f"({level} CI {lo:.1f}-{hi:.1f}{adj}; {row['value']:g} vs "
                f"{row['reference']:g} days).")
    if m == "cause_specific_hazard_ratio":
        out = _OUTCOME_TEXT.get(row["stage"], row["stage"])
        return (f"In {where}, open cases reach {out} at {e:.2f}x the rate of the other "
                f"{others} ({level} CI {lo:.2f}-{hi:.2f}{adj}); {row['value']:.0%} vs "
                f"{row['reference']:.0%} of cases ended this way by the extraction date.")
    if m.endswith("_flag_loss_difference"):
        flag = "a hate or discrimination motive" if m.startswith("hate") else "intrafamilial"
        return (f"Of the {where} cases the police flagged as {flag}, the parquet record lost "
                f"the flag in {row['value']:.0%}, against {row['reference']:.0%} in the other "
                f"{others} ({100 * e:+.0f} points, {level} CI {100 * lo:+.0f} to "
                f"{100 * hi:+.0f}{adj}).")
    if m == "requalification_delay_days":
        return (f"For {where}, requalified cases wait {e:.0f} days longer for a parquet "
                f"decision (median {row['value']:.0f} vs {row['reference']:.0f} days; "
                f"{level} CI {lo:.0f} to {hi:.0f}).")
    if m == "division_code_distance":
        return (f"For {where}, the two parquet divisions choose different parquet codes: "
                f"their code profiles differ for {row['value']:.0%} of the cases, "
                f"{100 * e:.0f} points more than chance alone would give "
                f"({row['reference']:.0%}).")
    if m == "referral_rate_difference":
        return (f"In {where}, {row['value']:.0%} of complainants were referred to victim "
                f"support, against {row['reference']:.0%} in the other {others} "
                f"({100 * e:+.0f} points, {level} CI {100 * lo:+.0f} to {100 * hi:+.0f}{adj}).")
    if m == "informed_rate_difference":
        return (f"In {where}, victims were informed of the decision in {row['value']:.0%} of "
                f"decided cases, against {row['reference']:.0%} in the other {others} "
                f"({100 * e:+.0f} points, {level} CI {100 * lo:+.0f} to {100 * hi:+.0f}{adj}).")
    return f"{where}: {m} = {e:.3g} ({level} CI {lo:.3g}-{hi:.3g})."


# --------------------------------------------------------------------------- flags


def flags(
    data: EventLog | TidyResult,
    *more: TidyResult,
    fdr: float = 0.05,
    alpha: float = 0.05,
    rules: Mapping[str, Rule] | None = None,
) -> Flags:
    """One tidy table of flagged bottlenecks across the reception, nomenclature and
    sanctioning lenses.

    Parameters
    ----------
    data : EventLog or lens result
        An event log (the three lenses are run with their defaults), or a result of
        :func:`reception`, :func:`nomenclature` or :func:`sanctioning`.
    *more : lens results
        Further lens results, when ``data`` is a result.
    fdr : float, default 0.05
        False discovery rate of the Benjamini-Hochberg procedure applied to every
        comparison at once.
    alpha : float, default 0.05
        Confidence level of the intervals when the lenses are run here.
    rules : mapping, optional
        Replace some of :data:`RULES` (metric -> :class:`Rule`).

    Returns
    -------
    Flags
        Columns :data:`FLAG_COLUMNS`; flagged rows first (high severity, then by ``q``).
    """
    if not 0 < fdr < 1:
        raise ConfigError(f"flags: fdr must be in (0, 1), got {fdr}")
    all_rules = {**RULES, **(rules or {})}
    if isinstance(data, EventLog):
        from .nomenclature import nomenclature
        from .reception import reception
        from .sanctioning import sanctioning

        results = [reception(data, alpha=alpha), nomenclature(data, alpha=alpha),
                   sanctioning(data, alpha=alpha)]
        n = data.n_cases
    else:
        results = [data, *more]
        n = max(int(getattr(r, "n", 0)) for r in results)
    parts = []
    for r in results:
        tests = getattr(r, "tests", None)
        if not isinstance(tests, pd.DataFrame):
            raise ConfigError(
                f"flags: {type(r).__name__} has no comparisons (.tests); pass an EventLog "
                "or results of reception(), nomenclature() or sanctioning()"
            )
        parts.append(tests)
    tests = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(
        len(p) for p in parts) else pd.DataFrame(columns=list(TEST_COLUMNS))
    level = f"{100 * (1 - (results[0].alpha if results else alpha)):g}%"

    table = tests.copy()
    q = np.full(len(table), np.nan)
    ok = table["p"].notna().to_numpy()
    if ok.any():
        q[ok] = multipletests(table.loc[ok, "p"].to_numpy(float), alpha=fdr,
                              method="fdr_bh")[1]
    table["q"] = q
    rs = [rule_for(m, s, all_rules) for m, s in zip(table["metric"], table["stage"], strict=False)]
    table["threshold"] = [r.threshold for r in rs]
    table["direction"] = [r.direction for r in rs]
    greater = table["direction"].eq("greater").to_numpy()
    eff = table["effect"].to_numpy(float)
    beyond = np.where(greater, eff >= table["threshold"], eff <= table["threshold"])
    ci_beyond = np.where(greater, table["effect_lower"] >= table["threshold"],
                         table["effect_upper"] <= table["threshold"])
    flagged = (table["q"] < fdr).to_numpy() & beyond & np.isfinite(eff)
    table["flagged"] = flagged
    table["severity"] = np.where(flagged, np.where(ci_beyond, "high", "moderate"), "none")
    table["sentence"] = [_sentence(row, level) for _, row in table.iterrows()]
    rank = table["severity"].map({"high": 0, "moderate": 1, "none": 2})
    table = (table.assign(_rank=rank).sort_values(["_rank", "q", "p"], kind="stable")
             .drop(columns="_rank").reset_index(drop=True))
    return Flags(
        table=table[list(FLAG_COLUMNS)], alpha=alpha,
        method=f"one-vs-rest comparisons; Benjamini-Hochberg across {int(ok.sum())} tests "
               f"(fdr {fdr:g}) and minimum relevant effects",
        time_unit="days", n=n,
        notes={"fdr": fdr, "n_tests": int(ok.sum()), "n_flagged": int(flagged.sum()),
               "rules": {k: v.description for k, v in all_rules.items()}},
    )
