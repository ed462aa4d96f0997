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


#: metrics whose ``value`` and ``reference`` are shares of ``n_group`` and ``n_rest``
_SHARES_OF_SIZES = (*_SHARE_METRICS, "cause_specific_hazard_ratio")
#: metrics whose ``value`` and ``reference`` are event counts of the group and the rest
_COUNTS_OF_SIZES = ("requalification_hazard_ratio",)


def _coarsened(table: pd.DataFrame, base: int, k: int) -> pd.DataFrame:
    """Shares and counts of a gated flags table on the grid of its shown group sizes.

    A share ``x / n`` shown to six digits beside ``n`` rounded to ``base`` gives the true
    ``n`` back (only one size near the shown one makes ``share x n`` an integer). So a
    share of ``n_group`` (or ``n_rest``) is shown as the nearest multiple of
    ``base / n_shown``, as if its numerator were rounded to ``base`` too; a difference
    of shares and its interval on the coarser of the two grids; a distance between the
    profiles of two groups (both sizes its denominators) on a multiple of each side's
    grid at least as coarse as the other's. Event counts in ``value``/``reference`` are
    rounded to ``base``, and blanked in ``1 .. k-1``.

    Examples
    --------
    >>> t = pd.DataFrame({"metric": ["hate_flag_loss_difference"], "value": [0.105263],
    ...                   "reference": [0.5], "effect": [-0.394737], "effect_lower": [-0.5],
    ...                   "effect_upper": [-0.28], "n_group": [40.0], "n_rest": [100.0]})
    >>> _coarsened(t, 5, 5)[["value", "reference", "effect"]].round(4).values.tolist()
    [[0.125, 0.5, -0.375]]
    """
    out = table.copy()
    metric = out["metric"].astype(str)
    n_group = pd.to_numeric(out["n_group"], errors="coerce").to_numpy(float)
    n_rest = pd.to_numeric(out["n_rest"], errors="coerce").to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        step_group = np.where(n_group > 0, base / n_group, np.nan)
        step_rest = np.where(n_rest > 0, base / n_rest, np.nan)
    shares = metric.isin(_SHARES_OF_SIZES).to_numpy()
    for column, step in (("value", step_group), ("reference", step_rest)):
        v = pd.to_numeric(out[column], errors="coerce").to_numpy(float)
        out[column] = np.where(shares, np.round(v / step) * step, v)
    differences = metric.isin(list(_SHARE_METRICS)).to_numpy()
    coarse = np.fmax(step_group, step_rest)
    for column in ("effect", "effect_lower", "effect_upper"):
        v = pd.to_numeric(out[column], errors="coerce").to_numpy(float)
        out[column] = np.where(differences, np.round(v / coarse) * coarse, v)
    # a distance between two profiles has both sizes as denominators: each side on a
    # multiple of its own grid at least as coarse as the other's, the effect their difference
    distance = (metric == "division_code_distance").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        wide_group = step_group * np.fmax(1.0, np.ceil(n_group / n_rest))
        wide_rest = step_rest * np.fmax(1.0, np.ceil(n_rest / n_group))
    for column, step in (("value", wide_group), ("reference", wide_rest)):
        v = pd.to_numeric(out[column], errors="coerce").to_numpy(float)
        out[column] = np.where(distance, np.round(v / step) * step, v)
    out["effect"] = np.where(distance, out["value"].to_numpy(float)
                             - out["reference"].to_numpy(float),
                             pd.to_numeric(out["effect"], errors="coerce").to_numpy(float))
    counts = metric.isin(_COUNTS_OF_SIZES).to_numpy()
    for column in ("value", "reference"):
        v = pd.to_numeric(out[column], errors="coerce").to_numpy(float)
        rounded = base * np.floor(v / base + 0.5)
        rounded = np.where((v >= k) & (rounded < k), base * np.ceil(k / base), rounded)
        out[column] = np.where(counts, np.where((v > 0) & (v < k), np.nan, rounded), v)
    return out


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

    #: group sizes rounded as curve counts are; sentences rewritten from shown values
    disclosure: ClassVar[Mapping[str, Any]] = {
        "withhold_by": "n_group", "rounded": ("n_group", "n_rest"), "restate": "restated"}
    #: one forest panel a metric, labelled with its quantity (trajectory.plotting.plot_flags)
    figure: ClassVar[Mapping[str, Any]] = {"kind": "flags"}

    def flagged(self) -> pd.DataFrame:
        """Only the flagged comparisons."""
        return self.table.loc[self.table["flagged"]].reset_index(drop=True)

    def restated(self) -> Flags:
        """The sentences rewritten from the table's shown values (called by the gate).

        After the disclosure gate, ``n_group`` and ``n_rest`` are multiples of its
        rounding base (``rounding``, else ``k``), and "about N cases compared" states
        their sum. Shares beside them are put on the grid of those shown sizes, so that
        a share times a group size cannot undo the rounding (:func:`_coarsened`). A row
        missing a number its sentence states (withheld, or hidden with a count) has no
        sentence.

        Examples
        --------
        >>> from trajectory.bottlenecks import TEST_COLUMNS, ReceptionResult
        >>> row = {**dict.fromkeys(TEST_COLUMNS, float("nan")), "lens": "reception",
        ...        "stage": "transmission", "by": "zone", "group": "5340",
        ...        "metric": "median_ratio", "effect": 2.0, "effect_lower": 1.5,
        ...        "effect_upper": 2.5, "p": 1e-6, "value": 40.0, "reference": 20.0,
        ...        "n_group": 103, "n_rest": 398}
        >>> tests = pd.DataFrame([row], columns=list(TEST_COLUMNS))
        >>> f = flags(ReceptionResult(table=pd.DataFrame(), tests=tests, n=501))
        >>> from trajectory.privacy.disclose import disclose
        >>> safe = disclose(f, k=5)  # the gate calls .restated() on its output
        >>> safe.table[["n_group", "n_rest"]].iloc[0].tolist()
        [105.0, 400.0]
        >>> safe.table["sentence"].iloc[0][-26:]
        'about 505 cases compared).'
        """
        audit = self.notes.get("disclosure") or {}
        base = int(audit.get("rounding") or audit.get("k") or 1)
        level = f"{100 * (1 - self.alpha):g}%"
        lang = str(self.notes.get("lang", "en"))
        table = self.table.copy()
        if audit:  # after the gate: no full-precision share beside a rounded group size
            table = _coarsened(table, base, int(audit.get("k") or base))
        keep = table["flagged"].astype("boolean").fillna(False).to_numpy(bool)
        if "withheld" in table.columns:
            keep &= ~table["withheld"].astype("boolean").fillna(True).to_numpy(bool)
        text = []
        for (_, row), flagged in zip(table.iterrows(), keep, strict=True):
            stated = pd.to_numeric(row[list(_stated(str(row["metric"])))], errors="coerce")
            ok = bool(flagged) and bool(np.isfinite(stated.to_numpy(float, na_value=np.nan)).all())
            text.append(sentence(row, level, base, lang) if ok else "")
        table["sentence"] = text
        return replace(self, table=table)

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
# The fixed phrases are the report's message catalogue (``templates/messages.toml``,
# table ``[flag]``); only numbers and vocabulary labels are filled in here.


def _msg(key: str, lang: str, **fields: Any) -> str:
    from ..messages import message

    return message(f"flag.{key}", lang, **fields)


def _num(value: Any, spec: str, lang: str) -> str:
    """``value`` formatted with ``spec``, with the decimal comma of nl and fr."""
    text = format(float(value), spec)
    if lang != "en":
        group = "\u202f" if lang == "fr" else "."
        text = text.replace(",", "\0").replace(".", ",").replace("\0", group)
        if text.endswith("%") and lang == "fr":
            text = text[:-1] + "\u202f%"
    return text


def _text(value: Any) -> str:
    """A cell as text; missing values (NaN, None) are the empty string."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def _dimension(name: str, lang: str) -> str:
    if lang == "en":
        return name.replace("_", " ")
    from ..messages import message_or

    return message_or(f"dimension.{name}", lang, name.replace("_", " ")).lower()


def _where(by: str, group: Any, lang: str = "en") -> str:
    g = _text(group)
    if by == "zone":
        return _msg("where.zone", lang, label=labels("police_zones", lang).get(g, g), code=g)
    if by == "division":
        return _msg("where.division", lang, code=g)
    if by == "offence_group":
        return labels("offence_groups", lang).get(g, g).lower()
    if by == "police_code":
        return _msg("where.police_code", lang, code=g,
                    label=labels("charge_codes", lang).get(g, g))
    return _msg("where.other", lang, by=_dimension(by, lang), code=g)


def _others(row: pd.Series, lang: str = "en") -> str:
    ref = _text(row["reference_group"])
    if ref not in ("rest", "", "nan"):
        return _where(row["by"], ref, lang)
    by = str(row["by"])
    from ..messages import catalogue

    return _msg(f"others.{by}" if f"flag.others.{by}" in catalogue() else "others.groups", lang)


def _among(row: pd.Series, lang: str = "en") -> str:
    sub = _text(row["subgroup"])
    if sub in (ALL, ""):
        return ""
    if "=" in sub:
        col, val = sub.split("=", 1)
        return _msg("among_with", lang, column=_dimension(col, lang), value=val)
    return _msg("among", lang, group=labels("offence_groups", lang).get(sub, sub).lower())


def _stated(metric: str) -> tuple[str, ...]:
    """The numbers (group sizes aside) that the sentence of ``metric`` states."""
    if metric == "division_code_distance":
        return ("value", "reference", "effect")
    if metric == "requalification_hazard_ratio" or not (
            metric in _DELAY_METRICS or metric in _SHARE_METRICS
            or metric == "cause_specific_hazard_ratio"):
        return ("effect", "effect_lower", "effect_upper")
    return ("value", "reference", "effect", "effect_lower", "effect_upper")


def _cases(row: pd.Series, base: int, lang: str = "en") -> str:
    n = float(row["n_group"]) + float(row["n_rest"])
    if not np.isfinite(n):
        return ""
    rounded = int(base * round(n / base)) if base > 1 else int(n)
    return _msg("cases_about" if base > 1 else "cases", lang, n=_num(rounded, ",.0f", lang))


def _ci(level: str, lang: str) -> str:
    from ..messages import message

    number = level.strip().rstrip("%").strip()
    return message("ci", lang, level=_num(number, "g", lang))


def sentence(row: pd.Series, level: str, base: int = 10, lang: str = "en") -> str:
    """The plain-language sentence of one flagged comparison, in ``lang``.

    Parameters
    ----------
    row : pandas.Series
        One row of the flags table (columns :data:`FLAG_COLUMNS`, ``sentence`` aside).
    level : str
        Confidence level of the interval, e.g. ``"95%"``.
    base : int, default 10
        Case counts are rounded to this base ("about 500 cases compared").
    lang : {"en", "fr", "nl"}, default "en"
        Language; the phrases come from the message catalogue (``[flag]``) and numbers
        take the decimal comma in French and Dutch.

    Examples
    --------
    >>> row = pd.Series({"metric": "median_ratio", "by": "zone", "group": "5340",
    ...     "reference_group": "rest", "subgroup": "all", "stage": "transmission",
    ...     "effect": 2.0, "effect_lower": 1.5, "effect_upper": 2.5, "value": 40.0,
    ...     "reference": 20.0, "adjusted_for": "", "n_group": 100, "n_rest": 400})
    >>> sentence(row, "95%", lang="fr")[:60]
    'Pour la zone de police Bruxelles-Ouest (5340), la médiane du'
    >>> "2,0 fois" in sentence(row, "95%", lang="fr")
    True
    """
    m, by = str(row["metric"]), str(row["by"])
    where = _where(by, row["group"], lang)
    among = _among(row, lang)
    lead = among + _msg("lead_after" if among else "lead", lang)
    others = _others(row, lang)
    e, lo, hi = row["effect"], row["effect_lower"], row["effect_upper"]
    adj = _text(row.get("adjusted_for"))
    if adj:
        adj = _msg("adjusted", lang, adj=" x ".join(_dimension(a, lang) for a in adj.split("+")))
    common = dict(where=where, others=others, ci=_ci(level, lang), adj=adj,
                  n=_cases(row, base, lang))
    stage = str(row["stage"])
    from ..messages import message_or

    def pct(v: Any) -> str:
        return _num(v, ".0%", lang)

    def points(v: Any, spec: str = "+.0f") -> str:
        return _num(100 * float(v), spec, lang)

    if m in _DELAY_METRICS:
        return _msg("delay", lang, lead=lead, quantile=_msg(f"quantile.{m}", lang),
                    stage=message_or(f"flag.stage.{stage}", lang, stage.replace("_", " ")),
                    effect=_msg("times", lang, x=_num(e, ".1f", lang)),
                    value=_num(row["value"], ".0f", lang),
                    reference=_num(row["reference"], ".0f", lang),
                    lower=_num(lo, ".1f", lang), upper=_num(hi, ".1f", lang), **common)
    if m == "cause_specific_hazard_ratio":
        return _msg("hazard", lang, lead=lead,
                    outcome=message_or(f"flag.outcome.{stage}", lang, stage.replace("_", " ")),
                    effect=_msg("times", lang, x=_num(e, ".2f", lang)),
                    lower=_num(lo, ".2f", lang), upper=_num(hi, ".2f", lang),
                    value=pct(row["value"]), reference=pct(row["reference"]), **common)
    if m.endswith("_flag_loss_difference"):
        flag = _msg("lost.hate" if m.startswith("hate") else "lost.ifg", lang)
        subject = (_msg("loss_subject_group", lang, where=where, flag=flag)
                   if by == "offence_group"
                   else _msg("loss_subject", lang, lead=lead, where=where, flag=flag))
        return _msg("loss", lang, subject=subject, value=pct(row["value"]),
                    reference=pct(row["reference"]), diff=points(e), lower=points(lo),
                    upper=points(hi), **{k: v for k, v in common.items() if k != "where"})
    if m == "requalification_hazard_ratio":
        return _msg("requalification", lang, where=where,
                    effect=_msg("times", lang, x=_num(e, ".2f", lang)),
                    ci=common["ci"], lower=_num(lo, ".2f", lang),
                    upper=_num(hi, ".2f", lang), n=common["n"])
    if m == "division_code_distance":
        return _msg("division_distance", lang, where=where, value=pct(row["value"]),
                    diff=points(e, ".0f"), reference=pct(row["reference"]), n=common["n"])
    if m in ("referral_rate_difference", "informed_rate_difference"):
        key = "referral" if m.startswith("referral") else "informed"
        return _msg(key, lang, lead=lead, value=pct(row["value"]),
                    reference=pct(row["reference"]), diff=points(e), lower=points(lo),
                    upper=points(hi), **common)
    metric = m if lang == "en" else message_or(f"value.{m}", lang, m)
    return _msg("other", lang, lead=lead, where=where, metric=metric,
                effect=_num(e, ".3g", lang), ci=common["ci"], lower=_num(lo, ".3g", lang),
                upper=_num(hi, ".3g", lang), n=common["n"])


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
    lang: str = "en",
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
    lang : {"en", "fr", "nl"}, default "en"
        Language of the ``sentence`` column (see :func:`sentence`).

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
    return _decide(table, rules, level, alpha, n, lang)


def _decide(table: pd.DataFrame, rules: FlagRules, level: str, alpha: float, n: int,
            lang: str = "en") -> Flags:
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
    table["sentence"] = [sentence(row, level, rules.case_rounding, lang) if f else ""
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
               "rules": rules, "tree_levels": TREE_LEVELS, "lang": lang},
    )
