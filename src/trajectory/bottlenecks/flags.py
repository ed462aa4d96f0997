"""Flags: the bottlenecks of the three lenses in one table, with tree-wise FDR control.

Every lens (:func:`~trajectory.bottlenecks.reception`,
:func:`~trajectory.bottlenecks.nomenclature`,
:func:`~trajectory.bottlenecks.sanctioning`) compares groups with the rest of the cases
(or, for a two-level factor, the two levels), pooled over the study and within each
subgroup (offence group), censoring-aware. The comparisons form a tree, dimension ->
stage/metric -> subgroup -> group, tested together by TreeBH
(:func:`trajectory.estimators.multiplicity.tree_bh`). A comparison is flagged when it
is selected at false discovery rate ``fdr`` **and** its effect goes beyond a practical
minimum in the harmful direction (:class:`FlagRules`, the study config's ``[flags]``
table). Each flagged row carries a plain-language sentence; unflagged rows have none.
The procedure is written out, with references, in ``docs/flags.md``.

Severity: ``high`` when the whole confidence interval of the effect lies beyond the
practical minimum, ``moderate`` when only the estimate does, ``none`` when not flagged.

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
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ..config import FlagRules
from ..errors import ConfigError
from ..estimators.multiplicity import tree_bh
from ..results import TidyResult
from ..schema import EventLog, labels
from .compare import ALL, TEST_COLUMNS

__all__ = ["Flags", "FlagRules", "FLAG_COLUMNS", "TREE_LEVELS", "flags"]

FLAG_COLUMNS: tuple[str, ...] = (
    "lens", "stage", "events", "by", "subgroup", "group", "reference_group", "metric",
    "value", "reference", "effect", "effect_lower", "effect_upper", "p", "q", "threshold",
    "direction", "flagged", "severity", "sentence", "n_group", "n_rest", "test",
    "adjusted_for",
)
#: The levels of the comparison tree, top down (``family`` = lens:stage:metric).
TREE_LEVELS: tuple[str, ...] = ("by", "family", "subgroup", "group")

_DELAY_METRICS = ("median_ratio", "q75_ratio", "q90_ratio")
_SHARE_METRICS = {"referral_rate_difference": "less", "hate_flag_loss_difference": "greater",
                  "ifg_flag_loss_difference": "greater", "informed_rate_difference": "less"}


def threshold(rules: FlagRules, metric: str, stage: str) -> tuple[str, float]:
    """Harmful direction and practical minimum of a metric (at a stage)."""
    if metric in _DELAY_METRICS:
        return "greater", rules.delay_ratio
    if metric in _SHARE_METRICS:
        d = _SHARE_METRICS[metric]
        return d, (rules.share_points if d == "greater" else -rules.share_points) / 100
    if metric == "cause_specific_hazard_ratio":
        d = rules.outcomes.get(stage, "greater")
        return d, rules.hazard_ratio if d == "greater" else 1 / rules.hazard_ratio
    if metric == "requalification_hazard_ratio":
        return "less", 1 / rules.hazard_ratio
    if metric == "division_code_distance":
        return "greater", rules.code_distance
    raise ConfigError(f"flags: no rule for metric {metric!r}")


@dataclass(frozen=True, repr=False)
class Flags(TidyResult):
    """One row a comparison (columns :data:`FLAG_COLUMNS`), flagged rows first."""

    disclosure: ClassVar[Mapping[str, Any]] = {"withhold_by": "n_group"}
    #: one forest panel a metric, labelled with its quantity (trajectory.plotting.plot_flags)
    figure: ClassVar[Mapping[str, Any]] = {"kind": "flags"}

    def flagged(self) -> pd.DataFrame:
        """Only the flagged comparisons."""
        return self.table.loc[self.table["flagged"]].reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """The flagged findings, most severe first, each as a full sentence.

        Columns ``severity, lens, sentence, metric, effect, lower, upper, q``: the
        sentence says where, how large (with its interval) and against whom; the
        columns after it hold the same numbers for sorting and checking.
        """
        f = self.flagged()
        order = f["severity"].map({"high": 0, "moderate": 1}).fillna(2)
        f = f.assign(_order=order).sort_values(["_order", "q"], kind="stable")
        out = f[["severity", "lens", "sentence", "metric", "effect", "effect_lower",
                 "effect_upper", "q"]].rename(columns={"effect_lower": "lower",
                                                       "effect_upper": "upper"})
        return out.reset_index(drop=True)


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
    "alternative": "an alternative measure",
    "administrative": "an administrative closure",
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
    return f"{by.replace('_', ' ')} {g}"


def _others(row: pd.Series) -> str:
    ref = str(row["reference_group"])
    if ref not in ("rest", "", "nan"):
        return _where(row["by"], ref)
    return "the other " + _PLURAL.get(row["by"], "groups")


def _among(row: pd.Series) -> str:
    sub = str(row["subgroup"])
    if sub == ALL:
        return ""
    if "=" in sub:
        col, val = sub.split("=", 1)
        return f"Among cases with {col.replace('_', ' ')} {val}, "
    return f"Among {labels('offence_groups').get(sub, sub).lower()} cases, "


def _cases(row: pd.Series, base: int) -> str:
    n = float(row["n_group"]) + float(row["n_rest"])
    if not np.isfinite(n):
        return ""
    rounded = int(base * round(n / base)) if base > 1 else int(n)
    return f"about {rounded:,} cases compared" if base > 1 else f"{rounded:,} cases compared"


def sentence(row: pd.Series, level: str, base: int = 10) -> str:
    """The plain-language sentence of one flagged comparison."""
    m, by = row["metric"], row["by"]
    where = _where(by, row["group"])
    among = _among(row)
    lead = among + ("in " if among else "In ")
    others = _others(row)
    e, lo, hi = row["effect"], row["effect_lower"], row["effect_upper"]
    adj = str(row.get("adjusted_for") or "")
    adj = f"within {adj.replace('+', ' x ').replace('_', ' ')}; " if adj else ""
    n = _cases(row, base)
    if m in _DELAY_METRICS:
        qname = "median" if m == "median_ratio" else f"{m[1:3]}th percentile of the"
        stage = _STAGE_TEXT.get(row["stage"], row["stage"].replace("_", " "))
        return (f"{lead}{where}, the {qname} {stage} is {e:.1f}x that of {others} "
                f"({row['value']:.0f} vs {row['reference']:.0f} days; {level} CI "
                f"{lo:.1f}-{hi:.1f}; {adj}{n}).")
    if m == "cause_specific_hazard_ratio":
        out = _OUTCOME_TEXT.get(row["stage"], row["stage"].replace("_", " "))
        return (f"{lead}{where}, open cases reach {out} at {e:.2f}x the rate of {others} "
                f"({level} CI {lo:.2f}-{hi:.2f}; {adj}{n}); {row['value']:.0%} vs "
                f"{row['reference']:.0%} of cases ended this way by the extraction date.")
    if m.endswith("_flag_loss_difference"):
        flag = "a hate or discrimination motive" if m.startswith("hate") else "intrafamilial"
        subject = (f"Of the {where} cases the police flagged as {flag}" if by == "offence_group"
                   else f"{lead}{where}, of the cases the police flagged as {flag}")
        return (f"{subject}, the parquet record lost the flag in {row['value']:.0%}, against "
                f"{row['reference']:.0%} in {others} ({100 * e:+.0f} points, {level} CI "
                f"{100 * lo:+.0f} to {100 * hi:+.0f}; {adj}{n}).")
    if m == "requalification_hazard_ratio":
        return (f"For {where}, a parquet decision comes at {e:.2f}x the rate after a "
                f"requalification than in cases of the code not (yet) requalified "
                f"({level} CI {lo:.2f}-{hi:.2f}; requalification as a time-dependent "
                f"covariate; {n}).")
    if m == "division_code_distance":
        return (f"For {where}, the two parquet divisions choose different parquet codes: "
                f"their code profiles differ for {row['value']:.0%} of the cases, "
                f"{100 * e:.0f} points more than chance alone would give "
                f"({row['reference']:.0%}; Monte Carlo chi-square test; {n}).")
    if m == "referral_rate_difference":
        return (f"{lead}{where}, {row['value']:.0%} of complainants were referred to victim "
                f"support, against {row['reference']:.0%} in {others} ({100 * e:+.0f} "
                f"points, {level} CI {100 * lo:+.0f} to {100 * hi:+.0f}; {adj}{n}).")
    if m == "informed_rate_difference":
        return (f"{lead}{where}, victims were informed of the decision in {row['value']:.0%} "
                f"of decided cases, against {row['reference']:.0%} in {others} "
                f"({100 * e:+.0f} points, {level} CI {100 * lo:+.0f} to {100 * hi:+.0f}; "
                f"{adj}{n}).")
    return f"{lead}{where}: {m} = {e:.3g} ({level} CI {lo:.3g}-{hi:.3g}; {n})."


# --------------------------------------------------------------------------- flags


def rules_from(config: Any, **overrides: Any) -> FlagRules:
    """:class:`FlagRules` from a study config's ``[flags]`` (and privacy rounding)."""
    base = getattr(config, "flags", None) or FlagRules()
    rounding = getattr(getattr(config, "privacy", None), "rounding", None)
    if rounding and "case_rounding" not in overrides:
        overrides["case_rounding"] = max(int(rounding), base.case_rounding)
    return replace(base, **{k: v for k, v in overrides.items() if v is not None})


def flags(
    data: EventLog | TidyResult,
    *more: TidyResult,
    fdr: float | None = None,
    alpha: float = 0.05,
    rules: FlagRules | None = None,
    config: Any = None,
) -> Flags:
    """Flagged bottlenecks of the reception, nomenclature and sanctioning lenses, in one table.

    Parameters
    ----------
    data : EventLog or lens result
        An event log (the three lenses are run, with the study config when given), or
        a result of :func:`reception`, :func:`nomenclature` or :func:`sanctioning`.
    *more : lens results
        Further lens results, when ``data`` is a result.
    fdr : float, optional
        Target false discovery rate of TreeBH (default ``rules.fdr``, 0.05).
    alpha : float, default 0.05
        Confidence level of the intervals when the lenses are run here.
    rules : FlagRules, optional
        Practical minimum effects, subgroups, ``min_n``; default the config's
        ``[flags]`` table, else :class:`FlagRules` defaults.
    config : StudyConfig, optional
        The study config: ``[groupings]``, ``[endpoints]``, ``[flags]`` drive the lenses.

    Returns
    -------
    Flags
        Columns :data:`FLAG_COLUMNS`; flagged rows first (high severity, then by ``q``).
        ``q`` is the tree-adjusted value (a row passes TreeBH when ``q <= fdr``).

    References
    ----------
    .. [1] Bogomolov M, Peterson CB, Benjamini Y, Sabatti C (2021). Hypotheses on a tree:
       new error rates and testing strategies. Biometrika 108(3):575-590.
    """
    rules = rules_from(config) if rules is None else rules
    if fdr is not None:
        rules = replace(rules, fdr=fdr)
    if isinstance(data, EventLog):
        from ..cohort.days import CaseDays
        from .nomenclature import nomenclature
        from .reception import reception
        from .sanctioning import sanctioning

        days = CaseDays(data)
        common = dict(alpha=alpha, config=config, days=days, min_n=rules.min_n,
                      subgroups=rules.subgroups)
        results = [reception(data, **common), nomenclature(data, **common),
                   sanctioning(data, outcomes=dict(rules.outcomes), **common)]
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
        parts.append(tests.reindex(columns=list(TEST_COLUMNS)))
    nonempty = [p for p in parts if len(p)]
    table = (pd.concat(nonempty, ignore_index=True) if nonempty
             else pd.DataFrame(columns=list(TEST_COLUMNS)))
    table["subgroup"] = table["subgroup"].fillna(ALL)
    table["reference_group"] = table["reference_group"].fillna("rest")
    level = f"{100 * (1 - (results[0].alpha if results else alpha)):g}%"
    return _decide(table, rules, level, alpha, n)


def _decide(table: pd.DataFrame, rules: FlagRules, level: str, alpha: float, n: int) -> Flags:
    table = table.copy()
    table["family"] = table["lens"].astype(str) + ":" + table["stage"].astype(str) + ":" + \
        table["metric"].astype(str)
    tree = tree_bh(table, levels=list(TREE_LEVELS), p="p", q=rules.fdr)
    table["q"] = tree["q_tree"]
    th = [threshold(rules, m, s) for m, s in zip(table["metric"], table["stage"], strict=True)]
    table["direction"] = [d for d, _ in th]
    table["threshold"] = [t for _, t in th]
    greater = table["direction"].eq("greater").to_numpy()
    eff = table["effect"].to_numpy(float)
    thr = table["threshold"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        beyond = np.where(greater, eff >= thr, eff <= thr)
        ci_beyond = np.where(greater, table["effect_lower"].to_numpy(float) >= thr,
                             table["effect_upper"].to_numpy(float) <= thr)
        delay = table["metric"].isin(_DELAY_METRICS).to_numpy()
        days_longer = (table["value"].to_numpy(float) - table["reference"].to_numpy(float)
                       >= rules.delay_days - 1e-9)
        # the interval agrees with the test: it lies on the harmful side of no difference
        # (the division code distance has no interval: its test alone decides)
        neutral = np.where(table["metric"].str.endswith("ratio").to_numpy(), 1.0, 0.0)
        lo = table["effect_lower"].to_numpy(float)
        hi = table["effect_upper"].to_numpy(float)
        no_interval = np.isnan(lo) & np.isnan(hi)
        agrees = no_interval | np.where(greater, lo > neutral, hi < neutral)
    practical = beyond & np.where(delay, days_longer, True) & np.isfinite(eff)
    flagged = tree["selected"].to_numpy(bool) & practical & agrees
    table["flagged"] = flagged
    table["severity"] = np.where(flagged, np.where(ci_beyond, "high", "moderate"), "none")
    table["sentence"] = [sentence(row, level, rules.case_rounding) if f else ""
                         for (_, row), f in zip(table.iterrows(), flagged, strict=True)]
    rank = table["severity"].map({"high": 0, "moderate": 1, "none": 2})
    table = (table.assign(_rank=rank).sort_values(["_rank", "q", "p"], kind="stable")
             .drop(columns="_rank").reset_index(drop=True))
    n_tests = int(table["p"].notna().sum())
    return Flags(
        table=table[list(FLAG_COLUMNS)], alpha=alpha,
        method=f"one-vs-rest (two-level: pairwise) comparisons, pooled and by subgroup; "
               f"TreeBH over dimension > stage > subgroup > group ({n_tests} tests, fdr "
               f"{rules.fdr:g}) and practical minimum effects",
        time_unit="days", n=n,
        notes={"fdr": rules.fdr, "n_tests": n_tests, "n_flagged": int(flagged.sum()),
               "rules": rules, "tree_levels": TREE_LEVELS},
    )
